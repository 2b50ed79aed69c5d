//! Routes by resource. Handlers only translate: DTO -> domain command -> repository -> DTO.

pub mod agenda;
pub mod allocations;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod cases;
pub mod dashboard;
pub mod donations;
pub mod identity;
pub mod meetings;
pub mod ops;
pub mod orgs;
pub mod persons;
pub mod plans;
pub mod reports;
pub mod transfers;
pub mod users;
pub mod webhooks;
pub mod work;

use utoipa_actix_web::service_config::ServiceConfig;

/// `Location` of an object the API serves at `/api/v1/{collection}/{id}` (a 201's answer).
pub(crate) fn location(collection: &str, id: uuid::Uuid) -> (&'static str, String) {
    ("Location", format!("/api/v1/{collection}/{id}"))
}

/// Whether a path imports a list (its rows commit one by one; its body limit is the import's).
pub(crate) fn is_import(path: &str) -> bool {
    path == allocations::IMPORT_PATH
        || (path.starts_with("/api/v1/campaigns/") && path.ends_with("/nominations/import"))
}

/// The largest body a path takes: an import's or an upload's own limit, else the JSON limit.
pub(crate) fn body_limit(path: &str, config: &crate::config::Config) -> usize {
    if is_import(path) {
        allocations::IMPORT_LIMIT
    } else if path == attachments::UPLOAD_PATH {
        attachments::upload_limit(config)
    } else {
        config.json_limit_bytes
    }
}

/// Registers every `/api/v1` operation. actix tries the routes in the order given here, each
/// route with parameters by its regular expression, so the hot paths come first: the check at
/// the moment of giving, the allocation, the case and person reads would otherwise wait behind
/// a hundred patterns on every request. `app::tests::every_operation_reaches_its_own_route`
/// holds that no route takes another's requests.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(allocations::check_allocation)
        .service(allocations::create_allocation)
        .service(cases::get_case)
        .service(persons::get_person)
        .service(auth::create_token)
        .service(auth::create_activation)
        .service(auth::refresh_token)
        .service(auth::logout)
        .service(auth::get_me)
        .service(work::get_worklist)
        .service(work::list_notifications)
        .service(work::read_all_notifications)
        .service(work::read_notification)
        .service(work::list_directory)
        .service(work::create_case_visit)
        .service(work::complete_visit)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::get_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::list_webhook_deliveries)
        .service(webhooks::create_webhook_redelivery)
        .service(webhooks::create_webhook_test)
        .service(orgs::create_organization)
        .service(orgs::list_organizations)
        .service(orgs::get_organization)
        .service(orgs::update_organization)
        .service(users::create_user)
        .service(users::list_users)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::create_user_handover)
        .service(persons::create_household)
        .service(persons::list_households)
        .service(persons::get_household)
        .service(persons::update_household)
        .service(persons::create_person)
        .service(persons::list_persons)
        .service(persons::update_person)
        .service(persons::create_consent)
        .service(persons::list_consents)
        .service(persons::withdraw_consent)
        .service(persons::list_self_recorded_consents)
        .service(persons::revoke_consent)
        .service(identity::list_person_duplicates)
        .service(identity::merge_person_duplicate)
        .service(identity::dismiss_person_duplicate)
        .service(transfers::create_person_transfer)
        .service(transfers::list_person_transfers)
        .service(transfers::get_person_transfer)
        .service(transfers::approve_person_transfer)
        .service(transfers::decline_person_transfer)
        .service(cases::create_case)
        .service(cases::list_cases)
        .service(cases::update_case)
        .service(cases::create_case_transition)
        .service(cases::list_case_participants)
        .service(cases::create_case_participant)
        .service(cases::delete_case_participant)
        .service(cases::list_case_assignments)
        .service(cases::create_case_assignment)
        .service(cases::list_case_notes)
        .service(cases::create_case_note)
        .service(cases::list_case_timeline)
        .service(cases::list_case_members)
        .service(cases::create_case_member)
        .service(cases::delete_case_member)
        .service(plans::create_case_assessment)
        .service(plans::list_case_assessments)
        .service(plans::create_case_plan)
        .service(plans::list_case_plans)
        .service(plans::create_plan_review)
        .service(meetings::create_meeting)
        .service(meetings::list_meetings)
        .service(meetings::get_meeting)
        .service(meetings::update_meeting)
        .service(meetings::cancel_meeting)
        .service(meetings::create_meeting_agenda)
        .service(meetings::delete_meeting_agenda)
        .service(meetings::create_meeting_attendance)
        .service(meetings::create_meeting_decision)
        .service(meetings::finalize_meeting)
        .service(agenda::create_meeting_agenda_request)
        .service(agenda::list_meeting_agenda_requests)
        .service(agenda::accept_agenda_request)
        .service(agenda::decline_agenda_request)
        .service(agenda::get_meeting_minutes)
        .service(agenda::export_meeting_minutes_xlsx)
        .service(agenda::get_organization_hub_overview)
        .service(meetings::list_action_items)
        .service(meetings::complete_action_item)
        .service(meetings::create_referral)
        .service(meetings::list_referrals)
        .service(meetings::get_referral)
        .service(meetings::accept_referral)
        .service(meetings::decline_referral)
        .service(meetings::complete_referral)
        .service(allocations::create_benefit_type)
        .service(allocations::list_benefit_types)
        .service(allocations::get_benefit_type)
        .service(allocations::update_benefit_type)
        .service(allocations::create_resource)
        .service(allocations::list_resources)
        .service(allocations::get_resource)
        .service(allocations::update_resource)
        .service(allocations::import_allocations)
        .service(allocations::list_allocations)
        .service(allocations::get_allocation)
        .service(allocations::approve_allocation)
        .service(allocations::reject_allocation)
        .service(allocations::deliver_allocation)
        .service(allocations::cancel_allocation)
        .service(attachments::create_attachment)
        .service(attachments::list_attachments)
        .service(attachments::get_attachment)
        .service(attachments::get_attachment_content)
        .service(donations::create_donation)
        .service(donations::list_donations)
        .service(donations::get_donation)
        .service(donations::get_resource_stock)
        .service(donations::get_donation_report)
        .service(donations::create_donation_receipt)
        .service(donations::get_donation_receipt)
        .service(donations::export_donation_receipt_pdf)
        .service(campaigns::create_campaign)
        .service(campaigns::list_campaigns)
        .service(campaigns::get_campaign_report)
        .service(campaigns::export_campaign_report_csv)
        .service(campaigns::export_campaign_report_xlsx)
        .service(campaigns::get_campaign)
        .service(campaigns::close_campaign)
        .service(campaigns::reopen_campaign)
        .service(campaigns::import_campaign_nominations)
        .service(campaigns::create_campaign_nomination)
        .service(campaigns::list_campaign_nominations)
        .service(campaigns::approve_nomination)
        .service(campaigns::return_nomination)
        .service(campaigns::withdraw_nomination)
        .service(reports::get_duplicates_report)
        .service(reports::export_duplicates_report_csv)
        .service(reports::export_duplicates_report_xlsx)
        .service(reports::get_overview_report)
        .service(reports::export_overview_report_csv)
        .service(reports::export_overview_report_xlsx)
        .service(dashboard::get_dashboard_report)
        .service(dashboard::export_dashboard_report_csv)
        .service(dashboard::export_dashboard_report_xlsx)
        .service(audit::list_audit_events)
        .service(audit::verify_audit_events)
        .service(audit::list_person_access_log);
}

/// Registers the operational endpoints (outside `/api/v1`).
pub fn ops(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics);
}
