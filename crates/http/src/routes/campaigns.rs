//! Winter campaigns (연말연시 집중 지원): coordinators start them with quotas; organizations
//! nominate their people; coordinators approve nominations into allocations or return them.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use hamkke_persistence::repo::campaigns::{
    self, Approved, NewCampaign, NewNomination, NewQuota, Nominated, NominationFilter,
};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::allocations::wants_english;
use crate::dto::campaigns::{
    CampaignPage, CampaignView, CreateCampaignRequest, CreateNominationRequest, ListCampaignsQuery,
    ListNominationsQuery, NominationPage, NominationView, ReturnNominationRequest,
};
use crate::dto::common::{named, FromNamed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{page_request, ValidJson};
use crate::state::AppState;

/// Starts a campaign of the caller's district (its coordinators): name, period, budget, the
/// benefit types it gives and a quota per organization that nominates (households, persons
/// and/or amount). The organizations' staff are told.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    request_body = CreateCampaignRequest,
    responses((status = 201, description = "Started", body = CampaignView))
)]
#[post("/campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateCampaignRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    for (name, day) in [("starts_on", b.starts_on), ("ends_on", b.ends_on)] {
        if !(2000..=2100).contains(&chrono::Datelike::year(&day)) {
            return Err(ApiError::field(
                name,
                "out_of_range",
                "must be a day from 2000 to 2100",
            ));
        }
    }
    if b.ends_on < b.starts_on {
        return Err(ApiError::field(
            "ends_on",
            "out_of_range",
            "must not be before starts_on",
        ));
    }
    let new = NewCampaign {
        name: b.name.trim().to_owned(),
        starts_on: b.starts_on,
        ends_on: b.ends_on,
        budget: b.budget,
        benefit_type_ids: b.benefit_type_ids,
        quotas: b
            .quotas
            .into_iter()
            .map(|q| NewQuota {
                org_id: q.organization_id,
                max_households: q.households,
                max_persons: q.persons,
                max_amount: q.amount,
            })
            .collect(),
    };
    let c = state
        .db
        .write(auth, "campaign", None, move |tx| {
            campaigns::create(tx, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    let view = CampaignView::named(c.0, &c.1);
    Ok(HttpResponse::Created()
        .insert_header(super::location("campaigns", view.id))
        .json(view))
}

/// The caller's campaigns, newest first: every campaign of the district for coordinators and
/// auditors, those with a quota of the caller's organization for others.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(ListCampaignsQuery),
    responses((status = 200, description = "A page of campaigns", body = CampaignPage))
)]
#[get("/campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListCampaignsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let p = state
        .db
        .as_user(auth, "campaign", None, move |c, a, _| {
            campaigns::list(c, a, page).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(CampaignPage::named(p.0, &p.1)))
}

/// One campaign with its quotas and their progress (nominated, approved, delivered, amount
/// spent, left).
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    responses((status = 200, description = "The campaign", body = CampaignView))
)]
#[get("/campaigns/{id}")]
pub async fn get_campaign(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let c = state
        .db
        .as_user(auth, "campaign", Some(id.to_string()), move |c, a, _| {
            campaigns::load(c, a, id).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(CampaignView::named(c.0, &c.1)))
}

/// Closes the campaign to new nominations (마감); open nominations are still decided. A
/// coordinator of the district; 409 `campaign_status` when it is closed already.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "Closed", body = CampaignView),
        (status = 409, description = "Closed already (`campaign_status`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/campaigns/{id}/close")]
pub async fn close_campaign(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    set_open(&state, auth, id.into_inner(), false).await
}

/// Opens a closed campaign again for nominations (not after its last day: 409
/// `campaign_ended`). A coordinator of the district.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "Open again", body = CampaignView),
        (status = 409, description = "Open already (`campaign_status`) or past its last day (`campaign_ended`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/campaigns/{id}/reopen")]
pub async fn reopen_campaign(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    set_open(&state, auth, id.into_inner(), true).await
}

async fn set_open(state: &AppState, auth: Caller, id: Uuid, open: bool) -> ApiResult<HttpResponse> {
    let c = state
        .db
        .write(auth, "campaign", Some(id.to_string()), move |tx| {
            campaigns::set_open(tx, id, open).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(CampaignView::named(c.0, &c.1)))
}

/// Imports a target list (대상자 명단) as the caller's organization's nominations, up to 10 MiB:
/// CSV (UTF-8 or CP949) or XLSX, or either as the `file` field of a multipart form. Headers in
/// Korean or English: `성명/name`, `생년월일/birth_date`, `주민등록번호/rrn` or `person_id` (a
/// registered person, matched as the allocation import matches), `자원/resource_id` (id or
/// name) or `급여유형/benefit_type`, `금액/amount`, `수량/quantity`, `비고/note`. Every row is
/// nominated as `POST /campaigns/{id}/nominations` does — the duplicate check and the quota in
/// its own transaction — and a refused row never stops the others; the answer lists the rows
/// nominated, refused (with the code) and unreadable. Importing the list again refuses its rows
/// as `already_nominated`.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    request_body(description = "The target list, with a header row", content(
        (super::allocations::ImportUpload = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "What was nominated, refused and unreadable", body = crate::import::nominations::NominationImportReport),
        (status = 429, description = "As many imports as the server runs at once are running (`imports_busy`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/campaigns/{id}/nominations/import")]
pub async fn import_campaign_nominations(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: crate::auth::AuthUser,
    id: web::Path<Uuid>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    // A campaign the caller cannot see is not found, whatever the body.
    state
        .db
        .as_user(
            auth.clone(),
            "campaign",
            Some(id.to_string()),
            move |c, a, _| campaigns::load(c, a, id).map(|_| ()),
        )
        .await?;
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let multipart = content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data");
    let direct = super::allocations::import_format(&content_type, None);
    if !multipart && direct.is_none() {
        return Err(ApiError::UnsupportedMediaType);
    }
    let _slot = state.import_slots.take(auth.actor.user_id)?;
    let body = crate::extract::read_limited(&mut payload, super::allocations::IMPORT_LIMIT).await?;
    let (format, body) = match direct {
        Some(f) => (f, body.to_vec()),
        None => super::allocations::multipart_file(&content_type, body).await?,
    };
    let keys = state.person_keys.clone();
    let limiter = state.rrn_lookup_limiter.clone();
    let strong = state.config.duplicate_strong_score;
    let user = auth.actor.user_id;
    let report = state
        .db
        .as_user(auth, "nomination", None, move |c, a, ctx| {
            let mut budget = || limiter.check_key(&user).is_ok();
            crate::import::nominations::import_nominations(
                c,
                a,
                ctx,
                &keys,
                id,
                format,
                &body,
                strong,
                &mut budget,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Nominates a person for the campaign within the caller's organization's quota. The
/// duplicate check runs against the ledger (409 `duplicate_benefit` with the conflicts) and
/// the campaign's other nominations (409 `already_nominated`); a quota used up answers 409
/// `quota_exhausted` — two officials taking the last place at once leave exactly one
/// nominated.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    request_body = CreateNominationRequest,
    responses(
        (status = 201, description = "Nominated", body = NominationView),
        (status = 409, description = "`duplicate_benefit`, `already_nominated`, `quota_exhausted` or `campaign_closed`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/campaigns/{id}/nominations")]
pub async fn create_campaign_nomination(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreateNominationRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let b = body.0;
    let new = NewNomination {
        person_id: b.person_id,
        resource_id: b.resource_id,
        amount: b.amount,
        quantity: b.quantity,
        note: b.note.map(|n| n.trim().to_owned()),
    };
    let strong = state.config.duplicate_strong_score;
    let outcome = state
        .db
        .write(
            auth,
            "nomination",
            None,
            move |tx| match campaigns::nominate(tx, id, new, strong)? {
                Nominated::Made(n) => {
                    let (c, a, _) = tx.parts();
                    named(c, a, n).map(Ok)
                }
                Nominated::Duplicate(check) => Ok(Err(check)),
            },
        )
        .await?;
    match outcome {
        Ok((n, names)) => Ok(HttpResponse::Created().json(NominationView::named(n, &names))),
        Err(check) => Err(super::allocations::duplicate_benefit(
            check,
            wants_english(&req),
        )),
    }
}

/// The campaign's nominations the caller may see: all for coordinators and auditors, its own
/// organization's for others.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id"), ListNominationsQuery),
    responses((status = 200, description = "A page of nominations", body = NominationPage))
)]
#[get("/campaigns/{id}/nominations")]
pub async fn list_campaign_nominations(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    query: web::Query<ListNominationsQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let filter = NominationFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        org_id: q.organization_id,
    };
    let p = state
        .db
        .as_user(auth, "nomination", None, move |c, a, _| {
            campaigns::nominations(c, a, id, filter, page).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(NominationPage::named(p.0, &p.1)))
}

/// Approves a nomination (a coordinator of the district): its allocation is recorded in the
/// shared ledger for the resource's provider to deliver, the duplicate check running again
/// (409 `duplicate_benefit` if the person received it meanwhile: nothing changes; return the
/// nomination). The nominating organization is told.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Nomination id")),
    responses(
        (status = 200, description = "Approved, with its allocation", body = NominationView),
        (status = 409, description = "`duplicate_benefit` or `nomination_decided`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/nominations/{id}/approve")]
pub async fn approve_nomination(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let strong = state.config.duplicate_strong_score;
    let outcome = state
        .db
        .write(auth, "nomination", Some(id.to_string()), move |tx| {
            match hamkke_persistence::app::campaigns::approve(tx, id, strong)? {
                Approved::Made(n) => {
                    let (c, a, _) = tx.parts();
                    named(c, a, n).map(Ok)
                }
                Approved::Duplicate(check) => Ok(Err(check)),
            }
        })
        .await?;
    match outcome {
        Ok((n, names)) => Ok(HttpResponse::Ok().json(NominationView::named(n, &names))),
        Err(check) => Err(super::allocations::duplicate_benefit(
            check,
            wants_english(&req),
        )),
    }
}

/// Returns a nomination to its organization with the reason (a coordinator of the district):
/// its place goes back to the quota, the nominator is told, and the person may be nominated
/// again.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Nomination id")),
    request_body = ReturnNominationRequest,
    responses(
        (status = 200, description = "Returned", body = NominationView),
        (status = 409, description = "`nomination_decided`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/nominations/{id}/return")]
pub async fn return_nomination(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<ReturnNominationRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let reason = body.0.reason.trim().to_owned();
    let n = state
        .db
        .write(auth, "nomination", Some(id.to_string()), move |tx| {
            campaigns::return_nomination(tx, id, &reason).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(NominationView::named(n.0, &n.1)))
}

/// Withdraws an open nomination (its organization's workers): the place goes back to the
/// quota.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Nomination id")),
    responses(
        (status = 200, description = "Withdrawn", body = NominationView),
        (status = 409, description = "`nomination_decided`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/nominations/{id}/withdraw")]
pub async fn withdraw_nomination(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let n = state
        .db
        .write(auth, "nomination", Some(id.to_string()), move |tx| {
            campaigns::withdraw(tx, id).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(NominationView::named(n.0, &n.1)))
}

/// One dong's line of a campaign report.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CampaignDongView {
    /// The administrative dong code of the nominated household, `unknown` when none is
    /// recorded, `total` on the total line.
    pub dong_code: String,
    /// The dong as people read it: the dong centre serving it.
    pub dong_name: String,
    pub nominated_households: i64,
    pub nominated_persons: i64,
    pub approved: i64,
    pub delivered: i64,
    pub delivered_with_proof: i64,
    /// Won given by the approved nominations' allocations (not cancelled).
    pub amount: i64,
}

/// A campaign's report by dong of residence.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CampaignReportView {
    pub campaign_id: Uuid,
    pub name: String,
    pub district_code: String,
    pub by_dong: Vec<CampaignDongView>,
    pub total: CampaignDongView,
}

fn dong_view(r: campaigns::DongRow, en: bool) -> CampaignDongView {
    let dong_name = match (r.dong_code.as_str(), r.dong_name) {
        (campaigns::TOTAL_ROW, _) => if en { "Total" } else { "합계" }.to_owned(),
        (_, Some(n)) => n,
        ("unknown", None) => hamkke_persistence::repo::reports::UNKNOWN_DONG_NAME.to_owned(),
        (code, None) => code.to_owned(),
    };
    CampaignDongView {
        dong_code: r.dong_code,
        dong_name,
        nominated_households: r.nominated_households,
        nominated_persons: r.nominated_persons,
        approved: r.approved,
        delivered: r.delivered,
        delivered_with_proof: r.delivered_with_proof,
        amount: r.amount,
    }
}

async fn campaign_report(
    req: &HttpRequest,
    state: &AppState,
    auth: Caller,
    id: Uuid,
    fmt: super::reports::Format,
) -> ApiResult<HttpResponse> {
    use super::reports::Format;
    let r = state
        .db
        .write(auth, "campaign", Some(id.to_string()), move |tx| {
            campaigns::report(tx, id)
        })
        .await?;
    let en = wants_english(req);
    let view = CampaignReportView {
        campaign_id: r.campaign_id,
        name: r.name,
        district_code: r.district_code,
        by_dong: r.by_dong.into_iter().map(|d| dong_view(d, en)).collect(),
        total: dong_view(r.total, en),
    };
    if let Format::Json = fmt {
        return Ok(HttpResponse::Ok()
            .insert_header(super::reports::VARY_ACCEPT)
            .json(view));
    }
    let t = |ko: &'static str, english: &'static str| if en { english } else { ko };
    let headers = [
        t("행정동 코드", "dong code"),
        t("행정동", "dong"),
        t("추천 세대", "households nominated"),
        t("추천 인원", "persons nominated"),
        t("승인", "approved"),
        t("전달", "delivered"),
        t("증빙 있는 전달", "delivered with proof"),
        t("지원 금액(원)", "amount (KRW)"),
    ];
    let rows = view
        .by_dong
        .iter()
        .chain(std::iter::once(&view.total))
        .map(|d| {
            vec![
                d.dong_code.clone(),
                d.dong_name.clone(),
                d.nominated_households.to_string(),
                d.nominated_persons.to_string(),
                d.approved.to_string(),
                d.delivered.to_string(),
                d.delivered_with_proof.to_string(),
                d.amount.to_string(),
            ]
        })
        .collect();
    super::reports::table_response(fmt, &format!("campaign_{id}_by_dong"), &headers, rows)
}

/// A campaign's report by dong of residence (캠페인 동별 실적): for each administrative dong
/// where nominated households live, households and persons nominated, approved, delivered,
/// delivered with proof, and won given; then the total. Counts only. The district's
/// coordinators and auditors; audited as an export. JSON, or CSV / XLSX by `Accept` (Korean
/// headers; English by `Accept-Language`).
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    responses((status = 200, description = "The report", content(
        (CampaignReportView = "application/json"),
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )))
)]
#[get("/campaigns/{id}/report")]
pub async fn get_campaign_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let fmt = super::reports::format(&req);
    campaign_report(&req, &state, auth, id.into_inner(), fmt).await
}

/// The campaign report by dong as CSV (UTF-8 with BOM; Korean headers).
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    responses((status = 200, description = "The report as CSV", content_type = "text/csv", body = String))
)]
#[get("/campaigns/{id}/report.csv")]
pub async fn export_campaign_report_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    campaign_report(
        &req,
        &state,
        auth,
        id.into_inner(),
        super::reports::Format::Csv,
    )
    .await
}

/// The campaign report by dong as an XLSX workbook.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Campaign id")),
    responses((status = 200, description = "The report as XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = String))
)]
#[get("/campaigns/{id}/report.xlsx")]
pub async fn export_campaign_report_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    campaign_report(
        &req,
        &state,
        auth,
        id.into_inner(),
        super::reports::Format::Xlsx,
    )
    .await
}
