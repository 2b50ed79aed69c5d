//! Working together day to day: notifications, the staff directory, the worklist.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use hamkke_domain::user::Role;
use hamkke_persistence::repo::visits;
use hamkke_persistence::repo::work::{self, DirectoryFilter};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::allocations::wants_english;
use crate::dto::common::{named, FromNamed};
use crate::dto::work::{
    CompleteVisitRequest, CreateVisitRequest, DirectoryQuery, MarkedRead, NotificationPage,
    NotificationQuery, NotificationView, StaffPage, VisitView, WorklistView,
};
use crate::error::ApiResult;
use crate::extract::{encode_cursor, page_request, ValidJson};
use crate::state::AppState;

/// My notifications, newest first (`unread=true` for the unread ones).
#[utoipa::path(
    tag = "work",
    security(("bearer" = [])),
    params(NotificationQuery),
    responses((status = 200, description = "A page of notifications", body = NotificationPage))
)]
#[get("/notifications")]
pub async fn list_notifications(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<NotificationQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let unread = q.unread.unwrap_or(false);
    let result = state
        .db
        .as_user(auth, "notification", None, move |c, actor, _| {
            work::notifications(c, actor, unread, page).and_then(|p| named(c, actor, p))
        })
        .await?;
    let english = wants_english(&req);
    let (result, names) = result;
    Ok(HttpResponse::Ok().json(NotificationPage {
        next_cursor: result.next_after.map(encode_cursor),
        items: result
            .items
            .into_iter()
            .map(|n| NotificationView::new(n, english, &names))
            .collect(),
    }))
}

/// Marks one of my notifications read.
#[utoipa::path(
    tag = "work",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Notification id")),
    responses((status = 200, description = "Read", body = NotificationView))
)]
#[post("/notifications/{id}/read")]
pub async fn read_notification(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let n = state
        .db
        .as_user(auth, "notification", None, move |c, actor, _| {
            work::mark_read(c, actor, id).and_then(|n| named(c, actor, n))
        })
        .await?;
    Ok(HttpResponse::Ok().json(NotificationView::new(n.0, wants_english(&req), &n.1)))
}

/// Marks all my notifications read.
#[utoipa::path(
    tag = "work",
    security(("bearer" = [])),
    responses((status = 200, description = "How many were marked", body = MarkedRead))
)]
#[post("/notifications/read-all")]
pub async fn read_all_notifications(
    state: web::Data<AppState>,
    auth: Caller,
) -> ApiResult<HttpResponse> {
    let marked = state
        .db
        .as_user(auth, "notification", None, move |c, actor, _| {
            work::mark_all_read(c, actor)
        })
        .await?;
    Ok(HttpResponse::Ok().json(MarkedRead { marked }))
}

/// The staff directory: active staff of the organizations of my district and of those that
/// share a case with mine (display name, organization, role, work contacts; no login data),
/// so partners can be invited to visits, meetings and assignments by id.
#[utoipa::path(
    tag = "work",
    security(("bearer" = [])),
    params(DirectoryQuery),
    responses((status = 200, description = "A page of staff", body = StaffPage))
)]
#[get("/directory")]
pub async fn list_directory(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<DirectoryQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    if q.q.as_ref().is_some_and(|t| t.chars().count() > 50) {
        return Err(crate::error::ApiError::field(
            "q",
            "length",
            "at most 50 characters",
        ));
    }
    let filter = DirectoryFilter {
        org_id: q.org_id,
        q: q.q,
        role: q.role.map(Role::from),
    };
    let result = state
        .db
        .as_user(auth, "directory", None, move |c, a, _| {
            work::directory(c, a, &filter, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(StaffPage::from_page(result)))
}

/// My worklist for the start of a working day: my active cases (with the person as I may see
/// them), action items due within a week or overdue, referrals to my organization awaiting an
/// answer, meetings I attend in the next 14 days, plan reviews (점검) and first assessments
/// (사정) of my cases due within a week or overdue, and (coordinators) overrides awaiting
/// approval, with counts. Audited once.
#[utoipa::path(
    tag = "work",
    security(("bearer" = [])),
    responses((status = 200, description = "The worklist", body = WorklistView))
)]
#[get("/me/worklist")]
pub async fn get_worklist(state: web::Data<AppState>, auth: Caller) -> ApiResult<HttpResponse> {
    let today = hamkke_domain::today();
    let days = state.config.first_assessment_days;
    let list = state
        .db
        .read(auth, "worklist", None, move |rx| {
            work::worklist(rx, today, days).and_then(|w| {
                let (c, a, _) = rx.parts();
                named(c, a, w)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(WorklistView::named(list.0, &list.1)))
}

/// Plans a joint home visit (1+1 가정방문) on a case I work on; the co-visitors (workers of
/// participant organizations) are notified and see it on their worklists.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = CreateVisitRequest,
    responses((status = 201, description = "Planned", body = VisitView))
)]
#[post("/cases/{id}/visits")]
pub async fn create_case_visit(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreateVisitRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let b = body.0;
    let new = visits::NewVisit {
        scheduled_at: b.scheduled_at,
        co_visitor_user_ids: b.co_visitor_user_ids,
        purpose: b.purpose.trim().to_owned(),
    };
    let v = state
        .db
        .write(auth, "visit", Some(id.to_string()), move |tx| {
            hamkke_persistence::app::visits::plan(tx, id, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(VisitView::named(v.0, &v.1)))
}

/// Completes a planned visit: records it as today's home-visit note with the co-visitors.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Visit id")),
    request_body = CompleteVisitRequest,
    responses(
        (status = 200, description = "Completed", body = VisitView),
        (status = 409, description = "Already completed", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/visits/{id}/complete")]
pub async fn complete_visit(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CompleteVisitRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let note = body.0.note;
    let v = state
        .db
        .write(auth, "visit", Some(id.to_string()), move |tx| {
            let (v, _) = hamkke_persistence::app::visits::complete(tx, id, note)?;
            let (c, a, _) = tx.parts();
            named(c, a, v)
        })
        .await?;
    Ok(HttpResponse::Ok().json(VisitView::named(v.0, &v.1)))
}
