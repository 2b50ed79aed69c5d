ALTER TABLE person_transfers DROP COLUMN to_org_id;
