//! Who may do what. Deny by default; every rule here is a pure function of the actor and facts
//! about the resource, so repositories can call it and tests can reach it without a database.

use uuid::Uuid;

use crate::org::{OrgFacts, OrgKind, Sector};
use crate::user::Role;
use crate::DomainError;

/// The authenticated caller, as loaded fresh from the database on every request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub org_kind: OrgKind,
    pub role: Role,
    pub district_code: String,
}

impl Actor {
    pub fn is_system_admin(&self) -> bool {
        self.role == Role::SystemAdmin
    }

    /// Coordinators and auditors see across their district.
    fn oversees(&self, district_code: &str) -> bool {
        matches!(self.role, Role::Coordinator | Role::Auditor)
            && self.district_code == district_code
    }
}

type Rule = Result<(), DomainError>;

fn allow_if(ok: bool, err: DomainError) -> Rule {
    if ok {
        Ok(())
    } else {
        Err(err)
    }
}

mod staff;
pub use staff::*;
mod meetings;
pub use meetings::*;
mod campaigns;
pub use campaigns::*;
mod attachments;
pub use attachments::*;

#[cfg(test)]
mod tests;

/// Facts about a case that access rules need.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub lead_org_id: Uuid,
    pub district_code: String,
    /// Organizations participating in the case, lead included.
    pub participant_orgs: Vec<Uuid>,
    /// Those of them that take part only as observers (read what the consent allows, write
    /// nothing on the case).
    pub observer_orgs: Vec<Uuid>,
}

impl CaseFacts {
    fn participates(&self, org: Uuid) -> bool {
        self.participant_orgs.contains(&org)
    }

    fn observes(&self, org: Uuid) -> bool {
        self.observer_orgs.contains(&org)
    }
}

fn no_observer(case: &CaseFacts, actor: &Actor) -> Rule {
    allow_if(
        !case.observes(actor.org_id),
        DomainError::only(
            crate::Who::CaseWorkers,
            "an observer reads the case; the lead, a co-manager or a service provider works on it",
        ),
    )
}

/// Roles that do case work (not auditors or system administrators).
fn works_cases(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Caseworker | Role::Supervisor | Role::Coordinator | Role::OrgAdmin
    )
}

/// Case work of an operational organization (registering, meetings, allocations).
fn operational(actor: &Actor) -> Rule {
    allow_if(
        works_cases(actor) && actor.org_kind != OrgKind::System,
        DomainError::only(
            crate::Who::Caseworker,
            "only case workers of an operational organization do this",
        ),
    )
}

/// Districts are walls: a person or household of another district does not exist for the
/// caller (it learns at most, by exact RRN, that the person is registered elsewhere).
pub fn reach_person(actor: &Actor, person_district: &str) -> Rule {
    allow_if(
        person_scope(actor).admits(person_district),
        DomainError::hidden("person or household of another district"),
    )
}

/// The part of the person register a caller's searches and lists cover: its own district.
pub fn person_scope(actor: &Actor) -> DistrictScope {
    DistrictScope::District(actor.district_code.clone())
}

/// Opening a case: a case-working role of an operational organization, for a person of its
/// own district (a person of another district first moves by an approved transfer).
pub fn create_case(actor: &Actor, person_district: &str) -> Rule {
    reach_person(actor, person_district)?;
    operational(actor)
}

/// Which cases, meetings or referrals a listing may return: those the caller's organization
/// takes part in, and for coordinators and auditors also everything of their district. The
/// object rules below are this scope applied to one object, so a list and a read never
/// disagree; repositories translate the scope into their query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkScope {
    /// Objects the organization takes part in.
    Involved { org: Uuid },
    /// Those, and every object of the district.
    InvolvedOrDistrict { org: Uuid, district: String },
}

impl WorkScope {
    /// Whether an object with these parties and district is in scope.
    pub fn admits(&self, involved: &[Uuid], district_code: &str) -> bool {
        match self {
            WorkScope::Involved { org } => involved.contains(org),
            WorkScope::InvolvedOrDistrict { org, district } => {
                involved.contains(org) || district == district_code
            }
        }
    }
}

/// The scope of case, meeting and referral listings for this actor.
pub fn work_scope(actor: &Actor) -> WorkScope {
    if matches!(actor.role, Role::Coordinator | Role::Auditor) {
        WorkScope::InvolvedOrDistrict {
            org: actor.org_id,
            district: actor.district_code.clone(),
        }
    } else {
        WorkScope::Involved { org: actor.org_id }
    }
}

/// A case is visible to its participant organizations and to coordinators and auditors of
/// its district; to everyone else it does not exist.
pub fn view_case(actor: &Actor, case: &CaseFacts) -> Rule {
    allow_if(
        work_scope(actor).admits(&case.participant_orgs, &case.district_code),
        DomainError::hidden("case not shared with the caller's organization"),
    )
}

/// Working on a case (notes, assignments, status): participant organizations' case workers.
pub fn work_on_case(actor: &Actor, case: &CaseFacts) -> Rule {
    view_case(actor, case)?;
    allow_if(
        case.participates(actor.org_id) && works_cases(actor),
        DomainError::only(
            crate::Who::CaseWorkers,
            "only participant organizations work on a case",
        ),
    )?;
    no_observer(case, actor)
}

/// Tying an allocation to a case: whoever sees the case, except an observer.
pub fn tie_to_case(actor: &Actor, case: &CaseFacts) -> Rule {
    view_case(actor, case)?;
    no_observer(case, actor)
}

/// Lead-only moves (closing, rejecting, referring out, reopening).
pub fn lead_case(actor: &Actor, case: &CaseFacts) -> Rule {
    work_on_case(actor, case)?;
    allow_if(
        case.lead_org_id == actor.org_id,
        DomainError::only(
            crate::Who::CaseLead,
            "only the lead organization may do this",
        ),
    )
}

/// Adding or removing participant organizations: the lead, or a coordinator of the district.
pub fn manage_participants(actor: &Actor, case: &CaseFacts) -> Rule {
    view_case(actor, case)?;
    let coordinator = actor.role == Role::Coordinator && actor.district_code == case.district_code;
    allow_if(
        coordinator || (case.lead_org_id == actor.org_id && works_cases(actor)),
        DomainError::only(
            crate::Who::CaseLeadOrCoordinator,
            "only the lead organization or a district coordinator manages participants",
        ),
    )
}

/// What decides whether an organization sees a person's details.
#[derive(Debug, Clone, Default)]
pub struct PersonAccess {
    /// The person belongs to the actor's district (nothing else counts across the wall).
    pub in_district: bool,
    /// The actor's organization leads an open case of this person.
    pub leads_open_case: bool,
    /// The actor's organization registered the person.
    pub registered_by_own_org: bool,
    /// A live consent names the actor's organization.
    pub consent_names_org: bool,
    /// A live consent scoped to case participants covers the organization (it took part in
    /// the person's cases when the consent was recorded).
    pub consent_for_participants: bool,
    /// The actor's organization participates in a case of this person.
    pub participates_in_a_case: bool,
}

/// Details beyond the redacted view (DESIGN §4): own registration, a consent naming the
/// organization, or participation in a case under a participants-scoped consent.
pub fn person_details(access: &PersonAccess) -> bool {
    access.in_district
        && (access.registered_by_own_org
            || access.consent_names_org
            || (access.participates_in_a_case && access.consent_for_participants))
}

/// Whether a search may return a person: within the district, those whose details the
/// caller may see, and others only when the caller already knows exactly who they are
/// (full name and birth date, or the RRN) — so a search never unmasks a redacted name.
pub fn may_find(access: &PersonAccess, exact_identity: bool) -> bool {
    access.in_district && (person_details(access) || exact_identity)
}

/// Filtering the ledger (or other histories) by a person or household: details rights.
pub fn filter_by_person(access: &PersonAccess) -> Rule {
    if !access.in_district {
        return Err(DomainError::unknown("person_id"));
    }
    allow_if(
        person_details(access),
        DomainError::only(
            crate::Who::ConsentedOrg,
            "the organization has no right to this person's history",
        ),
    )
}

/// Changing a person's record or consents: details rights and a case-working role.
pub fn update_person(actor: &Actor, access: &PersonAccess) -> Rule {
    allow_if(
        person_details(access) && works_cases(actor),
        DomainError::only(
            crate::Who::ConsentedOrg,
            "the organization has no right to this person's details",
        ),
    )
}

/// Recording a consent: the registering organization or the lead of an open case of the
/// person (the ones who hold the signed form). Taking part in a case is not enough: a consent
/// never creates the right to record it.
pub fn record_consent(actor: &Actor, access: &PersonAccess) -> Rule {
    if !access.in_district {
        return Err(DomainError::hidden("person of another district"));
    }
    allow_if(
        (access.registered_by_own_org || access.leads_open_case) && works_cases(actor),
        DomainError::only(
            crate::Who::RegisteringOrgOrLead,
            "only the registering organization or the lead of an open case records consent",
        ),
    )
}

/// Whether a consent being recorded gives the recording organization access to the person's
/// details that it did not have: it is then in force only once its signed form is attached
/// (`Consent::awaits_form`) and goes to the registering organization's and the coordinators'
/// review.
/// `names`: the organizations the consent covers (for one scoped to case participants, those
/// taking part in the person's cases when it is recorded).
pub fn grants_itself(actor: &Actor, access: &PersonAccess, names: &[Uuid]) -> bool {
    !person_details(access) && names.contains(&actor.org_id)
}

/// Reviewing (listing, revoking) consents an organization recorded for itself: the person's
/// registering organization (its case workers) or a coordinator of the district.
pub fn review_consent(actor: &Actor, registered_by_org: Uuid, district_code: &str) -> Rule {
    let coordinator = actor.role == Role::Coordinator && actor.district_code == district_code;
    allow_if(
        coordinator || (registered_by_org == actor.org_id && works_cases(actor)),
        DomainError::only(
            crate::Who::RegisteringOrgOrCoordinator,
            "only the registering organization or a district coordinator reviews this consent",
        ),
    )
}

/// Registering people and households: case-working roles of operational organizations.
pub fn register_person(actor: &Actor) -> Rule {
    operational(actor)
}

/// Moving a person into the household of another: the household must be of the person's
/// district and visible to the actor; only the registering organization or the lead of an
/// open case moves a person between households (a household policy counts members).
pub fn move_household(actor: &Actor, access: &PersonAccess) -> Rule {
    allow_if(
        access.in_district
            && (access.registered_by_own_org || access.leads_open_case)
            && works_cases(actor),
        DomainError::only(
            crate::Who::RegisteringOrgOrLead,
            "only the registering organization or the case lead moves a person between households",
        ),
    )
}

/// Asking for a person of another district to move into one's own (전입): a coordinator of
/// the receiving district.
pub fn request_transfer(actor: &Actor, to_district: &str) -> Rule {
    allow_if(
        actor.role == Role::Coordinator && actor.district_code == to_district,
        DomainError::only(
            crate::Who::Coordinator,
            "only a coordinator of the receiving district asks for a transfer",
        ),
    )
}

/// A transfer moves a person to another district.
pub fn transfer_destination(person_district: &str, to_district: &str) -> Rule {
    allow_if(
        person_district != to_district,
        DomainError::invalid(
            "to_district_code",
            "same_district",
            "the person already belongs to this district",
        ),
    )
}

/// Approving or declining a transfer: a coordinator of the district the person belongs to.
pub fn decide_transfer(actor: &Actor, from_district: &str) -> Rule {
    allow_if(
        actor.role == Role::Coordinator && actor.district_code == from_district,
        DomainError::only(
            crate::Who::Coordinator,
            "only a coordinator of the owning district decides a transfer",
        ),
    )
}

/// A transfer is visible to the coordinators and auditors of both districts.
pub fn view_transfer(actor: &Actor, from_district: &str, to_district: &str) -> Rule {
    allow_if(
        actor.oversees(from_district) || actor.oversees(to_district),
        DomainError::hidden("transfer of other districts"),
    )
}

/// Managing an organization's webhook subscriptions: its admins. Another organization's
/// subscription does not exist for the caller.
pub fn manage_webhooks(actor: &Actor, org_id: Uuid) -> Rule {
    if actor.org_id != org_id {
        return Err(DomainError::hidden("webhook of another organization"));
    }
    allow_if(
        actor.role == Role::OrgAdmin,
        DomainError::only(
            crate::Who::OrgAdmin,
            "only the organization's admins manage its webhooks",
        ),
    )
}

/// Whether the staff directory shows an organization's people to the actor: organizations of
/// the actor's district and those that share a case with the actor's organization.
pub fn in_directory(actor: &Actor, org_district: &str, shares_a_case: bool) -> bool {
    actor.district_code == org_district || shares_a_case
}

/// Handing over a transferred worker's cases: the worker's org admin or supervisor, or a
/// coordinator of the district.
pub fn handover(actor: &Actor, user: &UserFacts) -> Rule {
    view_user(actor, user)?;
    let own_admin =
        matches!(actor.role, Role::OrgAdmin | Role::Supervisor) && actor.org_id == user.org_id;
    let coordinator = actor.role == Role::Coordinator && actor.district_code == user.district_code;
    allow_if(
        own_admin || coordinator,
        DomainError::only(crate::Who::OrgAdminOrCoordinator, "only the worker's org admin or supervisor, or a district coordinator, hands over cases"),
    )
}

/// Adding to the resource catalogue or recording allocations: case-working roles of
/// operational organizations.
pub fn allocate(actor: &Actor) -> Rule {
    operational(actor)
}

/// Changing a resource: its creating organization's workers, or a district coordinator.
pub fn update_resource(actor: &Actor, created_by_org: Uuid, district_code: &str) -> Rule {
    let coordinator = actor.role == Role::Coordinator && actor.district_code == district_code;
    allow_if(
        coordinator || (created_by_org == actor.org_id && works_cases(actor)),
        DomainError::only(
            crate::Who::ResourceOwner,
            "only the creating organization or a district coordinator changes a resource",
        ),
    )
}

/// Keeping the district's benefit-type catalogue (and its duplicate policies): its
/// coordinators. Every organization of the district reads it (`view_ledger`).
pub fn keep_benefit_types(actor: &Actor, district_code: &str) -> Rule {
    allow_if(
        actor.role == Role::Coordinator && actor.district_code == district_code,
        DomainError::only(
            crate::Who::Coordinator,
            "only a coordinator of the district keeps its benefit types",
        ),
    )
}

/// Naming another organization as the provider of an allocation or a resource (recording on
/// behalf of a dong centre): a coordinator of the district; anyone else names only its own.
pub fn record_for_provider(actor: &Actor, provider_org: Uuid) -> Rule {
    allow_if(
        provider_org == actor.org_id || actor.role == Role::Coordinator,
        DomainError::only(
            crate::Who::Coordinator,
            "only a district coordinator names another organization as the provider",
        ),
    )
}

/// Approving an override of a duplicate block: a coordinator of the district who did not ask
/// for it.
pub fn approve_override(actor: &Actor, district_code: &str, requested_by: Uuid) -> Rule {
    if actor.user_id == requested_by {
        return Err(DomainError::only(
            crate::Who::SomeoneElse,
            "the requester cannot approve its own override",
        ));
    }
    allow_if(
        actor.role == Role::Coordinator && actor.district_code == district_code,
        DomainError::only(
            crate::Who::Coordinator,
            "only a coordinator of the district approves overrides",
        ),
    )
}

/// Who decides overrides of a district (sees what they would overrule): its coordinators.
pub fn decide_override(actor: &Actor, district_code: &str) -> Rule {
    allow_if(
        actor.role == Role::Coordinator && actor.district_code == district_code,
        DomainError::only(
            crate::Who::Coordinator,
            "only a coordinator of the district decides overrides",
        ),
    )
}

/// Delivering or cancelling: the providing organization (cancel: or a district coordinator).
pub fn handle_allocation(
    actor: &Actor,
    provider_org: Uuid,
    district_code: &str,
    coordinator_may: bool,
) -> Rule {
    let coordinator =
        coordinator_may && actor.role == Role::Coordinator && actor.district_code == district_code;
    allow_if(
        coordinator || (provider_org == actor.org_id && works_cases(actor)),
        DomainError::only(
            crate::Who::Provider,
            "only the providing organization (or a district coordinator, to cancel) may do this",
        ),
    )
}

/// Which part of the ledger (and of the person register) a caller reaches: one district, or
/// nothing at all for the system organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistrictScope {
    District(String),
    Nothing,
}

impl DistrictScope {
    pub fn admits(&self, district_code: &str) -> bool {
        matches!(self, DistrictScope::District(d) if d == district_code)
    }
}

/// The ledger scope of this actor.
pub fn ledger_scope(actor: &Actor) -> DistrictScope {
    if actor.org_kind == OrgKind::System {
        DistrictScope::Nothing
    } else {
        DistrictScope::District(actor.district_code.clone())
    }
}

/// The allocation ledger is visible district-wide in minimal form.
pub fn view_ledger(actor: &Actor, district_code: &str) -> Rule {
    allow_if(
        ledger_scope(actor).admits(district_code),
        DomainError::hidden("allocation of another district"),
    )
}

/// Reading the district's reports: its coordinators and auditors.
pub fn read_reports(actor: &Actor, district_code: &str) -> Rule {
    if !matches!(actor.role, Role::Coordinator | Role::Auditor) {
        return Err(DomainError::only(
            crate::Who::CoordinatorOrAuditor,
            "reports are for district coordinators and auditors",
        ));
    }
    allow_if(
        actor.district_code == district_code,
        DomainError::only(
            crate::Who::CoordinatorOrAuditor,
            "reports cover the caller's own district only",
        ),
    )
}

/// Whose audit events a reader may see.
pub enum AuditScope {
    All,
    District(String),
}

/// Reading the audit trail: system administrators everything, auditors their district.
pub fn read_audit(actor: &Actor) -> Result<AuditScope, DomainError> {
    match actor.role {
        Role::SystemAdmin => Ok(AuditScope::All),
        Role::Auditor => Ok(AuditScope::District(actor.district_code.clone())),
        _ => Err(DomainError::only(
            crate::Who::Auditor,
            "only auditors and system administrators read the audit trail",
        )),
    }
}

/// Who may read who viewed or changed a person's data (the data subject's right to know, on
/// request): the lead organization of one of the person's cases, the registering organization,
/// auditors of the district and system administrators.
pub fn read_person_access_log(
    actor: &Actor,
    person_district: &str,
    leads_a_case: bool,
    registered_by_own_org: bool,
) -> Rule {
    if actor.role == Role::SystemAdmin {
        return Ok(());
    }
    reach_person(actor, person_district)?;
    let ok = actor.role == Role::Auditor
        || (works_cases(actor) && (leads_a_case || registered_by_own_org));
    allow_if(
        ok,
        DomainError::only(
            crate::Who::RegisteringOrgOrLead,
            "only the lead or registering organization, or an auditor, reads a person's access log",
        ),
    )
}

#[cfg(test)]
mod wall_tests;
