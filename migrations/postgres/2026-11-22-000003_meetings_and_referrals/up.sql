-- Meetings that decide (사정회의, 통합사례회의, 솔루션회의), their action items, and referrals.

CREATE TABLE meetings (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL,
    title         text NOT NULL,
    scheduled_at  timestamp NOT NULL,
    location      text,
    host_org_id   uuid NOT NULL REFERENCES organizations (id),
    district_code text NOT NULL,
    status        text NOT NULL,
    minutes       text,
    finalized_at  timestamp,
    finalized_by  uuid REFERENCES users (id),
    created_by    uuid NOT NULL REFERENCES users (id),
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamp NOT NULL,
    updated_at    timestamp NOT NULL
);
CREATE INDEX meetings_host_idx ON meetings (host_org_id, scheduled_at);
CREATE INDEX meetings_district_idx ON meetings (district_code, scheduled_at);

CREATE TABLE meeting_participants (
    id                    uuid PRIMARY KEY,
    meeting_id            uuid NOT NULL REFERENCES meetings (id),
    user_id               uuid REFERENCES users (id),
    org_id                uuid REFERENCES organizations (id),
    external_name         text,
    external_organization text,
    attended              boolean
);
CREATE INDEX meeting_participants_meeting_idx ON meeting_participants (meeting_id);
CREATE INDEX meeting_participants_org_idx ON meeting_participants (org_id, meeting_id);

CREATE TABLE meeting_agenda (
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    case_id    uuid NOT NULL REFERENCES cases (id),
    added_at   timestamp NOT NULL,
    PRIMARY KEY (meeting_id, case_id)
);
CREATE INDEX meeting_agenda_case_idx ON meeting_agenda (case_id);

CREATE TABLE meeting_decisions (
    meeting_id   uuid NOT NULL REFERENCES meetings (id),
    case_id      uuid NOT NULL REFERENCES cases (id),
    decision     text NOT NULL,
    lead_org_id  uuid REFERENCES organizations (id),
    notes        text,
    action_items text NOT NULL DEFAULT '[]',
    decided_by   uuid NOT NULL REFERENCES users (id),
    updated_at   timestamp NOT NULL,
    PRIMARY KEY (meeting_id, case_id)
);

CREATE TABLE action_items (
    id               uuid PRIMARY KEY,
    meeting_id       uuid NOT NULL REFERENCES meetings (id),
    case_id          uuid NOT NULL REFERENCES cases (id),
    assignee_user_id uuid NOT NULL REFERENCES users (id),
    description      text NOT NULL,
    due_on           date NOT NULL,
    completed_at     timestamp,
    completed_by     uuid REFERENCES users (id),
    created_at       timestamp NOT NULL
);
CREATE INDEX action_items_assignee_idx ON action_items (assignee_user_id, id);

CREATE TABLE referrals (
    id                 uuid PRIMARY KEY,
    case_id            uuid NOT NULL REFERENCES cases (id),
    from_org_id        uuid NOT NULL REFERENCES organizations (id),
    to_org_id          uuid NOT NULL REFERENCES organizations (id),
    reason             text NOT NULL,
    requested_services text NOT NULL DEFAULT '[]',
    status             text NOT NULL,
    response_note      text,
    outcome            text,
    created_by         uuid NOT NULL REFERENCES users (id),
    created_at         timestamp NOT NULL,
    updated_at         timestamp NOT NULL
);
CREATE INDEX referrals_to_idx ON referrals (to_org_id, id);
CREATE INDEX referrals_from_idx ON referrals (from_org_id, id);
