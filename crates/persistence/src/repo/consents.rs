//! Consents (정보제공동의): recorded, listed, withdrawn. A withdrawn or expired consent stops
//! granting access on the very next request, because access is computed per request.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hamkke_domain::authz::{self, Actor};
use hamkke_domain::consent::{Consent, ConsentScope};
use hamkke_domain::event::DomainEvent;
use hamkke_domain::event::{Change, Record, RecordChange};
use hamkke_domain::DomainError;
use uuid::Uuid;

use super::persons;
use crate::audit::{self, AuditAction, AuditEntry};
use crate::conn::DbConn;
use crate::error::corrupt;
use crate::error::{RepoError, RepoResult};
use crate::lists::in_ids;
use crate::schema::{consent_organizations, consents, organizations};
use crate::scope;
use crate::types::{from_db, to_db, DbUuid};
use crate::uow::{Rx, Tx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = consents)]
struct ConsentRow {
    id: DbUuid,
    person_id: DbUuid,
    purpose: String,
    scope: String,
    granted_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    withdrawn_at: Option<NaiveDateTime>,
    evidence_ref: Option<String>,
    recorded_by: DbUuid,
    recorded_by_org_id: DbUuid,
    self_recorded: bool,
    revoked_reason: Option<String>,
    form_attached_at: Option<NaiveDateTime>,
}

fn to_consent(r: ConsentRow, orgs: Vec<Uuid>) -> RepoResult<Consent> {
    Ok(Consent {
        id: r.id.0,
        person_id: r.person_id.0,
        purpose: r.purpose,
        scope: ConsentScope::parse(&r.scope).ok_or_else(|| corrupt("consents.scope"))?,
        organization_ids: orgs,
        granted_at: from_db(r.granted_at),
        expires_at: from_db(r.expires_at),
        withdrawn_at: r.withdrawn_at.map(from_db),
        evidence_ref: r.evidence_ref,
        recorded_by: r.recorded_by.0,
        recorded_by_org_id: r.recorded_by_org_id.0,
        self_recorded: r.self_recorded,
        revoked_reason: r.revoked_reason,
        form_attached_at: r.form_attached_at.map(from_db),
    })
}

fn orgs_of(conn: &mut DbConn, consent_ids: &[Uuid]) -> RepoResult<Vec<(Uuid, Uuid)>> {
    Ok(consent_organizations::table
        .filter(in_ids(
            consent_organizations::consent_id,
            consent_ids.iter().copied().map(DbUuid).collect::<Vec<_>>(),
        ))
        .select((
            consent_organizations::consent_id,
            consent_organizations::org_id,
        ))
        .load::<(DbUuid, DbUuid)>(conn)?
        .into_iter()
        .map(|(c, o)| (c.0, o.0))
        .collect())
}

fn with_orgs(conn: &mut DbConn, rows: Vec<ConsentRow>) -> RepoResult<Vec<Consent>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let links = orgs_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let orgs = links
                .iter()
                .filter(|(c, _)| *c == r.id.0)
                .map(|(_, o)| *o)
                .collect();
            to_consent(r, orgs)
        })
        .collect()
}

/// A validated consent to record.
#[derive(Debug, Clone)]
pub struct NewConsent {
    pub purpose: String,
    pub scope: ConsentScope,
    pub organization_ids: Vec<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub evidence_ref: Option<String>,
}

/// Records a consent for a person.
pub fn create(tx: &mut Tx<'_>, person_id: Uuid, new: NewConsent) -> RepoResult<Consent> {
    let actor = tx.actor();
    let (person, access) = persons::access_facts(tx.conn(), actor, person_id)?;
    authz::record_consent(actor, &access)?;
    crate::guard::lock_persons(tx.conn(), actor, &[person_id])?;
    let now = crate::now();
    if new.expires_at <= now {
        return Err(
            DomainError::invalid("expires_at", "out_of_range", "must be in the future").into(),
        );
    }
    match new.scope {
        ConsentScope::Organizations if new.organization_ids.is_empty() => {
            return Err(DomainError::invalid(
                "organization_ids",
                "required",
                "name at least one organization",
            )
            .into())
        }
        ConsentScope::CaseParticipants if !new.organization_ids.is_empty() => {
            return Err(DomainError::invalid(
                "organization_ids",
                "not_allowed",
                "a case_participants consent names no organizations",
            )
            .into())
        }
        _ => {}
    }
    // A consent may name only organizations of the person's district. One for the
    // participants of the person's cases names those taking part now: an organization
    // that joins later (a referral, a new co-manager) is not covered by it.
    let mut wanted: Vec<DbUuid> = if new.scope == ConsentScope::CaseParticipants {
        use crate::schema::{case_members, case_participants};
        case_members::table
            .inner_join(
                case_participants::table.on(case_participants::case_id.eq(case_members::case_id)),
            )
            .filter(case_members::person_id.eq(DbUuid(person_id)))
            .select(case_participants::org_id)
            .distinct()
            .load(tx.conn())?
    } else {
        new.organization_ids.iter().copied().map(DbUuid).collect()
    };
    wanted.sort_by_key(|d| d.0);
    wanted.dedup();
    let found: i64 = organizations::table
        .filter(in_ids(organizations::id, wanted.iter().copied()))
        .filter(organizations::district_code.eq(&person.district_code))
        .count()
        .get_result(tx.conn())?;
    if found != wanted.len() as i64 {
        return Err(DomainError::unknown("organization_ids").into());
    }
    // A consent that opens the person's details to the organization recording it is in
    // force only once its signed form is attached (`attachments::add`, kind
    // `consent_form`), and goes to the registering organization's and the coordinators'
    // review.
    let names: Vec<Uuid> = wanted.iter().map(|o| o.0).collect();
    let self_recorded = authz::grants_itself(actor, &access, &names);
    let id = Uuid::now_v7();
    diesel::insert_into(consents::table)
        .values((
            consents::id.eq(DbUuid(id)),
            consents::person_id.eq(DbUuid(person_id)),
            consents::purpose.eq(&new.purpose),
            consents::scope.eq(new.scope.as_str()),
            consents::granted_at.eq(to_db(now)),
            consents::expires_at.eq(to_db(new.expires_at)),
            consents::evidence_ref.eq(&new.evidence_ref),
            consents::recorded_by.eq(DbUuid(actor.user_id)),
            consents::recorded_by_org_id.eq(DbUuid(actor.org_id)),
            consents::self_recorded.eq(self_recorded),
        ))
        .execute(tx.conn())?;
    for org in &wanted {
        diesel::insert_into(consent_organizations::table)
            .values((
                consent_organizations::consent_id.eq(DbUuid(id)),
                consent_organizations::org_id.eq(org),
            ))
            .execute(tx.conn())?;
    }
    if self_recorded {
        tx.record(
            DomainEvent::ConsentSelfRecorded {
                consent_id: id,
                person_id,
                recorded_by_org_id: actor.org_id,
                registered_by_org_id: person.registered_by_org_id,
                district_code: person.district_code.clone(),
            },
            Some(person_id),
        )?;
    } else {
        tx.record(
            RecordChange::new(Record::Consent, Change::Created, id).into(),
            Some(person_id),
        )?;
    }
    load(tx.conn(), id)
}

pub(crate) fn load(conn: &mut DbConn, id: Uuid) -> RepoResult<Consent> {
    let row = consents::table
        .find(DbUuid(id))
        .select(ConsentRow::as_select())
        .first(conn)?;
    with_orgs(conn, vec![row])?.pop().ok_or(RepoError::NotFound)
}

/// Consents the caller's organization recorded for itself that wait for their signed form
/// (otherwise live: not withdrawn, not expired), newest first: on its worklist until the form
/// is attached.
pub(crate) fn awaiting_form(
    conn: &mut DbConn,
    actor: &Actor,
    limit: i64,
) -> RepoResult<Vec<Consent>> {
    let rows = consents::table
        .filter(scope::consents_recorded(actor))
        .filter(consents::self_recorded.eq(true))
        .filter(consents::form_attached_at.is_null())
        .filter(consents::withdrawn_at.is_null())
        .filter(consents::expires_at.gt(to_db(crate::now())))
        .order(consents::id.desc())
        .limit(limit)
        .select(ConsentRow::as_select())
        .load(conn)?;
    with_orgs(conn, rows)
}

/// The consents of a person (details rights needed).
pub fn list(rx: &mut Rx<'_>, person_id: Uuid) -> RepoResult<Vec<Consent>> {
    rx.consistent(|rx| {
        let actor = rx.actor();
        let ctx = rx.ctx();
        let (_, access) = persons::access_facts(rx.conn(), actor, person_id)?;
        if !access.in_district {
            return Err(DomainError::hidden("person of another district").into());
        }
        if !authz::person_details(&access) {
            return Err(DomainError::only(
                hamkke_domain::Who::ConsentedOrg,
                "the organization has no right to this person's details",
            )
            .into());
        }
        let rows = consents::table
            .filter(consents::person_id.eq(DbUuid(person_id)))
            .order(consents::id.asc())
            .select(ConsentRow::as_select())
            .load(rx.conn())?;
        let mut entry = AuditEntry::new(AuditAction::View, "consent", None);
        entry.person_id = Some(person_id);
        audit::record(rx.conn(), ctx, entry)?;
        with_orgs(rx.conn(), rows)
    })
}

/// Withdraws a consent; takes effect on the next request.
pub fn withdraw(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<Consent> {
    let actor = tx.actor();
    let consent = load(tx.conn(), id)?;
    let (_, access) = persons::access_facts(tx.conn(), actor, consent.person_id)?;
    if !access.in_district {
        return Err(DomainError::hidden("consent of a person of another district").into());
    }
    if consent.recorded_by_org_id != actor.org_id {
        if !authz::person_details(&access) {
            return Err(DomainError::hidden("consent of a person the caller cannot see").into());
        }
        authz::record_consent(actor, &access)?;
    }
    if consent.withdrawn_at.is_some() {
        return Err(RepoError::conflict(
            "already_withdrawn",
            "this consent was already withdrawn",
        ));
    }
    // Who sees the person's details through this consent now: those that will not after it.
    let district = persons::load(tx.conn(), consent.person_id)?.district_code;
    let seeing_before = seeing(
        tx.conn(),
        consent.person_id,
        &district,
        &consent.organization_ids,
    )?;
    let withdrawn = diesel::update(
        consents::table
            .find(DbUuid(id))
            .filter(consents::withdrawn_at.is_null()),
    )
    .set(consents::withdrawn_at.eq(Some(to_db(crate::now()))))
    .execute(tx.conn())?;
    crate::guard::claimed(
        withdrawn,
        "already_withdrawn",
        "this consent was already withdrawn",
    )?;
    tx.record(
        RecordChange::new(Record::Consent, Change::Removed, id)
            .details(serde_json::json!({ "withdrawn": true }))
            .into(),
        Some(consent.person_id),
    )?;
    let seeing_after = seeing(tx.conn(), consent.person_id, &district, &seeing_before)?;
    for org_id in seeing_before
        .into_iter()
        .filter(|o| !seeing_after.contains(o))
    {
        let cases = cases_of(tx.conn(), consent.person_id, org_id)?;
        tx.record(
            DomainEvent::AccessLost {
                consent_id: id,
                person_id: consent.person_id,
                org_id,
                cases,
            },
            Some(consent.person_id),
        )?;
    }
    load(tx.conn(), id)
}

/// Which of `orgs` see the person's details (`scope::details_of`, the rule of every read).
fn seeing(
    conn: &mut DbConn,
    person_id: Uuid,
    district: &str,
    orgs: &[Uuid],
) -> RepoResult<Vec<Uuid>> {
    use crate::schema::persons;
    let mut out = Vec::new();
    for org in orgs {
        let sees: bool = diesel::select(diesel::dsl::exists(
            persons::table
                .filter(persons::id.eq(DbUuid(person_id)))
                .filter(crate::scope::details_of(*org, vec![district.to_owned()])),
        ))
        .get_result(conn)?;
        if sees {
            out.push(*org);
        }
    }
    Ok(out)
}

/// The cases of a person an organization takes part in: id and case number.
fn cases_of(conn: &mut DbConn, person_id: Uuid, org_id: Uuid) -> RepoResult<Vec<(Uuid, String)>> {
    use crate::schema::{case_members, case_participants, cases};
    Ok(cases::table
        .filter(
            cases::id.eq_any(
                case_members::table
                    .filter(case_members::person_id.eq(DbUuid(person_id)))
                    .select(case_members::case_id),
            ),
        )
        .filter(
            cases::id.eq_any(
                case_participants::table
                    .filter(case_participants::org_id.eq(DbUuid(org_id)))
                    .select(case_participants::case_id),
            ),
        )
        .order(cases::id.asc())
        .select((cases::id, cases::case_no))
        .load::<(DbUuid, String)>(conn)?
        .into_iter()
        .map(|(c, no)| (c.0, no))
        .collect())
}

/// Consents organizations recorded for themselves, for review (`consent_self_recorded`): a
/// coordinator sees those of the district, a registering organization those of the persons it
/// registered; live ones first by default (`include_closed` adds withdrawn and revoked ones).
/// Newest first, at most `limit`.
pub fn self_recorded(
    conn: &mut DbConn,
    actor: &Actor,
    include_closed: bool,
    limit: i64,
) -> RepoResult<Vec<Consent>> {
    use crate::schema::persons;
    // (a coordinator reviews the district's; anyone else its own organization's registrations)
    authz::review_consent(actor, actor.org_id, &actor.district_code)?;
    let mut q = consents::table
        .inner_join(persons::table)
        .filter(consents::self_recorded.eq(true))
        .order(consents::id.desc())
        .limit(limit)
        .select(ConsentRow::as_select())
        .into_boxed();
    q = q.filter(scope::consent_reviews(actor));
    if !include_closed {
        q = q.filter(consents::withdrawn_at.is_null());
    }
    let rows = q.load(conn)?;
    with_orgs(conn, rows)
}

/// Revokes a consent an organization recorded for itself: its reviewer (the registering
/// organization or a district coordinator), with a reason; takes effect on the next request
/// and tells the recording organization. Once only (409 `already_withdrawn`).
pub fn revoke(tx: &mut Tx<'_>, id: Uuid, reason: &str) -> RepoResult<Consent> {
    let actor = tx.actor();
    let consent = load(tx.conn(), id)?;
    let person = persons::load(tx.conn(), consent.person_id)?;
    if authz::reach_person(actor, &person.district_code).is_err() {
        return Err(RepoError::NotFound);
    }
    authz::review_consent(actor, person.registered_by_org_id, &person.district_code)?;
    if !consent.self_recorded {
        return Err(RepoError::conflict(
            "not_self_recorded",
            "only a consent an organization recorded for itself is revoked on review; the recording organization withdraws others",
        ));
    }
    let revoked = diesel::update(
        consents::table
            .find(DbUuid(id))
            .filter(consents::withdrawn_at.is_null()),
    )
    .set((
        consents::withdrawn_at.eq(Some(to_db(crate::now()))),
        consents::revoked_by.eq(Some(DbUuid(actor.user_id))),
        consents::revoked_reason.eq(Some(reason)),
    ))
    .execute(tx.conn())?;
    crate::guard::claimed(
        revoked,
        "already_withdrawn",
        "this consent was already withdrawn",
    )?;
    tx.record(
        DomainEvent::ConsentRevoked {
            consent_id: id,
            person_id: consent.person_id,
            recorded_by_org_id: consent.recorded_by_org_id,
        },
        Some(consent.person_id),
    )?;
    load(tx.conn(), id)
}

/// A merge (`app::merge`): the merged record's consents now belong to the survivor.
pub(crate) fn reassign_person(conn: &mut DbConn, from: Uuid, to: Uuid) -> RepoResult<usize> {
    Ok(
        diesel::update(consents::table.filter(consents::person_id.eq(DbUuid(from))))
            .set(consents::person_id.eq(DbUuid(to)))
            .execute(conn)?,
    )
}

/// The signed form (동의서) attached to a consent: a consent its organization recorded for
/// itself is in force from now on (recorded as the consent changed); any other is as it was.
pub(crate) fn form_attached(tx: &mut Tx<'_>, id: Uuid) -> RepoResult<()> {
    let in_force = diesel::update(
        consents::table
            .find(DbUuid(id))
            .filter(consents::self_recorded.eq(true))
            .filter(consents::form_attached_at.is_null()),
    )
    .set(consents::form_attached_at.eq(Some(to_db(crate::now()))))
    .execute(tx.conn())?;
    if in_force == 1 {
        let person_id: DbUuid = consents::table
            .find(DbUuid(id))
            .select(consents::person_id)
            .first(tx.conn())?;
        tx.record(
            RecordChange::new(Record::Consent, Change::Updated, id).into(),
            Some(person_id.0),
        )?;
    }
    Ok(())
}
