//! Meetings, action items and referrals.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use hamkke_persistence::app::meetings as app;
use hamkke_persistence::repo::meetings::{self as repo, MeetingDetail, MeetingFilter};
use hamkke_persistence::repo::referrals::{self, Direction};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::common::{named, FromNamed};
use crate::dto::meetings::{
    ActionItemPage, ActionItemView, AgendaRequest, AttendanceRequest, CompleteReferralRequest,
    CreateMeetingRequest, CreateReferralRequest, DecisionRequest, DeclineRequest, DirectionDto,
    FinalizeRequest, ListActionItemsQuery, ListMeetingsQuery, ListReferralsQuery, MeetingPage,
    MeetingView, ReferralPage, ReferralView, UpdateMeetingRequest,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{etag, page_request, IfMatch, ValidJson};
use crate::state::AppState;
use hamkke_persistence::repo::names::Names;

fn meeting_response(
    status: actix_web::http::StatusCode,
    (d, names): (MeetingDetail, Names),
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header(etag(d.meeting.version));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header(super::location("meetings", d.meeting.id));
    }
    res.json(MeetingView::named(d, &names))
}

/// Calls a meeting hosted by the caller's organization, optionally with participants and agenda.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    request_body = CreateMeetingRequest,
    responses((status = 201, description = "Scheduled", body = MeetingView, headers(("ETag" = String, description = "Version"))))
)]
#[post("/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateMeetingRequest>,
) -> ApiResult<HttpResponse> {
    let new = body.0.into();
    let d = state
        .db
        .write(auth, "meeting", None, move |tx| {
            repo::create(tx, new).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(meeting_response(actix_web::http::StatusCode::CREATED, d))
}

/// Meetings the caller's organization hosts or takes part in (coordinators: the district's).
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(ListMeetingsQuery),
    responses((status = 200, description = "A page of meetings", body = MeetingPage))
)]
#[get("/meetings")]
pub async fn list_meetings(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListMeetingsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let filter = MeetingFilter {
        from: q.from,
        to: q.to,
        kind: q.kind.map(Into::into),
        status: q.status.map(Into::into),
        case_id: q.case_id,
    };
    let result = state
        .db
        .as_user(auth, "meeting", None, move |c, actor, _| {
            repo::list(c, actor, &filter, page).and_then(|v| named(c, actor, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MeetingPage::named(result.0, &result.1)))
}

/// One meeting with participants, agenda and decisions.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses((status = 200, description = "The meeting", body = MeetingView, headers(("ETag" = String, description = "Version"))))
)]
#[get("/meetings/{id}")]
pub async fn get_meeting(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let d = state
        .db
        .read(auth, "meeting", Some(id.to_string()), move |rx| {
            repo::get(rx, id).and_then(|v| {
                let (c, a, _) = rx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(meeting_response(actix_web::http::StatusCode::OK, d))
}

/// Changes title, time or place of a scheduled meeting. Needs `If-Match`.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id"), ("If-Match" = String, Header, description = "ETag of the version being changed", pattern = r#"^(W/)?"[0-9]+"$"#)),
    request_body = UpdateMeetingRequest,
    responses(
        (status = 200, description = "Changed", body = MeetingView, headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "The meeting was held or cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The version changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/meetings/{id}")]
pub async fn update_meeting(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateMeetingRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let patch = body.0.into();
    let d = state
        .db
        .write(auth, "meeting", Some(id.to_string()), move |tx| {
            repo::update(tx, id, if_match.0, patch).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(meeting_response(actix_web::http::StatusCode::OK, d))
}

/// Cancels a scheduled meeting.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "Cancelled", body = MeetingView),
        (status = 409, description = "Already held or cancelled", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/cancel")]
pub async fn cancel_meeting(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let d = state
        .db
        .write(auth, "meeting", Some(id.to_string()), move |tx| {
            repo::cancel(tx, id).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(meeting_response(actix_web::http::StatusCode::OK, d))
}

/// Puts a case on the agenda (only cases the host can see). The meeting's organizations may
/// then see the case summary while the meeting is scheduled.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    request_body = AgendaRequest,
    responses(
        (status = 200, description = "Added", body = MeetingView),
        (status = 409, description = "Already on the agenda, or the meeting is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/agenda")]
pub async fn create_meeting_agenda(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<AgendaRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let case_id = body.0.case_id;
    let d = state
        .db
        .write(auth, "meeting", Some(id.to_string()), move |tx| {
            repo::add_agenda(tx, id, case_id).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(meeting_response(actix_web::http::StatusCode::OK, d))
}

/// Takes a case off the agenda (and the decision recorded for it) while the meeting is
/// scheduled; on the case's timeline. The host's case workers.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id"), ("case_id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "Removed", body = MeetingView),
        (status = 404, description = "The meeting, or the case on its agenda, was not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The meeting is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/meetings/{id}/agenda/{case_id}")]
pub async fn delete_meeting_agenda(
    state: web::Data<AppState>,
    auth: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, case_id) = path.into_inner();
    let d = state
        .db
        .write(auth, "meeting", Some(id.to_string()), move |tx| {
            repo::remove_agenda(tx, id, case_id).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(meeting_response(actix_web::http::StatusCode::OK, d))
}

/// Records whether a participant attended.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    request_body = AttendanceRequest,
    responses(
        (status = 200, description = "Recorded", body = MeetingView),
        (status = 409, description = "The meeting is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/attendance")]
pub async fn create_meeting_attendance(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<AttendanceRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let AttendanceRequest { user_id, attended } = body.0;
    let d = state
        .db
        .write(auth, "meeting", Some(id.to_string()), move |tx| {
            repo::attendance(tx, id, user_id, attended).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(meeting_response(actix_web::http::StatusCode::OK, d))
}

/// Records the decision for an agenda case, replacing an earlier one.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "Recorded", body = MeetingView),
        (status = 409, description = "The meeting is closed; decisions are frozen", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/decisions")]
pub async fn create_meeting_decision(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<DecisionRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let d = body.0.into();
    let detail = state
        .db
        .write(auth, "meeting", Some(id.to_string()), move |tx| {
            app::decide(tx, id, d).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(meeting_response(actix_web::http::StatusCode::OK, detail))
}

/// Finalizes the meeting: applies every decision to its case in one transaction, creates the
/// action items and freezes the minutes. If any agenda case lacks a decision or its decision is
/// not a legal move for the case, answers 409 `finalize_blocked` listing the `cases`, and
/// changes nothing. `minutes` (the record of the meeting) is required. A meeting is finalized
/// from its scheduled day on (Korean time); before it, 409 `meeting_not_started`.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    request_body = FinalizeRequest,
    responses(
        (status = 200, description = "Held: decisions applied", body = MeetingView),
        (status = 409, description = "Blocked (`finalize_blocked`), not yet held (`meeting_not_started`), or already closed (`meeting_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/finalize")]
pub async fn finalize_meeting(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<FinalizeRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let FinalizeRequest {
        minutes,
        attendance,
    } = body.0;
    let attendance: Vec<(Uuid, bool)> = attendance
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.user_id, a.attended))
        .collect();
    let d = state
        .db
        .write(auth, "meeting", Some(id.to_string()), move |tx| {
            app::finalize(tx, id, &minutes, &attendance).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(meeting_response(actix_web::http::StatusCode::OK, d))
}

/// Action items from finalized meetings.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(ListActionItemsQuery),
    responses(
        (status = 200, description = "A page of action items", body = ActionItemPage),
        (status = 404, description = "No such assignee, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-items")]
pub async fn list_action_items(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListActionItemsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let assignee = match q.assignee.as_deref() {
        None | Some("me") => auth.user_id(),
        Some(other) => Uuid::parse_str(other).map_err(|_| {
            ApiError::field("assignee", "invalid_value", "must be `me` or a user id")
        })?,
    };
    let open = q.open;
    let result = state
        .db
        .as_user(auth, "action_item", None, move |c, a, _| {
            repo::action_items(c, a, assignee, open, page).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ActionItemPage::named(result.0, &result.1)))
}

/// Marks an action item done.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Action item id")),
    responses(
        (status = 200, description = "Completed", body = ActionItemView),
        (status = 409, description = "Already completed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-items/{id}/complete")]
pub async fn complete_action_item(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let item = state
        .db
        .write(auth, "action_item", Some(id.to_string()), move |tx| {
            repo::complete_action_item(tx, id).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ActionItemView::named(item.0, &item.1)))
}

/// Refers a case the caller works on to another organization, or with `to_hub: true` to the
/// hub welfare centre (거점복지관) of the caller's dong centre (400 `no_hub` without one).
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    request_body = CreateReferralRequest,
    responses(
        (status = 201, description = "Sent", body = ReferralView),
        (status = 409, description = "Already a participant, or a referral is pending", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals")]
pub async fn create_referral(
    state: web::Data<AppState>,
    auth: Caller,
    body: ValidJson<CreateReferralRequest>,
) -> ApiResult<HttpResponse> {
    let to_hub = body.0.to_hub.unwrap_or(false);
    if to_hub == body.0.to_organization_id.is_some() {
        return Err(ApiError::field(
            "to_organization_id",
            "required",
            "name to_organization_id or set to_hub, not both",
        ));
    }
    let mut new: referrals::NewReferral = body.0.into();
    let r = state
        .db
        .write(auth, "referral", None, move |tx| {
            if to_hub {
                let (c, a, _) = tx.parts();
                new.to_org_id = hamkke_persistence::repo::agenda::hub_of(c, a)?;
            }
            let v = referrals::create(tx, new)?;
            let (c, a, _) = tx.parts();
            named(c, a, v)
        })
        .await?;
    let view = ReferralView::named(r.0, &r.1);
    Ok(HttpResponse::Created()
        .insert_header(super::location("referrals", view.id))
        .json(view))
}

/// Referrals to or from the caller's organization.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(ListReferralsQuery),
    responses((status = 200, description = "A page of referrals", body = ReferralPage))
)]
#[get("/referrals")]
pub async fn list_referrals(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<ListReferralsQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let direction = q.direction.map(|d| match d {
        DirectionDto::Incoming => Direction::Incoming,
        DirectionDto::Outgoing => Direction::Outgoing,
    });
    let status = q.status.map(Into::into);
    let result = state
        .db
        .as_user(auth, "referral", None, move |c, actor, _| {
            referrals::list(c, actor, direction, status, page).and_then(|v| named(c, actor, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReferralPage::named(result.0, &result.1)))
}

/// One referral with its case summary.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    responses((status = 200, description = "The referral", body = ReferralView))
)]
#[get("/referrals/{id}")]
pub async fn get_referral(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let r = state
        .db
        .read(auth, "referral", Some(id.to_string()), move |rx| {
            referrals::get(rx, id).and_then(|v| {
                let (c, a, _) = rx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReferralView::named(r.0, &r.1)))
}

/// The receiver accepts and becomes a service-providing participant of the case.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "Accepted", body = ReferralView),
        (status = 409, description = "Not waiting for an answer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals/{id}/accept")]
pub async fn accept_referral(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let r = state
        .db
        .write(auth, "referral", Some(id.to_string()), move |tx| {
            hamkke_persistence::app::referrals::accept(tx, id).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReferralView::named(r.0, &r.1)))
}

/// The receiver declines, with a reason.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = ReferralView),
        (status = 409, description = "Not waiting for an answer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals/{id}/decline")]
pub async fn decline_referral(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<DeclineRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let reason = body.0.reason;
    let r = state
        .db
        .write(auth, "referral", Some(id.to_string()), move |tx| {
            referrals::decline(tx, id, &reason).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReferralView::named(r.0, &r.1)))
}

/// Either end completes an accepted referral with its outcome.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body = CompleteReferralRequest,
    responses(
        (status = 200, description = "Completed", body = ReferralView),
        (status = 409, description = "Not accepted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals/{id}/complete")]
pub async fn complete_referral(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<CompleteReferralRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let outcome = body.0.outcome;
    let r = state
        .db
        .write(auth, "referral", Some(id.to_string()), move |tx| {
            referrals::complete(tx, id, &outcome).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReferralView::named(r.0, &r.1)))
}
