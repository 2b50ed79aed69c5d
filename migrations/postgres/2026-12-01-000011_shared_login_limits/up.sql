-- Login attempts per client address and per username, counted in the database so that every
-- server of one deployment shares one budget (#16): a fixed window per key.
CREATE TABLE login_limits (
    limit_key    text PRIMARY KEY,
    window_start timestamp NOT NULL,
    attempts     integer NOT NULL
);
