-- Case management as practised (#14): household cases, assessments over time, service plans
-- and reviews, closing reasons and a bounded follow-up (사후관리), meetings that steer ongoing
-- cases (guests' roles, decisions with a case type or a closing reason, agenda requests).

ALTER TABLE cases ADD COLUMN household_id TEXT REFERENCES households (id);
ALTER TABLE cases ADD COLUMN intake_on DATE;
ALTER TABLE cases ADD COLUMN next_review_on DATE;
ALTER TABLE cases ADD COLUMN closing_reason TEXT;
ALTER TABLE cases ADD COLUMN closing_note TEXT;
ALTER TABLE cases ADD COLUMN closing_evaluation TEXT;
ALTER TABLE cases ADD COLUMN closed_on DATE;
ALTER TABLE cases ADD COLUMN follow_up_until DATE;
ALTER TABLE cases ADD COLUMN follow_up_checks TEXT NOT NULL DEFAULT '[]';
-- Cases past discovery were taken in when they were opened, as far as anyone can tell now.
UPDATE cases SET intake_on = date(created_at) WHERE status <> 'discovered';
CREATE INDEX cases_review_idx ON cases (next_review_on) WHERE next_review_on IS NOT NULL;
CREATE INDEX cases_follow_up_idx ON cases (follow_up_until) WHERE follow_up_until IS NOT NULL;
CREATE INDEX cases_household_idx ON cases (household_id) WHERE household_id IS NOT NULL;

-- Everyone a case is for: the person of a per-person case, every member of a household case.
-- The one-open-case rule reads this table.
CREATE TABLE case_members (
    case_id   TEXT NOT NULL REFERENCES cases (id),
    person_id TEXT NOT NULL REFERENCES persons (id),
    added_at  TIMESTAMP NOT NULL,
    added_by  TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_members_person_idx ON case_members (person_id, case_id);
INSERT INTO case_members (case_id, person_id, added_at, added_by)
SELECT id, person_id, created_at, created_by FROM cases;

ALTER TABLE case_notes ADD COLUMN person_id TEXT REFERENCES persons (id);

-- Dated, immutable assessments (사정); a re-assessment adds one.
CREATE TABLE case_assessments (
    id               TEXT PRIMARY KEY NOT NULL,
    case_id          TEXT NOT NULL REFERENCES cases (id),
    person_id        TEXT REFERENCES persons (id),
    assessed_on      DATE NOT NULL,
    assessor_user_id TEXT NOT NULL REFERENCES users (id),
    assessor_org_id  TEXT NOT NULL REFERENCES organizations (id),
    domains          TEXT NOT NULL,
    risk_level       TEXT NOT NULL,
    summary          TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX case_assessments_case_idx ON case_assessments (case_id, assessed_on, id);

-- Service plans (서비스 계획): one active revision per case, earlier revisions kept.
CREATE TABLE service_plans (
    id                TEXT PRIMARY KEY NOT NULL,
    case_id           TEXT NOT NULL REFERENCES cases (id),
    revision          INTEGER NOT NULL,
    status            TEXT NOT NULL,
    summary           TEXT,
    starts_on         DATE NOT NULL,
    ends_on           DATE,
    goals             TEXT NOT NULL,
    services          TEXT NOT NULL,
    next_review_on    DATE,
    created_by        TEXT NOT NULL REFERENCES users (id),
    created_by_org_id TEXT NOT NULL REFERENCES organizations (id),
    created_at        TIMESTAMP NOT NULL,
    UNIQUE (case_id, revision)
);

-- Reviews (점검) of a plan's goals.
CREATE TABLE plan_reviews (
    id               TEXT PRIMARY KEY NOT NULL,
    plan_id          TEXT NOT NULL REFERENCES service_plans (id),
    case_id          TEXT NOT NULL REFERENCES cases (id),
    reviewed_on      DATE NOT NULL,
    reviewer_user_id TEXT NOT NULL REFERENCES users (id),
    reviewer_org_id  TEXT NOT NULL REFERENCES organizations (id),
    goal_progress    TEXT NOT NULL,
    summary          TEXT,
    next_review_on   DATE,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX plan_reviews_plan_idx ON plan_reviews (plan_id, reviewed_on);

ALTER TABLE meeting_participants ADD COLUMN external_role TEXT;
ALTER TABLE meeting_decisions ADD COLUMN case_type TEXT;
ALTER TABLE meeting_decisions ADD COLUMN closing_reason TEXT;

-- A participant organization proposes a case for another organization's meeting.
CREATE TABLE agenda_requests (
    id             TEXT PRIMARY KEY NOT NULL,
    meeting_id     TEXT NOT NULL REFERENCES meetings (id),
    case_id        TEXT NOT NULL REFERENCES cases (id),
    from_org_id    TEXT NOT NULL REFERENCES organizations (id),
    requested_by   TEXT NOT NULL REFERENCES users (id),
    note           TEXT,
    status         TEXT NOT NULL,
    decline_reason TEXT,
    answered_by    TEXT REFERENCES users (id),
    answered_at    TIMESTAMP,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX agenda_requests_meeting_idx ON agenda_requests (meeting_id, id);
