ALTER TABLE referrals DROP COLUMN reminded_at;
