//! An allocation's later moves: an override approved or rejected, delivered, cancelled.

use super::*;

/// A status change: from which statuses, to which, with what reason.
pub(super) struct Move<'a> {
    from: &'a [AllocationStatus],
    to: AllocationStatus,
    reason: Option<&'a str>,
    /// A coordinator's decision on an override (approved or rejected), told to the requester.
    decides: Option<bool>,
    /// A delivery's record and proof.
    delivery: Option<&'a Delivered>,
}

/// A delivery as the provider records it: when (default now; never in the future) and how
/// receipt was shown.
#[derive(Debug, Clone, Default)]
pub struct Delivered {
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub proof: Option<ProofGiven>,
}

/// The proof given: a signature or photo names an attachment of this allocation; 대리수령
/// names who took it and their relation to the recipient.
#[derive(Debug, Clone)]
pub struct ProofGiven {
    pub kind: ProofKind,
    pub attachment_id: Option<Uuid>,
    pub proxy_name: Option<String>,
    pub proxy_relation: Option<String>,
}

impl ProofGiven {
    /// The proof's own rules: a file for a signature or photo, a name and relation for a proxy.
    fn check(&self) -> Result<(), DomainError> {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        match self.kind.attachment_kind() {
            Some(_) if self.attachment_id.is_none() => Err(DomainError::invalid(
                "proof.attachment_id",
                "required",
                "a signature or photo proof names the attachment uploaded to this allocation",
            )),
            None if blank(&self.proxy_name) || blank(&self.proxy_relation) => {
                Err(DomainError::invalid(
                    if blank(&self.proxy_name) {
                        "proof.proxy_name"
                    } else {
                        "proof.proxy_relation"
                    },
                    "required",
                    "대리수령 records who took it and their relation to the recipient",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Checks that `file` is an attachment of this allocation of the kind `kind` (a delivery's proof
/// names a file of its own allocation only; attachments never move, so the check holds).
fn proof_file_of(
    conn: &mut DbConn,
    file: Uuid,
    allocation_id: Uuid,
    kind: hamkke_domain::attachment::AttachmentKind,
) -> RepoResult<()> {
    use crate::schema::attachments as f;
    let found: i64 = f::table
        .filter(f::id.eq(DbUuid(file)))
        .filter(f::subject_type.eq(hamkke_domain::attachment::SubjectType::Allocation.as_str()))
        .filter(f::subject_id.eq(DbUuid(allocation_id)))
        .filter(f::kind.eq(kind.as_str()))
        .count()
        .get_result(conn)?;
    if found == 1 {
        return Ok(());
    }
    Err(DomainError::invalid(
        "proof.attachment_id",
        "unknown",
        format!(
            "name a {} attachment uploaded to this allocation",
            kind.as_str()
        ),
    )
    .into())
}

/// Records the delivery's time, deliverer and proof on the row just moved to delivered.
fn record_delivery(conn: &mut DbConn, actor: &Actor, id: Uuid, d: &Delivered) -> RepoResult<()> {
    let now = crate::now();
    let at = d.delivered_at.unwrap_or(now);
    if at > now + chrono::Duration::minutes(5) {
        return Err(DomainError::invalid(
            "delivered_at",
            "out_of_range",
            "a delivery cannot be recorded in the future",
        )
        .into());
    }
    if let Some(p) = &d.proof {
        p.check()?;
        if let (Some(file), Some(kind)) = (p.attachment_id, p.kind.attachment_kind()) {
            proof_file_of(conn, file, id, kind)?;
        }
    }
    let proof = d.proof.as_ref();
    diesel::update(allocations::table.find(DbUuid(id)))
        .set((
            allocations::delivered_at.eq(Some(to_db(at))),
            allocations::delivered_by.eq(Some(DbUuid(actor.user_id))),
            allocations::proof_kind.eq(proof.map(|p| p.kind.as_str())),
            allocations::proof_attachment_id.eq(proof.and_then(|p| p.attachment_id).map(DbUuid)),
            allocations::proxy_name.eq(proof.and_then(|p| p.proxy_name.as_deref().map(str::trim))),
            allocations::proxy_relation
                .eq(proof.and_then(|p| p.proxy_relation.as_deref().map(str::trim))),
        ))
        .execute(conn)?;
    Ok(())
}

pub(super) fn change_status(
    tx: &mut Tx<'_>,
    id: Uuid,
    m: Move<'_>,
    rule: impl FnOnce(&Allocation) -> Result<(), DomainError>,
) -> RepoResult<LedgerEntry> {
    let actor = tx.actor();
    let Move {
        from,
        to,
        reason,
        decides,
        delivery,
    } = m;
    let a = load(tx.conn(), id)?;
    authz::view_ledger(actor, &a.district_code)?;
    rule(&a)?;
    if !from.contains(&a.status) {
        return Err(RepoError::conflict(
            "invalid_allocation_transition",
            format!(
                "a {} allocation cannot become {}",
                a.status.as_str(),
                to.as_str()
            ),
        ));
    }
    let now = to_db(crate::now());
    let moved = diesel::update(
        allocations::table
            .find(DbUuid(id))
            .filter(allocations::status.eq(a.status.as_str())),
    )
    .set((
        allocations::status.eq(to.as_str()),
        allocations::updated_at.eq(now),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        moved,
        "allocation_changed",
        "another request changed this allocation first; reload it",
    )?;
    if to == AllocationStatus::Approved {
        diesel::update(allocations::table.find(DbUuid(id)))
            .set(allocations::approved_by.eq(Some(DbUuid(actor.user_id))))
            .execute(tx.conn())?;
    }
    if let Some(r) = reason {
        diesel::update(allocations::table.find(DbUuid(id)))
            .set(allocations::cancel_reason.eq(Some(r)))
            .execute(tx.conn())?;
    }
    if let Some(d) = delivery {
        record_delivery(tx.conn(), actor, id, d)?;
    }
    if let Some(approved) = decides {
        tx.record(
            DomainEvent::OverrideDecided {
                allocation_id: id,
                approved,
                requested_by: a.requested_by,
            },
            Some(a.person_id),
        )?;
    } else {
        tx.record(
            DomainEvent::AllocationStatusChanged {
                allocation_id: id,
                case_id: a.case_id,
                provider_org_id: a.provider_org_id,
                status: to.as_str(),
            },
            Some(a.person_id),
        )?;
    }
    let a = load(tx.conn(), id)?;
    entries(tx.conn(), actor, vec![a])?
        .pop()
        .ok_or(RepoError::NotFound)
}

/// A coordinator of the district (not the requester) approves an override.
pub fn approve(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<LedgerEntry> {
    let actor = tx.actor();
    let m = Move {
        from: &[AllocationStatus::PendingOverride],
        to: AllocationStatus::Approved,
        reason: None,
        decides: Some(true),
        delivery: None,
    };
    change_status(tx, id, m, |a| {
        authz::approve_override(actor, &a.district_code, a.requested_by)
    })
}

/// A coordinator of the district (not the requester) rejects an override: the allocation is
/// cancelled with the reason, and the requester is told.
pub(crate) fn reject(tx: &mut Tx<'_>, id: Uuid, reason: &str) -> RepoResult<LedgerEntry> {
    let actor = tx.actor();
    let m = Move {
        from: &[AllocationStatus::PendingOverride],
        to: AllocationStatus::Cancelled,
        reason: Some(reason),
        decides: Some(false),
        delivery: None,
    };
    change_status(tx, id, m, |a| {
        authz::approve_override(actor, &a.district_code, a.requested_by)
    })
}

/// The providing organization marks an approved allocation delivered, with its proof.
pub fn deliver(tx: &mut Tx<'_>, id: Uuid, delivered: &Delivered) -> RepoResult<LedgerEntry> {
    let actor = tx.actor();
    let m = Move {
        from: &[AllocationStatus::Approved, AllocationStatus::Planned],
        to: AllocationStatus::Delivered,
        reason: None,
        decides: None,
        delivery: Some(delivered),
    };
    change_status(tx, id, m, |a| {
        authz::handle_allocation(actor, a.provider_org_id, &a.district_code, false)
    })
}

/// The providing organization or a district coordinator cancels; it stops counting at once.
pub(crate) fn cancel(tx: &mut Tx<'_>, id: Uuid, reason: &str) -> RepoResult<LedgerEntry> {
    let actor = tx.actor();
    let m = Move {
        from: &[
            AllocationStatus::Planned,
            AllocationStatus::Approved,
            AllocationStatus::PendingOverride,
        ],
        to: AllocationStatus::Cancelled,
        reason: Some(reason),
        decides: None,
        delivery: None,
    };
    change_status(tx, id, m, |a| {
        authz::handle_allocation(actor, a.provider_org_id, &a.district_code, true)
    })
}
