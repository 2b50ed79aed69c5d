//! Attachments (첨부 파일): files kept as evidence of a delivery, a consent or a case, in the
//! database on both backends. The bytes are sealed under the data key with the attachment's id
//! as associated data and live in `attachment_contents`, apart from what lists read; they are
//! opened only for a download, which says its purpose and is audited. Ids are random (v7) and
//! no path or storage key ever leaves the server.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkke_domain::attachment::{AttachmentKind, FileType, SubjectType};
use hamkke_domain::authz::{self, Actor, AttachmentSubject};
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::DomainError;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{allocations, cases, consents, persons};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::crypto::PersonKeys;
use crate::error::{corrupt, RepoError, RepoResult};
use crate::lists::in_ids;
use crate::schema::{attachment_contents, attachments};
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{self, Rx, Tx};

/// A file to keep: its subject, what it is, and its bytes (type recognised by content).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub subject_type: SubjectType,
    pub subject_id: Uuid,
    pub kind: AttachmentKind,
    pub bytes: Vec<u8>,
}

/// What is known of an attachment without opening it.
#[derive(Debug, Clone)]
pub struct AttachmentMeta {
    pub id: Uuid,
    pub subject_type: SubjectType,
    pub subject_id: Uuid,
    pub kind: AttachmentKind,
    pub file_type: FileType,
    pub size_bytes: i64,
    /// Hex SHA-256 of the plain bytes (for the client to check what it downloaded).
    pub sha256: String,
    pub uploaded_by: Uuid,
    pub uploaded_by_org_id: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments)]
struct Row {
    id: DbUuid,
    subject_type: String,
    subject_id: DbUuid,
    kind: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_by: DbUuid,
    uploaded_by_org_id: DbUuid,
    created_at: NaiveDateTime,
}

impl TryFrom<Row> for AttachmentMeta {
    type Error = RepoError;
    fn try_from(r: Row) -> RepoResult<Self> {
        Ok(AttachmentMeta {
            id: r.id.0,
            subject_type: SubjectType::parse(&r.subject_type)
                .ok_or_else(|| corrupt("attachments.subject_type"))?,
            subject_id: r.subject_id.0,
            kind: AttachmentKind::parse(&r.kind).ok_or_else(|| corrupt("attachments.kind"))?,
            file_type: FileType::parse(&r.content_type)
                .ok_or_else(|| corrupt("attachments.content_type"))?,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by.0,
            uploaded_by_org_id: r.uploaded_by_org_id.0,
            created_at: from_db(r.created_at),
        })
    }
}

/// The subject's facts for the access rules, the person the file is about, and the district.
struct Subject {
    facts: AttachmentSubject,
    person_id: Option<Uuid>,
    district_code: String,
}

fn subject(
    conn: &mut DbConn,
    actor: &Actor,
    subject_type: SubjectType,
    id: Uuid,
) -> RepoResult<Subject> {
    Ok(match subject_type {
        SubjectType::Allocation => {
            let a = allocations::load(conn, id)?;
            authz::view_ledger(actor, &a.district_code)?;
            let (_, recipient) = persons::access_facts(conn, actor, a.person_id)?;
            Subject {
                facts: AttachmentSubject::Allocation {
                    provider_org: a.provider_org_id,
                    district_code: a.district_code.clone(),
                    recipient,
                },
                person_id: Some(a.person_id),
                district_code: a.district_code,
            }
        }
        SubjectType::Consent => {
            let c = consents::load(conn, id)?;
            let (person, access) = persons::access_facts(conn, actor, c.person_id)?;
            if !access.in_district {
                return Err(DomainError::hidden("consent of another district").into());
            }
            Subject {
                facts: AttachmentSubject::Consent {
                    recorded_by_org: c.recorded_by_org_id,
                    registered_by_org: person.registered_by_org_id,
                    district_code: person.district_code.clone(),
                    person: access,
                },
                person_id: Some(c.person_id),
                district_code: person.district_code,
            }
        }
        SubjectType::Case => {
            let detail = cases::load_visible(conn, actor, id)?;
            Subject {
                facts: AttachmentSubject::Case(detail.facts()),
                person_id: Some(detail.case.person_id),
                district_code: detail.case.district_code.clone(),
            }
        }
    })
}

/// Keeps a file for a subject the caller acts on: sealed, hashed, typed by its content (a
/// type other than PDF, JPEG, PNG or HEIC is refused). What a signed consent form does to its
/// consent is `app::attachments::add`'s.
pub fn add(tx: &mut Tx<'_>, keys: &PersonKeys, new: NewAttachment) -> RepoResult<AttachmentMeta> {
    let actor = tx.actor();
    let file_type = FileType::sniff(&new.bytes).ok_or_else(|| {
        DomainError::invalid(
            "file",
            "unsupported_media_type",
            "the file must be a PDF, JPEG, PNG or HEIC (recognised by its content)",
        )
    })?;
    let s = subject(tx.conn(), actor, new.subject_type, new.subject_id)?;
    tx.authorize(authz::attach(actor, &s.facts))?;
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(attachments::table)
        .values((
            attachments::id.eq(DbUuid(id)),
            attachments::subject_type.eq(new.subject_type.as_str()),
            attachments::subject_id.eq(DbUuid(new.subject_id)),
            attachments::person_id.eq(s.person_id.map(DbUuid)),
            attachments::district_code.eq(&s.district_code),
            attachments::kind.eq(new.kind.as_str()),
            attachments::content_type.eq(file_type.as_str()),
            attachments::size_bytes.eq(new.bytes.len() as i64),
            attachments::sha256.eq(hex::encode(Sha256::digest(&new.bytes))),
            attachments::uploaded_by.eq(DbUuid(actor.user_id)),
            attachments::uploaded_by_org_id.eq(DbUuid(actor.org_id)),
            attachments::created_at.eq(now),
        ))
        .execute(tx.conn())?;
    diesel::insert_into(attachment_contents::table)
        .values((
            attachment_contents::attachment_id.eq(DbUuid(id)),
            attachment_contents::sealed.eq(keys.seal_bytes(&new.bytes, id.as_bytes())),
        ))
        .execute(tx.conn())?;
    tx.record(
        RecordChange::new(Record::Attachment, Change::Created, id).into(),
        s.person_id,
    )?;
    load(tx.conn(), id)
}

fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<AttachmentMeta> {
    attachments::table
        .find(DbUuid(id))
        .select(Row::as_select())
        .first(conn)?
        .try_into()
}

/// An attachment the caller may see (its subject's rules), without its bytes.
pub(crate) fn visible(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<AttachmentMeta> {
    let meta = load(conn, id)?;
    let s = subject(conn, actor, meta.subject_type, meta.subject_id)?;
    authz::see_attachment(actor, &s.facts)?;
    Ok(meta)
}

/// One attachment's description.
pub fn get(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<AttachmentMeta> {
    uow::read(conn, actor, |conn| visible(conn, actor, id))
}

/// The attachments of a subject the caller may see, oldest first.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    subject_type: SubjectType,
    subject_id: Uuid,
) -> RepoResult<Vec<AttachmentMeta>> {
    uow::read(conn, actor, |conn| {
        // A subject the caller cannot find is an unknown filter value, as for other lists.
        let s = subject(conn, actor, subject_type, subject_id).map_err(|e| match e {
            RepoError::NotFound | RepoError::Domain(DomainError::Forbidden { hide: true, .. }) => {
                DomainError::unknown("subject_id").into()
            }
            other => other,
        })?;
        authz::see_attachment(actor, &s.facts)?;
        attachments::table
            .filter(attachments::subject_type.eq(subject_type.as_str()))
            .filter(attachments::subject_id.eq(DbUuid(subject_id)))
            .order(attachments::id.asc())
            .select(Row::as_select())
            .load(conn)?
            .into_iter()
            .map(AttachmentMeta::try_from)
            .collect()
    })
}

/// The file itself, for someone who may see its subject and says why (`ctx.purpose`); every
/// download is audited with that purpose and the person it is about.
pub fn content(
    rx: &mut Rx<'_>,
    keys: &PersonKeys,
    id: Uuid,
) -> RepoResult<(AttachmentMeta, Vec<u8>)> {
    rx.consistent(|rx| {
        let (conn, actor, ctx) = rx.parts();
        let meta = visible(conn, actor, id)?;
        if ctx.purpose.is_none() {
            return Err(DomainError::invalid(
                "X-Access-Purpose",
                "required",
                "a download of an attachment says its purpose: case_management, meeting, allocation, audit or other",
            )
            .into());
        }
        let sealed: Vec<u8> = attachment_contents::table
            .find(DbUuid(id))
            .select(attachment_contents::sealed)
            .first(conn)?;
        let bytes = keys
            .open_bytes(&sealed, id.as_bytes())
            .ok_or_else(|| corrupt("attachment_contents.sealed"))?;
        let person_id: Option<DbUuid> = attachments::table
            .find(DbUuid(id))
            .select(attachments::person_id)
            .first(conn)?;
        let mut entry = AuditEntry::new(AuditAction::View, "attachment", Some(id.to_string()))
            .with_details(serde_json::json!({
                "subject_type": meta.subject_type.as_str(),
                "subject_id": meta.subject_id,
                "kind": meta.kind.as_str(),
            }));
        entry.person_id = person_id.map(|p| p.0);
        audit::record(conn, ctx, entry)?;
        Ok((meta, bytes))
    })
}

/// How many files are about these persons (what a retention dry run would remove).
pub(crate) fn count_of_persons(conn: &mut DbConn, persons: &[Uuid]) -> RepoResult<usize> {
    let ids: Vec<DbUuid> = persons.iter().copied().map(DbUuid).collect();
    let n: i64 = attachments::table
        .filter(in_ids(attachments::person_id, ids))
        .count()
        .get_result(conn)?;
    Ok(n as usize)
}

/// Removes the files about these persons (retention anonymising them); returns how many.
pub(crate) fn remove_of_persons(conn: &mut DbConn, persons: &[Uuid]) -> RepoResult<usize> {
    let ids: Vec<DbUuid> = persons.iter().copied().map(DbUuid).collect();
    let of = attachments::table
        .filter(in_ids(attachments::person_id, ids))
        .select(attachments::id);
    diesel::delete(
        attachment_contents::table.filter(attachment_contents::attachment_id.eq_any(of)),
    )
    .execute(conn)?;
    let ids: Vec<DbUuid> = persons.iter().copied().map(DbUuid).collect();
    Ok(
        diesel::delete(attachments::table.filter(in_ids(attachments::person_id, ids)))
            .execute(conn)?,
    )
}

/// What rotating the files did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileRotation {
    pub rotated: usize,
    pub already_current: usize,
    pub unreadable: usize,
}

/// Re-seals every file under the current key, a few at a time (files are large), in short
/// transactions so the server keeps serving. Safe to stop and run again.
pub fn rotate_keys(conn: &mut DbConn, keys: &PersonKeys, batch: i64) -> RepoResult<FileRotation> {
    let mut report = FileRotation::default();
    let mut after: Option<DbUuid> = None;
    loop {
        let mut q = attachment_contents::table
            .select(attachment_contents::attachment_id)
            .order(attachment_contents::attachment_id.asc())
            .limit(batch)
            .into_boxed();
        if let Some(a) = after {
            q = q.filter(attachment_contents::attachment_id.gt(a));
        }
        let ids: Vec<DbUuid> = q.load(conn)?;
        let Some(last) = ids.last() else { break };
        after = Some(*last);
        uow::system(conn, "key_rotation", |conn| -> RepoResult<()> {
            for id in &ids {
                let sealed: Vec<u8> = attachment_contents::table
                    .find(*id)
                    .select(attachment_contents::sealed)
                    .first(conn)?;
                let bound = id.0.as_bytes();
                if keys.bytes_current(&sealed, bound) {
                    report.already_current += 1;
                    continue;
                }
                let Some(plain) = keys.open_bytes(&sealed, bound) else {
                    report.unreadable += 1;
                    continue;
                };
                diesel::update(attachment_contents::table.find(*id))
                    .set(attachment_contents::sealed.eq(keys.seal_bytes(&plain, bound)))
                    .execute(conn)?;
                report.rotated += 1;
            }
            Ok(())
        })?;
    }
    Ok(report)
}
