//! Attachments and a delivery's proof.

use chrono::{DateTime, Utc};
use hamkke_domain::attachment::{AttachmentKind, ProofKind, SubjectType};
use hamkke_persistence::repo::allocations::{Delivered, ProofGiven};
use hamkke_persistence::repo::attachments::AttachmentMeta;
use hamkke_persistence::repo::names::{Names, Wanted};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::common::{FromNamed, Refers};
use super::persons::mirror_enum;

mirror_enum!(
    /// What an attachment belongs to: an allocation (a delivery's proof), a consent (the
    /// signed form) or a case (an assessment sheet, a plan agreement).
    SubjectTypeDto => SubjectType { Allocation, Consent, Case }
);
mirror_enum!(
    /// What the file is: `signature` (수령 서명), `photo` (전달 사진), `consent_form`
    /// (정보제공동의서), `assessment_sheet` (사정 기록지), `plan_agreement` (서비스 계획 동의서),
    /// `other`.
    AttachmentKindDto => AttachmentKind { Signature, Photo, ConsentForm, AssessmentSheet, PlanAgreement, Other }
);
mirror_enum!(
    /// How receipt was shown: `signature` (수령인 서명), `photo` (전달 사진), `proxy` (대리수령).
    ProofKindDto => ProofKind { Signature, Photo, Proxy }
);

/// A multipart upload of an attachment.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    /// What it belongs to.
    pub subject_type: SubjectTypeDto,
    /// The allocation, consent or case's id.
    pub subject_id: Uuid,
    /// What the file is.
    pub kind: AttachmentKindDto,
    /// The file: PDF, JPEG, PNG or HEIC, at most the configured size (10 MiB by default);
    /// its type is recognised by its content.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// An attachment's description (the file itself is `GET /attachments/{id}/content`).
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    pub subject_type: SubjectTypeDto,
    pub subject_id: Uuid,
    pub kind: AttachmentKindDto,
    /// The type recognised from the content: `application/pdf`, `image/jpeg`, `image/png` or
    /// `image/heic`.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the file, to check a download against.
    pub sha256: String,
    pub uploaded_by: Uuid,
    /// The uploader's name.
    pub uploaded_by_name: Option<String>,
    pub uploaded_by_org_id: Uuid,
    /// The uploading organization's name.
    pub uploaded_by_org_name: String,
    pub created_at: DateTime<Utc>,
}

impl Refers for AttachmentMeta {
    fn refers(&self, w: &mut Wanted) {
        w.users([Some(self.uploaded_by)])
            .org(self.uploaded_by_org_id);
    }
}

impl FromNamed<AttachmentMeta> for AttachmentView {
    fn named(m: AttachmentMeta, n: &Names) -> Self {
        Self {
            id: m.id,
            subject_type: m.subject_type.into(),
            subject_id: m.subject_id,
            kind: m.kind.into(),
            content_type: m.file_type.as_str().to_owned(),
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            uploaded_by_name: n.user_opt(Some(m.uploaded_by)),
            uploaded_by: m.uploaded_by,
            uploaded_by_org_name: n.org(m.uploaded_by_org_id),
            uploaded_by_org_id: m.uploaded_by_org_id,
            created_at: m.created_at,
        }
    }
}

/// The attachments of one subject.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<AttachmentView>,
}

/// Query of `GET /attachments`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AttachmentQuery {
    /// What the attachments belong to.
    pub subject_type: SubjectTypeDto,
    /// Its id.
    pub subject_id: Uuid,
}

/// How receipt was shown.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofRequest {
    /// `signature` or `photo` (name the attachment uploaded to this allocation), or `proxy`
    /// (대리수령: name who took it and their relation to the recipient).
    pub kind: ProofKindDto,
    /// The signature or photo: an attachment of this allocation of that kind.
    pub attachment_id: Option<Uuid>,
    /// 대리수령: the name of who took it.
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub proxy_name: Option<String>,
    /// 대리수령: their relation to the recipient (e.g. 자녀, 이웃, 통장).
    #[validate(length(min = 1, max = 50, message = "must be 1 to 50 characters"))]
    #[schema(min_length = 1, max_length = 50)]
    pub proxy_relation: Option<String>,
}

/// A delivery (전달 완료) with its proof; the body may be left out (no proof recorded, now).
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverRequest {
    /// When it was handed over (default now; never in the future).
    pub delivered_at: Option<DateTime<Utc>>,
    /// How receipt was shown; without it the delivery counts as delivered without proof.
    #[validate(nested)]
    pub proof: Option<ProofRequest>,
}

impl From<DeliverRequest> for Delivered {
    fn from(r: DeliverRequest) -> Self {
        Delivered {
            delivered_at: r.delivered_at,
            proof: r.proof.map(|p| ProofGiven {
                kind: p.kind.into(),
                attachment_id: p.attachment_id,
                proxy_name: p.proxy_name,
                proxy_relation: p.proxy_relation,
            }),
        }
    }
}

/// A delivery's record: when, by whom, how receipt was shown. Who took it for the recipient
/// (대리수령) and the proof's file only to those who see the recipient.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationDeliveryView {
    pub delivered_at: DateTime<Utc>,
    pub delivered_by: Option<Uuid>,
    /// The deliverer's name.
    pub delivered_by_name: Option<String>,
    /// How receipt was shown; null when delivered without proof.
    pub proof_kind: Option<ProofKindDto>,
    /// The signature or photo (null once retention removed the file).
    pub proof_attachment_id: Option<Uuid>,
    pub proxy_name: Option<String>,
    pub proxy_relation: Option<String>,
}

impl AllocationDeliveryView {
    pub fn of(d: hamkke_domain::allocation::Delivery, details: bool, n: &Names) -> Self {
        let proof = d.proof;
        let shown = |v: Option<String>| if details { v } else { None };
        Self {
            delivered_at: d.delivered_at,
            delivered_by_name: n.user_opt(d.delivered_by),
            delivered_by: d.delivered_by,
            proof_kind: proof.as_ref().map(|p| p.kind.into()),
            proof_attachment_id: proof
                .as_ref()
                .and_then(|p| p.attachment_id)
                .filter(|_| details),
            proxy_name: shown(proof.as_ref().and_then(|p| p.proxy_name.clone())),
            proxy_relation: shown(proof.and_then(|p| p.proxy_relation)),
        }
    }
}
