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

-- Planned joint home visits (1+1 가정방문).
CREATE TABLE visits (
    id                  TEXT PRIMARY KEY NOT NULL,
    case_id             TEXT NOT NULL REFERENCES cases (id),
    org_id              TEXT NOT NULL REFERENCES organizations (id),
    created_by          TEXT NOT NULL REFERENCES users (id),
    scheduled_at        TIMESTAMP NOT NULL,
    purpose             TEXT NOT NULL,
    co_visitor_user_ids TEXT NOT NULL,
    status              TEXT NOT NULL,
    note_id             TEXT REFERENCES case_notes (id),
    created_at          TIMESTAMP NOT NULL,
    completed_at        TIMESTAMP
);
CREATE INDEX visits_case_idx ON visits (case_id);

-- Signed webhooks for client apps: subscriptions per organization, and one delivery per
-- subscription and event, fanned out from the outbox in the transaction of the change.
CREATE TABLE webhook_subscriptions (
    id              TEXT PRIMARY KEY NOT NULL,
    org_id          TEXT NOT NULL REFERENCES organizations (id),
    url             TEXT NOT NULL,
    event_types     TEXT,
    description     TEXT,
    secret_sealed   TEXT NOT NULL,
    active          BOOLEAN NOT NULL,
    disabled_reason TEXT,
    created_by      TEXT NOT NULL REFERENCES users (id),
    version         INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX webhook_subscriptions_org_idx ON webhook_subscriptions (org_id);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id),
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (status, subscription_id, id);
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);
