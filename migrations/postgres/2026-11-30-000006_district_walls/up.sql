-- Districts are walls: a person and a household belong to one district (that of the
-- registering organization until a transfer, 전입, moves them).
ALTER TABLE persons ADD COLUMN district_code text NOT NULL DEFAULT '';
UPDATE persons SET district_code = o.district_code
  FROM organizations o WHERE o.id = persons.registered_by_org_id;
ALTER TABLE persons ALTER COLUMN district_code DROP DEFAULT;
CREATE INDEX persons_district_name_idx ON persons (district_code, name);

ALTER TABLE households ADD COLUMN district_code text NOT NULL DEFAULT '';
UPDATE households SET district_code = o.district_code
  FROM organizations o WHERE o.id = households.registered_by_org_id;
ALTER TABLE households ALTER COLUMN district_code DROP DEFAULT;

-- A transfer between districts: asked by the receiving district's coordinator, approved or
-- declined by the owning district's.
CREATE TABLE person_transfers (
    id                  uuid PRIMARY KEY,
    person_id           uuid NOT NULL REFERENCES persons (id),
    from_district_code  text NOT NULL,
    to_district_code    text NOT NULL,
    reason              text NOT NULL,
    status              text NOT NULL,
    requested_by        uuid NOT NULL REFERENCES users (id),
    requested_by_org_id uuid NOT NULL REFERENCES organizations (id),
    decided_by          uuid REFERENCES users (id),
    decision_note       text,
    created_at          timestamp NOT NULL,
    decided_at          timestamp
);
CREATE INDEX person_transfers_person_idx ON person_transfers (person_id);
CREATE INDEX person_transfers_from_idx ON person_transfers (from_district_code, id);
CREATE INDEX person_transfers_to_idx ON person_transfers (to_district_code, id);

-- Idempotency keys: a claim is a lease; the change it guards marks it committed in its own
-- transaction, so a retry after a crash replays the outcome or runs again, never twice.
ALTER TABLE idempotency_keys ADD COLUMN lease_until timestamp;
ALTER TABLE idempotency_keys ADD COLUMN committed_at timestamp;
ALTER TABLE idempotency_keys ADD COLUMN committed_resource text;

-- Passwords set by an administrator are temporary.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

-- A `refer` decision names the organization the case is referred to; finalizing sends it.
ALTER TABLE meeting_decisions ADD COLUMN refer_to_org_id uuid REFERENCES organizations (id);
