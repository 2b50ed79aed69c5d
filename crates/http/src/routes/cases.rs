//! Cases and their participants, assignments, notes and timeline.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use hamkke_domain::case::{NewCase, Status};
use hamkke_persistence::repo::cases::{self as repo, CaseDetail, CaseFilter};
use hamkke_persistence::repo::{assignments, notes};
use uuid::Uuid;

use hamkke_persistence::repo::names::Names;

use crate::auth::Caller;
use crate::dto::cases::{
    AddMemberRequest, AddParticipantRequest, AssignRequest, AssignmentList, CasePage, CaseView,
    CreateCaseRequest, CreateNoteRequest, ListCasesQuery, MemberList, NotePage, NoteView,
    PageQuery, ParticipantList, PersonIds, TimelinePage, TransitionRequest, UpdateCaseRequest,
};
use crate::dto::common::{all_named, named, names_of, FromNamed};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, page_request, IfMatch, ValidJson};
use crate::state::AppState;

fn case_response(
    status: actix_web::http::StatusCode,
    (detail, names): (CaseDetail, Names),
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header(etag(detail.case.version));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header(super::location("cases", detail.case.id));
    }
    res.json(CaseView::named(detail, &names))
}

/// Opens a case for a person. The caller's organization leads it and the caller becomes its
/// primary worker. A person with an open case answers 409 `open_case_exists` with its lead.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    request_body = CreateCaseRequest,
    responses(
        (status = 201, description = "Opened", body = CaseView, headers(("ETag" = String, description = "Version"))),
        (status = 409, description = "The person already has an open case", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateCaseRequest>,
) -> ApiResult<HttpResponse> {
    if body.0.member_person_ids.is_some() && body.0.household_id.is_none() {
        return Err(ApiError::field(
            "member_person_ids",
            "not_allowed",
            "members are listed for a household case (with household_id)",
        ));
    }
    let new = NewCase::from(body.0);
    let detail = state
        .db
        .write(auth, "case", None, move |tx| {
            repo::create(tx, new).and_then(|d| {
                let (c, a, _) = tx.parts();
                named(c, a, d)
            })
        })
        .await?;
    Ok(case_response(actix_web::http::StatusCode::CREATED, detail))
}

/// Cases the caller may see: its organization takes part, or (coordinators, auditors) its district.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(ListCasesQuery),
    responses((status = 200, description = "A page of cases", body = CasePage))
)]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListCasesQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let assigned_to = match q.assigned_to.as_deref() {
        None => None,
        Some("me") => Some(auth.user_id()),
        Some(other) => Some(Uuid::parse_str(other).map_err(|_| {
            ApiError::field("assigned_to", "invalid_value", "must be `me` or a user id")
        })?),
    };
    if q.q.as_ref().is_some_and(|s| s.len() > 40) {
        return Err(ApiError::field("q", "length", "at most 40 characters"));
    }
    let filter = CaseFilter {
        status: q.status.map(Status::from),
        risk_level: q.risk_level.map(Into::into),
        case_type: q.case_type.map(Into::into),
        lead_org_id: q.lead_org_id,
        assigned_to,
        person_id: q.person_id,
        case_no: q.q.filter(|s| !s.is_empty()),
        review_due_by: q.review_due.unwrap_or(false).then(hamkke_domain::today),
    };
    let result = state
        .db
        .read(auth, "case", None, move |rx| {
            let page = repo::list(rx, &filter, page)?;
            let (c, a, _) = rx.parts();
            let names = names_of(c, a, &page)?;
            Ok((page, names))
        })
        .await?;
    Ok(HttpResponse::Ok().json(CasePage::named(result.0, &result.1)))
}

/// One case with its participants.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, description = "The case", body = CaseView, headers(("ETag" = String, description = "Version"))))
)]
#[get("/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let detail = state
        .db
        .read(auth, "case", Some(id.to_string()), move |rx| {
            let detail = repo::get(rx, id)?;
            let (c, a, _) = rx.parts();
            named(c, a, detail)
        })
        .await?;
    Ok(case_response(actix_web::http::StatusCode::OK, detail))
}

/// Changes summary, risk level or needs. Needs `If-Match`.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the version being changed", pattern = r#"^(W/)?"[0-9]+"$"#)),
    request_body = UpdateCaseRequest,
    responses(
        (status = 200, description = "Changed", body = CaseView, headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "The version changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/cases/{id}")]
pub async fn update_case(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateCaseRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = body.0.into();
    let detail = state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            repo::update(tx, id, if_match.0, patch).and_then(|d| {
                let (c, a, _) = tx.parts();
                named(c, a, d)
            })
        })
        .await?;
    Ok(case_response(actix_web::http::StatusCode::OK, detail))
}

/// Moves a case to another status. An impossible move answers 409 `invalid_transition` with
/// the `allowed` targets; closing, rejecting, referring out, follow-up and reopening need the
/// lead. A target reachable through intake and assessment is one call, each step on the
/// timeline. Closing needs `closing_reason` and `evaluation` (400 without);
/// `to: follow_up` from an open case closes it and starts follow-up (사후관리), which does not
/// count as an open case and ends by itself at `follow_up_until`; reopening from follow-up
/// is one call (`to: reopened`).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "Moved", body = CaseView, headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "Not a legal move from the current status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/transitions")]
pub async fn create_case_transition(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<TransitionRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (to, change) = body.0.change()?;
    let detail = state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            repo::transition(tx, id, to, change).and_then(|d| {
                let (c, a, _) = tx.parts();
                named(c, a, d)
            })
        })
        .await?;
    Ok(case_response(actix_web::http::StatusCode::OK, detail))
}

/// Organizations on a case.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, description = "Participants", body = ParticipantList))
)]
#[get("/cases/{id}/participants")]
pub async fn list_case_participants(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .db
        .as_user(auth, "case", Some(id.to_string()), move |c, a, _| {
            repo::participants(c, a, id).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ParticipantList {
        items: all_named(items),
    }))
}

/// Adds an organization to a case (the lead or a district coordinator).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = AddParticipantRequest,
    responses(
        (status = 201, description = "Added; all participants", body = ParticipantList),
        (status = 409, description = "Already a participant", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/participants")]
pub async fn create_case_participant(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<AddParticipantRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let AddParticipantRequest {
        organization_id,
        role,
    } = body.0;
    let items = state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            repo::add_participant(tx, id, organization_id, role.into()).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ParticipantList {
        items: all_named(items),
    }))
}

/// Removes a non-lead organization from a case, ending its workers' assignments.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("org_id" = Uuid, Path, description = "Organization id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "The lead cannot be removed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/cases/{id}/participants/{org_id}")]
pub async fn delete_case_participant(
    state: web::Data<AppState>,
    auth: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, org_id) = path.into_inner();
    state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            repo::remove_participant(tx, id, org_id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Assignments of a case, current and ended.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, description = "Assignments", body = AssignmentList))
)]
#[get("/cases/{id}/assignments")]
pub async fn list_case_assignments(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .db
        .as_user(auth, "case", Some(id.to_string()), move |c, a, _| {
            assignments::list(c, a, id).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(AssignmentList {
        items: all_named(items),
    }))
}

/// Assigns a worker of a participant organization; a new primary demotes the previous
/// primary of that organization to secondary.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = AssignRequest,
    responses(
        (status = 201, description = "Assigned; the current assignments", body = AssignmentList),
        (status = 409, description = "Already assigned", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/assignments")]
pub async fn create_case_assignment(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<AssignRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let AssignRequest { user_id, role } = body.0;
    let items = state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            assignments::assign(tx, id, user_id, role.into()).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(AssignmentList {
        items: all_named(items),
    }))
}

/// Notes of a case that the caller's organization may read.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), PageQuery),
    responses((status = 200, description = "A page of notes", body = NotePage))
)]
#[get("/cases/{id}/notes")]
pub async fn list_case_notes(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let result = state
        .db
        .read(auth, "case", Some(id.to_string()), move |rx| {
            notes::list(rx, id, page).and_then(|v| {
                let (c, a, _) = rx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(NotePage::named(result.0, &result.1)))
}

/// Writes a note: counselling, (joint) home visit, call, service or monitoring.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = CreateNoteRequest,
    responses((status = 201, description = "Written", body = NoteView))
)]
#[post("/cases/{id}/notes")]
pub async fn create_case_note(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CreateNoteRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let new = body.0.into();
    let note = state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            hamkke_persistence::app::notes::write(tx, id, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(NoteView::named(note.0, &note.1)))
}

/// The case's timeline, oldest first.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), PageQuery),
    responses((status = 200, description = "A page of the timeline", body = TimelinePage))
)]
#[get("/cases/{id}/timeline")]
pub async fn list_case_timeline(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let result = state
        .db
        .read(auth, "case", Some(id.to_string()), move |rx| {
            notes::timeline(rx, id, page).and_then(|v| {
                let (c, a, _) = rx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(TimelinePage::named(result.0, &result.1)))
}

/// The people a case is for: its person, or every member of a household case (primary first).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, description = "Members", body = MemberList))
)]
#[get("/cases/{id}/members")]
pub async fn list_case_members(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let person_ids = state
        .db
        .as_user(auth, "case", Some(id.to_string()), move |c, a, _| {
            repo::members(c, a, id).and_then(|v| named(c, a, PersonIds(v)))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MemberList::named(person_ids.0 .0, &person_ids.1)))
}

/// Adds a member of the case's household to a household case (the lead or a district
/// coordinator). A member with another open case answers 409 `open_case_exists`.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = AddMemberRequest,
    responses(
        (status = 201, description = "Added; all members", body = MemberList),
        (status = 409, description = "Not a household case, already a member, or an open case elsewhere", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/members")]
pub async fn create_case_member(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<AddMemberRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let person_id = body.0.person_id;
    let person_ids = state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            let v = repo::add_member(tx, id, person_id)?;
            let (c, a, _) = tx.parts();
            named(c, a, PersonIds(v))
        })
        .await?;
    Ok(HttpResponse::Created().json(MemberList::named(person_ids.0 .0, &person_ids.1)))
}

/// Removes a member from a household case (not its primary person).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("person_id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "The primary person stays", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/cases/{id}/members/{person_id}")]
pub async fn delete_case_member(
    state: web::Data<AppState>,
    auth: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, person_id) = path.into_inner();
    state
        .db
        .write(auth, "case", Some(id.to_string()), move |tx| {
            repo::remove_member(tx, id, person_id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
