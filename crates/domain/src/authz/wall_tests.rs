use super::*;

fn actor(role: Role, district: &str) -> Actor {
    Actor {
        user_id: Uuid::now_v7(),
        org_id: Uuid::now_v7(),
        org_kind: OrgKind::DongCenter,
        role,
        district_code: district.into(),
    }
}

fn case(lead: Uuid, district: &str) -> CaseFacts {
    CaseFacts {
        lead_org_id: lead,
        district_code: district.into(),
        participant_orgs: vec![lead],
        observer_orgs: Vec::new(),
    }
}

#[test]
fn nothing_crosses_the_district_wall_but_a_transfer() {
    let far = actor(Role::Coordinator, "11110");
    assert!(matches!(
        create_case(&far, "11440"),
        Err(DomainError::Forbidden { hide: true, .. })
    ));
    let full = PersonAccess {
        in_district: false,
        leads_open_case: true,
        registered_by_own_org: true,
        consent_names_org: true,
        consent_for_participants: true,
        participates_in_a_case: true,
    };
    assert!(!person_details(&full), "no right counts across the wall");
    assert!(!may_find(&full, true));
    assert!(record_consent(&far, &full).is_err());
    assert!(read_person_access_log(&actor(Role::Auditor, "11110"), "11440", false, false).is_err());
    assert!(read_person_access_log(&actor(Role::Auditor, "11440"), "11440", false, false).is_ok());
    // The receiving district's coordinator asks; the owning district's decides.
    assert!(request_transfer(&far, "11110").is_ok());
    assert!(request_transfer(&far, "11440").is_err());
    assert!(transfer_destination("11440", "11110").is_ok());
    assert!(transfer_destination("11440", "11440").is_err());
    assert!(request_transfer(&actor(Role::Caseworker, "11110"), "11110").is_err());
    assert!(decide_transfer(&far, "11440").is_err());
    assert!(decide_transfer(&actor(Role::Coordinator, "11440"), "11440").is_ok());
}

#[test]
fn consent_is_recorded_by_who_holds_the_form() {
    let a = actor(Role::Caseworker, "11440");
    let participant = PersonAccess {
        in_district: true,
        participates_in_a_case: true,
        ..Default::default()
    };
    assert!(record_consent(&a, &participant).is_err());
    let lead = PersonAccess {
        in_district: true,
        leads_open_case: true,
        ..Default::default()
    };
    assert!(record_consent(&a, &lead).is_ok());
}

#[test]
fn searches_find_redacted_people_only_by_exact_identity() {
    let redacted = PersonAccess {
        in_district: true,
        ..Default::default()
    };
    assert!(!may_find(&redacted, false));
    assert!(may_find(&redacted, true));
    let own = PersonAccess {
        in_district: true,
        registered_by_own_org: true,
        ..Default::default()
    };
    assert!(may_find(&own, false));
}

#[test]
fn a_meeting_decides_only_on_cases_its_host_leads() {
    let host = Uuid::now_v7();
    let m = MeetingFacts {
        host_org_id: host,
        district_code: "11440".into(),
        participant_orgs: vec![],
    };
    let mut observed = case(Uuid::now_v7(), "11440");
    observed.participant_orgs.push(host);
    use crate::meeting::Decision::{Close, Continue, Defer};
    assert!(decide_on_case(OrgKind::DongCenter, &m, &observed, Close).is_err());
    assert!(decide_on_case(OrgKind::DongCenter, &m, &case(host, "11440"), Close).is_ok());
    assert!(decide_on_case(OrgKind::DistrictOffice, &m, &observed, Close).is_ok());
    assert!(decide_on_case(OrgKind::DistrictOffice, &m, &case(host, "11110"), Close).is_err());
    // A recommendation on a case another organization leads, never across districts.
    assert!(decide_on_case(OrgKind::DongCenter, &m, &observed, Defer).is_ok());
    assert!(decide_on_case(OrgKind::DongCenter, &m, &observed, Continue).is_ok());
    let far = case(Uuid::now_v7(), "11110");
    assert!(decide_on_case(OrgKind::DongCenter, &m, &far, Defer).is_err());
    let far_org = OrgFacts {
        id: Uuid::now_v7(),
        kind: OrgKind::WelfareCenter,
        district_code: "11110".into(),
    };
    assert!(!case_org("11440", &far_org, true));
    assert!(!meeting_member(&m, &far_org, &[]));
    assert!(meeting_member(&m, &far_org, &[far_org.id]));
}

#[test]
fn list_scopes_are_the_object_rules() {
    let worker = actor(Role::Caseworker, "11440");
    let coord = actor(Role::Coordinator, "11440");
    let other = case(Uuid::now_v7(), "11440");
    assert!(view_case(&worker, &other).is_err());
    assert!(!work_scope(&worker).admits(&other.participant_orgs, "11440"));
    assert!(view_case(&coord, &other).is_ok());
    assert!(work_scope(&coord).admits(&other.participant_orgs, "11440"));
    assert!(!work_scope(&coord).admits(&other.participant_orgs, "11110"));
    assert!(ledger_scope(&worker).admits("11440"));
    assert!(!ledger_scope(&worker).admits("11110"));
}
