//! Meetings (사례회의) and referrals: who calls, sees and chairs a meeting, what it decides
//! on, who sees and answers a referral.

use super::*;

/// Facts about a meeting that access rules need.
#[derive(Debug, Clone)]
pub struct MeetingFacts {
    pub host_org_id: Uuid,
    pub district_code: String,
    /// Organizations of the meeting's internal participants.
    pub participant_orgs: Vec<Uuid>,
}

/// Calling a meeting: case-working roles of operational organizations.
pub fn create_meeting(actor: &Actor) -> Rule {
    operational(actor)
}

/// Which cases a meeting may decide on: those its host organization leads, or — for a
/// meeting hosted by the district office (통합사례회의) — any case of its district. Being an
/// observer of a case and putting it on one's own meeting never takes it over; but any host may
/// record a recommendation (`continue`, `defer`) on a case of its district on its agenda, which
/// changes nothing on the case, so that every meeting can be finished.
pub fn decide_on_case(
    host_kind: OrgKind,
    m: &MeetingFacts,
    case: &CaseFacts,
    decision: crate::meeting::Decision,
) -> Rule {
    let district_meeting = host_kind == OrgKind::DistrictOffice;
    allow_if(
        case.district_code == m.district_code
            && (case.lead_org_id == m.host_org_id
                || district_meeting
                || decision.is_recommendation()),
        DomainError::only(crate::Who::CaseLead,
            "a meeting decides only on cases its host leads (or, at the district office, cases of the district); on others it may record continue or defer as a recommendation",
        ),
    )
}

/// Organizations a case may be handed to (new lead, participant, referral receiver): active
/// operational organizations of the case's district.
pub fn case_org(case_district: &str, org: &OrgFacts, active: bool) -> bool {
    active && org.kind != OrgKind::System && org.district_code == case_district
}

/// People a meeting may invite or give action items to: workers of organizations of its
/// district, or of organizations taking part in a case on its agenda.
pub fn meeting_member(m: &MeetingFacts, user_org: &OrgFacts, agenda_orgs: &[Uuid]) -> bool {
    user_org.district_code == m.district_code || agenda_orgs.contains(&user_org.id)
}

/// A meeting is visible to its host, the organizations of its participants, and the
/// coordinators and auditors of its district.
pub fn view_meeting(actor: &Actor, m: &MeetingFacts) -> Rule {
    let mut involved = m.participant_orgs.clone();
    involved.push(m.host_org_id);
    allow_if(
        work_scope(actor).admits(&involved, &m.district_code),
        DomainError::hidden("meeting not shared with the caller's organization"),
    )
}

/// Chairing a meeting (agenda, decisions, finalize, cancel): the host organization's workers.
pub fn chair_meeting(actor: &Actor, m: &MeetingFacts) -> Rule {
    view_meeting(actor, m)?;
    allow_if(
        m.host_org_id == actor.org_id && works_cases(actor),
        DomainError::only(
            crate::Who::MeetingHost,
            "only the host organization chairs the meeting",
        ),
    )
}

/// Facts about a referral.
#[derive(Debug, Clone)]
pub struct ReferralFacts {
    pub from_org_id: Uuid,
    pub to_org_id: Uuid,
    pub district_code: String,
}

/// Referrals are visible to both ends and to the district's coordinators and auditors.
pub fn view_referral(actor: &Actor, r: &ReferralFacts) -> Rule {
    allow_if(
        work_scope(actor).admits(&[r.from_org_id, r.to_org_id], &r.district_code),
        DomainError::hidden("referral not addressed to or from the caller's organization"),
    )
}

/// Accepting or declining: the receiving organization's workers.
pub fn answer_referral(actor: &Actor, r: &ReferralFacts) -> Rule {
    view_referral(actor, r)?;
    allow_if(
        r.to_org_id == actor.org_id && works_cases(actor),
        DomainError::only(
            crate::Who::ReferralReceiver,
            "only the receiving organization answers a referral",
        ),
    )
}

/// Completing: either end's workers.
pub fn complete_referral(actor: &Actor, r: &ReferralFacts) -> Rule {
    view_referral(actor, r)?;
    allow_if(
        (r.to_org_id == actor.org_id || r.from_org_id == actor.org_id) && works_cases(actor),
        DomainError::only(
            crate::Who::ReferralEnds,
            "only the referring or receiving organization completes a referral",
        ),
    )
}
