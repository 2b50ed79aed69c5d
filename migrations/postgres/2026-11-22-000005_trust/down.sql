CREATE OR REPLACE FUNCTION audit_events_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'audit_events is append-only';
    END IF;
    IF OLD.chain_seq IS NOT NULL OR NEW.chain_seq IS NULL OR NEW.hash IS NULL
       OR (to_jsonb(NEW) - 'chain_seq' - 'prev_hash' - 'hash')
          IS DISTINCT FROM (to_jsonb(OLD) - 'chain_seq' - 'prev_hash' - 'hash') THEN
        RAISE EXCEPTION 'audit_events is append-only';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TABLE audit_chain_anchor;
DROP FUNCTION audit_anchor_guard();
ALTER TABLE persons DROP COLUMN anonymized_at;
DROP TABLE idempotency_keys;
