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
        .as_user(auth, "campaign", None, move |c, a, ctx| {
            campaigns::create(c, a, ctx, new).and_then(|v| named(c, a, v))
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
        .as_user(
            auth,
            "nomination",
            None,
            move |c, a, ctx| match campaigns::nominate(c, a, ctx, id, new, strong)? {
                Nominated::Made(n) => named(c, a, n).map(Ok),
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
        .as_user(
            auth,
            "nomination",
            Some(id.to_string()),
            move |c, a, ctx| match campaigns::approve(c, a, ctx, id, strong)? {
                Approved::Made(n) => named(c, a, n).map(Ok),
                Approved::Duplicate(check) => Ok(Err(check)),
            },
        )
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
        .as_user(
            auth,
            "nomination",
            Some(id.to_string()),
            move |c, a, ctx| {
                campaigns::return_nomination(c, a, ctx, id, &reason).and_then(|v| named(c, a, v))
            },
        )
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
        .as_user(
            auth,
            "nomination",
            Some(id.to_string()),
            move |c, a, ctx| campaigns::withdraw(c, a, ctx, id).and_then(|v| named(c, a, v)),
        )
        .await?;
    Ok(HttpResponse::Ok().json(NominationView::named(n.0, &n.1)))
}
