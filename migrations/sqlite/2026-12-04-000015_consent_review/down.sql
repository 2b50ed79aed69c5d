DELETE FROM consent_organizations WHERE consent_id IN (SELECT id FROM consents WHERE scope = 'case_participants');
DROP INDEX consents_self_recorded_idx;
ALTER TABLE consents DROP COLUMN revoked_reason;
ALTER TABLE consents DROP COLUMN revoked_by;
ALTER TABLE consents DROP COLUMN self_recorded;
