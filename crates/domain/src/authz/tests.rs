use super::*;

fn actor(role: Role, org: Uuid, district: &str) -> Actor {
    Actor {
        user_id: Uuid::now_v7(),
        org_id: org,
        org_kind: OrgKind::WelfareCenter,
        role,
        district_code: district.into(),
    }
}

fn org(id: Uuid, district: &str) -> OrgFacts {
    OrgFacts {
        id,
        kind: OrgKind::WelfareCenter,
        district_code: district.into(),
    }
}

#[test]
fn org_admin_cannot_escalate() {
    let own = Uuid::now_v7();
    let a = actor(Role::OrgAdmin, own, "11440");
    assert!(create_user(&a, &org(own, "11440"), Role::Caseworker).is_ok());
    for r in [Role::SystemAdmin, Role::Coordinator, Role::Auditor] {
        assert!(create_user(&a, &org(own, "11440"), r).is_err());
    }
    assert!(create_user(&a, &org(Uuid::now_v7(), "11440"), Role::Caseworker).is_err());
    let target = UserFacts {
        id: Uuid::now_v7(),
        org_id: own,
        org_kind: OrgKind::WelfareCenter,
        role: Role::Caseworker,
        district_code: "11440".into(),
    };
    let grant = |r| UserChange {
        new_role: Some(r),
        new_org: None,
        new_org_kind: None,
        active: None,
        password: false,
    };
    assert!(update_user(&a, &target, &grant(Role::Supervisor)).is_ok());
    assert!(update_user(&a, &target, &grant(Role::Coordinator)).is_err());
    let transfer = UserChange {
        new_role: None,
        new_org: Some(Uuid::now_v7()),
        new_org_kind: Some(OrgKind::WelfareCenter),
        active: None,
        password: false,
    };
    assert!(update_user(&a, &target, &transfer).is_err());
}

#[test]
fn coordinators_manage_only_public_accounts() {
    let a = actor(Role::Coordinator, Uuid::now_v7(), "11440");
    let of = |kind, role| UserFacts {
        id: Uuid::now_v7(),
        org_id: Uuid::now_v7(),
        org_kind: kind,
        role,
        district_code: "11440".into(),
    };
    let promote = &UserChange {
        new_role: Some(Role::OrgAdmin),
        password: false,
        ..reset_of()
    };
    for kind in [OrgKind::WelfareCenter, OrgKind::PartnerAgency] {
        for role in [Role::Caseworker, Role::Supervisor, Role::OrgAdmin] {
            assert!(update_user(&a, &of(kind, role), &reset_of()).is_err());
        }
    }
    assert!(update_user(&a, &of(OrgKind::DongCenter, Role::Caseworker), &reset_of()).is_ok());
    assert!(update_user(
        &a,
        &of(OrgKind::DistrictOffice, Role::Caseworker),
        &reset_of()
    )
    .is_ok());
    assert!(update_user(&a, &of(OrgKind::DongCenter, Role::OrgAdmin), &reset_of()).is_err());
    assert!(update_user(&a, &of(OrgKind::DongCenter, Role::Caseworker), promote).is_err());
    // Moving a dong official into a welfare centre would hand the coordinator its reads.
    let into_private = UserChange {
        new_org: Some(Uuid::now_v7()),
        new_org_kind: Some(OrgKind::WelfareCenter),
        ..reset_of()
    };
    assert!(update_user(
        &a,
        &of(OrgKind::DongCenter, Role::Caseworker),
        &into_private
    )
    .is_err());
    // Nobody but a system administrator creates an org admin.
    let public_org = OrgFacts {
        id: Uuid::now_v7(),
        kind: OrgKind::DongCenter,
        district_code: "11440".into(),
    };
    assert!(create_user(&a, &public_org, Role::OrgAdmin).is_err());
    assert!(create_user(&a, &public_org, Role::Caseworker).is_ok());
    assert!(create_user(&a, &org(Uuid::now_v7(), "11440"), Role::Caseworker).is_err());
    let own = Uuid::now_v7();
    let admin = actor(Role::OrgAdmin, own, "11440");
    assert!(create_user(&admin, &org(own, "11440"), Role::OrgAdmin).is_err());
}

fn reset_of() -> UserChange {
    UserChange {
        new_role: None,
        new_org: None,
        new_org_kind: None,
        active: None,
        password: true,
    }
}

#[test]
fn other_districts_are_hidden() {
    let a = actor(Role::Coordinator, Uuid::now_v7(), "11440");
    let err = view_org(&a, &org(Uuid::now_v7(), "11110")).unwrap_err();
    assert!(matches!(err, DomainError::Forbidden { hide: true, .. }));
    assert!(view_org(&a, &org(Uuid::now_v7(), "11440")).is_ok());
}

#[test]
fn nobody_changes_their_own_access() {
    let a = actor(Role::SystemAdmin, Uuid::now_v7(), "00000");
    let me = UserFacts {
        id: a.user_id,
        org_id: a.org_id,
        org_kind: OrgKind::System,
        role: Role::SystemAdmin,
        district_code: "00000".into(),
    };
    let disable = UserChange {
        new_role: None,
        new_org: None,
        new_org_kind: None,
        active: Some(false),
        password: false,
    };
    assert!(update_user(&a, &me, &disable).is_err());
}

#[test]
fn a_district_administers_its_dong_centres_and_partners() {
    let coord = actor(Role::Coordinator, Uuid::now_v7(), "11440");
    let of = |kind, district: &str| OrgFacts {
        id: Uuid::now_v7(),
        kind,
        district_code: district.into(),
    };
    let links = OrgChange { links: true };
    for kind in [
        OrgKind::DongCenter,
        OrgKind::WelfareCenter,
        OrgKind::PartnerAgency,
    ] {
        assert!(create_org(&coord, &of(kind, "11440")).is_ok());
        assert!(update_org(&coord, &of(kind, "11440"), &links).is_ok());
        assert!(create_org(&coord, &of(kind, "11110")).is_err());
        assert!(update_org(&coord, &of(kind, "11110"), &links).is_err());
    }
    for kind in [OrgKind::DistrictOffice, OrgKind::System] {
        assert!(create_org(&coord, &of(kind, "11440")).is_err());
        assert!(update_org(&coord, &of(kind, "11440"), &links).is_err());
    }
    // The first org admin of a private organization only; nobody else but a system
    // administrator creates org admins.
    assert!(open_org_admin(&coord, &of(OrgKind::WelfareCenter, "11440")).is_ok());
    assert!(open_org_admin(&coord, &of(OrgKind::DongCenter, "11440")).is_err());
    assert!(open_org_admin(&coord, &of(OrgKind::WelfareCenter, "11110")).is_err());
    for role in [
        Role::OrgAdmin,
        Role::Supervisor,
        Role::Caseworker,
        Role::Auditor,
    ] {
        let a = actor(role, Uuid::now_v7(), "11440");
        assert!(create_org(&a, &of(OrgKind::DongCenter, "11440")).is_err());
        assert!(open_org_admin(&a, &of(OrgKind::WelfareCenter, "11440")).is_err());
    }
}
