-- Households, persons, consents and shared cases (SQLite twin of the PostgreSQL migration).

CREATE TABLE households (
    id                   TEXT PRIMARY KEY NOT NULL,
    address              TEXT NOT NULL,
    admin_dong_code      TEXT,
    registered_by_org_id TEXT NOT NULL REFERENCES organizations (id),
    allocation_seq       BIGINT NOT NULL DEFAULT 0,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);

CREATE TABLE persons (
    id                   TEXT PRIMARY KEY NOT NULL,
    name                 TEXT NOT NULL,
    birth_date           DATE NOT NULL,
    sex                  TEXT,
    rrn_cipher           TEXT,
    rrn_hmac             TEXT UNIQUE,
    rrn_masked           TEXT,
    phone                TEXT,
    address              TEXT,
    household_id         TEXT REFERENCES households (id),
    flags                TEXT NOT NULL DEFAULT '',
    registered_by_org_id TEXT NOT NULL REFERENCES organizations (id),
    allocation_seq       BIGINT NOT NULL DEFAULT 0,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX persons_name_idx ON persons (name);
CREATE INDEX persons_birth_date_idx ON persons (birth_date);
CREATE INDEX persons_household_idx ON persons (household_id);

CREATE TABLE consents (
    id                 TEXT PRIMARY KEY NOT NULL,
    person_id          TEXT NOT NULL REFERENCES persons (id),
    purpose            TEXT NOT NULL,
    scope              TEXT NOT NULL,
    granted_at         TIMESTAMP NOT NULL,
    expires_at         TIMESTAMP NOT NULL,
    withdrawn_at       TIMESTAMP,
    evidence_ref       TEXT,
    recorded_by        TEXT NOT NULL REFERENCES users (id),
    recorded_by_org_id TEXT NOT NULL REFERENCES organizations (id)
);
CREATE INDEX consents_person_idx ON consents (person_id);

CREATE TABLE consent_organizations (
    consent_id TEXT NOT NULL REFERENCES consents (id),
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (consent_id, org_id)
);

CREATE TABLE case_counters (
    district_code TEXT NOT NULL,
    year          INTEGER NOT NULL,
    last_seq      BIGINT NOT NULL,
    PRIMARY KEY (district_code, year)
);

CREATE TABLE cases (
    id            TEXT PRIMARY KEY NOT NULL,
    case_no       TEXT NOT NULL UNIQUE,
    person_id     TEXT NOT NULL REFERENCES persons (id),
    lead_org_id   TEXT NOT NULL REFERENCES organizations (id),
    district_code TEXT NOT NULL,
    case_type     TEXT NOT NULL,
    risk_level    TEXT NOT NULL,
    source        TEXT NOT NULL,
    status        TEXT NOT NULL,
    summary       TEXT NOT NULL,
    needs         TEXT NOT NULL DEFAULT '[]',
    version       INTEGER NOT NULL DEFAULT 1,
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX cases_person_idx ON cases (person_id);
CREATE INDEX cases_district_idx ON cases (district_code, id);
CREATE INDEX cases_lead_idx ON cases (lead_org_id, id);

CREATE TABLE case_participants (
    case_id  TEXT NOT NULL REFERENCES cases (id),
    org_id   TEXT NOT NULL REFERENCES organizations (id),
    role     TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL,
    added_by TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (case_id, org_id)
);
CREATE INDEX case_participants_org_idx ON case_participants (org_id, case_id);

CREATE TABLE case_assignments (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    role        TEXT NOT NULL,
    assigned_at TIMESTAMP NOT NULL,
    assigned_by TEXT NOT NULL REFERENCES users (id),
    ended_at    TIMESTAMP
);
CREATE INDEX case_assignments_active_user_idx ON case_assignments (user_id, case_id) WHERE ended_at IS NULL;
CREATE INDEX case_assignments_case_idx ON case_assignments (case_id);

CREATE TABLE case_notes (
    id                  TEXT PRIMARY KEY NOT NULL,
    case_id             TEXT NOT NULL REFERENCES cases (id),
    org_id              TEXT NOT NULL REFERENCES organizations (id),
    author_id           TEXT NOT NULL REFERENCES users (id),
    kind                TEXT NOT NULL,
    occurred_at         TIMESTAMP NOT NULL,
    body                TEXT NOT NULL,
    co_visitor_user_ids TEXT NOT NULL DEFAULT '[]',
    visibility          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, occurred_at);

-- The timeline: what happened to a case, in order; `only_org_id` limits an entry to one org.
CREATE TABLE case_events (
    id            TEXT PRIMARY KEY NOT NULL,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    occurred_at   TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor_org_id  TEXT,
    kind          TEXT NOT NULL,
    only_org_id   TEXT,
    data          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case_idx ON case_events (case_id, occurred_at);
