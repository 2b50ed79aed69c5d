//! An allocation's later moves: an override approved or rejected, delivered, cancelled.

use super::*;

/// A status change: from which statuses, to which, with what reason.
pub(super) struct Move<'a> {
    from: &'a [AllocationStatus],
    to: AllocationStatus,
    reason: Option<&'a str>,
    /// A coordinator's decision on an override (approved or rejected), told to the requester.
    decides: Option<bool>,
}

pub(super) fn change_status(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
    m: Move<'_>,
    rule: impl FnOnce(&Allocation) -> Result<(), DomainError>,
) -> RepoResult<LedgerEntry> {
    let Move {
        from,
        to,
        reason,
        decides,
    } = m;
    uow::run(conn, actor, ctx, |tx| {
        let conn = tx.conn();
        let a = load(conn, id)?;
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
        .execute(conn)?;
        crate::guard::claimed(
            moved,
            "allocation_changed",
            "another request changed this allocation first; reload it",
        )?;
        if to == AllocationStatus::Approved {
            diesel::update(allocations::table.find(DbUuid(id)))
                .set(allocations::approved_by.eq(Some(DbUuid(actor.user_id))))
                .execute(conn)?;
        }
        if let Some(r) = reason {
            diesel::update(allocations::table.find(DbUuid(id)))
                .set(allocations::cancel_reason.eq(Some(r)))
                .execute(conn)?;
        }
        if to == AllocationStatus::Cancelled {
            super::super::stock::put_back(conn, id)?;
        }
        if let Some(approved) = decides {
            Tx::on(conn, actor, ctx).record(
                DomainEvent::OverrideDecided {
                    allocation_id: id,
                    approved,
                    requested_by: a.requested_by,
                },
                Some(a.person_id),
            )?;
        } else {
            Tx::on(conn, actor, ctx).record(
                DomainEvent::AllocationStatusChanged {
                    allocation_id: id,
                    case_id: a.case_id,
                    provider_org_id: a.provider_org_id,
                    status: to.as_str(),
                },
                Some(a.person_id),
            )?;
        }
        let a = load(conn, id)?;
        entries(conn, actor, vec![a])?
            .pop()
            .ok_or(RepoError::NotFound)
    })
}

/// A coordinator of the district (not the requester) approves an override.
pub fn approve(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
) -> RepoResult<LedgerEntry> {
    let m = Move {
        from: &[AllocationStatus::PendingOverride],
        to: AllocationStatus::Approved,
        reason: None,
        decides: Some(true),
    };
    change_status(conn, actor, ctx, id, m, |a| {
        authz::approve_override(actor, &a.district_code, a.requested_by)
    })
}

/// A coordinator of the district (not the requester) rejects an override: the allocation is
/// cancelled with the reason, and the requester is told.
pub fn reject(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
    reason: &str,
) -> RepoResult<LedgerEntry> {
    let m = Move {
        from: &[AllocationStatus::PendingOverride],
        to: AllocationStatus::Cancelled,
        reason: Some(reason),
        decides: Some(false),
    };
    change_status(conn, actor, ctx, id, m, |a| {
        authz::approve_override(actor, &a.district_code, a.requested_by)
    })
}

/// The providing organization marks an approved allocation delivered.
pub fn deliver(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
) -> RepoResult<LedgerEntry> {
    let m = Move {
        from: &[AllocationStatus::Approved, AllocationStatus::Planned],
        to: AllocationStatus::Delivered,
        reason: None,
        decides: None,
    };
    change_status(conn, actor, ctx, id, m, |a| {
        authz::handle_allocation(actor, a.provider_org_id, &a.district_code, false)
    })
}

/// The providing organization or a district coordinator cancels; it stops counting at once.
pub fn cancel(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &AuditCtx,
    id: Uuid,
    reason: &str,
) -> RepoResult<LedgerEntry> {
    let m = Move {
        from: &[
            AllocationStatus::Planned,
            AllocationStatus::Approved,
            AllocationStatus::PendingOverride,
        ],
        to: AllocationStatus::Cancelled,
        reason: Some(reason),
        decides: None,
    };
    change_status(conn, actor, ctx, id, m, |a| {
        authz::handle_allocation(actor, a.provider_org_id, &a.district_code, true)
    })
}
