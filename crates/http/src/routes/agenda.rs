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
        .write(auth, "meeting", Some(id.to_string()), move |tx| {
            repo::request(tx, id, case_id, note).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
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
        .write(auth, "agenda_request", Some(id.to_string()), move |tx| {
            hamkke_persistence::app::meetings::answer_request(tx, id, None).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
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
        .write(auth, "agenda_request", Some(id.to_string()), move |tx| {
            hamkke_persistence::app::meetings::answer_request(tx, id, Some(reason)).and_then(|v| {
                let (c, a, _) = tx.parts();
                named(c, a, v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(AgendaRequestView::named(r.0, &r.1)))
}

/// Escapes text for HTML.
pub(crate) fn esc(s: &str) -> String {
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

/// The words of the minutes in the reader's language: Korean unless they asked for English.
struct Words {
    lang: &'static str,
    title: &'static str,
    meeting: &'static str,
    when: &'static str,
    place: &'static str,
    host: &'static str,
    status: &'static str,
    attendees: &'static str,
    name: &'static str,
    organization: &'static str,
    role: &'static str,
    attendance: &'static str,
    present: &'static str,
    absent: &'static str,
    guest: &'static str,
    agenda: &'static str,
    case_no: &'static str,
    summary: &'static str,
    decision: &'static str,
    decision_notes: &'static str,
    actions: &'static str,
    due: &'static str,
    body: &'static str,
    /// Shown for a case the reader may not open, before its lead's name.
    hidden_lead: &'static str,
    held: [&'static str; 3],
}

const KO: Words = Words {
    lang: "ko",
    title: "회의록",
    meeting: "회의명",
    when: "일시",
    place: "장소",
    host: "주관 기관",
    status: "상태",
    attendees: "참석자",
    name: "이름",
    organization: "소속",
    role: "역할",
    attendance: "참석",
    present: "참석",
    absent: "불참",
    guest: "외부 참석자",
    agenda: "안건",
    case_no: "사례번호",
    summary: "사례 요약",
    decision: "결정",
    decision_notes: "결정 내용",
    actions: "조치사항",
    due: "기한",
    body: "회의 내용",
    hidden_lead: "열람 권한 없음 — 주 사례관리 기관",
    held: ["예정", "개최", "취소"],
};

const EN: Words = Words {
    lang: "en",
    title: "Meeting minutes",
    meeting: "Meeting",
    when: "Date and time",
    place: "Place",
    host: "Host organization",
    status: "Status",
    attendees: "Attendees",
    name: "Name",
    organization: "Organization",
    role: "Role",
    attendance: "Attendance",
    present: "Present",
    absent: "Absent",
    guest: "Guest",
    agenda: "Agenda",
    case_no: "Case number",
    summary: "Case summary",
    decision: "Decision",
    decision_notes: "Decision notes",
    actions: "Action items",
    due: "due",
    body: "Discussion",
    hidden_lead: "Not visible to you — lead organization",
    held: ["Scheduled", "Held", "Cancelled"],
};

fn words(english: bool) -> &'static Words {
    if english {
        &EN
    } else {
        &KO
    }
}

fn attended(w: &Words, a: Option<bool>) -> &'static str {
    match a {
        Some(true) => w.present,
        Some(false) => w.absent,
        None => "",
    }
}

/// An attendee's role: a staff member's role, or a guest's as given.
fn role_of(w: &Words, a: &repo::Attendee) -> String {
    match (a.role, &a.guest_role) {
        (Some(r), _) => r.label(w.lang == "en").to_owned(),
        (None, Some(g)) => format!("{} ({g})", w.guest),
        (None, None) => w.guest.to_owned(),
    }
}

/// The decision of an agenda case in words (with the organization or type it names, and the
/// closing reason), and its notes.
fn decision_text(w: &Words, item: &repo::MinutesItem) -> (String, String) {
    let en = w.lang == "en";
    match &item.decision {
        None => (String::new(), String::new()),
        Some(d) => {
            let mut label = d.decision.label(en).to_owned();
            if let Some(org) = &item.decision_org_name {
                label = format!("{label} → {org}");
            }
            if let Some(t) = d.case_type {
                label = format!("{label} → {}", t.label(en));
            }
            if let Some(r) = d.closing_reason {
                label = format!("{label} — {}", r.label(en));
            }
            (label, d.notes.clone().unwrap_or_default())
        }
    }
}

/// A case's summary, or for a case the reader may not open, its lead.
fn summary_of(w: &Words, item: &repo::MinutesItem) -> String {
    match &item.summary {
        Some(s) => s.clone(),
        None => format!("({}: {})", w.hidden_lead, item.lead_org_name),
    }
}

/// The meeting's heading rows (회의명, 일시, 장소, 주관 기관), for both forms of the minutes.
fn header(w: &Words, m: &Minutes) -> [(&'static str, String); 4] {
    [
        (w.meeting, m.meeting.title.clone()),
        (w.when, format!("{} (KST)", kst(m.meeting.scheduled_at))),
        (w.place, m.meeting.location.clone().unwrap_or_default()),
        (w.host, m.host_name.clone()),
    ]
}

fn action_lines(w: &Words, item: &repo::MinutesItem) -> Vec<String> {
    item.action_items
        .iter()
        .map(|(who, what, due)| format!("{who} — {what} ({} {due})", w.due))
        .collect()
}

fn minutes_html(m: &Minutes, english: bool) -> String {
    use hamkke_domain::meeting::MeetingStatus;
    let w = words(english);
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">",
        w.lang
    ));
    h.push_str(&format!(
        "<title>{} — {}</title>",
        w.title,
        esc(&m.meeting.title)
    ));
    h.push_str("<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}th,td{border:1px solid #444;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#eee}@media print{body{margin:0}}</style></head><body>");
    h.push_str(&format!("<h1>{}</h1><table>", w.title));
    let status = match m.meeting.status {
        MeetingStatus::Scheduled => w.held[0],
        MeetingStatus::Held => w.held[1],
        MeetingStatus::Cancelled => w.held[2],
    };
    for (k, v) in header(w, m)
        .into_iter()
        .chain([(w.status, status.to_owned())])
    {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{k}</th><td>{}</td></tr>",
            esc(&v)
        ));
    }
    h.push_str(&format!(
        "</table><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        w.attendees, w.name, w.organization, w.role, w.attendance
    ));
    for a in &m.attendees {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.name),
            esc(&a.organization),
            esc(&role_of(w, a)),
            attended(w, a.attended)
        ));
    }
    h.push_str(&format!(
        "</table><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        w.agenda, w.case_no, w.summary, w.decision, w.decision_notes, w.actions
    ));
    for item in &m.items {
        let (decision, notes) = decision_text(w, item);
        let actions: Vec<String> = action_lines(w, item).iter().map(|l| esc(l)).collect();
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&item.case_no),
            esc(&summary_of(w, item)),
            esc(&decision),
            esc(&notes),
            actions.join("<br>")
        ));
    }
    h.push_str(&format!("</table><h2>{}</h2><p>", w.body));
    h.push_str(&esc(m.meeting.minutes.as_deref().unwrap_or("")).replace('\n', "<br>"));
    h.push_str("</p></body></html>");
    h
}

fn minutes_xlsx(m: &Minutes, english: bool) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let w = words(english);
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(w.title)?;
    let mut r = 0u32;
    for (k, v) in header(w, m) {
        sheet.write_string_with_format(r, 0, k, &bold)?;
        sheet.write_string(r, 1, v)?;
        r += 1;
    }
    r += 1;
    sheet.write_string_with_format(r, 0, w.attendees, &bold)?;
    r += 1;
    for (c, hd) in [w.name, w.organization, w.role, w.attendance]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(r, c as u16, *hd, &bold)?;
    }
    r += 1;
    for a in &m.attendees {
        sheet.write_string(r, 0, &a.name)?;
        sheet.write_string(r, 1, &a.organization)?;
        sheet.write_string(r, 2, role_of(w, a))?;
        sheet.write_string(r, 3, attended(w, a.attended))?;
        r += 1;
    }
    r += 1;
    sheet.write_string_with_format(r, 0, w.agenda, &bold)?;
    r += 1;
    for (c, hd) in [
        w.case_no,
        w.summary,
        w.decision,
        w.decision_notes,
        w.actions,
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(r, c as u16, *hd, &bold)?;
    }
    r += 1;
    for item in &m.items {
        let (decision, notes) = decision_text(w, item);
        sheet.write_string(r, 0, &item.case_no)?;
        sheet.write_string(r, 1, summary_of(w, item))?;
        sheet.write_string(r, 2, decision)?;
        sheet.write_string(r, 3, notes)?;
        sheet.write_string(r, 4, action_lines(w, item).join("\n"))?;
        r += 1;
    }
    r += 1;
    sheet.write_string_with_format(r, 0, w.body, &bold)?;
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
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let xlsx = crate::negotiate::choose(accept, &["text/html", XLSX]) == XLSX;
    minutes(&state, auth, &req, id.into_inner(), xlsx).await
}

/// The minutes of a meeting as an XLSX workbook (the same content as
/// the printable page). The export is audited.
#[utoipa::path(
    tag = "meetings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses((status = 200, description = "The minutes as XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = String))
)]
#[get("/meetings/{id}/minutes.xlsx")]
pub async fn export_meeting_minutes_xlsx(
    state: web::Data<AppState>,
    auth: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    minutes(&state, auth, &req, id.into_inner(), true).await
}

async fn minutes(
    state: &AppState,
    auth: Caller,
    req: &HttpRequest,
    id: Uuid,
    xlsx: bool,
) -> ApiResult<HttpResponse> {
    let english = crate::dto::allocations::wants_english(req);
    let m = state
        .db
        .read(auth, "meeting", Some(id.to_string()), move |rx| {
            repo::minutes(rx, id)
        })
        .await?;
    let name = format!("hamkke_minutes_{}", m.meeting.scheduled_at.format("%Y%m%d"));
    if xlsx {
        let bytes = minutes_xlsx(&m, english).map_err(|_| ApiError::Internal)?;
        return Ok(HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header(super::reports::VARY_ACCEPT)
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{name}.xlsx\""),
            ))
            .body(bytes));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(super::reports::VARY_ACCEPT)
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .insert_header(("Content-Language", words(english).lang))
        .body(minutes_html(&m, english)))
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
        .report(
            auth,
            "organization",
            Some(id.to_string()),
            move |c, a| repo::hub_overview(c, a, id, today).and_then(|v| named(c, a, v)),
            move |tx, (dongs, _)| repo::record_hub_overview(tx, id, dongs.len()),
        )
        .await?;
    Ok(HttpResponse::Ok().json(HubOverview::named(dongs.0, &dongs.1)))
}
