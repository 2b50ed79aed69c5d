//! The winter campaign's tables: campaigns, quotas and nominations; donations and stock; the
//! attachments that prove deliveries (and back consents and cases).

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    campaigns (id) {
        id -> Uuid,
        district_code -> Text,
        name -> Text,
        starts_on -> Date,
        ends_on -> Date,
        budget -> Nullable<BigInt>,
        status -> Text,
        created_by -> Uuid,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    campaign_benefit_types (campaign_id, benefit_type_id) {
        campaign_id -> Uuid,
        benefit_type_id -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    campaign_quotas (campaign_id, org_id) {
        campaign_id -> Uuid,
        org_id -> Uuid,
        max_households -> Nullable<Integer>,
        max_persons -> Nullable<Integer>,
        max_amount -> Nullable<BigInt>,
        nominated_households -> Integer,
        nominated_persons -> Integer,
        nominated_amount -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    campaign_nominations (id) {
        id -> Uuid,
        campaign_id -> Uuid,
        org_id -> Uuid,
        person_id -> Uuid,
        household_id -> Nullable<Uuid>,
        counts_household -> Bool,
        benefit_type_id -> Uuid,
        resource_id -> Uuid,
        amount -> Nullable<BigInt>,
        quantity -> Nullable<Integer>,
        note -> Nullable<Text>,
        status -> Text,
        return_reason -> Nullable<Text>,
        allocation_id -> Nullable<Uuid>,
        created_by -> Uuid,
        created_at -> Timestamp,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    donations (id) {
        id -> Uuid,
        district_code -> Text,
        received_by_org_id -> Uuid,
        donor_kind -> Text,
        donor_name -> Text,
        donor_contact -> Nullable<Text>,
        donor_id_cipher -> Nullable<Text>,
        donor_id_masked -> Nullable<Text>,
        kind -> Text,
        amount -> Nullable<BigInt>,
        resource_id -> Nullable<Uuid>,
        quantity -> Nullable<Integer>,
        expires_on -> Nullable<Date>,
        designation -> Text,
        designated_org_id -> Nullable<Uuid>,
        designated_campaign_id -> Nullable<Uuid>,
        designated_group -> Nullable<Text>,
        received_on -> Date,
        created_by -> Uuid,
        created_at -> Timestamp,
        value -> Nullable<BigInt>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    donation_receipts (id) {
        id -> Uuid,
        donation_id -> Uuid,
        org_id -> Uuid,
        year -> Integer,
        serial -> Integer,
        issued_by -> Uuid,
        issued_at -> Timestamp,
        reissues -> Integer,
        last_issued_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    stock_lots (id) {
        id -> Uuid,
        resource_id -> Uuid,
        donation_id -> Uuid,
        expires_on -> Nullable<Date>,
        designation -> Text,
        designated_org_id -> Nullable<Uuid>,
        designated_campaign_id -> Nullable<Uuid>,
        designated_group -> Nullable<Text>,
        quantity_received -> Integer,
        quantity_left -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    stock_draws (allocation_id, lot_id) {
        allocation_id -> Uuid,
        lot_id -> Uuid,
        quantity -> Integer,
        returned -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    attachments (id) {
        id -> Uuid,
        subject_type -> Text,
        subject_id -> Uuid,
        person_id -> Nullable<Uuid>,
        district_code -> Text,
        kind -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Uuid,
        uploaded_by_org_id -> Uuid,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    attachment_contents (attachment_id) {
        attachment_id -> Uuid,
        sealed -> Binary,
    }
}
