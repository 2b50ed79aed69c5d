DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
DROP TRIGGER audit_anchor_forward;
DROP TRIGGER audit_anchor_no_delete;
DROP TABLE audit_chain_anchor;
ALTER TABLE persons DROP COLUMN anonymized_at;
DROP TABLE idempotency_keys;
