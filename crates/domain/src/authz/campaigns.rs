//! Winter campaigns (연말연시 집중 지원): the district's coordinators run them; organizations
//! with a quota nominate their people; what a nomination shows is for its organization and
//! those who oversee the district.

use super::*;

/// Creating and running a campaign, approving and returning nominations: a coordinator of the
/// district.
pub fn run_campaign(actor: &Actor, district_code: &str) -> Rule {
    allow_if(
        actor.role == Role::Coordinator && actor.district_code == district_code,
        DomainError::only(
            crate::Who::Coordinator,
            "only a coordinator of the district runs its campaigns",
        ),
    )
}

/// Whether the actor oversees the district's campaigns (its coordinators and auditors).
pub fn oversees_campaigns(actor: &Actor, district_code: &str) -> bool {
    matches!(actor.role, Role::Coordinator | Role::Auditor) && actor.district_code == district_code
}

/// Seeing a campaign: those who oversee the district, and organizations with a quota in it.
pub fn view_campaign(actor: &Actor, district_code: &str, holds_quota: bool) -> Rule {
    allow_if(
        oversees_campaigns(actor, district_code)
            || (holds_quota && actor.district_code == district_code),
        DomainError::hidden("campaign"),
    )
}

/// Nominating people for a campaign: case-working roles of an organization with a quota in it.
pub fn nominate(actor: &Actor, district_code: &str, holds_quota: bool) -> Rule {
    operational(actor)?;
    allow_if(
        holds_quota && actor.district_code == district_code,
        DomainError::only(
            crate::Who::QuotaHolder,
            "only an organization with a quota in the campaign nominates",
        ),
    )
}

/// Seeing a nomination: its organization, and those who oversee the district.
pub fn view_nomination(actor: &Actor, district_code: &str, nominating_org: Uuid) -> Rule {
    allow_if(
        oversees_campaigns(actor, district_code)
            || (nominating_org == actor.org_id && actor.district_code == district_code),
        DomainError::hidden("nomination"),
    )
}

/// Issuing and printing a donation's receipt (기부금 영수증): case-working roles of the
/// organization that received it.
pub fn issue_receipt(actor: &Actor, received_by: Uuid) -> Rule {
    operational(actor)?;
    allow_if(
        actor.org_id == received_by,
        DomainError::only(
            crate::Who::ReceivingOrg,
            "only the receiving organization issues and prints its receipts",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, kind: OrgKind, district: &str) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            org_id: Uuid::now_v7(),
            org_kind: kind,
            role,
            district_code: district.into(),
        }
    }

    #[test]
    fn coordinators_run_quota_holders_nominate_and_no_one_crosses_districts() {
        let coord = actor(Role::Coordinator, OrgKind::DistrictOffice, "11440");
        let dong = actor(Role::Caseworker, OrgKind::DongCenter, "11440");
        let auditor = actor(Role::Auditor, OrgKind::DistrictOffice, "11440");
        let far = actor(Role::Coordinator, OrgKind::DistrictOffice, "11110");
        assert!(run_campaign(&coord, "11440").is_ok());
        assert!(run_campaign(&dong, "11440").is_err());
        assert!(run_campaign(&auditor, "11440").is_err());
        assert!(run_campaign(&far, "11440").is_err());
        assert!(nominate(&dong, "11440", true).is_ok());
        assert!(nominate(&dong, "11440", false).is_err());
        assert!(nominate(&auditor, "11440", true).is_err());
        assert!(view_campaign(&auditor, "11440", false).is_ok());
        assert!(view_campaign(&dong, "11440", false).is_err());
        assert!(view_campaign(&far, "11440", false).is_err());
        assert!(view_nomination(&dong, "11440", dong.org_id).is_ok());
        assert!(view_nomination(&dong, "11440", coord.org_id).is_err());
        assert!(view_nomination(&coord, "11440", dong.org_id).is_ok());
    }
}
