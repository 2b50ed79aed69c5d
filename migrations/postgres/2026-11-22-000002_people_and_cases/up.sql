-- Households, persons, consents and shared cases.

CREATE TABLE households (
    id                   uuid PRIMARY KEY,
    address              text NOT NULL,
    admin_dong_code      text,
    registered_by_org_id uuid NOT NULL REFERENCES organizations (id),
    allocation_seq       bigint NOT NULL DEFAULT 0,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamp NOT NULL,
    updated_at           timestamp NOT NULL
);

CREATE TABLE persons (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL,
    birth_date           date NOT NULL,
    sex                  text,
    rrn_cipher           text,
    rrn_hmac             text UNIQUE,
    rrn_masked           text,
    phone                text,
    address              text,
    household_id         uuid REFERENCES households (id),
    flags                text NOT NULL DEFAULT '',
    registered_by_org_id uuid NOT NULL REFERENCES organizations (id),
    allocation_seq       bigint NOT NULL DEFAULT 0,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamp NOT NULL,
    updated_at           timestamp NOT NULL
);
CREATE INDEX persons_name_idx ON persons (name text_pattern_ops);
CREATE INDEX persons_birth_date_idx ON persons (birth_date);
CREATE INDEX persons_household_idx ON persons (household_id);

CREATE TABLE consents (
    id                 uuid PRIMARY KEY,
    person_id          uuid NOT NULL REFERENCES persons (id),
    purpose            text NOT NULL,
    scope              text NOT NULL,
    granted_at         timestamp NOT NULL,
    expires_at         timestamp NOT NULL,
    withdrawn_at       timestamp,
    evidence_ref       text,
    recorded_by        uuid NOT NULL REFERENCES users (id),
    recorded_by_org_id uuid NOT NULL REFERENCES organizations (id)
);
CREATE INDEX consents_person_idx ON consents (person_id);

CREATE TABLE consent_organizations (
    consent_id uuid NOT NULL REFERENCES consents (id),
    org_id     uuid NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (consent_id, org_id)
);

CREATE TABLE case_counters (
    district_code text NOT NULL,
    year          integer NOT NULL,
    last_seq      bigint NOT NULL,
    PRIMARY KEY (district_code, year)
);

CREATE TABLE cases (
    id            uuid PRIMARY KEY,
    case_no       text NOT NULL UNIQUE,
    person_id     uuid NOT NULL REFERENCES persons (id),
    lead_org_id   uuid NOT NULL REFERENCES organizations (id),
    district_code text NOT NULL,
    case_type     text NOT NULL,
    risk_level    text NOT NULL,
    source        text NOT NULL,
    status        text NOT NULL,
    summary       text NOT NULL,
    needs         text NOT NULL DEFAULT '[]',
    version       integer NOT NULL DEFAULT 1,
    created_by    uuid NOT NULL REFERENCES users (id),
    created_at    timestamp NOT NULL,
    updated_at    timestamp NOT NULL
);
CREATE INDEX cases_person_idx ON cases (person_id);
CREATE INDEX cases_district_idx ON cases (district_code, id);
CREATE INDEX cases_lead_idx ON cases (lead_org_id, id);

CREATE TABLE case_participants (
    case_id  uuid NOT NULL REFERENCES cases (id),
    org_id   uuid NOT NULL REFERENCES organizations (id),
    role     text NOT NULL,
    added_at timestamp NOT NULL,
    added_by uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (case_id, org_id)
);
CREATE INDEX case_participants_org_idx ON case_participants (org_id, case_id);

CREATE TABLE case_assignments (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    org_id      uuid NOT NULL REFERENCES organizations (id),
    role        text NOT NULL,
    assigned_at timestamp NOT NULL,
    assigned_by uuid NOT NULL REFERENCES users (id),
    ended_at    timestamp
);
CREATE INDEX case_assignments_active_user_idx ON case_assignments (user_id, case_id) WHERE ended_at IS NULL;
CREATE INDEX case_assignments_case_idx ON case_assignments (case_id);

CREATE TABLE case_notes (
    id                  uuid PRIMARY KEY,
    case_id             uuid NOT NULL REFERENCES cases (id),
    org_id              uuid NOT NULL REFERENCES organizations (id),
    author_id           uuid NOT NULL REFERENCES users (id),
    kind                text NOT NULL,
    occurred_at         timestamp NOT NULL,
    body                text NOT NULL,
    co_visitor_user_ids text NOT NULL DEFAULT '[]',
    visibility          text NOT NULL,
    created_at          timestamp NOT NULL
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, occurred_at);

-- The timeline: what happened to a case, in order; `only_org_id` limits an entry to one org.
CREATE TABLE case_events (
    id            uuid PRIMARY KEY,
    case_id       uuid NOT NULL REFERENCES cases (id),
    occurred_at   timestamp NOT NULL,
    actor_user_id uuid,
    actor_org_id  uuid,
    kind          text NOT NULL,
    only_org_id   uuid,
    data          text NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case_idx ON case_events (case_id, occurred_at);
