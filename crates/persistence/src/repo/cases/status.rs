//! A case's status: moves by the status machine (the lead's, a meeting's), and follow-ups
//! (사후관리) that end by themselves.

use super::*;
use crate::lists::in_texts;

/// What a status change carries besides its target.
#[derive(Debug, Clone, Default)]
pub struct StatusChange {
    pub reason: Option<String>,
    /// Required on a move to `closed` (but from follow-up, which closed already).
    pub closing: Option<Closing>,
    /// The end of follow-up, on a move to `follow_up` (default three months).
    pub follow_up_until: Option<NaiveDate>,
}

/// Moves a case to another status, if the status machine allows it and the actor may.
pub fn transition(
    tx: &mut Tx<'_>,
    id: Uuid,
    to: Status,
    change: StatusChange,
) -> RepoResult<CaseDetail> {
    let actor = tx.actor();
    if let Some(c) = &change.closing {
        c.check()?;
    }
    let current = load(tx.conn(), id)?;
    let facts = current.facts();
    if Status::needs_lead(to) || to == Status::FollowUp {
        authz::lead_case(actor, &facts)?;
    } else {
        authz::work_on_case(actor, &facts)?;
    }
    // A target a few passable steps away is reached in one call, each step on the
    // timeline (발굴 → 사정 records 초기상담 on the way); follow-up from an open case closes
    // it on the way.
    let from = current.case.status;
    let steps = if to == Status::FollowUp && from != Status::Closed && from.is_open() {
        let mut steps = rules::path(from, Status::Closed).map_err(invalid_transition)?;
        steps.push(Status::FollowUp);
        steps
    } else {
        rules::path(from, to).map_err(invalid_transition)?
    };
    if to == Status::ReferredOut {
        // Handed over only to an organization that said yes: an accepted (or completed)
        // referral of the case. (Referrals never leave those statuses: no race.)
        let accepted: bool = diesel::select(diesel::dsl::exists(
            crate::schema::referrals::table
                .filter(crate::schema::referrals::case_id.eq(DbUuid(id)))
                .filter(in_texts(
                    crate::schema::referrals::status,
                    ["accepted", "completed"],
                )),
        ))
        .get_result(tx.conn())?;
        if !accepted {
            return Err(RepoError::conflict(
                "referral_not_accepted",
                "a case is referred out once an organization has accepted its referral; send one (POST /referrals) and wait for the answer",
            ));
        }
    }
    let mut case = current.case.clone();
    for step in steps {
        let step_change = StatusChange {
            reason: if step == to {
                change.reason.clone()
            } else {
                None
            },
            ..change.clone()
        };
        apply_status(tx, &case, step, &step_change)?;
        case.status = step;
    }
    load_with_latest(tx.conn(), id)
}

/// 409 `invalid_transition`, naming the targets that are reachable.
pub(super) fn invalid_transition(e: rules::InvalidTransition) -> RepoError {
    RepoError::Conflict {
        code: "invalid_transition",
        detail: format!(
            "a {} case cannot move to {}",
            e.from.as_str(),
            e.to.as_str()
        ),
        extensions: Some(
            json!({ "allowed": e.allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>() }),
        ),
    }
}

/// Checks and writes a status change and records it (no permission check: callers decide
/// who may, e.g. a finalized meeting). Entering intake starts the first assessment's clock;
/// closing needs a reason and an evaluation; follow-up gets its end and check dates;
/// reopening clears the closing.
pub fn apply_status(
    tx: &mut Tx<'_>,
    case: &Case,
    to: Status,
    change: &StatusChange,
) -> RepoResult<()> {
    rules::check_transition(case.status, to).map_err(invalid_transition)?;
    if to.counts_as_open() && !case.status.counts_as_open() {
        // Reopening: the one-open-case rule holds for it as for a new case.
        let members = members_of(tx.conn(), case)?;
        let actor = tx.actor();
        crate::guard::lock_persons(tx.conn(), actor, &members)?;
        if let Some((person_id, other, lead)) = open_case_of(tx.conn(), &members, Some(case.id))? {
            return Err(RepoError::Conflict {
                code: "open_case_exists",
                detail: "a person of this case has another open case; close it or work in it instead of reopening this one".into(),
                extensions: Some(json!({ "lead_org_id": lead, "person_id": person_id, "case_id": other })),
            });
        }
    }
    let today = crate::today();
    let closing = match to {
        Status::Closed if case.status != Status::FollowUp => {
            Some(change.closing.clone().ok_or_else(|| {
                DomainError::invalid(
                    "closing_reason",
                    "required",
                    "closing a case needs closing_reason and evaluation",
                )
            })?)
        }
        _ => None,
    };
    let follow_up = match to {
        Status::FollowUp => Some(rules::follow_up_schedule(today, change.follow_up_until)?),
        _ => None,
    };
    let target = cases::table.find(DbUuid(case.id));
    // Decided by the row: of two requests that move the case from the same status, the
    // second finds it moved (409) and records nothing.
    let moved = diesel::update(target.filter(cases::status.eq(case.status.as_str())))
        .set((
            cases::status.eq(to.as_str()),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(to_db(crate::now())),
        ))
        .execute(tx.conn())?;
    crate::guard::claimed(
        moved,
        "already_changed",
        "another request changed this case's status first; reload it",
    )?;
    match to {
        Status::Intake if case.intake_on.is_none() => {
            diesel::update(target)
                .set(cases::intake_on.eq(Some(today)))
                .execute(tx.conn())?;
        }
        Status::Closed => {
            if let Some(c) = &closing {
                diesel::update(target)
                    .set((
                        cases::closing_reason.eq(Some(c.reason.as_str())),
                        cases::closing_note.eq(c.note.as_deref()),
                        cases::closing_evaluation.eq(Some(c.evaluation.as_str())),
                        cases::closed_on.eq(Some(today)),
                        cases::next_review_on.eq(None::<NaiveDate>),
                    ))
                    .execute(tx.conn())?;
            }
            diesel::update(target)
                .set((
                    cases::follow_up_until.eq(None::<NaiveDate>),
                    cases::follow_up_checks.eq("[]"),
                ))
                .execute(tx.conn())?;
        }
        Status::FollowUp => {
            let (until, checks) = follow_up.clone().unwrap_or_default();
            diesel::update(target)
                .set((
                    cases::follow_up_until.eq(Some(until)),
                    cases::follow_up_checks
                        .eq(serde_json::to_string(&checks).unwrap_or_else(|_| "[]".into())),
                ))
                .execute(tx.conn())?;
        }
        Status::Reopened => {
            diesel::update(target)
                .set((
                    cases::closing_reason.eq(None::<String>),
                    cases::closing_note.eq(None::<String>),
                    cases::closing_evaluation.eq(None::<String>),
                    cases::closed_on.eq(None::<NaiveDate>),
                    cases::follow_up_until.eq(None::<NaiveDate>),
                    cases::follow_up_checks.eq("[]"),
                ))
                .execute(tx.conn())?;
        }
        _ => {}
    }
    tx.record(
        DomainEvent::CaseStatusChanged {
            case_id: case.id,
            from: case.status,
            to,
            reason: change
                .reason
                .clone()
                .or_else(|| closing.as_ref().and_then(|c| c.note.clone())),
            closing_reason: closing.map(|c| c.reason),
        },
        Some(case.person_id),
    )?;
    Ok(())
}

/// Ends every follow-up whose period is over (사후관리 ends by itself): the case moves to
/// `closed`, its timeline says so. Returns how many ended.
pub fn end_follow_ups(conn: &mut DbConn, today: NaiveDate) -> RepoResult<usize> {
    crate::uow::system(conn, "follow_ups", |conn| {
        let due: Vec<(DbUuid, String, DbUuid, DbUuid)> = cases::table
            .filter(cases::status.eq(Status::FollowUp.as_str()))
            .filter(cases::follow_up_until.lt(today))
            .select((
                cases::id,
                cases::district_code,
                cases::lead_org_id,
                cases::person_id,
            ))
            .load(conn)?;
        let now = to_db(crate::now());
        for (id, district, lead, person) in &due {
            let ended = diesel::update(
                cases::table
                    .find(*id)
                    .filter(cases::status.eq(Status::FollowUp.as_str())),
            )
            .set((
                cases::status.eq(Status::Closed.as_str()),
                cases::version.eq(cases::version + 1),
                cases::updated_at.eq(now),
            ))
            .execute(conn)?;
            if ended == 1 {
                crate::uow::system_event(
                    conn,
                    &AuditCtx::job("follow_ups"),
                    district,
                    DomainEvent::FollowUpEnded {
                        case_id: id.0,
                        lead_org_id: lead.0,
                    },
                    Some(person.0),
                )?;
            }
        }
        Ok(due.len())
    })
}
