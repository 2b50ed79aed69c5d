-- (SQLite twin of the PostgreSQL migration.) Meetings that decide (사정회의, 통합사례회의, 솔루션회의), their action items, and referrals.

CREATE TABLE meetings (
    id            TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    scheduled_at  TIMESTAMP NOT NULL,
    location      TEXT,
    host_org_id   TEXT NOT NULL REFERENCES organizations (id),
    district_code TEXT NOT NULL,
    status        TEXT NOT NULL,
    minutes       TEXT,
    finalized_at  TIMESTAMP,
    finalized_by  TEXT REFERENCES users (id),
    created_by    TEXT NOT NULL REFERENCES users (id),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX meetings_host_idx ON meetings (host_org_id, scheduled_at);
CREATE INDEX meetings_district_idx ON meetings (district_code, scheduled_at);

CREATE TABLE meeting_participants (
    id                    TEXT PRIMARY KEY NOT NULL,
    meeting_id            TEXT NOT NULL REFERENCES meetings (id),
    user_id               TEXT REFERENCES users (id),
    org_id                TEXT REFERENCES organizations (id),
    external_name         TEXT,
    external_organization TEXT,
    attended              BOOLEAN
);
CREATE INDEX meeting_participants_meeting_idx ON meeting_participants (meeting_id);
CREATE INDEX meeting_participants_org_idx ON meeting_participants (org_id, meeting_id);

CREATE TABLE meeting_agenda (
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    case_id    TEXT NOT NULL REFERENCES cases (id),
    added_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, case_id)
);
CREATE INDEX meeting_agenda_case_idx ON meeting_agenda (case_id);

CREATE TABLE meeting_decisions (
    meeting_id   TEXT NOT NULL REFERENCES meetings (id),
    case_id      TEXT NOT NULL REFERENCES cases (id),
    decision     TEXT NOT NULL,
    lead_org_id  TEXT REFERENCES organizations (id),
    notes        TEXT,
    action_items TEXT NOT NULL DEFAULT '[]',
    decided_by   TEXT NOT NULL REFERENCES users (id),
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, case_id)
);

CREATE TABLE action_items (
    id               TEXT PRIMARY KEY NOT NULL,
    meeting_id       TEXT NOT NULL REFERENCES meetings (id),
    case_id          TEXT NOT NULL REFERENCES cases (id),
    assignee_user_id TEXT NOT NULL REFERENCES users (id),
    description      TEXT NOT NULL,
    due_on           DATE NOT NULL,
    completed_at     TIMESTAMP,
    completed_by     TEXT REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX action_items_assignee_idx ON action_items (assignee_user_id, id);

CREATE TABLE referrals (
    id                 TEXT PRIMARY KEY NOT NULL,
    case_id            TEXT NOT NULL REFERENCES cases (id),
    from_org_id        TEXT NOT NULL REFERENCES organizations (id),
    to_org_id          TEXT NOT NULL REFERENCES organizations (id),
    reason             TEXT NOT NULL,
    requested_services TEXT NOT NULL DEFAULT '[]',
    status             TEXT NOT NULL,
    response_note      TEXT,
    outcome            TEXT,
    created_by         TEXT NOT NULL REFERENCES users (id),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX referrals_to_idx ON referrals (to_org_id, id);
CREATE INDEX referrals_from_idx ON referrals (from_org_id, id);
