-- Districts are walls (SQLite twin of the PostgreSQL migration).
ALTER TABLE persons ADD COLUMN district_code TEXT NOT NULL DEFAULT '';
UPDATE persons SET district_code = (
  SELECT o.district_code FROM organizations o WHERE o.id = persons.registered_by_org_id);
CREATE INDEX persons_district_name_idx ON persons (district_code, name);

ALTER TABLE households ADD COLUMN district_code TEXT NOT NULL DEFAULT '';
UPDATE households SET district_code = (
  SELECT o.district_code FROM organizations o WHERE o.id = households.registered_by_org_id);

CREATE TABLE person_transfers (
    id                  TEXT PRIMARY KEY NOT NULL,
    person_id           TEXT NOT NULL REFERENCES persons (id),
    from_district_code  TEXT NOT NULL,
    to_district_code    TEXT NOT NULL,
    reason              TEXT NOT NULL,
    status              TEXT NOT NULL,
    requested_by        TEXT NOT NULL REFERENCES users (id),
    requested_by_org_id TEXT NOT NULL REFERENCES organizations (id),
    decided_by          TEXT REFERENCES users (id),
    decision_note       TEXT,
    created_at          TIMESTAMP NOT NULL,
    decided_at          TIMESTAMP
);
CREATE INDEX person_transfers_person_idx ON person_transfers (person_id);
CREATE INDEX person_transfers_from_idx ON person_transfers (from_district_code, id);
CREATE INDEX person_transfers_to_idx ON person_transfers (to_district_code, id);

ALTER TABLE idempotency_keys ADD COLUMN lease_until TIMESTAMP;
ALTER TABLE idempotency_keys ADD COLUMN committed_at TIMESTAMP;
ALTER TABLE idempotency_keys ADD COLUMN committed_resource TEXT;

ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT 0;

-- A `refer` decision names the organization the case is referred to; finalizing sends it.
ALTER TABLE meeting_decisions ADD COLUMN refer_to_org_id TEXT REFERENCES organizations (id);
