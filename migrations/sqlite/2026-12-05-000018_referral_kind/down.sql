ALTER TABLE referrals DROP COLUMN kind;
