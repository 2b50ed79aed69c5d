//! The audit trail: listing for auditors, and chain verification.

use crate::dto::common::{named, named_each, FromNamed, Refers};
use actix_web::{get, web, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::{self, AuditScope};
use hamkke_persistence::audit::{self, AuditAction, AuditEntry, AuditFilter, AuditRecord};
use hamkke_persistence::repo::names::{Names, Wanted};
use hamkke_persistence::repo::{persons, refs, users};
use hamkke_persistence::schema::organizations;
use hamkke_persistence::types::DbUuid;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Filters of `GET /audit-events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAuditQuery {
    pub actor_user_id: Option<Uuid>,
    /// The acting user's organization.
    pub org_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    /// `view`, `create`, `update`, `delete`, `export`, `login`, `logout` or `denied`.
    #[param(max_length = 20)]
    pub action: Option<String>,
    #[param(max_length = 50)]
    pub resource_type: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048]$")]
    pub cursor: Option<String>,
}

/// One audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: i64,
    pub event_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    /// The actor's name.
    pub actor_user_name: Option<String>,
    pub actor_org_id: Option<Uuid>,
    /// The actor's organization's name.
    pub actor_org_name: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub person_id: Option<Uuid>,
    pub purpose: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// Position in the hash chain; null until sealed (within about a second).
    pub chain_seq: Option<i64>,
    pub hash: Option<String>,
}

impl Refers for AuditRecord {
    fn refers(&self, w: &mut Wanted) {
        w.users([self.actor_user_id.map(|u| u.0)])
            .orgs([self.actor_org_id.map(|o| o.0)]);
    }
}

impl FromNamed<AuditRecord> for AuditEventView {
    fn named(r: AuditRecord, n: &Names) -> Self {
        Self {
            id: r.id,
            event_id: r.event_id.0,
            occurred_at: r.occurred_at.and_utc(),
            actor_user_name: n.user_opt(r.actor_user_id.map(|u| u.0)),
            actor_org_name: n.org_opt(r.actor_org_id.map(|o| o.0)),
            actor_user_id: r.actor_user_id.map(|u| u.0),
            actor_org_id: r.actor_org_id.map(|u| u.0),
            actor_role: r.actor_role,
            action: r.action,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            person_id: r.person_id.map(|u| u.0),
            purpose: r.purpose,
            ip: r.ip,
            request_id: r.request_id,
            details: r.details.and_then(|d| serde_json::from_str(&d).ok()),
            chain_seq: r.chain_seq,
            hash: r.hash,
        }
    }
}

/// A page of audit events.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventPage {
    pub items: Vec<AuditEventView>,
    pub next_cursor: Option<String>,
}

/// The result of recomputing the hash chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerification {
    /// Every sealed event links to its predecessor and its hash recomputes.
    pub ok: bool,
    pub checked: i64,
    /// The id of the first event that does not verify.
    pub first_broken_id: Option<i64>,
    pub first_broken_seq: Option<i64>,
    /// Events recorded but not sealed yet.
    pub unsealed: i64,
}

fn decode_cursor(c: &str) -> ApiResult<i64> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        .map(i64::from_be_bytes)
        .ok_or_else(|| {
            ApiError::field("cursor", "invalid_value", "is not a cursor this API issued")
        })
}

/// The audit trail, oldest first (auditors: their district; system administrators: all).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(ListAuditQuery),
    responses((status = 200, description = "A page of audit events", body = AuditEventPage))
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListAuditQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "range",
            "must be between 1 and 200",
        ));
    }
    let after_id = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let mut filter = AuditFilter {
        actor_user_id: q.actor_user_id,
        org_id: q.org_id,
        person_id: q.person_id,
        merged_person_ids: Vec::new(),
        action: q.action,
        resource_type: q.resource_type,
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
        orgs: None,
        after_id,
        limit: i64::from(limit) + 1,
    };
    let items = state
        .db
        .report(
            auth,
            "audit_event",
            None,
            move |c, a| {
                if let AuditScope::District(d) = authz::read_audit(a)? {
                    // Filters name objects of the auditor's district only.
                    if let Some(o) = filter.org_id {
                        refs::org(c, a, o, "org_id")?;
                    }
                    if let Some(p) = filter.person_id {
                        refs::person(c, a, p, "person_id")?;
                    }
                    if let Some(u) = filter.actor_user_id {
                        users::reference(c, a, u, "actor_user_id")?;
                    }
                    let orgs: Vec<DbUuid> = organizations::table
                        .filter(organizations::district_code.eq(d))
                        .select(organizations::id)
                        .load(c)?;
                    filter.orgs = Some(orgs.into_iter().map(|o| o.0).collect());
                }
                let items = audit::list(c, &filter)?;
                named(c, a, items)
            },
            |tx, (items, _)| {
                let (c, _, ctx) = tx.parts();
                audit::record(
                    c,
                    ctx,
                    AuditEntry::new(AuditAction::View, "audit_events", None)
                        .with_details(serde_json::json!({ "results": items.len() })),
                )
            },
        )
        .await?;
    let (mut items, names) = items;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            items.last().map(|e| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(e.id.to_be_bytes())
            })
        })
        .flatten();
    Ok(HttpResponse::Ok().json(AuditEventPage {
        items: named_each(items, &names),
        next_cursor,
    }))
}

/// Recomputes the whole hash chain (auditors and system administrators).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    responses((status = 200, description = "The verification", body = AuditVerification))
)]
#[get("/audit-events/verify")]
pub async fn verify_audit_events(
    state: web::Data<AppState>,
    auth: Caller,
) -> ApiResult<HttpResponse> {
    let report = state
        .db
        .as_user(auth, "audit_event", None, |c, a, ctx| {
            authz::read_audit(a)?;
            let r = audit::verify(c)?;
            audit::record(
                c,
                ctx,
                AuditEntry::new(AuditAction::View, "audit_chain", None)
                    .with_details(serde_json::json!({ "ok": r.first_broken_seq.is_none() })),
            )?;
            Ok(r)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AuditVerification {
        ok: report.first_broken_seq.is_none(),
        checked: report.checked,
        first_broken_id: report.first_broken_id,
        first_broken_seq: report.first_broken_seq,
        unsealed: report.unsealed,
    }))
}

/// Paging of the access log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048]$")]
    pub cursor: Option<String>,
}

/// Who viewed or changed this person's data, and when — the data subject's right to know.
/// For the lead or registering organization, auditors and system administrators.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Person id"), AccessLogQuery),
    responses((status = 200, description = "Accesses, oldest first", body = AuditEventPage))
)]
#[get("/persons/{id}/access-log")]
pub async fn list_person_access_log(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    query: web::Query<AccessLogQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "range",
            "must be between 1 and 200",
        ));
    }
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let items = state
        .db
        .report(
            auth,
            "person",
            Some(id.to_string()),
            move |c, a| {
                persons::access_log(c, a, id, after, i64::from(limit) + 1)
                    .and_then(|v| named(c, a, v))
            },
            move |tx, _| persons::record_access_log_view(tx, id),
        )
        .await?;
    let (mut items, names) = items;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            items.last().map(|e| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(e.id.to_be_bytes())
            })
        })
        .flatten();
    Ok(HttpResponse::Ok().json(AuditEventPage {
        items: named_each(items, &names),
        next_cursor,
    }))
}
