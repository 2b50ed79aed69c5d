-- Idempotency-Key: one stored response per (user, key) for 24 hours.
CREATE TABLE idempotency_keys (
    user_id     text NOT NULL,
    idem_key    text NOT NULL,
    fingerprint text NOT NULL,
    status_code integer,
    response    text,
    created_at  timestamp NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Retention: anonymised persons keep their row (cases and allocations refer to it).
ALTER TABLE persons ADD COLUMN anonymized_at timestamp;

-- Retention may purge the oldest part of the audit chain: the anchor keeps the last purged
-- event's position and hash, so the rest still verifies.
CREATE TABLE audit_chain_anchor (
    id                 integer PRIMARY KEY CHECK (id = 1),
    purged_through_seq bigint NOT NULL,
    anchor_hash        text NOT NULL
);
INSERT INTO audit_chain_anchor (id, purged_through_seq, anchor_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_chain_anchor
BEGIN
    SELECT RAISE(ABORT, 'the audit anchor only moves forward');
END;

-- The anchor only moves forward, onto a sealed event at least two years old, and takes its hash.
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_chain_anchor
WHEN NEW.id IS NOT 1 OR NEW.purged_through_seq < OLD.purged_through_seq
  OR (NEW.purged_through_seq <> OLD.purged_through_seq AND NOT EXISTS (
      SELECT 1 FROM audit_events
      WHERE chain_seq = NEW.purged_through_seq AND hash = NEW.anchor_hash
        AND occurred_at < datetime('now', '-2 years')))
BEGIN
    SELECT RAISE(ABORT, 'the audit anchor must be a sealed event older than two years');
END;

-- Events may be deleted only behind the anchor and when older than two years (the legal minimum).
DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.chain_seq IS NULL
  OR OLD.chain_seq > (SELECT purged_through_seq FROM audit_chain_anchor WHERE id = 1)
  OR OLD.occurred_at >= datetime('now', '-2 years')
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
