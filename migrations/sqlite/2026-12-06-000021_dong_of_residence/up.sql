-- The administrative dong (행정동 코드) a dong centre serves: names the dong of residence of a
-- household (households.admin_dong_code) in reports. One centre per dong.
ALTER TABLE organizations ADD COLUMN admin_dong_code TEXT;
CREATE UNIQUE INDEX organizations_admin_dong_code_idx ON organizations (admin_dong_code)
    WHERE admin_dong_code IS NOT NULL;
