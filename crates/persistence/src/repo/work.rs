//! Working together day to day: one's notifications, the staff directory of the district and
//! one's worklist for the start of a working day.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkke_domain::allocation::AllocationStatus;
use hamkke_domain::authz::Actor;
use hamkke_domain::case::{Case, Status};
use hamkke_domain::meeting::MeetingStatus;
use hamkke_domain::person::PersonView;
use hamkke_domain::user::Role;
use hamkke_domain::DomainError;
use serde_json::{json, Value};
use uuid::Uuid;

use super::access;
use super::page::{Page, PageRequest};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::error::RepoResult;
use crate::lists::in_ids;
use crate::schema::{
    action_items, allocations, case_assessments, case_assignments, meeting_participants, meetings,
    notifications, organizations, persons, referrals, users,
};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::Rx;

/// One notification.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub title_ko: String,
    pub title_en: String,
    pub data: Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

type NotificationRow = (
    DbUuid,
    DbUuid,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

fn notification(r: NotificationRow) -> Notification {
    Notification {
        id: r.0 .0,
        event_id: r.1 .0,
        event_type: r.2,
        title_ko: r.3,
        title_en: r.4,
        data: serde_json::from_str(&r.5).unwrap_or(Value::Null),
        created_at: from_db(r.6),
        read_at: r.7.map(from_db),
    }
}

macro_rules! notification_columns {
    () => {
        (
            notifications::id,
            notifications::event_id,
            notifications::event_type,
            notifications::title_ko,
            notifications::title_en,
            notifications::data,
            notifications::created_at,
            notifications::read_at,
        )
    };
}

/// The actor's notifications, newest first (`after` continues below an id).
pub fn notifications(
    conn: &mut DbConn,
    actor: &Actor,
    unread_only: bool,
    page: PageRequest,
) -> RepoResult<Page<Notification>> {
    let mut q = notifications::table
        .filter(notifications::user_id.eq(DbUuid(actor.user_id)))
        .order(notifications::id.desc())
        .limit(page.limit + 1)
        .select(notification_columns!())
        .into_boxed();
    if unread_only {
        q = q.filter(notifications::read_at.is_null());
    }
    if let Some(before) = page.after {
        q = q.filter(notifications::id.lt(DbUuid(before)));
    }
    let rows: Vec<NotificationRow> = q.load(conn)?;
    Ok(Page::from_overfetch(
        rows.into_iter().map(notification).collect(),
        page.limit,
        |n| n.id,
    ))
}

/// Marks one of the actor's notifications read (another user's does not exist).
pub fn mark_read(conn: &mut DbConn, actor: &Actor, id: Uuid) -> RepoResult<Notification> {
    let mine = notifications::table
        .find(DbUuid(id))
        .filter(notifications::user_id.eq(DbUuid(actor.user_id)));
    diesel::update(mine.filter(notifications::read_at.is_null()))
        .set(notifications::read_at.eq(Some(to_db(crate::now()))))
        .execute(conn)?;
    let row: NotificationRow = mine.select(notification_columns!()).first(conn)?;
    Ok(notification(row))
}

/// Marks all the actor's notifications read; returns how many were unread.
pub fn mark_all_read(conn: &mut DbConn, actor: &Actor) -> RepoResult<usize> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(DbUuid(actor.user_id)))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(to_db(crate::now()))))
    .execute(conn)?)
}

/// A colleague as the directory shows them: no login data.
#[derive(Debug, Clone)]
pub struct StaffEntry {
    pub user_id: Uuid,
    pub display_name: String,
    pub org_id: Uuid,
    pub org_name: String,
    pub role: Role,
    pub work_phone: Option<String>,
    pub work_email: Option<String>,
}

/// Filters of the directory.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    pub org_id: Option<Uuid>,
    pub q: Option<String>,
    pub role: Option<Role>,
}

/// The active staff of the organizations of the actor's district and of organizations that
/// share a case with the actor's (`authz::in_directory`), so partners can be invited by id.
pub fn directory(
    conn: &mut DbConn,
    actor: &Actor,
    f: &DirectoryFilter,
    page: PageRequest,
) -> RepoResult<Page<StaffEntry>> {
    // The organizations the directory shows (a district's few dozen and its partners).
    let listed: Vec<DbUuid> = organizations::table
        .filter(scope::directory(actor))
        .select(organizations::id)
        .load(conn)?;
    if let Some(o) = f.org_id {
        if !listed.contains(&DbUuid(o)) {
            return Err(DomainError::unknown("org_id").into());
        }
    }
    let mut q = users::table
        .inner_join(organizations::table)
        .filter(users::active.eq(true))
        .filter(organizations::active.eq(true))
        .filter(in_ids(users::org_id, listed))
        .filter(users::role.ne(Role::SystemAdmin.as_str()))
        .order(users::id.asc())
        .limit(page.limit + 1)
        .select((
            users::id,
            users::display_name,
            organizations::id,
            organizations::name,
            users::role,
            users::work_phone,
            users::work_email,
        ))
        .into_boxed();
    if let Some(o) = f.org_id {
        q = q.filter(users::org_id.eq(DbUuid(o)));
    }
    if let Some(r) = f.role {
        q = q.filter(users::role.eq(r.as_str()));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.replace(['%', '_', '\\'], ""));
        q = q.filter(users::display_name.like(pattern));
    }
    if let Some(after) = page.after {
        q = q.filter(users::id.gt(DbUuid(after)));
    }
    type Row = (
        DbUuid,
        String,
        DbUuid,
        String,
        String,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = q.load(conn)?;
    let items = rows
        .into_iter()
        .map(|(u, name, o, oname, role, phone, email)| {
            Ok(StaffEntry {
                user_id: u.0,
                display_name: name,
                org_id: o.0,
                org_name: oname,
                role: Role::parse(&role).ok_or_else(|| crate::error::corrupt("users.role"))?,
                work_phone: phone,
                work_email: email,
            })
        })
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit, |s| s.user_id))
}

/// A case on the worklist, with the person as the actor may see them.
#[derive(Debug, Clone)]
pub struct WorkCase {
    pub case: Case,
    pub person: PersonView,
}

/// An open action item on the worklist.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub id: Uuid,
    pub case_id: Uuid,
    pub meeting_id: Uuid,
    pub description: String,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// A referral to the actor's organization awaiting an answer.
#[derive(Debug, Clone)]
pub struct WorkReferral {
    pub id: Uuid,
    pub case_id: Uuid,
    pub from_org_id: Uuid,
    pub reason: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A referral of the actor's organization that the receiver declined lately: the case goes on
/// with us, and the reason says what to do next.
#[derive(Debug, Clone)]
pub struct WorkDeclined {
    pub id: Uuid,
    pub case_id: Uuid,
    pub case_no: String,
    pub to_org_id: Uuid,
    pub to_org_name: String,
    pub reason: String,
    /// The receiver's reason for declining.
    pub declined_reason: Option<String>,
    pub declined_at: chrono::DateTime<chrono::Utc>,
}

/// How long a declined referral stays on the sender's worklist.
const DECLINED_SHOWN_DAYS: i64 = 14;

/// A meeting the actor attends soon.
#[derive(Debug, Clone)]
pub struct WorkMeeting {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub scheduled_at: chrono::DateTime<chrono::Utc>,
    pub host_org_id: Uuid,
}

/// An override awaiting a coordinator.
#[derive(Debug, Clone)]
pub struct WorkOverride {
    pub allocation_id: Uuid,
    pub provider_org_id: Uuid,
    pub granted_on: NaiveDate,
    pub override_reason: Option<String>,
}

/// A case of which my organization no longer sees the person's details: a consent was
/// withdrawn (within the last 14 days).
#[derive(Debug, Clone)]
pub struct WorkAccessLost {
    pub case_id: Uuid,
    pub case_no: String,
    pub since: chrono::DateTime<chrono::Utc>,
}

/// A case of mine whose plan review (점검) or first assessment (사정) is due.
#[derive(Debug, Clone)]
pub struct WorkDue {
    pub case_id: Uuid,
    pub case_no: String,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// Everything for the start of a working day.
#[derive(Debug, Clone)]
pub struct Worklist {
    /// My open cases whose review date has come or passed (or comes within 7 days).
    pub reviews_due: Vec<WorkDue>,
    /// My cases in intake or assessment without an assessment, due within 7 days or overdue.
    pub assessments_due: Vec<WorkDue>,
    pub cases: Vec<WorkCase>,
    pub action_items: Vec<WorkItem>,
    pub incoming_referrals: Vec<WorkReferral>,
    /// My organization's referrals declined within the last 14 days.
    pub declined_referrals: Vec<WorkDeclined>,
    /// Cases whose person's details my organization lost by a withdrawn consent (14 days).
    pub access_lost: Vec<WorkAccessLost>,
    pub meetings: Vec<WorkMeeting>,
    pub overrides: Vec<WorkOverride>,
    /// Planned joint visits I make or join within 14 days (or overdue).
    pub visits: Vec<super::visits::Visit>,
    /// My campaign nominations returned within 14 days and not nominated again.
    pub returned_nominations: Vec<super::campaigns::Nomination>,
    /// Consents my organization recorded for itself that wait for their signed form.
    pub consents_awaiting_form: Vec<hamkke_domain::consent::Consent>,
}

/// How many of each list a worklist shows at most (the counts are of what is shown).
const WORKLIST_LIMIT: i64 = 200;

/// The actor's worklist; reading it is audited once.
pub fn worklist(
    rx: &mut Rx<'_>,
    today: NaiveDate,
    first_assessment_days: u32,
) -> RepoResult<Worklist> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let open: Vec<&str> = Status::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        let case_ids: Vec<DbUuid> = case_assignments::table
            .filter(case_assignments::user_id.eq(DbUuid(actor.user_id)))
            .filter(case_assignments::ended_at.is_null())
            .select(case_assignments::case_id)
            .load(rx.conn())?;
        let mine: Vec<Case> =
            super::cases::load_many(rx.conn(), &case_ids.iter().map(|c| c.0).collect::<Vec<_>>())?
                .into_values()
                .filter(|c| open.contains(&c.status.as_str()))
                .collect();
        let mut mine = mine;
        mine.sort_by_key(|c| c.id);
        mine.truncate(WORKLIST_LIMIT as usize);
        let horizon = today + Duration::days(7);
        let mut reviews_due: Vec<WorkDue> = mine
            .iter()
            .filter(|c| c.status.counts_as_open())
            .filter_map(|c| {
                c.next_review_on.filter(|d| *d <= horizon).map(|d| WorkDue {
                    case_id: c.id,
                    case_no: c.case_no.clone(),
                    due_on: d,
                    overdue: d < today,
                })
            })
            .collect();
        reviews_due.sort_by_key(|d| d.due_on);
        let waiting: Vec<&Case> = mine
            .iter()
            .filter(|c| matches!(c.status, Status::Intake | Status::Assessing))
            .filter(|c| c.intake_on.is_some())
            .collect();
        let assessed: Vec<DbUuid> = if waiting.is_empty() {
            Vec::new()
        } else {
            case_assessments::table
                .filter(in_ids(
                    case_assessments::case_id,
                    waiting.iter().map(|c| DbUuid(c.id)).collect::<Vec<_>>(),
                ))
                .select(case_assessments::case_id)
                .distinct()
                .load(rx.conn())?
        };
        let mut assessments_due: Vec<WorkDue> = waiting
            .into_iter()
            .filter(|c| !assessed.contains(&DbUuid(c.id)))
            .filter_map(|c| {
                let due = c.intake_on? + Duration::days(first_assessment_days.into());
                (due <= horizon).then(|| WorkDue {
                    case_id: c.id,
                    case_no: c.case_no.clone(),
                    due_on: due,
                    overdue: due < today,
                })
            })
            .collect();
        assessments_due.sort_by_key(|d| d.due_on);
        let people = {
            let ids: Vec<DbUuid> = mine.iter().map(|c| DbUuid(c.person_id)).collect();
            let rows = persons::table
                .filter(in_ids(persons::id, ids))
                .select(super::rows::PersonRow::as_select())
                .load(rx.conn())?
                .into_iter()
                .map(hamkke_domain::person::Person::try_from)
                .collect::<RepoResult<Vec<_>>>()?;
            access::views(rx.conn(), actor, rows)?
        };
        let person_of = |id: Uuid| {
            people.iter().find(|v| match v {
                PersonView::Full(p) => p.id == id,
                PersonView::Redacted { id: r, .. } => *r == id,
            })
        };
        let cases: Vec<WorkCase> = mine
            .into_iter()
            .filter_map(|c| {
                person_of(c.person_id).map(|p| WorkCase {
                    person: p.clone(),
                    case: c,
                })
            })
            .collect();
        let items: Vec<WorkItem> = action_items::table
            .filter(action_items::assignee_user_id.eq(DbUuid(actor.user_id)))
            .filter(action_items::completed_at.is_null())
            .filter(action_items::due_on.le(today + Duration::days(7)))
            .order(action_items::due_on.asc())
            .limit(WORKLIST_LIMIT)
            .select((
                action_items::id,
                action_items::case_id,
                action_items::meeting_id,
                action_items::description,
                action_items::due_on,
            ))
            .load::<(DbUuid, DbUuid, DbUuid, String, NaiveDate)>(rx.conn())?
            .into_iter()
            .map(|(id, case, meeting, description, due_on)| WorkItem {
                id: id.0,
                case_id: case.0,
                meeting_id: meeting.0,
                description,
                due_on,
                overdue: due_on < today,
            })
            .collect();
        let incoming = referrals::table
            .filter(scope::incoming_referrals(actor))
            .filter(referrals::status.eq("sent"))
            .order(referrals::id.asc())
            .limit(WORKLIST_LIMIT)
            .select((
                referrals::id,
                referrals::case_id,
                referrals::from_org_id,
                referrals::reason,
                referrals::created_at,
            ))
            .load::<(DbUuid, DbUuid, DbUuid, String, NaiveDateTime)>(rx.conn())?
            .into_iter()
            .map(|(id, case, from, reason, at)| WorkReferral {
                id: id.0,
                case_id: case.0,
                from_org_id: from.0,
                reason,
                created_at: from_db(at),
            })
            .collect();
        let now = crate::now();
        // What my organization was told it lost (`consent.access_lost`, to me): the cases it
        // names, as long as my organization still takes part in them.
        let lost: Vec<(String, NaiveDateTime)> = notifications::table
            .filter(notifications::user_id.eq(DbUuid(actor.user_id)))
            .filter(notifications::event_type.eq("consent.access_lost"))
            .filter(notifications::created_at.ge(to_db(now - Duration::days(DECLINED_SHOWN_DAYS))))
            .order(notifications::created_at.desc())
            .limit(WORKLIST_LIMIT)
            .select((notifications::data, notifications::created_at))
            .load(rx.conn())?;
        // The cases each notice names (newest notice first), then their numbers in one query.
        let mut named: Vec<(Uuid, NaiveDateTime)> = Vec::new();
        for (data, at) in lost {
            let ids = serde_json::from_str::<serde_json::Value>(&data)
                .ok()
                .and_then(|d| d["case_ids"].as_array().cloned())
                .unwrap_or_default();
            for id in ids.iter().filter_map(|c| c.as_str()?.parse::<Uuid>().ok()) {
                if !named.iter().any(|(c, _)| *c == id) {
                    named.push((id, at));
                }
            }
        }
        let mut q = crate::schema::cases::table
            .filter(in_ids(
                crate::schema::cases::id,
                named.iter().map(|(c, _)| DbUuid(*c)).collect::<Vec<_>>(),
            ))
            .select((crate::schema::cases::id, crate::schema::cases::case_no))
            .into_boxed();
        q = q.filter(scope::cases(actor));
        let numbers: std::collections::HashMap<Uuid, String> = q
            .load::<(DbUuid, String)>(rx.conn())?
            .into_iter()
            .map(|(c, no)| (c.0, no))
            .collect();
        let access_lost: Vec<WorkAccessLost> = named
            .into_iter()
            .filter_map(|(case_id, at)| {
                Some(WorkAccessLost {
                    case_id,
                    case_no: numbers.get(&case_id)?.clone(),
                    since: from_db(at),
                })
            })
            .collect();
        let declined = referrals::table
            .inner_join(crate::schema::cases::table)
            .inner_join(organizations::table.on(organizations::id.eq(referrals::to_org_id)))
            .filter(scope::outgoing_referrals(actor))
            .filter(referrals::status.eq("declined"))
            .filter(referrals::updated_at.ge(to_db(now - Duration::days(DECLINED_SHOWN_DAYS))))
            .order(referrals::updated_at.desc())
            .limit(WORKLIST_LIMIT)
            .select((
                referrals::id,
                referrals::case_id,
                crate::schema::cases::case_no,
                referrals::to_org_id,
                organizations::name,
                referrals::reason,
                referrals::response_note,
                referrals::updated_at,
            ))
            .load::<(
                DbUuid,
                DbUuid,
                String,
                DbUuid,
                String,
                String,
                Option<String>,
                NaiveDateTime,
            )>(rx.conn())?
            .into_iter()
            .map(
                |(id, case, case_no, to, to_name, reason, note, at)| WorkDeclined {
                    id: id.0,
                    case_id: case.0,
                    case_no,
                    to_org_id: to.0,
                    to_org_name: to_name,
                    reason,
                    declined_reason: note,
                    declined_at: from_db(at),
                },
            )
            .collect();
        let soon = meetings::table
            .filter(meetings::status.eq(MeetingStatus::Scheduled.as_str()))
            .filter(meetings::scheduled_at.ge(to_db(now)))
            .filter(meetings::scheduled_at.le(to_db(now + Duration::days(14))))
            .filter(
                meetings::id.eq_any(
                    meeting_participants::table
                        .filter(meeting_participants::user_id.eq(DbUuid(actor.user_id)))
                        .select(meeting_participants::meeting_id),
                ),
            )
            .order(meetings::scheduled_at.asc())
            .limit(WORKLIST_LIMIT)
            .select((
                meetings::id,
                meetings::title,
                meetings::kind,
                meetings::scheduled_at,
                meetings::host_org_id,
            ))
            .load::<(DbUuid, String, String, NaiveDateTime, DbUuid)>(rx.conn())?
            .into_iter()
            .map(|(id, title, kind, at, host)| WorkMeeting {
                id: id.0,
                title,
                kind,
                scheduled_at: from_db(at),
                host_org_id: host.0,
            })
            .collect();
        let overrides = if actor.role == Role::Coordinator {
            allocations::table
                .filter(scope::ledger(actor))
                .filter(allocations::status.eq(AllocationStatus::PendingOverride.as_str()))
                .filter(allocations::requested_by.ne(DbUuid(actor.user_id)))
                .order(allocations::id.asc())
                .limit(WORKLIST_LIMIT)
                .select((
                    allocations::id,
                    allocations::provider_org_id,
                    allocations::granted_on,
                    allocations::override_reason,
                ))
                .load::<(DbUuid, DbUuid, NaiveDate, Option<String>)>(rx.conn())?
                .into_iter()
                .map(|(id, org, on, reason)| WorkOverride {
                    allocation_id: id.0,
                    provider_org_id: org.0,
                    granted_on: on,
                    override_reason: reason,
                })
                .collect()
        } else {
            Vec::new()
        };
        let visits = super::visits::upcoming(rx.conn(), actor, now + Duration::days(14))?;
        let returned_nominations = super::campaigns::returned_to(
            rx.conn(),
            actor,
            now - Duration::days(14),
            WORKLIST_LIMIT,
        )?;
        let consents_awaiting_form =
            super::consents::awaiting_form(rx.conn(), actor, WORKLIST_LIMIT)?;
        let list = Worklist {
            reviews_due,
            assessments_due,
            cases,
            action_items: items,
            incoming_referrals: incoming,
            declined_referrals: declined,
            access_lost,
            meetings: soon,
            overrides,
            visits,
            returned_nominations,
            consents_awaiting_form,
        };
        let full = list
            .cases
            .iter()
            .filter(|c| matches!(c.person, PersonView::Full(_)))
            .count();
        audit::record(
            rx.conn(),
            ctx,
            AuditEntry::new(AuditAction::View, "worklist", None).with_details(json!({
                "cases": list.cases.len(),
                "full_views": full,
                "action_items": list.action_items.len(),
                "incoming_referrals": list.incoming_referrals.len(),
                "declined_referrals": list.declined_referrals.len(),
                "meetings": list.meetings.len(),
                "overrides": list.overrides.len(),
                "visits": list.visits.len(),
                "returned_nominations": list.returned_nominations.len(),
                "consents_awaiting_form": list.consents_awaiting_form.len(),
                "reviews_due": list.reviews_due.len(),
                "assessments_due": list.assessments_due.len(),
            })),
        )?;
        Ok(list)
    })
}
