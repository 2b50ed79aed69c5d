-- A consent that gave the recording organization access it did not have is marked for the
-- review of the registering organization and the district's coordinators (#26), who may revoke
-- it with a reason.
ALTER TABLE consents ADD COLUMN self_recorded BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN revoked_by TEXT REFERENCES users (id);
ALTER TABLE consents ADD COLUMN revoked_reason TEXT;
CREATE INDEX consents_self_recorded_idx ON consents (person_id) WHERE self_recorded;
-- A consent scoped to case participants covers the organizations taking part in the person's
-- cases when it was recorded, listed with it (joining later does not widen it); consents
-- recorded before are given today's participants.
INSERT INTO consent_organizations (consent_id, org_id)
SELECT DISTINCT c.id, cp.org_id
FROM consents c
JOIN case_members m ON m.person_id = c.person_id
JOIN case_participants cp ON cp.case_id = m.case_id
WHERE c.scope = 'case_participants';
