ALTER TABLE users DROP COLUMN activation_expires_at;
ALTER TABLE users DROP COLUMN activation_hash;
