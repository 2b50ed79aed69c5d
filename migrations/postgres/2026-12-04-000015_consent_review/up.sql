-- A consent that gave the recording organization access it did not have is marked for the
-- review of the registering organization and the district's coordinators (#26), who may revoke
-- it with a reason.
ALTER TABLE consents ADD COLUMN self_recorded boolean NOT NULL DEFAULT false;
ALTER TABLE consents ADD COLUMN revoked_by uuid REFERENCES users (id);
ALTER TABLE consents ADD COLUMN revoked_reason text;
CREATE INDEX consents_self_recorded_idx ON consents (person_id) WHERE self_recorded;
