//! Webhook subscriptions and their deliveries.

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    webhook_subscriptions (id) {
        id -> Uuid,
        org_id -> Uuid,
        url -> Text,
        event_types -> Nullable<Text>,
        description -> Nullable<Text>,
        secret_sealed -> Text,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        created_by -> Uuid,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    webhook_deliveries (id) {
        id -> Uuid,
        subscription_id -> Uuid,
        event_id -> Uuid,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}
