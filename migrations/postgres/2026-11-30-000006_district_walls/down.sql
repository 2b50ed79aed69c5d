ALTER TABLE meeting_decisions DROP COLUMN refer_to_org_id;
ALTER TABLE users DROP COLUMN must_change_password;
ALTER TABLE idempotency_keys DROP COLUMN committed_resource;
ALTER TABLE idempotency_keys DROP COLUMN committed_at;
ALTER TABLE idempotency_keys DROP COLUMN lease_until;
DROP TABLE person_transfers;
ALTER TABLE households DROP COLUMN district_code;
DROP INDEX persons_district_name_idx;
ALTER TABLE persons DROP COLUMN district_code;
