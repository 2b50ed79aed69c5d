//! A meeting's agenda and decisions (사정회의 결정): a requested case put on the agenda,
//! recording one decision per agenda case, and finalizing the meeting — every decision applied
//! to its case in one unit of work. The meeting's own rows are written by `repo::meetings`
//! (an agenda request's by `repo::agenda`); the cases, referrals and organizations a decision
//! reaches, by theirs.

use hamkke_domain::authz::{self, MeetingFacts};
use hamkke_domain::case::Closing;
use hamkke_domain::meeting::{AgendaRequest, Decision, DecisionRecord, Meeting, ReferralKind};
use hamkke_domain::org::OrgKind;
use hamkke_domain::DomainError;
use serde_json::json;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::repo::agenda;
use crate::repo::cases::{self, CaseDetail};
use crate::repo::meetings::{self, MeetingDetail};
use crate::repo::{orgs, referrals};
use crate::uow::Tx;
use hamkke_domain::event::DomainEvent;

/// Records (or replaces) the decision for one agenda case.
pub fn decide(tx: &mut Tx<'_>, id: Uuid, d: DecisionRecord) -> RepoResult<MeetingDetail> {
    let actor = tx.actor();
    let meeting = meetings::chaired(tx.conn(), actor, id)?;
    if !meetings::agenda_ids(tx.conn(), id)?.contains(&d.case_id) {
        return Err(DomainError::invalid(
            "case_id",
            "not_on_agenda",
            "the case is not on this meeting's agenda",
        )
        .into());
    }
    check_decision_fields(&d)?;
    let case = cases::load(tx.conn(), d.case_id)?;
    let kind = meetings::host_kind(tx.conn(), &meeting)?;
    check_decision(tx.conn(), &meeting, kind, &case, &d)?;
    let participants = meetings::participants_of(tx.conn(), id)?;
    let mf = meetings::facts(&meeting, &participants);
    // Action items go to people who can see the case: staff of its organizations, or of
    // the organization the decision makes its lead.
    let case_orgs: Vec<Uuid> = case
        .participants
        .iter()
        .map(|p| p.org_id)
        .chain(d.lead_org_id)
        .collect();
    for (i, item) in d.action_items.iter().enumerate() {
        let field = format!("action_items[{i}].assignee_user_id");
        let org =
            meetings::meeting_user(tx.conn(), &mf, &case_orgs, &field, item.assignee_user_id)?;
        if !case_orgs.contains(&org) {
            return Err(DomainError::invalid(
                &field,
                "not_participant",
                "the user's organization does not take part in the case; add it first or make it the lead",
            )
            .into());
        }
    }
    meetings::store_decision(tx, id, &d)
}

/// Which fields each decision takes: a lead for `change_lead` (required) and
/// `select_integrated`, a receiving organization for `refer`, a type for `change_type`, a
/// closing reason for `close`; nothing else.
fn check_decision_fields(d: &DecisionRecord) -> RepoResult<()> {
    let field = |name: &str, given: bool, allowed: bool, required: bool, what: &str| {
        if given && !allowed {
            Err(DomainError::invalid(
                name,
                "not_allowed",
                format!("only {what} names {name}"),
            ))
        } else if !given && required {
            Err(DomainError::invalid(
                name,
                "required",
                format!("{} needs {name}", d.decision.as_str()),
            ))
        } else {
            Ok(())
        }
    };
    let is = |x: Decision| d.decision == x;
    field(
        "lead_org_id",
        d.lead_org_id.is_some(),
        is(Decision::SelectIntegrated) || is(Decision::ChangeLead),
        is(Decision::ChangeLead),
        "select_integrated or change_lead",
    )?;
    field(
        "refer_to_org_id",
        d.refer_to_org_id.is_some(),
        is(Decision::Refer),
        is(Decision::Refer),
        "a refer decision",
    )?;
    field(
        "case_type",
        d.case_type.is_some(),
        is(Decision::ChangeType),
        is(Decision::ChangeType),
        "a change_type decision",
    )?;
    field(
        "closing_reason",
        d.closing_reason.is_some(),
        is(Decision::Close),
        is(Decision::Close),
        "a close decision",
    )?;
    Ok(())
}

/// Whether the meeting may carry this decision on this case: the meeting decides on the case
/// (`authz::decide_on_case`, given the host organization's `kind`), and a new lead or a receiving organization is an active
/// organization of the case's district.
fn check_decision(
    conn: &mut DbConn,
    meeting: &Meeting,
    kind: OrgKind,
    case: &cases::CaseDetail,
    d: &DecisionRecord,
) -> RepoResult<()> {
    let mf = MeetingFacts {
        host_org_id: meeting.host_org_id,
        district_code: meeting.district_code.clone(),
        participant_orgs: Vec::new(),
    };
    authz::decide_on_case(kind, &mf, &case.facts(), d.decision)?;
    if let Some(lead) = d.lead_org_id {
        orgs::load_for_case(conn, &case.case.district_code, lead, "lead_org_id")?;
    }
    if let Some(to) = d.refer_to_org_id {
        orgs::load_for_case(conn, &case.case.district_code, to, "refer_to_org_id")?;
    }
    Ok(())
}

/// Finalizes a meeting: every agenda case must have a decision that is legal for its current
/// status, or nothing changes and the offending cases are listed. Otherwise every decision is
/// applied to its case, action items are created, and the meeting is held and frozen.
pub fn finalize(
    tx: &mut Tx<'_>,
    id: Uuid,
    minutes: &str,
    attendance: &[(Uuid, bool)],
) -> RepoResult<MeetingDetail> {
    let actor = tx.actor();
    let meeting = meetings::chaired(tx.conn(), actor, id)?;
    // Decisions are applied by a meeting that took place: from its day on (Korean time).
    let day = (meeting.scheduled_at + chrono::Duration::hours(9)).date_naive();
    if day > crate::today() {
        return Err(RepoError::conflict(
            "meeting_not_started",
            format!("the meeting is scheduled for {day}; it can be finalized from that day on"),
        ));
    }
    let invited: Vec<Uuid> = meetings::participants_of(tx.conn(), id)?
        .iter()
        .filter_map(|p| p.user_id)
        .collect();
    if let Some(i) = attendance.iter().position(|(u, _)| !invited.contains(u)) {
        return Err(DomainError::unknown(format!("attendance[{i}].user_id")).into());
    }
    let decisions = meetings::decisions_of(tx.conn(), id)?;
    let kind = meetings::host_kind(tx.conn(), &meeting)?;
    let mut problems = Vec::new();
    let mut plan = Vec::new();
    for case_id in meetings::agenda_ids(tx.conn(), id)? {
        let case = cases::load(tx.conn(), case_id)?;
        match decisions.iter().find(|d| d.case_id == case_id) {
            None => problems.push(json!({ "case_id": case_id, "problem": "no_decision" })),
            Some(d) if check_decision(tx.conn(), &meeting, kind, &case, d).is_err() => problems.push(json!({
                "case_id": case_id,
                "problem": "not_decidable",
                "decision": d.decision.as_str(),
            })),
            Some(d) if !d.decision.applies_to(case.case.status) => problems.push(json!({
                "case_id": case_id,
                "problem": "invalid_transition",
                "decision": d.decision.as_str(),
                "status": case.case.status.as_str(),
                "allowed": case.case.status.targets().iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            })),
            Some(d) => plan.push((case, d.clone())),
        }
    }
    if !problems.is_empty() {
        return Err(RepoError::Conflict {
            code: "finalize_blocked",
            detail: "some agenda cases have no decision or a decision their status does not allow; nothing was changed".into(),
            extensions: Some(json!({ "cases": problems })),
        });
    }
    meetings::record_attendance(tx.conn(), id, attendance, actor.user_id)?;
    for (case, d) in &plan {
        apply_decision(tx, &meeting, case, d)?;
        for item in &d.action_items {
            meetings::assign_action_item(tx, id, &case.case, item)?;
        }
    }
    meetings::mark_held(tx.conn(), id, minutes, actor.user_id)?;
    // Every organization of a decided case hears of it, new leads included.
    let decided: Vec<Uuid> = plan.iter().map(|(c, _)| c.case.id).collect();
    let partner_org_ids: Vec<Uuid> = cases::orgs_of_cases(tx.conn(), &decided)?
        .into_iter()
        .filter(|o| *o != actor.org_id)
        .collect();
    tx.record(
        DomainEvent::MeetingFinalized {
            meeting_id: id,
            host_org_id: meeting.host_org_id,
            decisions: plan.len(),
            invitee_user_ids: invited,
            partner_org_ids,
        },
        None,
    )?;
    meetings::detail_of(tx.conn(), actor, id)
}

/// Applies one decision to its case: its type, its lead, a referral, its status.
fn apply_decision(
    tx: &mut Tx<'_>,
    meeting: &Meeting,
    case: &CaseDetail,
    d: &DecisionRecord,
) -> RepoResult<()> {
    let effect = d.decision.effect();
    let c = &case.case;
    if let Some(t) = effect.case_type.or(d.case_type) {
        cases::set_type(tx.conn(), c.id, t)?;
    }
    if effect.changes_lead {
        let new_lead = d.lead_org_id.unwrap_or(c.lead_org_id);
        cases::move_lead(tx, case, new_lead, cases::LeadCause::Meeting(meeting.id))?;
    }
    if let Some(to) = d.refer_to_org_id {
        let reason = d
            .notes
            .clone()
            .unwrap_or_else(|| "회의 결정에 따른 의뢰 (referred by a meeting decision)".to_owned());
        referrals::send(
            tx,
            case,
            c.lead_org_id,
            &referrals::NewReferral {
                case_id: c.id,
                to_org_id: to,
                kind: ReferralKind::Lead,
                reason,
                requested_services: Vec::new(),
            },
        )?;
    }
    tx.record(
        DomainEvent::DecisionApplied {
            case_id: c.id,
            meeting_id: meeting.id,
            meeting_kind: meeting.kind.as_str(),
            decision: d.decision.as_str(),
            notes: d.notes.clone(),
            // (a recommendation to the lead: the host does not lead the case)
            recommendation: d.decision.is_recommendation() && c.lead_org_id != meeting.host_org_id,
        },
        Some(c.person_id),
    )?;
    match effect.status {
        Some(to) => cases::apply_status(
            tx,
            c,
            to,
            &cases::StatusChange {
                reason: Some(format!("{} decision", meeting.kind.as_str())),
                closing: d.closing_reason.map(|reason| Closing {
                    reason,
                    note: d.notes.clone(),
                    evaluation: d.notes.clone().unwrap_or_else(|| {
                        "사례회의 결정으로 종결 (closed by a meeting decision)".into()
                    }),
                }),
                follow_up_until: None,
            },
        ),
        None => cases::touch(tx.conn(), c.id),
    }
}

/// The host answers a request to put a case on the agenda: accepting puts the case on it (the
/// proposing organization works on the case, which is what lets it be discussed) and the
/// meeting's version moves; declining says why.
pub fn answer_request(
    tx: &mut Tx<'_>,
    id: Uuid,
    decline_reason: Option<String>,
) -> RepoResult<AgendaRequest> {
    let (request, meeting) = agenda::claim_answer(tx, id, decline_reason.as_deref())?;
    let accepted = decline_reason.is_none();
    if accepted {
        meetings::put_on_agenda(tx, &meeting, request.case_id)?;
        meetings::bump(tx.conn(), meeting.id)?;
    }
    agenda::record_answer(tx, &request, accepted)
}
