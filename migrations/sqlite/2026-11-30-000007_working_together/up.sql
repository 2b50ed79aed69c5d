-- Working together: what happened, for whom (notifications) and for client apps (the
-- outbox that webhooks deliver from), written in the transaction of the change itself.
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    title_ko    TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    read_at     TIMESTAMP
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);

CREATE TABLE outbox (
    id            TEXT PRIMARY KEY NOT NULL,
    event_type    TEXT NOT NULL,
    district_code TEXT NOT NULL,
    org_ids       TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX outbox_district_idx ON outbox (district_code, id);

-- The staff directory shows work contacts, if set.
ALTER TABLE users ADD COLUMN work_phone TEXT;
ALTER TABLE users ADD COLUMN work_email TEXT;
