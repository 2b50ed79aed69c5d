//! Webhook subscriptions and deliveries.

use chrono::{DateTime, Utc};
use hamkke_persistence::repo::webhooks::{Delivery, Subscription};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// The event types a subscription may take (dotted names of the domain events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WebhookEventType {
    #[serde(rename = "case.opened")]
    CaseOpened,
    #[serde(rename = "case.participant_added")]
    CaseParticipantAdded,
    #[serde(rename = "case.participant_removed")]
    CaseParticipantRemoved,
    #[serde(rename = "referral.sent")]
    ReferralSent,
    #[serde(rename = "referral.accepted")]
    ReferralAccepted,
    #[serde(rename = "referral.declined")]
    ReferralDeclined,
    #[serde(rename = "referral.completed")]
    ReferralCompleted,
    #[serde(rename = "case.assigned")]
    CaseAssigned,
    #[serde(rename = "case.status_changed")]
    CaseStatusChanged,
    #[serde(rename = "meeting.scheduled")]
    MeetingScheduled,
    #[serde(rename = "meeting.finalized")]
    MeetingFinalized,
    #[serde(rename = "action_item.assigned")]
    ActionItemAssigned,
    #[serde(rename = "allocation.recorded")]
    AllocationRecorded,
    #[serde(rename = "allocation.override_requested")]
    AllocationOverrideRequested,
    #[serde(rename = "allocation.override_decided")]
    AllocationOverrideDecided,
    #[serde(rename = "handover.completed")]
    HandoverCompleted,
    #[serde(rename = "visit.planned")]
    VisitPlanned,
    #[serde(rename = "case.assessed")]
    CaseAssessed,
    #[serde(rename = "case.plan_recorded")]
    CasePlanRecorded,
    #[serde(rename = "case.plan_reviewed")]
    CasePlanReviewed,
    #[serde(rename = "case.member_added")]
    CaseMemberAdded,
    #[serde(rename = "case.member_removed")]
    CaseMemberRemoved,
    #[serde(rename = "meeting.agenda_requested")]
    MeetingAgendaRequested,
    #[serde(rename = "meeting.agenda_request_accepted")]
    MeetingAgendaRequestAccepted,
    #[serde(rename = "meeting.agenda_request_declined")]
    MeetingAgendaRequestDeclined,
    #[serde(rename = "consent.self_recorded")]
    ConsentSelfRecorded,
    #[serde(rename = "consent.revoked")]
    ConsentRevoked,
    #[serde(rename = "user.password_reset")]
    UserPasswordReset,
    #[serde(rename = "case.updated")]
    CaseUpdated,
    #[serde(rename = "case.note_added")]
    CaseNoteAdded,
    #[serde(rename = "action_item.completed")]
    ActionItemCompleted,
    #[serde(rename = "case.lead_changed")]
    CaseLeadChanged,
    #[serde(rename = "meeting.agenda_added")]
    MeetingAgendaAdded,
    #[serde(rename = "meeting.agenda_removed")]
    MeetingAgendaRemoved,
    #[serde(rename = "meeting.cancelled")]
    MeetingCancelled,
    #[serde(rename = "case.decision_applied")]
    CaseDecisionApplied,
    #[serde(rename = "case.handed_over")]
    CaseHandedOver,
    #[serde(rename = "case.follow_up_ended")]
    CaseFollowUpEnded,
    #[serde(rename = "referral.waiting")]
    ReferralWaiting,
    #[serde(rename = "consent.access_lost")]
    ConsentAccessLost,
    #[serde(rename = "meeting.updated")]
    MeetingUpdated,
    #[serde(rename = "allocation.delivered")]
    AllocationDelivered,
    #[serde(rename = "allocation.cancelled")]
    AllocationCancelled,
    #[serde(rename = "allocation.status_changed")]
    AllocationStatusChanged,
    #[serde(rename = "person_duplicate.dismissed")]
    PersonDuplicateDismissed,
    #[serde(rename = "person_duplicate.merged")]
    PersonDuplicateMerged,
    #[serde(rename = "person.registered")]
    PersonRegistered,
    #[serde(rename = "person.updated")]
    PersonUpdated,
    #[serde(rename = "person.merged")]
    PersonMerged,
    #[serde(rename = "consent.recorded")]
    ConsentRecorded,
    #[serde(rename = "consent.withdrawn")]
    ConsentWithdrawn,
    #[serde(rename = "household.registered")]
    HouseholdRegistered,
    #[serde(rename = "household.updated")]
    HouseholdUpdated,
    #[serde(rename = "organization.created")]
    OrganizationCreated,
    #[serde(rename = "organization.updated")]
    OrganizationUpdated,
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.updated")]
    UserUpdated,
    #[serde(rename = "resource.created")]
    ResourceCreated,
    #[serde(rename = "resource.updated")]
    ResourceUpdated,
    #[serde(rename = "benefit_type.created")]
    BenefitTypeCreated,
    #[serde(rename = "benefit_type.updated")]
    BenefitTypeUpdated,
    #[serde(rename = "donation.received")]
    DonationReceived,
    #[serde(rename = "donation.updated")]
    DonationUpdated,
    #[serde(rename = "attachment.added")]
    AttachmentAdded,
    #[serde(rename = "campaign.created")]
    CampaignCreated,
    #[serde(rename = "campaign.updated")]
    CampaignUpdated,
    #[serde(rename = "nomination.made")]
    NominationMade,
    #[serde(rename = "nomination.decided")]
    NominationDecided,
    #[serde(rename = "nomination.withdrawn")]
    NominationWithdrawn,
    #[serde(rename = "transfer.requested")]
    TransferRequested,
    #[serde(rename = "transfer.decided")]
    TransferDecided,
}

impl WebhookEventType {
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// Subscribes the caller's organization to events.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// An `https` URL (plain `http` only to `host:port` entries the operator allows); hosts
    /// resolving to special-purpose addresses (private, loopback, link-local, NAT64, 6to4, …)
    /// are refused unless allowed with their port.
    #[validate(length(min = 8, max = 2000, message = "must be 8 to 2000 characters"))]
    #[schema(min_length = 8, max_length = 2000)]
    pub url: String,
    /// The event types to receive; null or absent for all.
    pub event_types: Option<Vec<WebhookEventType>>,
    /// What the subscription is for.
    #[validate(length(min = 1, max = 500, message = "must be 1 to 500 characters"))]
    #[schema(min_length = 1, max_length = 500)]
    pub description: Option<String>,
}

/// Changes a subscription; absent fields stay. `active: true` re-enables a disabled one.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// Where deliveries go (https).
    #[validate(length(min = 8, max = 2000, message = "must be 8 to 2000 characters"))]
    #[schema(min_length = 8, max_length = 2000)]
    pub url: Option<String>,
    /// The event types it receives (replaces the list).
    #[serde(default, deserialize_with = "super::common::double_option")]
    #[schema(value_type = Option<Vec<WebhookEventType>>)]
    pub event_types: Option<Option<Vec<WebhookEventType>>>,
    /// What the subscription is for.
    #[serde(default, deserialize_with = "super::common::double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    /// Whether deliveries are sent.
    pub active: Option<bool>,
}

/// A webhook subscription (the secret is shown only when it is created).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub org_id: Uuid,
    pub url: String,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `whsec_…`: the signing secret (Standard Webhooks), shown only in the create response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<Subscription> for WebhookView {
    fn from(s: Subscription) -> Self {
        Self {
            id: s.id,
            org_id: s.org_id,
            url: s.url,
            event_types: s.event_types,
            description: s.description,
            active: s.active,
            disabled_reason: s.disabled_reason,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
            secret: None,
        }
    }
}

/// The organization's subscriptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// One delivery of an event to a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub subscription_id: Uuid,
    /// Sent as `webhook-id`: the same for every attempt and redelivery of an event.
    pub event_id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered` or `gave_up`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            subscription_id: d.subscription_id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        }
    }
}

crate::page_of!(
    DeliveryPage,
    DeliveryView,
    "A page of deliveries, newest first."
);

/// Paging of deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}
