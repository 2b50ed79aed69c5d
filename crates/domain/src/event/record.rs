//! Changes to records outside a case's timeline — the person register, consents, households,
//! the directory (organizations, users), the catalogue (resources, benefit types), transfers
//! and webhook subscriptions — as one family of events: what kind of record, which one, what
//! happened to it, the audit details (no personal data) and who is told.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{Audience, AuditKind};

/// A kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Person,
    Consent,
    Household,
    Organization,
    User,
    Resource,
    BenefitType,
    Transfer,
    Webhook,
    /// A pair of records that may be one person (a coordinator's review).
    PersonDuplicate,
    /// A winter campaign (연말연시 집중 지원) and its quotas.
    Campaign,
    /// A person nominated for a campaign (대상자 추천).
    Nomination,
    /// A donation (후원·기탁) received.
    Donation,
    /// A file added as evidence (a delivery's signature, a consent form, a case's sheet).
    Attachment,
}

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Removed,
}

impl Record {
    /// The audit trail's resource type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Consent => "consent",
            Self::Household => "household",
            Self::Organization => "organization",
            Self::User => "user",
            Self::Resource => "resource",
            Self::BenefitType => "benefit_type",
            Self::Transfer => "person_transfer",
            Self::Webhook => "webhook",
            Self::PersonDuplicate => "person_duplicate",
            Self::Campaign => "campaign",
            Self::Nomination => "nomination",
            Self::Donation => "donation",
            Self::Attachment => "attachment",
        }
    }

    /// The event names of its creation, change and removal, and the notification titles of
    /// each (Korean, English).
    fn names(self) -> [(&'static str, &'static str, &'static str); 3] {
        match self {
            Self::Person => [
                (
                    "person.registered",
                    "대상자가 등록되었습니다",
                    "A person was registered",
                ),
                (
                    "person.updated",
                    "대상자 정보가 바뀌었습니다",
                    "A person's record changed",
                ),
                (
                    "person.merged",
                    "대상자 기록이 병합되었습니다",
                    "A person's records were merged",
                ),
            ],
            Self::Consent => [
                (
                    "consent.recorded",
                    "정보제공동의가 기록되었습니다",
                    "A consent was recorded",
                ),
                (
                    "consent.updated",
                    "정보제공동의가 바뀌었습니다",
                    "A consent changed",
                ),
                (
                    "consent.withdrawn",
                    "정보제공동의가 철회되었습니다",
                    "A consent was withdrawn",
                ),
            ],
            Self::Household => [
                (
                    "household.registered",
                    "가구가 등록되었습니다",
                    "A household was registered",
                ),
                (
                    "household.updated",
                    "가구 정보가 바뀌었습니다",
                    "A household's record changed",
                ),
                (
                    "household.removed",
                    "가구가 삭제되었습니다",
                    "A household was removed",
                ),
            ],
            Self::Organization => [
                (
                    "organization.created",
                    "기관이 등록되었습니다",
                    "An organization was added",
                ),
                (
                    "organization.updated",
                    "기관 정보가 바뀌었습니다",
                    "An organization changed",
                ),
                (
                    "organization.deactivated",
                    "기관이 비활성화되었습니다",
                    "An organization was deactivated",
                ),
            ],
            Self::User => [
                (
                    "user.created",
                    "계정이 만들어졌습니다",
                    "An account was created",
                ),
                ("user.updated", "계정이 바뀌었습니다", "An account changed"),
                (
                    "user.deactivated",
                    "계정이 비활성화되었습니다",
                    "An account was deactivated",
                ),
            ],
            Self::Resource => [
                (
                    "resource.created",
                    "자원이 등록되었습니다",
                    "A resource was added",
                ),
                (
                    "resource.updated",
                    "자원 정보가 바뀌었습니다",
                    "A resource changed",
                ),
                (
                    "resource.retired",
                    "자원이 중단되었습니다",
                    "A resource was retired",
                ),
            ],
            Self::BenefitType => [
                (
                    "benefit_type.created",
                    "급여 종류가 등록되었습니다",
                    "A benefit type was added",
                ),
                (
                    "benefit_type.updated",
                    "급여 종류가 바뀌었습니다",
                    "A benefit type changed",
                ),
                (
                    "benefit_type.retired",
                    "급여 종류가 중단되었습니다",
                    "A benefit type was retired",
                ),
            ],
            Self::Transfer => [
                (
                    "transfer.requested",
                    "전출입 요청이 있습니다. 결정해 주세요",
                    "A transfer awaits your decision",
                ),
                (
                    "transfer.decided",
                    "전출입 요청이 결정되었습니다",
                    "A transfer was decided",
                ),
                (
                    "transfer.withdrawn",
                    "전출입 요청이 취소되었습니다",
                    "A transfer was withdrawn",
                ),
            ],
            Self::PersonDuplicate => [
                (
                    "person_duplicate.queued",
                    "중복 의심 대상자가 검토를 기다립니다",
                    "A possible duplicate awaits review",
                ),
                (
                    "person_duplicate.dismissed",
                    "중복 의심이 해소되었습니다",
                    "A possible duplicate was dismissed",
                ),
                (
                    "person_duplicate.merged",
                    "중복 기록이 병합되었습니다",
                    "Duplicate records were merged",
                ),
            ],
            Self::Campaign => [
                (
                    "campaign.created",
                    "집중 지원 캠페인이 시작되었습니다",
                    "A campaign was started",
                ),
                (
                    "campaign.updated",
                    "캠페인이 바뀌었습니다",
                    "A campaign changed",
                ),
                (
                    "campaign.closed",
                    "캠페인이 마감되었습니다",
                    "A campaign was closed",
                ),
            ],
            Self::Nomination => [
                (
                    "nomination.made",
                    "캠페인 대상자가 추천되었습니다",
                    "A person was nominated for a campaign",
                ),
                (
                    "nomination.decided",
                    "캠페인 추천이 결정되었습니다",
                    "A nomination was decided",
                ),
                (
                    "nomination.withdrawn",
                    "캠페인 추천이 취소되었습니다",
                    "A nomination was withdrawn",
                ),
            ],
            Self::Donation => [
                (
                    "donation.received",
                    "후원이 접수되었습니다",
                    "A donation was received",
                ),
                (
                    "donation.updated",
                    "후원 정보가 바뀌었습니다",
                    "A donation changed",
                ),
                (
                    "donation.removed",
                    "후원이 취소되었습니다",
                    "A donation was removed",
                ),
            ],
            Self::Attachment => [
                (
                    "attachment.added",
                    "첨부 파일이 추가되었습니다",
                    "A file was attached",
                ),
                (
                    "attachment.updated",
                    "첨부 파일이 바뀌었습니다",
                    "An attachment changed",
                ),
                (
                    "attachment.removed",
                    "첨부 파일이 삭제되었습니다",
                    "An attachment was removed",
                ),
            ],
            Self::Webhook => [
                (
                    "webhook.created",
                    "웹훅이 등록되었습니다",
                    "A webhook was added",
                ),
                (
                    "webhook.updated",
                    "웹훅이 바뀌었습니다",
                    "A webhook changed",
                ),
                (
                    "webhook.deleted",
                    "웹훅이 삭제되었습니다",
                    "A webhook was deleted",
                ),
            ],
        }
    }

    /// The changes recorded of this kind of record (the others have a name only for
    /// symmetry; they are not offered to subscribers).
    fn recorded(self) -> &'static [Change] {
        use Change::*;
        match self {
            Self::Person => &[Created, Updated, Removed],
            Self::Consent => &[Created, Removed],
            Self::PersonDuplicate => &[Updated, Removed],
            Self::Webhook | Self::Nomination => &[Created, Updated, Removed],
            Self::Donation => &[Created, Updated],
            Self::Attachment => &[Created],
            _ => &[Created, Updated],
        }
    }

    /// Every record kind.
    pub const ALL: [Record; 14] = [
        Self::Person,
        Self::Consent,
        Self::Household,
        Self::Organization,
        Self::User,
        Self::Resource,
        Self::BenefitType,
        Self::Transfer,
        Self::Webhook,
        Self::PersonDuplicate,
        Self::Campaign,
        Self::Nomination,
        Self::Donation,
        Self::Attachment,
    ];
}

impl Change {
    fn index(self) -> usize {
        match self {
            Self::Created => 0,
            Self::Updated => 1,
            Self::Removed => 2,
        }
    }
}

/// One change to a record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    pub record: Record,
    pub id: Uuid,
    pub change: Change,
    /// Audit details: ids, codes and field names only, never personal data.
    pub details: Value,
    pub audience: Vec<Audience>,
}

impl From<RecordChange> for super::DomainEvent {
    fn from(r: RecordChange) -> Self {
        Self::Record(r)
    }
}

impl RecordChange {
    pub fn new(record: Record, change: Change, id: Uuid) -> Self {
        Self {
            record,
            id,
            change,
            details: json!({}),
            audience: Vec::new(),
        }
    }

    /// With these audit details.
    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// Told to these users.
    pub fn telling(mut self, audience: Vec<Audience>) -> Self {
        self.audience = audience;
        self
    }

    pub fn type_name(&self) -> &'static str {
        self.record.names()[self.change.index()].0
    }

    pub fn title(&self, korean: bool) -> String {
        let (_, ko, en) = self.record.names()[self.change.index()];
        if korean { ko } else { en }.to_owned()
    }

    pub fn audit(&self) -> (AuditKind, &'static str, Uuid, Value) {
        let kind = match self.change {
            Change::Created => AuditKind::Create,
            Change::Updated => AuditKind::Update,
            Change::Removed if self.record == Record::Webhook => AuditKind::Delete,
            Change::Removed => AuditKind::Update,
        };
        (kind, self.record.as_str(), self.id, self.details.clone())
    }

    /// Ids only: `{ "<record>_id": id }`.
    pub fn payload(&self) -> Value {
        let key = match self.record {
            Record::Transfer => "transfer_id".to_owned(),
            Record::Webhook => "subscription_id".to_owned(),
            r => format!("{}_id", r.as_str()),
        };
        json!({ key: self.id })
    }

    /// Whether webhook subscriptions receive it: not a subscription's own changes (a
    /// subscription is never told of itself, nor of the subscriptions beside it).
    pub fn delivered_to_webhooks(&self) -> bool {
        self.record != Record::Webhook
    }

    /// Every event name of the family a webhook subscription may take.
    pub fn types() -> impl Iterator<Item = &'static str> {
        Record::ALL
            .into_iter()
            .filter(|r| *r != Record::Webhook)
            .flat_map(|r| r.recorded().iter().map(move |c| r.names()[c.index()].0))
    }
}
