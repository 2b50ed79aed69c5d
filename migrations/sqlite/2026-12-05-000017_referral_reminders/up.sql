-- When a referral still waiting for its answer last reminded both ends (#28): reminded once
-- every HAMKKE_REFERRAL_REMIND_DAYS while it waits.
ALTER TABLE referrals ADD COLUMN reminded_at TIMESTAMP;
