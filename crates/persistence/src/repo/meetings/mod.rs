//! Meetings: agenda, attendance, decisions, and the finalize that applies every decision to
//! its case in one transaction. Also the action items that finalized meetings create.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor, MeetingFacts};
use hamkke_domain::case::{CaseType, ClosingReason};
use hamkke_domain::meeting::{
    ActionItem, AgendaItem, Decision, DecisionRecord, Meeting, MeetingKind, MeetingParticipant,
    MeetingStatus,
};
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use super::cases;
use super::page::{Page, PageRequest};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::schema::{
    action_items, meeting_agenda, meeting_decisions, meeting_participants, meetings, users,
};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};
use hamkke_domain::event::DomainEvent;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = meetings)]
struct MeetingRow {
    id: DbUuid,
    kind: String,
    title: String,
    scheduled_at: NaiveDateTime,
    location: Option<String>,
    host_org_id: DbUuid,
    district_code: String,
    status: String,
    minutes: Option<String>,
    finalized_at: Option<NaiveDateTime>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<MeetingRow> for Meeting {
    type Error = RepoError;
    fn try_from(r: MeetingRow) -> RepoResult<Self> {
        Ok(Meeting {
            id: r.id.0,
            kind: MeetingKind::parse(&r.kind).ok_or_else(|| corrupt("meetings.kind"))?,
            title: r.title,
            scheduled_at: from_db(r.scheduled_at),
            location: r.location,
            host_org_id: r.host_org_id.0,
            district_code: r.district_code,
            status: MeetingStatus::parse(&r.status).ok_or_else(|| corrupt("meetings.status"))?,
            minutes: r.minutes,
            finalized_at: r.finalized_at.map(from_db),
            version: r.version,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        })
    }
}

/// A meeting with its people and agenda, as one viewer may see it.
#[derive(Debug, Clone)]
pub struct MeetingDetail {
    pub meeting: Meeting,
    pub participants: Vec<MeetingParticipant>,
    pub agenda: Vec<AgendaItem>,
}

/// A validated meeting to call.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub kind: MeetingKind,
    pub title: String,
    pub scheduled_at: DateTime<Utc>,
    pub location: Option<String>,
    pub participant_user_ids: Vec<Uuid>,
    /// Guests: name, organization, role.
    pub external_participants: Vec<(String, String, Option<String>)>,
    pub case_ids: Vec<Uuid>,
}

/// A validated change to a scheduled meeting.
#[derive(Debug, Clone, Default)]
pub struct MeetingPatch {
    pub title: Option<String>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub location: Option<Option<String>>,
}

/// Filters of the meeting listing.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub kind: Option<MeetingKind>,
    pub status: Option<MeetingStatus>,
    pub case_id: Option<Uuid>,
}

pub(crate) fn load_meeting(conn: &mut DbConn, id: Uuid) -> RepoResult<Meeting> {
    meetings::table
        .find(DbUuid(id))
        .select(MeetingRow::as_select())
        .first(conn)?
        .try_into()
}

pub(crate) fn participants_of(conn: &mut DbConn, id: Uuid) -> RepoResult<Vec<MeetingParticipant>> {
    type Row = (
        Option<DbUuid>,
        Option<DbUuid>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<bool>,
    );
    let rows: Vec<Row> = meeting_participants::table
        .filter(meeting_participants::meeting_id.eq(DbUuid(id)))
        .order(meeting_participants::id.asc())
        .select((
            meeting_participants::user_id,
            meeting_participants::org_id,
            meeting_participants::external_name,
            meeting_participants::external_organization,
            meeting_participants::external_role,
            meeting_participants::attended,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(u, o, n, eo, er, a)| MeetingParticipant {
            user_id: u.map(|x| x.0),
            org_id: o.map(|x| x.0),
            external_name: n,
            external_organization: eo,
            external_role: er,
            attended: a,
        })
        .collect())
}

pub(crate) fn facts(meeting: &Meeting, participants: &[MeetingParticipant]) -> MeetingFacts {
    MeetingFacts {
        host_org_id: meeting.host_org_id,
        district_code: meeting.district_code.clone(),
        participant_orgs: participants.iter().filter_map(|p| p.org_id).collect(),
    }
}

pub(crate) fn decisions_of(conn: &mut DbConn, id: Uuid) -> RepoResult<Vec<DecisionRecord>> {
    type Row = (
        DbUuid,
        String,
        Option<DbUuid>,
        Option<DbUuid>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = meeting_decisions::table
        .filter(meeting_decisions::meeting_id.eq(DbUuid(id)))
        .select((
            meeting_decisions::case_id,
            meeting_decisions::decision,
            meeting_decisions::lead_org_id,
            meeting_decisions::refer_to_org_id,
            meeting_decisions::notes,
            meeting_decisions::action_items,
            meeting_decisions::case_type,
            meeting_decisions::closing_reason,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(case_id, d, lead, refer_to, notes, items, case_type, closing)| {
                Ok(DecisionRecord {
                    case_id: case_id.0,
                    decision: Decision::parse(&d)
                        .ok_or_else(|| corrupt("meeting_decisions.decision"))?,
                    lead_org_id: lead.map(|l| l.0),
                    refer_to_org_id: refer_to.map(|l| l.0),
                    case_type: match case_type {
                        None => None,
                        Some(t) => Some(
                            CaseType::parse(&t)
                                .ok_or_else(|| corrupt("meeting_decisions.case_type"))?,
                        ),
                    },
                    closing_reason: match closing {
                        None => None,
                        Some(c) => Some(
                            ClosingReason::parse(&c)
                                .ok_or_else(|| corrupt("meeting_decisions.closing_reason"))?,
                        ),
                    },
                    notes,
                    action_items: serde_json::from_str(&items)
                        .map_err(|_| corrupt("meeting_decisions.action_items"))?,
                })
            },
        )
        .collect()
}

pub(crate) fn agenda_ids(conn: &mut DbConn, id: Uuid) -> RepoResult<Vec<Uuid>> {
    Ok(meeting_agenda::table
        .filter(meeting_agenda::meeting_id.eq(DbUuid(id)))
        .order(meeting_agenda::added_at.asc())
        .select(meeting_agenda::case_id)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|c| c.0)
        .collect())
}

/// The meeting as `actor` may see it: agenda case summaries are shown to those who may see the
/// case, and to the meeting's organizations while the meeting is scheduled — nothing more.
fn detail(conn: &mut DbConn, actor: &Actor, meeting: Meeting) -> RepoResult<MeetingDetail> {
    let participants = participants_of(conn, meeting.id)?;
    let f = facts(&meeting, &participants);
    let in_meeting = f.host_org_id == actor.org_id || f.participant_orgs.contains(&actor.org_id);
    let decisions = decisions_of(conn, meeting.id)?;
    let mut agenda = Vec::new();
    for case_id in agenda_ids(conn, meeting.id)? {
        let case = cases::load(conn, case_id)?;
        let sees_case = authz::view_case(actor, &case.facts()).is_ok();
        let summary = (sees_case || (in_meeting && meeting.status == MeetingStatus::Scheduled))
            .then_some(case.case);
        agenda.push(AgendaItem {
            case_id,
            summary,
            decision: decisions.iter().find(|d| d.case_id == case_id).cloned(),
        });
    }
    Ok(MeetingDetail {
        meeting,
        participants,
        agenda,
    })
}

/// Locks a scheduled meeting for the change in progress, then checks the actor may chair it.
/// Every change of a meeting comes through here, so changes of one meeting run one after the
/// other and each sees the last one's outcome: of two finalizes, the second finds the meeting
/// held (409), and no decision or agenda change slips in beside a finalize.
pub(crate) fn chaired(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Meeting> {
    let held = diesel::update(
        meetings::table
            .find(DbUuid(id))
            .filter(meetings::status.eq(MeetingStatus::Scheduled.as_str())),
    )
    .set(meetings::updated_at.eq(meetings::updated_at))
    .execute(conn)?;
    let meeting = load_meeting(conn, id)?;
    let participants = participants_of(conn, id)?;
    authz::chair_meeting(actor, &facts(&meeting, &participants))?;
    if held != 1 || meeting.status != MeetingStatus::Scheduled {
        return Err(RepoError::conflict(
            "meeting_closed",
            "the meeting has been held or cancelled; it can no longer change",
        ));
    }
    Ok(meeting)
}

/// Records a change of a meeting; `tell` tells its invitees (a new time or place).
fn record_change(
    tx: &mut Tx<'_>,
    meeting: &Meeting,
    details: serde_json::Value,
    tell: bool,
) -> RepoResult<()> {
    let invitee_user_ids = if tell {
        participants_of(tx.conn(), meeting.id)?
            .iter()
            .filter_map(|p| p.user_id)
            .collect()
    } else {
        Vec::new()
    };
    tx.record(
        DomainEvent::MeetingChanged {
            meeting_id: meeting.id,
            host_org_id: meeting.host_org_id,
            details,
            invitee_user_ids,
        },
        None,
    )?;
    Ok(())
}

/// The end of every change of a scheduled meeting: its version moves on, the change is
/// audited with `details`, and the meeting is answered as the caller now sees it.
fn changed(tx: &mut Tx<'_>, id: Uuid, details: serde_json::Value) -> RepoResult<MeetingDetail> {
    bump(tx.conn(), id)?;
    let m = load_meeting(tx.conn(), id)?;
    record_change(tx, &m, details, false)?;
    let actor = tx.actor();
    detail(tx.conn(), actor, m)
}

pub(crate) fn bump(conn: &mut DbConn, id: Uuid) -> RepoResult<()> {
    diesel::update(meetings::table.find(DbUuid(id)))
        .set((
            meetings::version.eq(meetings::version + 1),
            meetings::updated_at.eq(to_db(crate::now())),
        ))
        .execute(conn)?;
    Ok(())
}

fn add_to_agenda(tx: &mut Tx<'_>, meeting: &Meeting, case_id: Uuid, field: &str) -> RepoResult<()> {
    let actor = tx.actor();
    let invalid = || RepoError::from(DomainError::unknown(field));
    let case = match cases::load(tx.conn(), case_id) {
        Ok(c) => c,
        Err(RepoError::NotFound) => return Err(invalid()),
        Err(e) => return Err(e),
    };
    authz::view_case(actor, &case.facts()).map_err(|_| invalid())?;
    if case.case.district_code != meeting.district_code {
        return Err(invalid());
    }
    put_on_agenda(tx, meeting, case_id)
}

/// Puts a case on a meeting's agenda (the caller has checked that it may).
pub(crate) fn put_on_agenda(tx: &mut Tx<'_>, meeting: &Meeting, case_id: Uuid) -> RepoResult<()> {
    let conn = &mut *tx.conn();
    let exists: bool = diesel::select(diesel::dsl::exists(
        meeting_agenda::table.find((DbUuid(meeting.id), DbUuid(case_id))),
    ))
    .get_result(conn)?;
    if exists {
        return Err(RepoError::conflict(
            "already_on_agenda",
            "the case is already on this meeting's agenda",
        ));
    }
    diesel::insert_into(meeting_agenda::table)
        .values((
            meeting_agenda::meeting_id.eq(DbUuid(meeting.id)),
            meeting_agenda::case_id.eq(DbUuid(case_id)),
            meeting_agenda::added_at.eq(to_db(crate::now())),
        ))
        .execute(conn)?;
    tx.record(
        DomainEvent::AgendaChanged {
            case_id,
            meeting_id: meeting.id,
            meeting_kind: meeting.kind.as_str(),
            scheduled_at: meeting.scheduled_at,
            added: true,
        },
        None,
    )?;
    Ok(())
}

/// A user named in a meeting request (`field`): an active worker of an organization of the
/// meeting's district or of one taking part in an agenda case (`authz::meeting_member`), else
/// the request answers as if the user did not exist. Returns the user's organization.
pub(crate) fn meeting_user(
    conn: &mut DbConn,
    m: &MeetingFacts,
    agenda_orgs: &[Uuid],
    field: &str,
    user_id: Uuid,
) -> RepoResult<Uuid> {
    let org: Option<DbUuid> = users::table
        .filter(users::id.eq(DbUuid(user_id)))
        .filter(users::active.eq(true))
        .select(users::org_id)
        .first::<DbUuid>(conn)
        .optional()?;
    let org = match org {
        Some(o) => super::orgs::load(conn, o.0)?,
        None => return Err(DomainError::unknown(field).into()),
    };
    if !org.active || !authz::meeting_member(m, &org.facts(), agenda_orgs) {
        return Err(DomainError::unknown(field).into());
    }
    Ok(org.id)
}

/// The kind of the meeting's host organization (a district office's meeting may decide on
/// any case of the district).
pub(crate) fn host_kind(
    conn: &mut DbConn,
    meeting: &Meeting,
) -> RepoResult<hamkke_domain::org::OrgKind> {
    Ok(super::orgs::load(conn, meeting.host_org_id)?.kind)
}

/// Calls a meeting hosted by the actor's organization.
pub fn create(tx: &mut Tx<'_>, new: NewMeeting) -> RepoResult<MeetingDetail> {
    let actor = tx.actor();
    authz::create_meeting(actor)?;
    let id = Uuid::now_v7();
    let now = to_db(crate::now());
    diesel::insert_into(meetings::table)
        .values((
            meetings::id.eq(DbUuid(id)),
            meetings::kind.eq(new.kind.as_str()),
            meetings::title.eq(&new.title),
            meetings::scheduled_at.eq(to_db(new.scheduled_at)),
            meetings::location.eq(&new.location),
            meetings::host_org_id.eq(DbUuid(actor.org_id)),
            meetings::district_code.eq(&actor.district_code),
            meetings::status.eq(MeetingStatus::Scheduled.as_str()),
            meetings::created_by.eq(DbUuid(actor.user_id)),
            meetings::version.eq(1),
            meetings::created_at.eq(now),
            meetings::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    let mf = MeetingFacts {
        host_org_id: actor.org_id,
        district_code: actor.district_code.clone(),
        participant_orgs: Vec::new(),
    };
    let agenda_orgs = cases::orgs_of_cases(tx.conn(), &new.case_ids)?;
    let mut users_seen = Vec::new();
    // The chair is an attendee without saying so.
    diesel::insert_into(meeting_participants::table)
        .values((
            meeting_participants::id.eq(DbUuid(Uuid::now_v7())),
            meeting_participants::meeting_id.eq(DbUuid(id)),
            meeting_participants::user_id.eq(Some(DbUuid(actor.user_id))),
            meeting_participants::org_id.eq(Some(DbUuid(actor.org_id))),
        ))
        .execute(tx.conn())?;
    for user in new
        .participant_user_ids
        .iter()
        .filter(|u| **u != actor.user_id)
    {
        if users_seen.contains(user) {
            continue;
        }
        users_seen.push(*user);
        let org = meeting_user(tx.conn(), &mf, &agenda_orgs, "participant_user_ids", *user)?;
        diesel::insert_into(meeting_participants::table)
            .values((
                meeting_participants::id.eq(DbUuid(Uuid::now_v7())),
                meeting_participants::meeting_id.eq(DbUuid(id)),
                meeting_participants::user_id.eq(Some(DbUuid(*user))),
                meeting_participants::org_id.eq(Some(DbUuid(org))),
            ))
            .execute(tx.conn())?;
    }
    for (name, org, role) in &new.external_participants {
        diesel::insert_into(meeting_participants::table)
            .values((
                meeting_participants::id.eq(DbUuid(Uuid::now_v7())),
                meeting_participants::meeting_id.eq(DbUuid(id)),
                meeting_participants::external_name.eq(Some(name)),
                meeting_participants::external_organization.eq(Some(org)),
                meeting_participants::external_role.eq(role.as_deref()),
            ))
            .execute(tx.conn())?;
    }
    let meeting = load_meeting(tx.conn(), id)?;
    for case_id in &new.case_ids {
        add_to_agenda(tx, &meeting, *case_id, "case_ids")?;
    }
    tx.record(
        DomainEvent::MeetingScheduled {
            meeting_id: id,
            host_org_id: actor.org_id,
            kind: new.kind.as_str(),
            scheduled_at: new.scheduled_at,
            invitee_user_ids: users_seen,
        },
        None,
    )?;
    detail(tx.conn(), actor, meeting)
}

/// One meeting the actor may see.
pub fn get(rx: &mut Rx<'_>, id: Uuid) -> RepoResult<MeetingDetail> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let meeting = load_meeting(rx.conn(), id)?;
        let participants = participants_of(rx.conn(), id)?;
        authz::view_meeting(actor, &facts(&meeting, &participants))?;
        audit::record(
            rx.conn(),
            ctx,
            AuditEntry::new(AuditAction::View, "meeting", Some(id.to_string())),
        )?;
        detail(rx.conn(), actor, meeting)
    })
}

/// Meetings the actor hosts or takes part in (or, for coordinators and auditors, of the district).
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    f: &MeetingFilter,
    page: PageRequest,
) -> RepoResult<Page<Meeting>> {
    if let Some(c) = f.case_id {
        super::cases::reference(conn, actor, c, "case_id")?;
    }
    // `authz::view_meeting` as a query: the actor's work scope.
    let mut q = meetings::table
        .select(MeetingRow::as_select())
        .order(meetings::id.asc())
        .limit(page.limit + 1)
        .into_boxed();
    q = q.filter(scope::meetings(actor));
    if let Some(from) = f.from {
        q = q.filter(meetings::scheduled_at.ge(to_db(from)));
    }
    if let Some(to) = f.to {
        q = q.filter(meetings::scheduled_at.lt(to_db(to)));
    }
    if let Some(k) = f.kind {
        q = q.filter(meetings::kind.eq(k.as_str()));
    }
    if let Some(s) = f.status {
        q = q.filter(meetings::status.eq(s.as_str()));
    }
    if let Some(c) = f.case_id {
        q = q.filter(
            meetings::id.eq_any(
                meeting_agenda::table
                    .filter(meeting_agenda::case_id.eq(DbUuid(c)))
                    .select(meeting_agenda::meeting_id),
            ),
        );
    }
    if let Some(after) = page.after {
        q = q.filter(meetings::id.gt(DbUuid(after)));
    }
    let items = q
        .load(conn)?
        .into_iter()
        .map(Meeting::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit, |m| m.id))
}

/// Changes title, time or place of a scheduled meeting, when the version is current.
pub fn update(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: MeetingPatch,
) -> RepoResult<MeetingDetail> {
    let actor = tx.actor();
    let m = chaired(tx.conn(), actor, id)?;
    let moved = patch.scheduled_at.is_some_and(|t| t != m.scheduled_at)
        || patch.location.as_ref().is_some_and(|l| *l != m.location);
    let fields: Vec<&str> = [
        patch.title.as_ref().map(|_| "title"),
        patch.scheduled_at.map(|_| "scheduled_at"),
        patch.location.as_ref().map(|_| "location"),
    ]
    .into_iter()
    .flatten()
    .collect();
    crate::update_versioned!(
        tx.conn(),
        meetings,
        id,
        expected_version,
        (
            meetings::title.eq(patch.title.unwrap_or(m.title)),
            meetings::scheduled_at.eq(to_db(patch.scheduled_at.unwrap_or(m.scheduled_at))),
            meetings::location.eq(patch.location.unwrap_or(m.location)),
        )
    )?;
    let m = load_meeting(tx.conn(), id)?;
    record_change(tx, &m, json!({ "fields": fields }), moved)?;
    detail(tx.conn(), actor, m)
}

/// Cancels a scheduled meeting.
pub fn cancel(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<MeetingDetail> {
    let actor = tx.actor();
    let meeting = chaired(tx.conn(), actor, id)?;
    diesel::update(meetings::table.find(DbUuid(id)))
        .set(meetings::status.eq(MeetingStatus::Cancelled.as_str()))
        .execute(tx.conn())?;
    bump(tx.conn(), id)?;
    let invitee_user_ids = participants_of(tx.conn(), id)?
        .iter()
        .filter_map(|p| p.user_id)
        .collect();
    let case_ids = agenda_ids(tx.conn(), id)?;
    tx.record(
        DomainEvent::MeetingCancelled {
            meeting_id: id,
            host_org_id: meeting.host_org_id,
            case_ids,
            invitee_user_ids,
        },
        None,
    )?;
    let m = load_meeting(tx.conn(), id)?;
    detail(tx.conn(), actor, m)
}

/// Puts a case the host can see on the agenda.
pub fn add_agenda(tx: &mut Tx<'_>, id: Uuid, case_id: Uuid) -> RepoResult<MeetingDetail> {
    let actor = tx.actor();
    let m = chaired(tx.conn(), actor, id)?;
    add_to_agenda(tx, &m, case_id, "case_id")?;
    changed(tx, id, json!({ "agenda_added": case_id }))
}

/// Takes a case off the agenda before the meeting is finalized, with the decision recorded for
/// it: the way out when the meeting cannot, or should not, decide on it.
pub fn remove_agenda(tx: &mut Tx<'_>, id: Uuid, case_id: Uuid) -> RepoResult<MeetingDetail> {
    let actor = tx.actor();
    let meeting = chaired(tx.conn(), actor, id)?;
    let removed = diesel::delete(meeting_agenda::table.find((DbUuid(id), DbUuid(case_id))))
        .execute(tx.conn())?;
    if removed == 0 {
        return Err(RepoError::NotFound);
    }
    diesel::delete(meeting_decisions::table.find((DbUuid(id), DbUuid(case_id))))
        .execute(tx.conn())?;
    tx.record(
        DomainEvent::AgendaChanged {
            case_id,
            meeting_id: id,
            meeting_kind: meeting.kind.as_str(),
            scheduled_at: meeting.scheduled_at,
            added: false,
        },
        None,
    )?;
    changed(tx, id, json!({ "agenda_removed": case_id }))
}

/// Records whether a participant attended.
pub fn attendance(
    tx: &mut Tx<'_>,
    id: Uuid,
    user_id: Uuid,
    attended: bool,
) -> RepoResult<MeetingDetail> {
    let actor = tx.actor();
    chaired(tx.conn(), actor, id)?;
    set_attendance(tx.conn(), id, user_id, attended)?;
    changed(
        tx,
        id,
        json!({ "attendance": user_id, "attended": attended }),
    )
}

fn set_attendance(conn: &mut DbConn, id: Uuid, user_id: Uuid, attended: bool) -> RepoResult<()> {
    let n = diesel::update(
        meeting_participants::table
            .filter(meeting_participants::meeting_id.eq(DbUuid(id)))
            .filter(meeting_participants::user_id.eq(DbUuid(user_id))),
    )
    .set(meeting_participants::attended.eq(Some(attended)))
    .execute(conn)?;
    if n == 0 {
        // Not invited to this meeting: nothing the chair may record.
        return Err(DomainError::unknown("user_id").into());
    }
    Ok(())
}

mod decisions;
mod items;

pub(crate) use decisions::*;
pub use items::*;
