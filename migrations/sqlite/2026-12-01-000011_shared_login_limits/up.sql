-- Login attempts per client address and per username, counted in the database so that every
-- server of one deployment shares one budget (#16): a fixed window per key.
CREATE TABLE login_limits (
    limit_key    TEXT PRIMARY KEY NOT NULL,
    window_start TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL
);
