DROP TABLE donation_receipts;
ALTER TABLE donations DROP COLUMN value;
ALTER TABLE organizations DROP COLUMN receipt_serial;
ALTER TABLE organizations DROP COLUMN receipt_year;
ALTER TABLE organizations DROP COLUMN registration_no;
