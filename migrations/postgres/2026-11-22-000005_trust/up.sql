-- Idempotency-Key: one stored response per (user, key) for 24 hours.
CREATE TABLE idempotency_keys (
    user_id     uuid NOT NULL,
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

-- The anchor only moves forward, onto a sealed event at least two years old, and takes its hash.
CREATE FUNCTION audit_anchor_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.id <> 1 OR NEW.purged_through_seq < OLD.purged_through_seq THEN
        RAISE EXCEPTION 'the audit anchor only moves forward';
    END IF;
    IF NEW.purged_through_seq <> OLD.purged_through_seq AND NOT EXISTS (
        SELECT 1 FROM audit_events
        WHERE chain_seq = NEW.purged_through_seq AND hash = NEW.anchor_hash
          AND occurred_at < (now() AT TIME ZONE 'UTC') - interval '2 years') THEN
        RAISE EXCEPTION 'the audit anchor must be a sealed event older than two years';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_anchor_guard_rows BEFORE UPDATE OR DELETE ON audit_chain_anchor
    FOR EACH ROW EXECUTE FUNCTION audit_anchor_guard();

-- Events may be deleted only behind the anchor and when older than two years (the legal minimum).
CREATE OR REPLACE FUNCTION audit_events_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.chain_seq IS NOT NULL
       AND OLD.chain_seq <= (SELECT purged_through_seq FROM audit_chain_anchor WHERE id = 1)
       AND OLD.occurred_at < (now() AT TIME ZONE 'UTC') - interval '2 years' THEN
        RETURN OLD;
    END IF;
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
