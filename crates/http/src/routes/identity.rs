//! Possible duplicate persons: the district coordinators' review queue, merge and dismissal.

use actix_web::{get, post, web, HttpResponse};
use hamkke_persistence::repo::identity as repo;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::persons::{
    DismissRequest, DuplicatePairPage, DuplicatePairView, ListDuplicatesQuery, MergeRequest,
    MergeResult,
};
use crate::error::{ApiResult, Problem};
use crate::extract::{page_request, ValidJson};
use crate::state::AppState;

/// Pairs of persons of the district who may be the same (found at registration and by
/// `hamkke scan-duplicates` / the nightly scan), for the district's coordinators (auditors
/// read): masked names, birth years, registering organizations, score and reasons.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(ListDuplicatesQuery),
    responses((status = 200, description = "A page of pairs", body = DuplicatePairPage))
)]
#[get("/person-duplicates")]
pub async fn list_person_duplicates(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListDuplicatesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let status = q.status.map(|s| s.as_str().to_owned());
    let district = q.district_code;
    let result = state
        .db
        .read(auth, "person_duplicate", None, move |rx| {
            repo::list(rx, district, status, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DuplicatePairPage::from_page(result)))
}

/// Merges the pair into `survivor_id`: cases, household membership, consents, notes,
/// assessments, allocations and transfers move to it in one transaction; the other record
/// stays as a tombstone (`GET /persons/{id}` answers 308 to the survivor); an RRN only the
/// merged record has moves with it, and two different RRNs are refused (409
/// `different_rrns`). Afterwards the duplicate check counts both ledgers as one. Audited with
/// both ids.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Pair id")),
    request_body = MergeRequest,
    responses(
        (status = 200, description = "Merged", body = MergeResult),
        (status = 409, description = "Different RRNs, or already decided", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/person-duplicates/{id}/merge")]
pub async fn merge_person_duplicate(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<MergeRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let survivor = body.0.survivor_id;
    let (pair, moved) = state
        .db
        .write_retrying(auth, "person_duplicate", Some(id.to_string()), move |tx| {
            hamkke_persistence::app::merge::merge(tx, id, survivor)
        })
        .await?;
    Ok(HttpResponse::Ok().json(MergeResult {
        pair: pair.into(),
        cases: moved.cases,
        case_members: moved.case_members,
        consents: moved.consents,
        notes: moved.notes,
        assessments: moved.assessments,
        allocations: moved.allocations,
        transfers: moved.transfers,
        household: moved.household,
        rrn: moved.rrn,
    }))
}

/// "Not the same person": the pair leaves the queue, until `until` if given (a scan or a
/// registration after that date may queue it again).
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Pair id")),
    request_body = DismissRequest,
    responses(
        (status = 200, description = "Dismissed", body = DuplicatePairView),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/person-duplicates/{id}/dismiss")]
pub async fn dismiss_person_duplicate(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<DismissRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let DismissRequest { reason, until } = body.0;
    let pair = state
        .db
        .write(auth, "person_duplicate", Some(id.to_string()), move |tx| {
            repo::dismiss(tx, id, reason.trim().to_owned(), until)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DuplicatePairView::from(pair)))
}
