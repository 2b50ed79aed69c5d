-- A consent that gave the recording organization access it did not have is marked for the
-- review of the registering organization and the district's coordinators (#26), who may revoke
-- it with a reason.
ALTER TABLE consents ADD COLUMN self_recorded BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN revoked_by TEXT REFERENCES users (id);
ALTER TABLE consents ADD COLUMN revoked_reason TEXT;
CREATE INDEX consents_self_recorded_idx ON consents (person_id) WHERE self_recorded;
