//! Transfers between districts (전입): the only way a person crosses a district's wall.

use actix_web::{get, post, web, HttpResponse};
use hamkke_persistence::app::transfers as app;
use hamkke_persistence::repo::transfers;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::common::{named, FromNamed};
use crate::dto::transfers::{
    CreateTransferRequest, DecideTransferRequest, TransferPage, TransferQuery, TransferView,
};
use crate::error::{ApiResult, Problem};
use crate::extract::{page_request, ValidJson};
use crate::state::AppState;

/// Asks for a person registered in another district to move into the caller's (a coordinator
/// of the receiving district; the id comes from an exact RRN search).
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Person id")),
    request_body = CreateTransferRequest,
    responses(
        (status = 201, description = "Requested", body = TransferView),
        (status = 409, description = "A transfer of this person is already waiting", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/persons/{id}/transfers")]
pub async fn create_person_transfer(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreateTransferRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let CreateTransferRequest {
        to_district_code,
        to_organization_id,
        reason,
    } = body.0;
    let tr = state
        .db
        .write(auth, "person_transfer", None, move |tx| {
            app::request(tx, id, &to_district_code, to_organization_id, reason.trim()).and_then(
                |v| {
                    let (c, a, _) = tx.parts();
                    named(c, a, v)
                },
            )
        })
        .await?;
    let view = TransferView::named(tr.0, &tr.1);
    Ok(HttpResponse::Created()
        .insert_header(super::location("person-transfers", view.id))
        .json(view))
}

/// Transfers into or out of the caller's district (coordinators and auditors).
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(TransferQuery),
    responses((status = 200, description = "A page of transfers", body = TransferPage))
)]
#[get("/person-transfers")]
pub async fn list_person_transfers(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<TransferQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let status = q.status.map(Into::into);
    let result = state
        .db
        .as_user(auth, "person_transfer", None, move |c, a, _| {
            transfers::list(c, a, status, page).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(TransferPage::named(result.0, &result.1)))
}

/// One transfer (coordinators and auditors of either district).
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Transfer id")),
    responses((status = 200, description = "The transfer", body = TransferView))
)]
#[get("/person-transfers/{id}")]
pub async fn get_person_transfer(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let tr = state
        .db
        .as_user(
            auth,
            "person_transfer",
            Some(id.to_string()),
            move |c, a, _| transfers::get(c, a, id).and_then(|v| named(c, a, v)),
        )
        .await?;
    Ok(HttpResponse::Ok().json(TransferView::named(tr.0, &tr.1)))
}

async fn decide(
    state: web::Data<AppState>,
    auth: Caller,
    id: Uuid,
    body: DecideTransferRequest,
    approve: bool,
) -> ApiResult<HttpResponse> {
    let note = body.note.map(|n| n.trim().to_owned());
    let tr = state
        .db
        .write(auth, "person_transfer", Some(id.to_string()), move |tx| {
            app::decide(tx, id, approve, note).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(TransferView::named(tr.0, &tr.1)))
}

/// Approves a transfer (a coordinator of the owning district): the person, their household
/// and its members move to the receiving district. Refused while the person has an open case.
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Transfer id")),
    request_body = DecideTransferRequest,
    responses(
        (status = 200, description = "Approved; the person now belongs to the receiving district", body = TransferView),
        (status = 409, description = "Already decided, or the person or a household member has an open case (`transfer_open_case`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/person-transfers/{id}/approve")]
pub async fn approve_person_transfer(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<DecideTransferRequest>,
) -> ApiResult<HttpResponse> {
    decide(state, auth, id.into_inner(), body.0, true).await
}

/// Declines a transfer (a coordinator of the owning district).
#[utoipa::path(
    tag = "persons",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Transfer id")),
    request_body = DecideTransferRequest,
    responses(
        (status = 200, description = "Declined", body = TransferView),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/person-transfers/{id}/decline")]
pub async fn decline_person_transfer(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<DecideTransferRequest>,
) -> ApiResult<HttpResponse> {
    decide(state, auth, id.into_inner(), body.0, false).await
}
