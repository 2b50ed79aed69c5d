//! The diesel schema, shared by both backends (see `types::sql` for the UUID type).

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    organizations (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        district_code -> Text,
        parent_id -> Nullable<Uuid>,
        hub_org_id -> Nullable<Uuid>,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        admin_dong_code -> Nullable<Text>,
        registration_no -> Nullable<Text>,
        receipt_year -> Nullable<Integer>,
        receipt_serial -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        org_id -> Uuid,
        role -> Text,
        active -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        must_change_password -> Bool,
        work_phone -> Nullable<Text>,
        work_email -> Nullable<Text>,
        activation_hash -> Nullable<Text>,
        activation_expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    notifications (id) {
        id -> Uuid,
        user_id -> Uuid,
        event_id -> Uuid,
        event_type -> Text,
        title_ko -> Text,
        title_en -> Text,
        data -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    outbox (id) {
        id -> Uuid,
        event_type -> Text,
        district_code -> Text,
        org_ids -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    auth_sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Uuid,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    audit_events (id) {
        id -> BigInt,
        event_id -> Uuid,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Uuid>,
        actor_org_id -> Nullable<Uuid>,
        actor_role -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        person_id -> Nullable<Uuid>,
        purpose -> Nullable<Text>,
        ip -> Nullable<Text>,
        request_id -> Nullable<Text>,
        details -> Nullable<Text>,
        chain_seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    audit_chain_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    households (id) {
        id -> Uuid,
        address -> Text,
        admin_dong_code -> Nullable<Text>,
        registered_by_org_id -> Uuid,
        allocation_seq -> BigInt,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        district_code -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    persons (id) {
        id -> Uuid,
        name -> Text,
        birth_date -> Date,
        sex -> Nullable<Text>,
        rrn_cipher -> Nullable<Text>,
        rrn_hmac -> Nullable<Text>,
        rrn_masked -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        household_id -> Nullable<Uuid>,
        flags -> Text,
        registered_by_org_id -> Uuid,
        allocation_seq -> BigInt,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        anonymized_at -> Nullable<Timestamp>,
        district_code -> Text,
        merged_into -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    consents (id) {
        id -> Uuid,
        person_id -> Uuid,
        purpose -> Text,
        scope -> Text,
        granted_at -> Timestamp,
        expires_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        evidence_ref -> Nullable<Text>,
        recorded_by -> Uuid,
        recorded_by_org_id -> Uuid,
        self_recorded -> Bool,
        revoked_by -> Nullable<Uuid>,
        revoked_reason -> Nullable<Text>,
        form_attached_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    consent_organizations (consent_id, org_id) {
        consent_id -> Uuid,
        org_id -> Uuid,
    }
}

diesel::table! {
    case_counters (district_code, year) {
        district_code -> Text,
        year -> Integer,
        last_seq -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    cases (id) {
        id -> Uuid,
        case_no -> Text,
        person_id -> Uuid,
        lead_org_id -> Uuid,
        district_code -> Text,
        case_type -> Text,
        risk_level -> Text,
        source -> Text,
        status -> Text,
        summary -> Text,
        needs -> Text,
        version -> Integer,
        created_by -> Uuid,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        household_id -> Nullable<Uuid>,
        intake_on -> Nullable<Date>,
        next_review_on -> Nullable<Date>,
        closing_reason -> Nullable<Text>,
        closing_note -> Nullable<Text>,
        closing_evaluation -> Nullable<Text>,
        closed_on -> Nullable<Date>,
        follow_up_until -> Nullable<Date>,
        follow_up_checks -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    case_participants (case_id, org_id) {
        case_id -> Uuid,
        org_id -> Uuid,
        role -> Text,
        added_at -> Timestamp,
        added_by -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    case_assignments (id) {
        id -> Uuid,
        case_id -> Uuid,
        user_id -> Uuid,
        org_id -> Uuid,
        role -> Text,
        assigned_at -> Timestamp,
        assigned_by -> Uuid,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    case_notes (id) {
        id -> Uuid,
        case_id -> Uuid,
        org_id -> Uuid,
        author_id -> Uuid,
        kind -> Text,
        occurred_at -> Timestamp,
        body -> Text,
        co_visitor_user_ids -> Text,
        visibility -> Text,
        created_at -> Timestamp,
        person_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    case_events (id) {
        id -> Uuid,
        case_id -> Uuid,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Uuid>,
        actor_org_id -> Nullable<Uuid>,
        kind -> Text,
        only_org_id -> Nullable<Uuid>,
        data -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    meetings (id) {
        id -> Uuid,
        kind -> Text,
        title -> Text,
        scheduled_at -> Timestamp,
        location -> Nullable<Text>,
        host_org_id -> Uuid,
        district_code -> Text,
        status -> Text,
        minutes -> Nullable<Text>,
        finalized_at -> Nullable<Timestamp>,
        finalized_by -> Nullable<Uuid>,
        created_by -> Uuid,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    meeting_participants (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        user_id -> Nullable<Uuid>,
        org_id -> Nullable<Uuid>,
        external_name -> Nullable<Text>,
        external_organization -> Nullable<Text>,
        attended -> Nullable<Bool>,
        external_role -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    meeting_agenda (meeting_id, case_id) {
        meeting_id -> Uuid,
        case_id -> Uuid,
        added_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    meeting_decisions (meeting_id, case_id) {
        meeting_id -> Uuid,
        case_id -> Uuid,
        decision -> Text,
        lead_org_id -> Nullable<Uuid>,
        notes -> Nullable<Text>,
        action_items -> Text,
        decided_by -> Uuid,
        updated_at -> Timestamp,
        refer_to_org_id -> Nullable<Uuid>,
        case_type -> Nullable<Text>,
        closing_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    action_items (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        case_id -> Uuid,
        assignee_user_id -> Uuid,
        description -> Text,
        due_on -> Date,
        completed_at -> Nullable<Timestamp>,
        completed_by -> Nullable<Uuid>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    referrals (id) {
        id -> Uuid,
        case_id -> Uuid,
        from_org_id -> Uuid,
        to_org_id -> Uuid,
        reason -> Text,
        requested_services -> Text,
        status -> Text,
        response_note -> Nullable<Text>,
        outcome -> Nullable<Text>,
        created_by -> Uuid,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
        kind -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    resources (id) {
        id -> Uuid,
        name -> Text,
        category -> Text,
        funding -> Text,
        unit -> Text,
        provider_org_id -> Nullable<Uuid>,
        district_code -> Text,
        benefit_type_id -> Uuid,
        created_by_org_id -> Uuid,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    allocations (id) {
        id -> Uuid,
        resource_id -> Uuid,
        benefit_type_id -> Uuid,
        category -> Text,
        person_id -> Uuid,
        household_id -> Nullable<Uuid>,
        case_id -> Nullable<Uuid>,
        provider_org_id -> Uuid,
        district_code -> Text,
        amount -> Nullable<BigInt>,
        quantity -> Nullable<Integer>,
        granted_on -> Date,
        status -> Text,
        note -> Nullable<Text>,
        override_reason -> Nullable<Text>,
        requested_by -> Uuid,
        approved_by -> Nullable<Uuid>,
        cancel_reason -> Nullable<Text>,
        import_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        campaign_id -> Nullable<Uuid>,
        delivered_at -> Nullable<Timestamp>,
        delivered_by -> Nullable<Uuid>,
        proof_kind -> Nullable<Text>,
        proof_attachment_id -> Nullable<Uuid>,
        proxy_name -> Nullable<Text>,
        proxy_relation -> Nullable<Text>,
    }
}

diesel::table! {
    allocation_tally_marks (id) {
        id -> BigInt,
        district_code -> Text,
        granted_on -> Date,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    case_members (case_id, person_id) {
        case_id -> Uuid,
        person_id -> Uuid,
        added_at -> Timestamp,
        added_by -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    case_assessments (id) {
        id -> Uuid,
        case_id -> Uuid,
        person_id -> Nullable<Uuid>,
        assessed_on -> Date,
        assessor_user_id -> Uuid,
        assessor_org_id -> Uuid,
        domains -> Text,
        risk_level -> Text,
        summary -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    service_plans (id) {
        id -> Uuid,
        case_id -> Uuid,
        revision -> Integer,
        status -> Text,
        summary -> Nullable<Text>,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        goals -> Text,
        services -> Text,
        next_review_on -> Nullable<Date>,
        created_by -> Uuid,
        created_by_org_id -> Uuid,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    plan_reviews (id) {
        id -> Uuid,
        plan_id -> Uuid,
        case_id -> Uuid,
        reviewed_on -> Date,
        reviewer_user_id -> Uuid,
        reviewer_org_id -> Uuid,
        goal_progress -> Text,
        summary -> Nullable<Text>,
        next_review_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    agenda_requests (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        case_id -> Uuid,
        from_org_id -> Uuid,
        requested_by -> Uuid,
        note -> Nullable<Text>,
        status -> Text,
        decline_reason -> Nullable<Text>,
        answered_by -> Nullable<Uuid>,
        answered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    person_duplicates (id) {
        id -> Uuid,
        district_code -> Text,
        person_a -> Uuid,
        person_b -> Uuid,
        score -> Integer,
        reasons -> Text,
        status -> Text,
        found_by -> Text,
        dismiss_reason -> Nullable<Text>,
        dismissed_until -> Nullable<Date>,
        survivor_id -> Nullable<Uuid>,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_limits (limit_key) {
        limit_key -> Text,
        window_start -> Timestamp,
        attempts -> Integer,
    }
}

diesel::table! {
    catalogue_version (id) {
        id -> SmallInt,
        database_id -> Text,
        version -> BigInt,
    }
}

mod webhooks;
mod winter;
pub use webhooks::*;
pub use winter::*;

diesel::joinable!(users -> organizations (org_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> auth_sessions (session_id));
diesel::joinable!(persons -> households (household_id));
diesel::joinable!(campaign_quotas -> campaigns (campaign_id));
diesel::joinable!(campaign_nominations -> campaigns (campaign_id));
diesel::joinable!(consents -> persons (person_id));
diesel::joinable!(consent_organizations -> consents (consent_id));
diesel::joinable!(cases -> persons (person_id));
diesel::joinable!(case_participants -> cases (case_id));
diesel::joinable!(case_assignments -> cases (case_id));
diesel::joinable!(case_notes -> cases (case_id));
diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(case_members -> cases (case_id));
diesel::joinable!(case_assessments -> cases (case_id));
diesel::joinable!(plan_reviews -> service_plans (plan_id));
diesel::joinable!(meeting_participants -> meetings (meeting_id));
diesel::joinable!(meeting_agenda -> meetings (meeting_id));
diesel::joinable!(meeting_decisions -> meetings (meeting_id));
diesel::joinable!(action_items -> meetings (meeting_id));
diesel::joinable!(referrals -> cases (case_id));
diesel::joinable!(allocations -> resources (resource_id));
diesel::joinable!(attachment_contents -> attachments (attachment_id));
diesel::joinable!(resources -> benefit_types (benefit_type_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    benefit_types (id) {
        id -> Uuid,
        district_code -> Text,
        code -> Text,
        name_ko -> Text,
        name_en -> Text,
        category -> Text,
        description -> Nullable<Text>,
        type_group -> Nullable<Text>,
        duplicate_policy -> Text,
        amount_unit -> Text,
        active -> Bool,
        created_by_org_id -> Nullable<Uuid>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_chain_anchor (id) {
        id -> Integer,
        purged_through_seq -> BigInt,
        anchor_hash -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    idempotency_keys (user_id, idem_key) {
        user_id -> Uuid,
        idem_key -> Text,
        fingerprint -> Text,
        status_code -> Nullable<Integer>,
        response -> Nullable<Text>,
        created_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        committed_at -> Nullable<Timestamp>,
        committed_resource -> Nullable<Text>,
        claim_token -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    person_transfers (id) {
        id -> Uuid,
        person_id -> Uuid,
        from_district_code -> Text,
        to_district_code -> Text,
        reason -> Text,
        status -> Text,
        requested_by -> Uuid,
        requested_by_org_id -> Uuid,
        decided_by -> Nullable<Uuid>,
        decision_note -> Nullable<Text>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        to_org_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::sql::Uuid;

    visits (id) {
        id -> Uuid,
        case_id -> Uuid,
        org_id -> Uuid,
        created_by -> Uuid,
        scheduled_at -> Timestamp,
        purpose -> Text,
        co_visitor_user_ids -> Text,
        status -> Text,
        note_id -> Nullable<Uuid>,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    attachments,
    attachment_contents,
    donations,
    donation_receipts,
    stock_lots,
    stock_draws,
    campaigns,
    campaign_benefit_types,
    campaign_quotas,
    campaign_nominations,
    organizations,
    users,
    auth_sessions,
    refresh_tokens,
    audit_events,
    audit_chain_anchor,
    audit_chain_head,
    idempotency_keys,
    households,
    persons,
    person_transfers,
    notifications,
    outbox,
    visits,
    webhook_subscriptions,
    webhook_deliveries,
    consents,
    consent_organizations,
    case_counters,
    cases,
    case_participants,
    case_assignments,
    case_notes,
    case_events,
    meetings,
    meeting_participants,
    meeting_agenda,
    meeting_decisions,
    action_items,
    referrals,
    resources,
    allocations,
    benefit_types,
    case_members,
    case_assessments,
    service_plans,
    plan_reviews,
    agenda_requests,
    person_duplicates,
    login_limits,
    catalogue_version,
);
