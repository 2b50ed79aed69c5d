-- Accounts created without a password carry a one-time activation code (its SHA-256; valid 72
-- hours): the user sets the password, the creator never knows it (#26).
ALTER TABLE users ADD COLUMN activation_hash TEXT;
ALTER TABLE users ADD COLUMN activation_expires_at TIMESTAMP;
