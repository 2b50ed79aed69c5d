-- Organizations, users, sessions and the audit trail (SQLite twin of the PostgreSQL migration).

CREATE TABLE organizations (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    district_code TEXT NOT NULL,
    parent_id     TEXT REFERENCES organizations (id),
    hub_org_id    TEXT REFERENCES organizations (id),
    active        BOOLEAN NOT NULL DEFAULT 1,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX organizations_district_idx ON organizations (district_code, id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    role          TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    last_login_at TIMESTAMP,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX users_org_idx ON users (org_id, id);

CREATE TABLE auth_sessions (
    id             TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    revoked_reason TEXT
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES auth_sessions (id),
    issued_at  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_id      TEXT NOT NULL UNIQUE,
    occurred_at   TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor_org_id  TEXT,
    actor_role    TEXT,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT,
    person_id     TEXT,
    purpose       TEXT,
    ip            TEXT,
    request_id    TEXT,
    details       TEXT,
    chain_seq     BIGINT UNIQUE,
    prev_hash     TEXT,
    hash          TEXT
);
CREATE INDEX audit_events_unsealed_idx ON audit_events (id) WHERE chain_seq IS NULL;
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at);

CREATE TABLE audit_chain_head (
    id        INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last_seq  BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_seal_only BEFORE UPDATE ON audit_events
WHEN OLD.chain_seq IS NOT NULL OR NEW.chain_seq IS NULL OR NEW.hash IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.event_id IS NOT OLD.event_id
  OR NEW.occurred_at IS NOT OLD.occurred_at OR NEW.actor_user_id IS NOT OLD.actor_user_id
  OR NEW.actor_org_id IS NOT OLD.actor_org_id OR NEW.actor_role IS NOT OLD.actor_role
  OR NEW.action IS NOT OLD.action OR NEW.resource_type IS NOT OLD.resource_type
  OR NEW.resource_id IS NOT OLD.resource_id OR NEW.person_id IS NOT OLD.person_id
  OR NEW.purpose IS NOT OLD.purpose OR NEW.ip IS NOT OLD.ip
  OR NEW.request_id IS NOT OLD.request_id OR NEW.details IS NOT OLD.details
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
