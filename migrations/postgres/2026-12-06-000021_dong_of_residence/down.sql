DROP INDEX organizations_admin_dong_code_idx;
ALTER TABLE organizations DROP COLUMN admin_dong_code;
