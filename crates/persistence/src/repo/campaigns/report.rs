//! A campaign's report by dong of residence (the nominated household's administrative dong,
//! named by the dong centre serving it): nominated households and persons, approved,
//! delivered, delivered with proof, and won given. Counts only, no person data; for those who
//! read the district's reports, audited as an export.

use diesel::prelude::*;
use hamkke_domain::authz::{self};
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditEntry};
use crate::error::RepoResult;
use crate::lists::in_texts;
use crate::schema::{allocations, campaign_nominations, campaigns, households};
use crate::types::DbUuid;
use crate::uow::Tx;

/// The `dong_code` of the total line.
pub const TOTAL_ROW: &str = "total";

/// One dong's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DongRow {
    /// The administrative dong code, or `unknown` when the household records none.
    pub dong_code: String,
    /// The dong centre serving it (None for `unknown` or a dong without a centre on file).
    pub dong_name: Option<String>,
    pub nominated_households: i64,
    pub nominated_persons: i64,
    pub approved: i64,
    pub delivered: i64,
    pub delivered_with_proof: i64,
    /// Won of the approved nominations' allocations (not cancelled).
    pub amount: i64,
}

impl DongRow {
    fn add(&mut self, other: &DongRow) {
        self.nominated_households += other.nominated_households;
        self.nominated_persons += other.nominated_persons;
        self.approved += other.approved;
        self.delivered += other.delivered;
        self.delivered_with_proof += other.delivered_with_proof;
        self.amount += other.amount;
    }
}

/// The report: a row per dong (by code), and the total.
#[derive(Debug, Clone)]
pub struct CampaignReport {
    pub campaign_id: Uuid,
    pub name: String,
    pub district_code: String,
    pub by_dong: Vec<DongRow>,
    pub total: DongRow,
}

/// A nomination's status, whether it counts its household, the household's dong, and its
/// allocation's status, amount and proof.
type Row = (
    String,
    bool,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// Reads the report (the district's coordinators and auditors).
pub fn report(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<CampaignReport> {
    let actor = tx.actor();
    let ctx = tx.ctx();
    let (name, district): (String, String) = campaigns::table
        .find(DbUuid(id))
        .select((campaigns::name, campaigns::district_code))
        .first(tx.conn())?;
    authz::view_ledger(actor, &district)?;
    authz::read_reports(actor, &district)?;
    let rows: Vec<Row> = campaign_nominations::table
        .left_join(
            households::table.on(households::id
                .nullable()
                .eq(campaign_nominations::household_id)),
        )
        .left_join(
            allocations::table.on(allocations::id
                .nullable()
                .eq(campaign_nominations::allocation_id)),
        )
        .filter(campaign_nominations::campaign_id.eq(DbUuid(id)))
        .filter(in_texts(
            campaign_nominations::status,
            ["nominated", "approved"],
        ))
        .select((
            campaign_nominations::status,
            campaign_nominations::counts_household,
            households::admin_dong_code.nullable(),
            allocations::status.nullable(),
            allocations::amount.nullable(),
            allocations::proof_kind.nullable(),
        ))
        .load(tx.conn())?;
    let names = super::super::reports::dong_names(tx.conn(), &district)?;
    let mut by_dong: std::collections::BTreeMap<String, DongRow> = Default::default();
    for (status, counts_household, dong, given, amount, proof) in rows {
        let code = dong.unwrap_or_else(|| "unknown".into());
        let row = by_dong.entry(code.clone()).or_insert_with(|| DongRow {
            dong_name: names.get(&code).cloned(),
            dong_code: code,
            ..DongRow::default()
        });
        row.nominated_persons += 1;
        row.nominated_households += i64::from(counts_household);
        if status == "approved" {
            row.approved += 1;
            match given.as_deref() {
                Some("delivered") => {
                    row.delivered += 1;
                    row.delivered_with_proof += i64::from(proof.is_some());
                }
                Some("cancelled") | None => continue,
                _ => {}
            }
            row.amount += amount.unwrap_or(0);
        }
    }
    let by_dong: Vec<DongRow> = by_dong.into_values().collect();
    let mut total = DongRow {
        dong_code: TOTAL_ROW.to_owned(),
        ..DongRow::default()
    };
    for r in &by_dong {
        total.add(r);
    }
    audit::record(
        tx.conn(),
        ctx,
        AuditEntry::new(AuditAction::Export, "campaign_report", Some(id.to_string())),
    )?;
    Ok(CampaignReport {
        campaign_id: id,
        name,
        district_code: district,
        by_dong,
        total,
    })
}
