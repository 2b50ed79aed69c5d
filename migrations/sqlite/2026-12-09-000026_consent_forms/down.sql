ALTER TABLE consents DROP COLUMN form_attached_at;
