-- What a referral asks of its receiver (#28): to take part with a named service, or to take
-- over the lead of the case (accepting it moves the lead).
ALTER TABLE referrals ADD COLUMN kind TEXT NOT NULL DEFAULT 'service'
    CHECK (kind IN ('service', 'lead'));
