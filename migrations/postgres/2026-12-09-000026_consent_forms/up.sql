-- A consent an organization records for itself (self_recorded) is in force once its signed
-- form is attached (an attachment of kind consent_form). Consents recorded before attachments
-- existed stood on their evidence_ref and stay in force.
ALTER TABLE consents ADD COLUMN form_attached_at TIMESTAMP NULL;
UPDATE consents SET form_attached_at = granted_at WHERE self_recorded;
