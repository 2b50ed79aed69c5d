//! What a nomination took from its organization's quota, given back: when it is returned or
//! withdrawn, and when the allocation an approved nomination made is cancelled (the ledger's
//! cancellation reaches it through `app::allocations`).

use diesel::prelude::*;
use hamkke_domain::event::{Audience, Change, Record, RecordChange};
use serde_json::json;
use uuid::Uuid;

use crate::error::RepoResult;
use crate::schema::{campaign_nominations, campaign_quotas};
use crate::types::DbUuid;
use crate::uow::Tx;

/// What a nomination took from a quota, and whose it is.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = campaign_nominations)]
pub(crate) struct Taken {
    pub(crate) id: DbUuid,
    pub(crate) campaign_id: DbUuid,
    pub(crate) org_id: DbUuid,
    pub(crate) person_id: DbUuid,
    pub(crate) counts_household: bool,
    pub(crate) amount: Option<i64>,
}

/// Gives a nomination's place back to its organization's quota.
pub(crate) fn give_back(tx: &mut Tx<'_>, n: &Taken) -> RepoResult<()> {
    use campaign_quotas as q;
    let households = i32::from(n.counts_household);
    let amount = n.amount.unwrap_or(0);
    diesel::update(
        q::table
            .filter(q::campaign_id.eq(n.campaign_id))
            .filter(q::org_id.eq(n.org_id)),
    )
    .set((
        q::nominated_persons.eq(q::nominated_persons - 1),
        q::nominated_households.eq(q::nominated_households - households),
        q::nominated_amount.eq(q::nominated_amount - amount),
    ))
    .execute(tx.conn())?;
    Ok(())
}

/// An approved nomination whose allocation is cancelled (by its provider or a coordinator)
/// is cancelled with it, in the same transaction: its place goes back to the quota, the
/// nominating organization is told, and the person may be nominated again.
pub(crate) fn allocation_cancelled(
    tx: &mut Tx<'_>,
    allocation_id: Uuid,
    reason: &str,
) -> RepoResult<()> {
    use campaign_nominations as n;
    let found: Option<Taken> = n::table
        .filter(n::allocation_id.eq(Some(DbUuid(allocation_id))))
        .filter(n::status.eq("approved"))
        .select(Taken::as_select())
        .first(tx.conn())
        .optional()?;
    let Some(row) = found else {
        return Ok(());
    };
    let moved = diesel::update(
        n::table
            .filter(n::id.eq(row.id))
            .filter(n::status.eq("approved")),
    )
    .set((
        n::status.eq("cancelled"),
        n::return_reason.eq(Some(reason)),
        n::version.eq(n::version + 1),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        moved,
        "nomination_decided",
        "this nomination changed meanwhile",
    )?;
    give_back(tx, &row)?;
    tx.record(
        RecordChange::new(Record::Nomination, Change::Updated, row.id.0)
            .details(json!({ "decision": "cancelled", "allocation_id": allocation_id }))
            .telling(vec![Audience::OrgStaff(row.org_id.0)])
            .into(),
        Some(row.person_id.0),
    )?;
    Ok(())
}
