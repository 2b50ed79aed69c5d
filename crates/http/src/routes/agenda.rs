//! Agenda requests, meeting minutes (회의록) and the hub welfare centre's overview.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use hamkke_domain::labels::Label;
use hamkke_persistence::repo::agenda::{self as repo, Minutes};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::common::{all_named, named, FromNamed};
use crate::dto::meetings::{
    AgendaRequestList, AgendaRequestView, DeclineRequest, ProposeAgendaRequest,
};
use crate::dto::orgs::HubOverview;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ValidJson;
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Proposes a case the caller's organization works on for a meeting it takes part in and
/// another organization hosts; the host's staff are notified and accept or decline.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    request_body = ProposeAgendaRequest,
    responses(
        (status = 201, description = "Proposed", body = AgendaRequestView),
        (status = 409, description = "Already on the agenda or proposed, the caller hosts the meeting, or it is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/agenda-requests")]
pub async fn create_meeting_agenda_request(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<ProposeAgendaRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let ProposeAgendaRequest { case_id, note } = body.0;
    let r = state
        .db
        .as_user(auth, "meeting", Some(id.to_string()), move |c, a, ctx| {
            repo::request(c, a, ctx, id, case_id, note).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Created().json(AgendaRequestView::named(r.0, &r.1)))
}

/// Proposals for a meeting: every one for its host, the caller's own otherwise.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses((status = 200, description = "Proposals", body = AgendaRequestList))
)]
#[get("/meetings/{id}/agenda-requests")]
pub async fn list_meeting_agenda_requests(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .db
        .as_user(auth, "meeting", Some(id.to_string()), move |c, a, _| {
            repo::list(c, a, id).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(AgendaRequestList {
        items: all_named(items),
    }))
}

/// The host accepts a proposal: the case goes on the agenda.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agenda request id")),
    responses(
        (status = 200, description = "Accepted", body = AgendaRequestView),
        (status = 409, description = "Already answered, or the meeting is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/agenda-requests/{id}/accept")]
pub async fn accept_agenda_request(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let r = state
        .db
        .as_user(
            auth,
            "agenda_request",
            Some(id.to_string()),
            move |c, a, ctx| repo::answer(c, a, ctx, id, None).and_then(|v| named(c, a, v)),
        )
        .await?;
    Ok(HttpResponse::Ok().json(AgendaRequestView::named(r.0, &r.1)))
}

/// The host declines a proposal, saying why.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Agenda request id")),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = AgendaRequestView),
        (status = 409, description = "Already answered, or the meeting is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/agenda-requests/{id}/decline")]
pub async fn decline_agenda_request(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<DeclineRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let reason = body.0.reason.trim().to_owned();
    let r = state
        .db
        .as_user(
            auth,
            "agenda_request",
            Some(id.to_string()),
            move |c, a, ctx| repo::answer(c, a, ctx, id, Some(reason)).and_then(|v| named(c, a, v)),
        )
        .await?;
    Ok(HttpResponse::Ok().json(AgendaRequestView::named(r.0, &r.1)))
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Korea Standard Time (UTC+9) as people read it.
fn kst(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(9))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn attended(a: Option<bool>) -> &'static str {
    match a {
        Some(true) => "참석",
        Some(false) => "불참",
        None => "",
    }
}

/// The decision of an agenda case in words, with its notes.
fn decision_text(item: &repo::MinutesItem) -> (String, String) {
    match &item.decision {
        None => (String::new(), String::new()),
        Some(d) => {
            let mut label = format!("{} ({})", d.decision.label(true), d.decision.label(false));
            if let Some(r) = d.closing_reason {
                label = format!("{label} — {}", r.label(true));
            }
            (label, d.notes.clone().unwrap_or_default())
        }
    }
}

/// The meeting's heading rows (회의명, 일시, 장소, 주관 기관), for both forms of the minutes.
fn header(m: &Minutes) -> [(&'static str, String); 4] {
    [
        ("회의명", m.meeting.title.clone()),
        ("일시", format!("{} (KST)", kst(m.meeting.scheduled_at))),
        ("장소", m.meeting.location.clone().unwrap_or_default()),
        ("주관 기관", m.host_name.clone()),
    ]
}

fn minutes_html(m: &Minutes) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\">");
    h.push_str(&format!(
        "<title>회의록 — {}</title>",
        esc(&m.meeting.title)
    ));
    h.push_str("<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}th,td{border:1px solid #444;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#eee}@media print{body{margin:0}}</style></head><body>");
    h.push_str("<h1>회의록 (Meeting minutes)</h1><table>");
    let status = match m.meeting.status {
        hamkke_domain::meeting::MeetingStatus::Scheduled => "예정",
        hamkke_domain::meeting::MeetingStatus::Held => "개최",
        hamkke_domain::meeting::MeetingStatus::Cancelled => "취소",
    };
    for (k, v) in header(m).into_iter().chain([("상태", status.to_owned())]) {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{k}</th><td>{}</td></tr>",
            esc(&v)
        ));
    }
    h.push_str("</table><h2>참석자</h2><table><tr><th>이름</th><th>소속</th><th>역할</th><th>참석</th></tr>");
    for (name, org, role, a) in &m.attendees {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            esc(org),
            esc(role.as_deref().unwrap_or("")),
            attended(*a)
        ));
    }
    h.push_str("</table><h2>안건</h2><table><tr><th>사례번호</th><th>사례 요약</th><th>결정</th><th>결정 내용</th><th>조치사항</th></tr>");
    for item in &m.items {
        let (decision, notes) = decision_text(item);
        let actions: Vec<String> = item
            .action_items
            .iter()
            .map(|(who, what, due)| format!("{} — {} (기한 {due})", esc(who), esc(what)))
            .collect();
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&item.case_no),
            esc(item.summary.as_deref().unwrap_or("(열람 권한 없음)")),
            esc(&decision),
            esc(&notes),
            actions.join("<br>")
        ));
    }
    h.push_str("</table><h2>회의 내용</h2><p>");
    h.push_str(&esc(m.meeting.minutes.as_deref().unwrap_or("")).replace('\n', "<br>"));
    h.push_str("</p></body></html>");
    h
}

fn minutes_xlsx(m: &Minutes) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("회의록")?;
    let mut r = 0u32;
    for (k, v) in header(m) {
        sheet.write_string_with_format(r, 0, k, &bold)?;
        sheet.write_string(r, 1, v)?;
        r += 1;
    }
    r += 1;
    sheet.write_string_with_format(r, 0, "참석자", &bold)?;
    r += 1;
    for (c, hd) in ["이름", "소속", "역할", "참석"].iter().enumerate() {
        sheet.write_string_with_format(r, c as u16, *hd, &bold)?;
    }
    r += 1;
    for (name, org, role, a) in &m.attendees {
        sheet.write_string(r, 0, name)?;
        sheet.write_string(r, 1, org)?;
        sheet.write_string(r, 2, role.as_deref().unwrap_or(""))?;
        sheet.write_string(r, 3, attended(*a))?;
        r += 1;
    }
    r += 1;
    sheet.write_string_with_format(r, 0, "안건", &bold)?;
    r += 1;
    for (c, hd) in ["사례번호", "사례 요약", "결정", "결정 내용", "조치사항"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(r, c as u16, *hd, &bold)?;
    }
    r += 1;
    for item in &m.items {
        let (decision, notes) = decision_text(item);
        let actions: Vec<String> = item
            .action_items
            .iter()
            .map(|(who, what, due)| format!("{who} — {what} (기한 {due})"))
            .collect();
        sheet.write_string(r, 0, &item.case_no)?;
        sheet.write_string(r, 1, item.summary.as_deref().unwrap_or("(열람 권한 없음)"))?;
        sheet.write_string(r, 2, decision)?;
        sheet.write_string(r, 3, notes)?;
        sheet.write_string(r, 4, actions.join("\n"))?;
        r += 1;
    }
    r += 1;
    sheet.write_string_with_format(r, 0, "회의 내용", &bold)?;
    sheet.write_string(r, 1, m.meeting.minutes.as_deref().unwrap_or(""))?;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 40)?;
    sheet.set_column_width(2, 28)?;
    sheet.set_column_width(3, 40)?;
    sheet.set_column_width(4, 40)?;
    book.save_to_buffer()
}

/// The minutes of a meeting (회의록: 회의명, 일시, 참석자, 안건, 결정, 조치사항) as a printable
/// HTML page (`Accept: text/html`, the default) or an XLSX workbook (by `Accept`). Agenda
/// cases show their number, and their summary only to readers who may see the case. The
/// export is audited.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses((status = 200, description = "The minutes", content(
        (String = "text/html"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )))
)]
#[get("/meetings/{id}/minutes")]
pub async fn get_meeting_minutes(
    state: web::Data<AppState>,
    auth: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let xlsx = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(XLSX));
    let m = state
        .db
        .as_user(auth, "meeting", Some(id.to_string()), move |c, a, ctx| {
            repo::minutes(c, a, ctx, id)
        })
        .await?;
    let name = format!("hamkke_minutes_{}", m.meeting.scheduled_at.format("%Y%m%d"));
    if xlsx {
        let bytes = minutes_xlsx(&m).map_err(|_| ApiError::Internal)?;
        return Ok(HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{name}.xlsx\""),
            ))
            .body(bytes));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(minutes_html(&m)))
}

/// The pipeline of the dong centres a hub welfare centre (거점복지관) serves — cases awaiting a
/// meeting, referrals sent to the hub, open action items — in minimal form (no person data):
/// for the hub's admins and supervisors and the district's coordinators.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Hub welfare centre id")),
    responses(
        (status = 200, description = "The overview", body = HubOverview),
        (status = 409, description = "Not a welfare centre", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id}/hub-overview")]
pub async fn get_organization_hub_overview(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let today = hamkke_domain::today();
    let dongs = state
        .db
        .as_user(
            auth,
            "organization",
            Some(id.to_string()),
            move |c, a, ctx| repo::hub_overview(c, a, ctx, id, today).and_then(|v| named(c, a, v)),
        )
        .await?;
    Ok(HttpResponse::Ok().json(HubOverview::named(dongs.0, &dongs.1)))
}
