//! 정보제공동의 — consent to share a person's information with other organizations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Whom a consent covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    /// Every organization participating in the person's cases, now or later.
    CaseParticipants,
    /// The organizations listed.
    Organizations,
}

impl ConsentScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CaseParticipants => "case_participants",
            Self::Organizations => "organizations",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::CaseParticipants, Self::Organizations]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A recorded consent.
#[derive(Debug, Clone)]
pub struct Consent {
    pub id: Uuid,
    pub person_id: Uuid,
    pub purpose: String,
    pub scope: ConsentScope,
    pub organization_ids: Vec<Uuid>,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub evidence_ref: Option<String>,
    pub recorded_by: Uuid,
    pub recorded_by_org_id: Uuid,
    /// Recorded by an organization it gave access it did not have (for review).
    pub self_recorded: bool,
    /// Why a reviewer (the registering organization or a coordinator) revoked it.
    pub revoked_reason: Option<String>,
    /// When its signed form was attached (an attachment of kind `consent_form`).
    pub form_attached_at: Option<DateTime<Utc>>,
}

impl Consent {
    /// Live: not withdrawn, not expired at `now`, and not waiting for its form.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.withdrawn_at.is_none() && self.expires_at > now && !self.awaits_form()
    }

    /// Recorded by an organization for itself and its signed form not yet attached: until it
    /// is, the consent gives nobody access (the form is the evidence that the person agreed).
    pub fn awaits_form(&self) -> bool {
        self.self_recorded && self.form_attached_at.is_none()
    }
}
