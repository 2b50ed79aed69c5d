//! Assessments (사정), service plans (서비스 계획) and reviews (점검) of a case.

use actix_web::{get, post, web, HttpResponse};
use hamkke_persistence::repo::plans as repo;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::common::{all_named, named, FromNamed};
use crate::dto::plans::{
    AssessmentList, AssessmentView, CreateAssessmentRequest, CreatePlanRequest,
    CreateReviewRequest, PlanList, PlanView, ReviewView,
};
use crate::error::{ApiResult, Problem};
use crate::extract::ValidJson;
use crate::state::AppState;

/// Records a dated assessment of the case (or of one member of a household case); the case
/// takes its risk level. Assessments are never changed: a re-assessment is a new one, and the
/// answer shows the change since the previous one per domain.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = CreateAssessmentRequest,
    responses(
        (status = 201, description = "Recorded", body = AssessmentView),
        (status = 409, description = "The case is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/assessments")]
pub async fn create_case_assessment(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreateAssessmentRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let new = body.0.into();
    let a = state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            repo::create_assessment(tx, id, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(AssessmentView::named(a.0, &a.1)))
}

/// The case's assessments, oldest first, each with its change since the previous one.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, description = "Assessments", body = AssessmentList))
)]
#[get("/cases/{id}/assessments")]
pub async fn list_case_assessments(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .db
        .read(auth, "case", Some(id.to_string()), move |rx| {
            repo::list_assessments(rx, id).and_then(|v| {
                let (c, a, _) = rx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(AssessmentList {
        items: all_named(items),
    }))
}

/// Writes the next revision of the case's service plan: goals (text, domain, target date) and
/// services (benefit type or words, provider organization, responsible worker, frequency,
/// period). The previous revision is kept as superseded; the case's next review date becomes
/// the plan's (default three months after its start). Provider organizations taking part in
/// the case and responsible workers are notified.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = CreatePlanRequest,
    responses(
        (status = 201, description = "Written", body = PlanView),
        (status = 409, description = "The case is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/plans")]
pub async fn create_case_plan(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreatePlanRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let new = body.0.into();
    let plan = state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            repo::create_plan(tx, id, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(PlanView::named(plan.0, &plan.1)))
}

/// The case's plan revisions, newest first, each with its reviews.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, description = "Plans", body = PlanList))
)]
#[get("/cases/{id}/plans")]
pub async fn list_case_plans(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .db
        .read(auth, "case", Some(id.to_string()), move |rx| {
            repo::list_plans(rx, id).and_then(|v| {
                let (c, a, _) = rx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(PlanList {
        items: all_named(items),
    }))
}

/// Reviews (점검) the plan in force: each goal's progress and the next review date (default
/// three months on), which the case takes. A superseded revision answers 409.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = CreateReviewRequest,
    responses(
        (status = 201, description = "Recorded", body = ReviewView),
        (status = 409, description = "The plan is superseded or the case closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/plans/{id}/reviews")]
pub async fn create_plan_review(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreateReviewRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let new = body.0.into();
    let review = state
        .db
        .write(auth, "service_plan", Some(id.to_string()), move |tx| {
            repo::create_review(tx, id, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ReviewView::named(review.0, &review.1)))
}
