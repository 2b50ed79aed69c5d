//! Scopes as query filters: what a caller's lists may return, one function per scope, each the
//! SQL form of a `domain::authz` rule. A list query takes its scope from here and nowhere else,
//! so no repository compares the caller's organization or district by hand; the object rules
//! of `domain::authz` are the same scopes applied to one object, and `tests/api/policy.rs`
//! checks, role by role, that a list and the reads of its objects agree.
//!
//! Each filter is a boxed expression on one table (`Filter<table>`), built from the caller
//! alone: it adds conditions, never removes the query's own.

use diesel::dsl;
use diesel::expression::{is_aggregate, AppearsOnTable, ValidGrouping};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, QueryId};
use diesel::sql_types::Bool;
use diesel::sqlite::Sqlite;
use hamkke_domain::authz::{self, Actor, DistrictScope, UserScope, WorkScope};
use hamkke_domain::consent::ConsentScope;
use hamkke_domain::user::Role;

use crate::conn::MultiBackend;
use crate::lists::{in_texts, InTexts};
use crate::schema::{
    agenda_requests, allocations, benefit_types, campaign_nominations, campaign_quotas, campaigns,
    case_events, case_members, case_notes, case_participants, cases, consent_organizations,
    consents, donations, households, meeting_participants, meetings, organizations, persons,
    referrals, resources, users, webhook_subscriptions,
};
use crate::types::{to_db, DbUuid};

/// A condition on the rows of table `T` whose shape depends on the caller's role: for the top
/// level of a boxed list query.
pub type Filter<T> = Box<dyn BoxableExpression<T, MultiBackend, SqlType = Bool>>;

/// Every row: a bound `true`, so the statement stays cached (a literal `1 = 1` made diesel
/// compile it afresh each time).
fn everything<T>() -> Filter<T> {
    Box::new(true.into_sql::<Bool>())
}

/// A condition of one shape on the rows of `QS`: usable anywhere, in a subquery or a join too
/// (diesel's shared backend needs each backend's own SQL of what a subquery holds).
pub trait Condition<QS>:
    Expression<SqlType = Bool>
    + SelectableExpression<QS>
    + AppearsOnTable<QS>
    + ValidGrouping<(), IsAggregate = is_aggregate::No>
    + BoxableExpression<QS, MultiBackend, SqlType = Bool>
    + QueryFragment<Pg>
    + QueryFragment<Sqlite>
    + QueryId
    + Send
    + 'static
{
}

impl<QS, T> Condition<QS> for T where
    T: Expression<SqlType = Bool>
        + SelectableExpression<QS>
        + AppearsOnTable<QS>
        + ValidGrouping<(), IsAggregate = is_aggregate::No>
        + BoxableExpression<QS, MultiBackend, SqlType = Bool>
        + QueryFragment<Pg>
        + QueryFragment<Sqlite>
        + QueryId
        + Send
        + 'static
{
}

fn org(actor: &Actor) -> DbUuid {
    DbUuid(actor.org_id)
}

/// The districts a district scope covers: one, or none (then a filter on it matches nothing).
fn districts(scope: DistrictScope) -> Vec<String> {
    match scope {
        DistrictScope::District(d) => vec![d],
        DistrictScope::Nothing => Vec::new(),
    }
}

/// The districts a caller's person register covers (`authz::person_scope`).
fn register_district(actor: &Actor) -> Vec<String> {
    districts(authz::person_scope(actor))
}

/// The caller's organization's own places in cases (`case_participants` rows).
pub fn participations<QS>(actor: &Actor) -> impl Condition<QS>
where
    dsl::Eq<case_participants::org_id, DbUuid>: Condition<QS>,
{
    case_participants::org_id.eq(org(actor))
}

/// Cases (`authz::view_case`): those the organization takes part in, and for coordinators and
/// auditors every case of the district.
pub fn cases(actor: &Actor) -> Filter<cases::table> {
    let own = cases::id.eq_any(
        case_participants::table
            .filter(case_participants::org_id.eq(org(actor)))
            .select(case_participants::case_id),
    );
    match authz::work_scope(actor) {
        WorkScope::Involved { .. } => Box::new(own),
        WorkScope::InvolvedOrDistrict { district, .. } => {
            Box::new(cases::district_code.eq(district).or(own))
        }
    }
}

/// Cases the organization leads (its own access log, its lead-only lists).
pub fn led_cases<QS>(actor: &Actor) -> impl Condition<QS>
where
    dsl::Eq<cases::lead_org_id, DbUuid>: Condition<QS>,
{
    cases::lead_org_id.eq(org(actor))
}

/// Meetings (`authz::view_meeting`): hosted or attended by the organization, and for
/// coordinators and auditors every meeting of the district.
pub fn meetings(actor: &Actor) -> Filter<meetings::table> {
    let mine = meetings::host_org_id.eq(org(actor)).or(meetings::id.eq_any(
        meeting_participants::table
            .filter(meeting_participants::org_id.eq(org(actor)))
            .select(meeting_participants::meeting_id),
    ));
    match authz::work_scope(actor) {
        WorkScope::Involved { .. } => Box::new(mine),
        WorkScope::InvolvedOrDistrict { district, .. } => {
            Box::new(mine.or(meetings::district_code.eq(district)))
        }
    }
}

/// Referrals (`authz::view_referral`): both ends, and for those who oversee the district
/// every referral of its cases.
pub fn referrals(actor: &Actor) -> Filter<referrals::table> {
    let ends = referrals::to_org_id
        .eq(org(actor))
        .or(referrals::from_org_id.eq(org(actor)));
    match authz::work_scope(actor) {
        WorkScope::Involved { .. } => Box::new(ends),
        WorkScope::InvolvedOrDistrict { district, .. } => Box::new(
            ends.or(referrals::case_id.eq_any(
                cases::table
                    .filter(cases::district_code.eq(district))
                    .select(cases::id),
            )),
        ),
    }
}

/// Referrals sent to the caller's organization (on `referrals` or a join of it).
pub fn incoming_referrals<QS>(actor: &Actor) -> impl Condition<QS>
where
    dsl::Eq<referrals::to_org_id, DbUuid>: Condition<QS>,
{
    referrals::to_org_id.eq(org(actor))
}

/// Referrals the caller's organization sent (on `referrals` or a join of it).
pub fn outgoing_referrals<QS>(actor: &Actor) -> impl Condition<QS>
where
    dsl::Eq<referrals::from_org_id, DbUuid>: Condition<QS>,
{
    referrals::from_org_id.eq(org(actor))
}

/// The person register (`authz::reach_person`): the caller's district; a person of another
/// district does not exist for it.
pub fn person_register(actor: &Actor) -> impl Condition<persons::table> {
    in_texts(persons::district_code, register_district(actor))
}

/// The case register (as the person register): the caller's district; a case of another
/// district does not exist for it. Names a case beside its id (its number), not its content.
pub fn case_register(actor: &Actor) -> impl Condition<cases::table> {
    in_texts(cases::district_code, register_district(actor))
}

/// Persons whose details the caller's organization sees (`authz::person_details`): of its
/// district, and registered by it, named by a live consent, or in a case it takes part in
/// under a live consent for the case's participants that covers it.
pub fn person_details(actor: &Actor) -> impl Condition<persons::table> {
    details_of(actor.org_id, register_district(actor))
}

/// [`person_details`] for an organization of `districts` (who would see a person's details,
/// e.g. before and after a consent is withdrawn).
pub fn details_of(org_id: uuid::Uuid, districts: Vec<String>) -> impl Condition<persons::table> {
    let org = DbUuid(org_id);
    let now = to_db(crate::now());
    let named = consents::table
        .inner_join(consent_organizations::table)
        .filter(consents::scope.eq(ConsentScope::Organizations.as_str()))
        .filter(consent_organizations::org_id.eq(org))
        .filter(consents::withdrawn_at.is_null())
        .filter(consents::expires_at.gt(now))
        .filter(
            consents::self_recorded
                .eq(false)
                .or(consents::form_attached_at.is_not_null()),
        )
        .select(consents::person_id);
    let for_participants = consents::table
        .inner_join(consent_organizations::table)
        .filter(consents::scope.eq(ConsentScope::CaseParticipants.as_str()))
        .filter(consent_organizations::org_id.eq(org))
        .filter(consents::withdrawn_at.is_null())
        .filter(consents::expires_at.gt(now))
        .filter(
            consents::self_recorded
                .eq(false)
                .or(consents::form_attached_at.is_not_null()),
        )
        .select(consents::person_id);
    let in_its_cases = case_members::table
        .filter(
            case_members::case_id.eq_any(
                case_participants::table
                    .filter(case_participants::org_id.eq(org))
                    .select(case_participants::case_id),
            ),
        )
        .select(case_members::person_id);
    in_texts(persons::district_code, districts).and(
        persons::registered_by_org_id
            .eq(org)
            .or(persons::id.eq_any(named))
            .or(persons::id
                .eq_any(for_participants)
                .and(persons::id.eq_any(in_its_cases))),
    )
}

/// Persons whose self-recorded consents the caller reviews (`authz::review_consent`): a
/// coordinator the district's, anyone else its own organization's registrations.
pub fn consent_reviews<QS>(actor: &Actor) -> Filter<QS>
where
    InTexts<persons::district_code>: Condition<QS>,
    dsl::And<InTexts<persons::district_code>, dsl::Eq<persons::registered_by_org_id, DbUuid>>:
        Condition<QS>,
{
    let district = in_texts(persons::district_code, register_district(actor));
    if actor.role == Role::Coordinator {
        Box::new(district)
    } else {
        Box::new(district.and(persons::registered_by_org_id.eq(org(actor))))
    }
}

/// Consents the caller's organization recorded (its own follow-ups: forms still to attach).
pub fn consents_recorded(actor: &Actor) -> impl Condition<consents::table> {
    consents::recorded_by_org_id.eq(org(actor))
}

/// Households the caller's organization registered in its district.
pub fn households(actor: &Actor) -> impl Condition<households::table> {
    households::registered_by_org_id
        .eq(org(actor))
        .and(in_texts(
            households::district_code,
            register_district(actor),
        ))
}

/// The district's resources.
pub fn resources<QS>(actor: &Actor) -> impl Condition<QS>
where
    dsl::Eq<resources::district_code, String>: Condition<QS>,
{
    resources::district_code.eq(actor.district_code.clone())
}

/// The district's allocations (`authz::ledger_scope`; none for the system organization).
pub fn ledger<QS>(actor: &Actor) -> impl Condition<QS>
where
    InTexts<allocations::district_code>: Condition<QS>,
{
    in_texts(
        allocations::district_code,
        districts(authz::ledger_scope(actor)),
    )
}

/// The district's benefit types (the ledger's scope: none for the system organization).
pub fn benefit_types(actor: &Actor) -> impl Condition<benefit_types::table> {
    in_texts(
        benefit_types::district_code,
        districts(authz::ledger_scope(actor)),
    )
}

/// Organizations (`authz::view_org`): a system administrator's all, everyone else's district.
pub fn organizations(actor: &Actor) -> Filter<organizations::table> {
    match authz::org_scope(actor) {
        authz::OrgScope::All => everything(),
        authz::OrgScope::District(d) => Box::new(organizations::district_code.eq(d)),
    }
}

/// Organizations of the caller's district (those whose names its imports may use).
pub fn district_organizations(actor: &Actor) -> impl Condition<organizations::table> {
    organizations::district_code.eq(actor.district_code.clone())
}

/// User accounts (`authz::view_user`).
pub fn users(actor: &Actor) -> Filter<users::table> {
    match authz::user_scope(actor) {
        UserScope::All => everything(),
        UserScope::District(d) => Box::new(
            users::org_id.eq_any(
                organizations::table
                    .filter(organizations::district_code.eq(d))
                    .select(organizations::id),
            ),
        ),
        UserScope::Org(o) => Box::new(users::org_id.eq(DbUuid(o))),
        UserScope::Only(u) => Box::new(users::id.eq(DbUuid(u))),
    }
}

/// The staff directory (`authz::in_directory`): people of the caller's district and of the
/// organizations that share a case with its own.
pub fn directory(actor: &Actor) -> impl Condition<organizations::table> {
    let partner = diesel::alias!(case_participants as partner);
    let shared = case_participants::table
        .filter(case_participants::org_id.eq(org(actor)))
        .select(case_participants::case_id);
    organizations::district_code
        .eq(actor.district_code.clone())
        .or(organizations::id.eq_any(
            partner
                .filter(partner.field(case_participants::case_id).eq_any(shared))
                .select(partner.field(case_participants::org_id)),
        ))
}

/// The caller's organization's webhook subscriptions (`authz::manage_webhooks`).
pub fn webhooks(actor: &Actor) -> impl Condition<webhook_subscriptions::table> {
    webhook_subscriptions::org_id.eq(org(actor))
}

/// Notes of a case the caller sees: those shared with the participants and its own
/// organization's internal ones.
pub fn notes(actor: &Actor) -> impl Condition<case_notes::table> {
    case_notes::visibility
        .eq(hamkke_domain::case::Visibility::Participants.as_str())
        .or(case_notes::org_id.eq(org(actor)))
}

/// Timeline entries of a case the caller sees: shared ones and those kept for its
/// organization.
pub fn timeline(actor: &Actor) -> impl Condition<case_events::table> {
    case_events::only_org_id
        .is_null()
        .or(case_events::only_org_id.assume_not_null().eq(org(actor)))
}

/// Agenda requests of a meeting the caller sees: all of them for its host, the caller's own
/// organization's otherwise.
pub fn agenda_requests(actor: &Actor, hosts: bool) -> Filter<agenda_requests::table> {
    if hosts {
        everything()
    } else {
        Box::new(agenda_requests::from_org_id.eq(org(actor)))
    }
}

/// Campaigns (`authz::view_campaign`): every campaign of the district for those who oversee it
/// (coordinators, auditors), else those in which the organization holds a quota.
pub fn campaigns(actor: &Actor) -> Filter<campaigns::table> {
    let district = campaigns::district_code.eq(actor.district_code.clone());
    if authz::oversees_campaigns(actor, &actor.district_code) {
        Box::new(district)
    } else {
        Box::new(
            district.and(
                campaigns::id.eq_any(
                    campaign_quotas::table
                        .filter(campaign_quotas::org_id.eq(org(actor)))
                        .select(campaign_quotas::campaign_id),
                ),
            ),
        )
    }
}

/// Nominations (`authz::view_nomination`): every one of the district's campaigns for those who
/// oversee it, else the organization's own.
pub fn nominations(actor: &Actor) -> Filter<campaign_nominations::table> {
    let of_district = campaign_nominations::campaign_id.eq_any(
        campaigns::table
            .filter(campaigns::district_code.eq(actor.district_code.clone()))
            .select(campaigns::id),
    );
    if authz::oversees_campaigns(actor, &actor.district_code) {
        Box::new(of_district)
    } else {
        Box::new(of_district.and(campaign_nominations::org_id.eq(org(actor))))
    }
}

/// Donations: the organization's own, and every one of the district for those who oversee it
/// (coordinators, auditors).
pub fn donations(actor: &Actor) -> Filter<donations::table> {
    let district = donations::district_code.eq(actor.district_code.clone());
    if authz::oversees_campaigns(actor, &actor.district_code) {
        Box::new(district)
    } else {
        Box::new(district.and(donations::received_by_org_id.eq(org(actor))))
    }
}

/// The quotas of a campaign the caller may see (`authz::view_campaign`): none to filter for
/// those who oversee the district, else its organization's own.
pub fn own_quotas(actor: &Actor) -> Option<Filter<campaign_quotas::table>> {
    if authz::oversees_campaigns(actor, &actor.district_code) {
        None
    } else {
        Some(Box::new(campaign_quotas::org_id.eq(org(actor))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The filter of every row keeps its statement cacheable on both backends, where a literal
    /// did not.
    #[test]
    fn every_row_keeps_the_statement_cacheable() {
        for backend in [MultiBackend::Sqlite(Sqlite), MultiBackend::Pg(Pg)] {
            let every: Filter<organizations::table> = everything();
            assert!(every.is_safe_to_cache_prepared(&backend).unwrap());
            let literal: Filter<organizations::table> = Box::new(dsl::sql::<Bool>("1 = 1"));
            assert!(!literal.is_safe_to_cache_prepared(&backend).unwrap());
        }
    }
}
