//! Meetings beyond their host: agenda requests from participant organizations, minutes for
//! the record (회의록), and the hub welfare centre's view of its dong centres (거점복지관).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::case::{RiskLevel, Status};
use hamkke_domain::event::DomainEvent;
use hamkke_domain::meeting::{
    AgendaRequest, AgendaRequestStatus, DecisionRecord, Meeting, MeetingParticipant, MeetingStatus,
};
use hamkke_domain::org::OrgKind;
use hamkke_domain::user::Role;
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::meetings::{self, chaired, facts, load_meeting, participants_of};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::lists::{in_ids, in_texts};
use crate::schema::{
    action_items, agenda_requests, cases, meeting_agenda, organizations, referrals, users,
};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agenda_requests)]
struct RequestRow {
    id: DbUuid,
    meeting_id: DbUuid,
    case_id: DbUuid,
    from_org_id: DbUuid,
    requested_by: DbUuid,
    note: Option<String>,
    status: String,
    decline_reason: Option<String>,
    answered_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl TryFrom<RequestRow> for AgendaRequest {
    type Error = RepoError;
    fn try_from(r: RequestRow) -> RepoResult<Self> {
        Ok(AgendaRequest {
            id: r.id.0,
            meeting_id: r.meeting_id.0,
            case_id: r.case_id.0,
            from_org_id: r.from_org_id.0,
            requested_by: r.requested_by.0,
            note: r.note,
            status: AgendaRequestStatus::parse(&r.status)
                .ok_or_else(|| corrupt("agenda_requests.status"))?,
            decline_reason: r.decline_reason,
            created_at: from_db(r.created_at),
            answered_at: r.answered_at.map(from_db),
        })
    }
}

fn load_request(conn: &mut DbConn, id: Uuid) -> RepoResult<AgendaRequest> {
    agenda_requests::table
        .find(DbUuid(id))
        .select(RequestRow::as_select())
        .first(conn)?
        .try_into()
}

/// A scheduled meeting the actor may see.
fn visible_meeting(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Meeting> {
    let meeting = load_meeting(conn, id)?;
    let participants = participants_of(conn, id)?;
    authz::view_meeting(actor, &facts(&meeting, &participants))?;
    Ok(meeting)
}

/// Proposes a case the actor's organization works on for a meeting it takes part in (hosted by
/// another organization); the host's staff are told and answer it.
pub fn request(
    tx: &mut Tx<'_>,
    meeting_id: Uuid,
    case_id: Uuid,
    note: Option<String>,
) -> RepoResult<AgendaRequest> {
    let actor = tx.actor();
    let meeting = visible_meeting(tx.conn(), actor, meeting_id)?;
    let case = super::cases::reference(tx.conn(), actor, case_id, "case_id")?;
    authz::work_on_case(actor, &case.facts())?;
    if meeting.host_org_id == actor.org_id {
        return Err(RepoError::conflict(
            "own_meeting",
            "the host puts cases on its own agenda directly",
        ));
    }
    if meeting.status != MeetingStatus::Scheduled {
        return Err(RepoError::conflict(
            "meeting_closed",
            "the meeting has been held or cancelled",
        ));
    }
    if case.case.district_code != meeting.district_code {
        return Err(DomainError::unknown("case_id").into());
    }
    let on_agenda: bool = diesel::select(diesel::dsl::exists(
        meeting_agenda::table.find((DbUuid(meeting_id), DbUuid(case_id))),
    ))
    .get_result(tx.conn())?;
    let pending: bool = diesel::select(diesel::dsl::exists(
        agenda_requests::table
            .filter(agenda_requests::meeting_id.eq(DbUuid(meeting_id)))
            .filter(agenda_requests::case_id.eq(DbUuid(case_id)))
            .filter(agenda_requests::status.eq(AgendaRequestStatus::Pending.as_str())),
    ))
    .get_result(tx.conn())?;
    if on_agenda || pending {
        return Err(RepoError::conflict(
            "already_on_agenda",
            "the case is already on this meeting's agenda or proposed for it",
        ));
    }
    let id = Uuid::now_v7();
    diesel::insert_into(agenda_requests::table)
        .values((
            agenda_requests::id.eq(DbUuid(id)),
            agenda_requests::meeting_id.eq(DbUuid(meeting_id)),
            agenda_requests::case_id.eq(DbUuid(case_id)),
            agenda_requests::from_org_id.eq(DbUuid(actor.org_id)),
            agenda_requests::requested_by.eq(DbUuid(actor.user_id)),
            agenda_requests::note.eq(&note),
            agenda_requests::status.eq(AgendaRequestStatus::Pending.as_str()),
            agenda_requests::created_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    tx.record(
        DomainEvent::AgendaRequested {
            request_id: id,
            meeting_id,
            case_id,
            host_org_id: meeting.host_org_id,
        },
        Some(case.case.person_id),
    )?;
    load_request(tx.conn(), id)
}

/// The requests for a meeting: all of them for its host, the caller's own otherwise.
pub fn list(conn: &mut DbConn, actor: &Actor, meeting_id: Uuid) -> RepoResult<Vec<AgendaRequest>> {
    let meeting = visible_meeting(conn, actor, meeting_id)?;
    let mut q = agenda_requests::table
        .filter(agenda_requests::meeting_id.eq(DbUuid(meeting_id)))
        .order(agenda_requests::id.asc())
        .select(RequestRow::as_select())
        .into_boxed();
    q = q.filter(scope::agenda_requests(
        actor,
        meeting.host_org_id == actor.org_id,
    ));
    q.load(conn)?
        .into_iter()
        .map(AgendaRequest::try_from)
        .collect()
}

/// The host answers a request (`app::meetings::answer_request`, which puts an accepted case on
/// the agenda): accepted, or declined with the reason. Of two answers at once the second is
/// refused. Returns the request as it was and the meeting.
pub(crate) fn claim_answer(
    tx: &mut Tx<'_>,
    id: Uuid,
    decline_reason: Option<&str>,
) -> RepoResult<(AgendaRequest, Meeting)> {
    let actor = tx.actor();
    let request = load_request(tx.conn(), id)?;
    let meeting = chaired(tx.conn(), actor, request.meeting_id)?;
    if request.status != AgendaRequestStatus::Pending {
        return Err(RepoError::conflict(
            "already_answered",
            "the request has been answered",
        ));
    }
    let status = match decline_reason {
        None => AgendaRequestStatus::Accepted,
        Some(_) => AgendaRequestStatus::Declined,
    };
    let answered = diesel::update(
        agenda_requests::table
            .find(DbUuid(id))
            .filter(agenda_requests::status.eq(AgendaRequestStatus::Pending.as_str())),
    )
    .set((
        agenda_requests::status.eq(status.as_str()),
        agenda_requests::decline_reason.eq(decline_reason),
        agenda_requests::answered_by.eq(Some(DbUuid(actor.user_id))),
        agenda_requests::answered_at.eq(Some(to_db(crate::now()))),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        answered,
        "already_answered",
        "the request has been answered",
    )?;
    Ok((request, meeting))
}

/// Records a request's answer (`claim_answer`) on its case's timeline, once its consequence is
/// written, and answers it as it is now.
pub(crate) fn record_answer(
    tx: &mut Tx<'_>,
    request: &AgendaRequest,
    accepted: bool,
) -> RepoResult<AgendaRequest> {
    let case = super::cases::load(tx.conn(), request.case_id)?;
    tx.record(
        DomainEvent::AgendaRequestAnswered {
            request_id: request.id,
            meeting_id: request.meeting_id,
            case_id: request.case_id,
            from_org_id: request.from_org_id,
            accepted,
        },
        Some(case.case.person_id),
    )?;
    load_request(tx.conn(), request.id)
}

/// One agenda case in the minutes: its number, its summary when the reader may see the case,
/// the decision and its action items (with the assignee's name).
#[derive(Debug, Clone)]
pub struct MinutesItem {
    pub case_id: Uuid,
    pub case_no: String,
    /// The lead organization's name (shown for every case, visible or not).
    pub lead_org_name: String,
    pub summary: Option<String>,
    pub decision: Option<DecisionRecord>,
    /// The organization the decision names: the new lead (`change_lead`) or the receiver
    /// (`refer`).
    pub decision_org_name: Option<String>,
    pub action_items: Vec<(String, String, NaiveDate)>,
}

/// Someone at a meeting, as the minutes name them.
#[derive(Debug, Clone)]
pub struct Attendee {
    pub name: String,
    pub organization: String,
    /// A staff member's role; `None` for a guest.
    pub role: Option<Role>,
    /// A guest's role in words.
    pub guest_role: Option<String>,
    pub attended: Option<bool>,
}

/// Everything the minutes of a meeting show (회의록): no person data beyond what the reader
/// may see of each case; staff are named.
#[derive(Debug, Clone)]
pub struct Minutes {
    pub meeting: Meeting,
    pub host_name: String,
    pub attendees: Vec<Attendee>,
    pub items: Vec<MinutesItem>,
}

/// The minutes of a meeting the actor may see; the export is audited.
pub fn minutes(rx: &mut Rx<'_>, id: Uuid) -> RepoResult<Minutes> {
    rx.consistent(|rx| {
        let (conn, actor, ctx) = rx.parts();
        let meeting = visible_meeting(conn, actor, id)?;
        let participants: Vec<MeetingParticipant> = participants_of(conn, id)?;
        let staff_ids: Vec<DbUuid> = participants
            .iter()
            .filter_map(|p| p.user_id.map(DbUuid))
            .collect();
        // Every staff attendee with their organization in one statement.
        let staff: Vec<(DbUuid, String, String, String)> = users::table
            .inner_join(organizations::table)
            .filter(in_ids(users::id, staff_ids))
            .select((
                users::id,
                users::display_name,
                users::role,
                organizations::name,
            ))
            .load(conn)?;
        let mut attendees = Vec::new();
        for p in &participants {
            match p.user_id {
                Some(u) => {
                    let (_, name, role, org) = staff
                        .iter()
                        .find(|(id, ..)| id.0 == u)
                        .ok_or(RepoError::NotFound)?;
                    attendees.push(Attendee {
                        name: name.clone(),
                        organization: org.clone(),
                        role: Some(Role::parse(role).ok_or_else(|| corrupt("users.role"))?),
                        guest_role: None,
                        attended: p.attended,
                    });
                }
                None => attendees.push(Attendee {
                    name: p.external_name.clone().unwrap_or_default(),
                    organization: p.external_organization.clone().unwrap_or_default(),
                    role: None,
                    guest_role: p.external_role.clone(),
                    attended: p.attended,
                }),
            }
        }
        let decisions = meetings::decisions_of(conn, id)?;
        let agenda = meetings::agenda_ids(conn, id)?;
        let cases = agenda
            .iter()
            .map(|c| super::cases::load(conn, *c))
            .collect::<RepoResult<Vec<_>>>()?;
        let mut wanted = super::names::Wanted::default();
        wanted.org(meeting.host_org_id);
        wanted.orgs(cases.iter().map(|c| Some(c.case.lead_org_id)));
        for d in &decisions {
            wanted.orgs([d.lead_org_id, d.refer_to_org_id]);
        }
        let names = wanted.load(conn, actor)?;
        let host_name = names.org(meeting.host_org_id);
        // Every action item of the meeting with its assignee, in one statement.
        let actions: Vec<(DbUuid, String, String, NaiveDate)> = action_items::table
            .inner_join(users::table.on(users::id.eq(action_items::assignee_user_id)))
            .filter(action_items::meeting_id.eq(DbUuid(id)))
            .order(action_items::due_on.asc())
            .select((
                action_items::case_id,
                users::display_name,
                action_items::description,
                action_items::due_on,
            ))
            .load(conn)?;
        let mut items = Vec::new();
        for (case_id, case) in agenda.into_iter().zip(cases) {
            let sees = authz::view_case(actor, &case.facts()).is_ok();
            let decision = decisions.iter().find(|d| d.case_id == case_id).cloned();
            let decision_org_name = decision
                .as_ref()
                .and_then(|d| d.lead_org_id.or(d.refer_to_org_id))
                .map(|o| names.org(o));
            let done: Vec<(String, String, NaiveDate)> = actions
                .iter()
                .filter(|(c, ..)| c.0 == case_id)
                .map(|(_, who, what, due)| (who.clone(), what.clone(), *due))
                .collect();
            items.push(MinutesItem {
                case_id,
                case_no: case.case.case_no.clone(),
                lead_org_name: names.org(case.case.lead_org_id),
                summary: sees.then(|| case.case.summary.clone()),
                decision,
                decision_org_name,
                action_items: done,
            });
        }
        audit::record(
            conn,
            ctx,
            AuditEntry::new(AuditAction::Export, "meeting_minutes", Some(id.to_string()))
                .with_details(json!({ "agenda": items.len() })),
        )?;
        Ok(Minutes {
            meeting,
            host_name,
            attendees,
            items,
        })
    })
}

/// A case of a dong centre awaiting a meeting, as the hub sees it: no person data.
#[derive(Debug, Clone)]
pub struct HubCase {
    pub case_id: Uuid,
    pub case_no: String,
    pub risk_level: RiskLevel,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A referral from a dong centre to its hub.
#[derive(Debug, Clone)]
pub struct HubReferral {
    pub referral_id: Uuid,
    pub case_id: Uuid,
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// An open action item on a dong centre's case.
#[derive(Debug, Clone)]
pub struct HubItem {
    pub action_item_id: Uuid,
    pub case_id: Uuid,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// One dong centre's pipeline.
#[derive(Debug, Clone)]
pub struct HubDong {
    pub org_id: Uuid,
    pub name: String,
    pub awaiting_meeting: Vec<HubCase>,
    pub referrals_to_hub: Vec<HubReferral>,
    pub open_action_items: Vec<HubItem>,
}

/// How many rows of each list a hub overview shows per dong centre.
const HUB_LIMIT: i64 = 100;

/// The pipeline of the dong centres a hub welfare centre serves, in minimal form: for the
/// hub's admins and supervisors and the district's coordinators. Its reads may run on a
/// standby; [`record_hub_overview`] audits it on the primary.
pub fn hub_overview(
    conn: &mut DbConn,
    actor: &Actor,
    hub_id: Uuid,
    today: NaiveDate,
) -> RepoResult<Vec<HubDong>> {
    let hub = super::refs::org(conn, actor, hub_id, "id")?;
    let allowed = match actor.role {
        Role::Coordinator => actor.district_code == hub.district_code,
        Role::OrgAdmin | Role::Supervisor => actor.org_id == hub.id,
        _ => false,
    };
    if !allowed {
        return Err(DomainError::only(hamkke_domain::Who::OrgAdminOrCoordinator,
                "the hub overview is for the hub's admins and supervisors and the district's coordinators",
            )
            .into());
    }
    if hub.kind != OrgKind::WelfareCenter {
        return Err(RepoError::conflict(
            "not_a_hub",
            "only a welfare centre is a hub of dong centres",
        ));
    }
    let dongs: Vec<(DbUuid, String)> = organizations::table
        .filter(organizations::hub_org_id.eq(Some(DbUuid(hub_id))))
        .filter(organizations::active.eq(true))
        .order(organizations::name.asc())
        .select((organizations::id, organizations::name))
        .load(conn)?;
    let mut out = Vec::new();
    for (dong, name) in dongs {
        let awaiting = cases::table
            .filter(cases::lead_org_id.eq(dong))
            .filter(cases::status.eq(Status::AwaitingMeeting.as_str()))
            .order(cases::updated_at.asc())
            .limit(HUB_LIMIT)
            .select((
                cases::id,
                cases::case_no,
                cases::risk_level,
                cases::updated_at,
            ))
            .load::<(DbUuid, String, String, NaiveDateTime)>(conn)?
            .into_iter()
            .map(|(id, no, risk, at)| {
                Ok(HubCase {
                    case_id: id.0,
                    case_no: no,
                    risk_level: RiskLevel::parse(&risk)
                        .ok_or_else(|| corrupt("cases.risk_level"))?,
                    updated_at: from_db(at),
                })
            })
            .collect::<RepoResult<Vec<_>>>()?;
        let sent = referrals::table
            .filter(referrals::from_org_id.eq(dong))
            .filter(referrals::to_org_id.eq(DbUuid(hub_id)))
            .filter(in_texts(referrals::status, ["sent", "accepted"]))
            .order(referrals::id.asc())
            .limit(HUB_LIMIT)
            .select((
                referrals::id,
                referrals::case_id,
                referrals::status,
                referrals::created_at,
            ))
            .load::<(DbUuid, DbUuid, String, NaiveDateTime)>(conn)?
            .into_iter()
            .map(|(id, case, status, at)| HubReferral {
                referral_id: id.0,
                case_id: case.0,
                status,
                created_at: from_db(at),
            })
            .collect();
        let open = action_items::table
            .inner_join(cases::table.on(cases::id.eq(action_items::case_id)))
            .filter(cases::lead_org_id.eq(dong))
            .filter(action_items::completed_at.is_null())
            .order(action_items::due_on.asc())
            .limit(HUB_LIMIT)
            .select((
                action_items::id,
                action_items::case_id,
                action_items::due_on,
            ))
            .load::<(DbUuid, DbUuid, NaiveDate)>(conn)?
            .into_iter()
            .map(|(id, case, due)| HubItem {
                action_item_id: id.0,
                case_id: case.0,
                due_on: due,
                overdue: due < today,
            })
            .collect();
        out.push(HubDong {
            org_id: dong.0,
            name,
            awaiting_meeting: awaiting,
            referrals_to_hub: sent,
            open_action_items: open,
        });
    }
    Ok(out)
}

/// The audit event of a hub overview shown (on the primary, after its reads).
pub fn record_hub_overview(tx: &mut Tx<'_>, hub_id: Uuid, dong_centres: usize) -> RepoResult<()> {
    let ctx = tx.ctx();
    audit::record(
        tx.conn(),
        ctx,
        AuditEntry::new(AuditAction::View, "hub_overview", Some(hub_id.to_string()))
            .with_details(json!({ "dong_centres": dong_centres })),
    )
}

/// The hub welfare centre of the actor's organization, for a referral "to the hub".
pub fn hub_of(conn: &mut DbConn, actor: &Actor) -> RepoResult<Uuid> {
    let hub: Option<Option<DbUuid>> = organizations::table
        .find(DbUuid(actor.org_id))
        .select(organizations::hub_org_id)
        .first(conn)
        .optional()?;
    match hub.flatten() {
        Some(h) => Ok(h.0),
        None => Err(DomainError::invalid(
            "to_hub",
            "no_hub",
            "no hub welfare centre (거점복지관) is set for your organization",
        )
        .into()),
    }
}
