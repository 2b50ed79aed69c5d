-- Organizations, users, sessions and the audit trail.

CREATE TABLE organizations (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    kind          text NOT NULL,
    district_code text NOT NULL,
    parent_id     uuid REFERENCES organizations (id),
    hub_org_id    uuid REFERENCES organizations (id),
    active        boolean NOT NULL DEFAULT true,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamp NOT NULL,
    updated_at    timestamp NOT NULL
);
CREATE INDEX organizations_district_idx ON organizations (district_code, id);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL,
    password_hash text NOT NULL,
    org_id        uuid NOT NULL REFERENCES organizations (id),
    role          text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until  timestamp,
    last_login_at timestamp,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamp NOT NULL,
    updated_at    timestamp NOT NULL
);
CREATE INDEX users_org_idx ON users (org_id, id);

-- One login: its refresh tokens form a family; revoking the session ends them all and every
-- access token that names it.
CREATE TABLE auth_sessions (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id),
    created_at     timestamp NOT NULL,
    expires_at     timestamp NOT NULL,
    revoked_at     timestamp,
    revoked_reason text
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash text PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES auth_sessions (id),
    issued_at  timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    used_at    timestamp
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Append-only, hash-chained. Rows are inserted unsealed in the transaction of what they record;
-- the sealer gives each its chain position and hash, in sealing order.
CREATE TABLE audit_events (
    id            bigserial PRIMARY KEY,
    event_id      uuid NOT NULL UNIQUE,
    occurred_at   timestamp NOT NULL,
    actor_user_id uuid,
    actor_org_id  uuid,
    actor_role    text,
    action        text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text,
    person_id     uuid,
    purpose       text,
    ip            text,
    request_id    text,
    details       text,
    chain_seq     bigint UNIQUE,
    prev_hash     text,
    hash          text
);
CREATE INDEX audit_events_unsealed_idx ON audit_events (id) WHERE chain_seq IS NULL;
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at);

CREATE TABLE audit_chain_head (
    id        integer PRIMARY KEY CHECK (id = 1),
    last_seq  bigint NOT NULL,
    last_hash text NOT NULL
);
INSERT INTO audit_chain_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Only sealing may touch a stored event: once, filling chain_seq, prev_hash and hash.
CREATE FUNCTION audit_events_guard() RETURNS trigger AS $$
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

CREATE TRIGGER audit_events_guard_rows BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
CREATE TRIGGER audit_events_guard_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_guard();
