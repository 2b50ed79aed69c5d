-- Who holds a key's claim: a request gives the key back only if the claim is still its own
-- (its claim's answer may have been lost in a failover while another retry took the key).
ALTER TABLE idempotency_keys ADD COLUMN claim_token TEXT NULL;
