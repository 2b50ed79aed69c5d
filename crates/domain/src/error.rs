//! Errors raised by domain rules, before anything touches storage.

use std::fmt;

/// One invalid input field: which one, a stable machine code and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// A broken domain rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input that can never be valid, field by field.
    #[error("invalid input")]
    Invalid(Vec<FieldViolation>),
    /// The actor may not do this; `hide` asks the caller to answer as if the object did not exist.
    /// `who` says who may (visible refusals only).
    #[error("forbidden: {reason}")]
    Forbidden {
        reason: &'static str,
        hide: bool,
        who: Option<Who>,
    },
    /// An id in a body or query names nothing the caller may use here: it does not exist, or
    /// it is hidden from the caller (answered like the same id in a path: 404).
    #[error("unknown reference: {field}")]
    UnknownReference { field: String },
}

impl DomainError {
    /// A single-field validation error.
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldViolation::new(field, code, message)])
    }

    /// A visible refusal (403).
    pub fn forbidden(reason: &'static str) -> Self {
        Self::Forbidden {
            reason,
            hide: false,
            who: None,
        }
    }

    /// A visible refusal (403) that says who may.
    pub fn only(who: Who, reason: &'static str) -> Self {
        Self::Forbidden {
            reason,
            hide: false,
            who: Some(who),
        }
    }

    /// A referenced id that does not exist or that the caller may not know of (404).
    pub fn unknown(field: impl Into<String>) -> Self {
        Self::UnknownReference {
            field: field.into(),
        }
    }

    /// A refusal that must not reveal the object exists (404).
    pub fn hidden(reason: &'static str) -> Self {
        Self::Forbidden {
            reason,
            hide: true,
            who: None,
        }
    }
}

/// Who may do what a refusal refused: a stable code (the 403's `errors[].code`, with Korean and
/// English texts in the HTTP catalogue) and the role, kind of organization and relation to the
/// object that the problem's `required` member names. Says nothing about the object itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The case's lead organization (주관기관).
    CaseLead,
    /// The case's lead organization or the district's coordinators.
    CaseLeadOrCoordinator,
    /// Organizations working on the case (lead, co-manager, service provider, visitor).
    CaseWorkers,
    /// Caseworkers, supervisors and admins of an operational organization.
    Caseworker,
    /// The district's coordinators (구 희망복지지원단 통합사례관리사).
    Coordinator,
    /// The district's coordinators and auditors.
    CoordinatorOrAuditor,
    /// Auditors and system administrators.
    Auditor,
    /// System administrators.
    SystemAdmin,
    /// The organization's own admin.
    OrgAdmin,
    /// The organization's own admin or supervisor, or the district's coordinators.
    OrgAdminOrCoordinator,
    /// The organization that registered the person (or household).
    RegisteringOrg,
    /// The registering organization or the lead of an open case of the person.
    RegisteringOrgOrLead,
    /// The registering organization or the district's coordinators.
    RegisteringOrgOrCoordinator,
    /// Organizations the person's consent names (and the registering one).
    ConsentedOrg,
    /// The organization a referral was sent to.
    ReferralReceiver,
    /// Either end of a referral.
    ReferralEnds,
    /// The meeting's host organization.
    MeetingHost,
    /// The providing organization of an allocation (or, to cancel, the district's coordinators).
    Provider,
    /// The organization that created the resource, or the district's coordinators.
    ResourceOwner,
    /// Someone other than the one who asked (no self-approval, no change of one's own access).
    SomeoneElse,
    /// An organization with a quota in the campaign (or, to read, the district's coordinators
    /// and auditors).
    QuotaHolder,
    /// The organization that received the donation.
    ReceivingOrg,
}

impl Who {
    /// The stable code (`errors[].code`).
    pub fn code(self) -> &'static str {
        match self {
            Self::CaseLead => "requires_case_lead",
            Self::CaseLeadOrCoordinator => "requires_case_lead_or_coordinator",
            Self::CaseWorkers => "requires_case_participant",
            Self::Caseworker => "requires_caseworker",
            Self::Coordinator => "requires_coordinator",
            Self::CoordinatorOrAuditor => "requires_coordinator_or_auditor",
            Self::Auditor => "requires_auditor",
            Self::SystemAdmin => "requires_system_admin",
            Self::OrgAdmin => "requires_org_admin",
            Self::OrgAdminOrCoordinator => "requires_org_admin_or_coordinator",
            Self::RegisteringOrg => "requires_registering_org",
            Self::RegisteringOrgOrLead => "requires_registering_org_or_lead",
            Self::RegisteringOrgOrCoordinator => "requires_registering_org_or_coordinator",
            Self::ConsentedOrg => "requires_consent",
            Self::ReferralReceiver => "requires_referral_receiver",
            Self::ReferralEnds => "requires_referral_end",
            Self::MeetingHost => "requires_meeting_host",
            Self::Provider => "requires_provider",
            Self::ResourceOwner => "requires_resource_owner",
            Self::SomeoneElse => "requires_someone_else",
            Self::QuotaHolder => "requires_campaign_quota",
            Self::ReceivingOrg => "requires_receiving_org",
        }
    }

    /// The role that may, when one role decides it.
    pub fn role(self) -> Option<&'static str> {
        match self {
            Self::Coordinator | Self::CaseLeadOrCoordinator | Self::RegisteringOrgOrCoordinator => {
                Some("coordinator")
            }
            Self::Auditor => Some("auditor"),
            Self::SystemAdmin => Some("system_admin"),
            Self::OrgAdmin | Self::OrgAdminOrCoordinator => Some("org_admin"),
            Self::Caseworker => Some("caseworker"),
            _ => None,
        }
    }

    /// The kind of organization that may, when one kind decides it.
    pub fn organization_kind(self) -> Option<&'static str> {
        match self {
            Self::Coordinator | Self::CoordinatorOrAuditor => Some("district_office"),
            Self::SystemAdmin => Some("system"),
            _ => None,
        }
    }

    /// The organization's relation to the object, when that decides it.
    pub fn organization(self) -> Option<&'static str> {
        match self {
            Self::CaseLead | Self::CaseLeadOrCoordinator => Some("case_lead"),
            Self::CaseWorkers => Some("case_participant"),
            Self::OrgAdmin | Self::OrgAdminOrCoordinator => Some("own"),
            Self::RegisteringOrg | Self::RegisteringOrgOrCoordinator => Some("registering"),
            Self::RegisteringOrgOrLead => Some("registering_or_case_lead"),
            Self::ConsentedOrg => Some("named_in_consent"),
            Self::ReferralReceiver => Some("referral_receiver"),
            Self::ReferralEnds => Some("referral_sender_or_receiver"),
            Self::MeetingHost => Some("meeting_host"),
            Self::Provider => Some("provider"),
            Self::ResourceOwner => Some("resource_owner"),
            Self::QuotaHolder => Some("campaign_quota_holder"),
            Self::ReceivingOrg => Some("donation_receiver"),
            _ => None,
        }
    }

    pub const ALL: [Who; 22] = [
        Self::CaseLead,
        Self::CaseLeadOrCoordinator,
        Self::CaseWorkers,
        Self::Caseworker,
        Self::Coordinator,
        Self::CoordinatorOrAuditor,
        Self::Auditor,
        Self::SystemAdmin,
        Self::OrgAdmin,
        Self::OrgAdminOrCoordinator,
        Self::RegisteringOrg,
        Self::RegisteringOrgOrLead,
        Self::RegisteringOrgOrCoordinator,
        Self::ConsentedOrg,
        Self::ReferralReceiver,
        Self::ReferralEnds,
        Self::MeetingHost,
        Self::Provider,
        Self::ResourceOwner,
        Self::SomeoneElse,
        Self::QuotaHolder,
        Self::ReceivingOrg,
    ];
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
