-- Working together: what happened, for whom (notifications) and for client apps (the
-- outbox that webhooks deliver from), written in the transaction of the change itself.
CREATE TABLE notifications (
    id          uuid PRIMARY KEY NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id),
    event_id    uuid NOT NULL,
    event_type  text NOT NULL,
    title_ko    text NOT NULL,
    title_en    text NOT NULL,
    data        text NOT NULL,
    created_at  timestamp NOT NULL,
    read_at     timestamp
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);

CREATE TABLE outbox (
    id            uuid PRIMARY KEY NOT NULL,
    event_type    text NOT NULL,
    district_code text NOT NULL,
    org_ids       text NOT NULL,
    payload       text NOT NULL,
    created_at    timestamp NOT NULL
);
CREATE INDEX outbox_district_idx ON outbox (district_code, id);

-- The staff directory shows work contacts, if set.
ALTER TABLE users ADD COLUMN work_phone text;
ALTER TABLE users ADD COLUMN work_email text;

-- Planned joint home visits (1+1 가정방문).
CREATE TABLE visits (
    id                  uuid PRIMARY KEY NOT NULL,
    case_id             uuid NOT NULL REFERENCES cases (id),
    org_id              uuid NOT NULL REFERENCES organizations (id),
    created_by          uuid NOT NULL REFERENCES users (id),
    scheduled_at        timestamp NOT NULL,
    purpose             text NOT NULL,
    co_visitor_user_ids text NOT NULL,
    status              text NOT NULL,
    note_id             uuid REFERENCES case_notes (id),
    created_at          timestamp NOT NULL,
    completed_at        timestamp
);
CREATE INDEX visits_case_idx ON visits (case_id);

-- Signed webhooks for client apps: subscriptions per organization, and one delivery per
-- subscription and event, fanned out from the outbox in the transaction of the change.
CREATE TABLE webhook_subscriptions (
    id              uuid PRIMARY KEY NOT NULL,
    org_id          uuid NOT NULL REFERENCES organizations (id),
    url             text NOT NULL,
    event_types     text,
    description     text,
    secret_sealed   text NOT NULL,
    active          boolean NOT NULL,
    disabled_reason text,
    created_by      uuid NOT NULL REFERENCES users (id),
    version         integer NOT NULL,
    created_at      timestamp NOT NULL,
    updated_at      timestamp NOT NULL
);
CREATE INDEX webhook_subscriptions_org_idx ON webhook_subscriptions (org_id);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY NOT NULL,
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id),
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    payload         text NOT NULL,
    status          text NOT NULL,
    attempts        integer NOT NULL,
    next_attempt_at timestamp NOT NULL,
    last_status     integer,
    last_error      text,
    created_at      timestamp NOT NULL,
    delivered_at    timestamp
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (status, subscription_id, id);
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);
