//! Organizations and accounts: who creates, sees and changes them (system administrators,
//! a district's coordinators, an organization's own admin).

use super::*;

/// The kinds of organization a district's coordinators (희망복지지원단) administer themselves:
/// dong centres and the private partners. District offices and the system organization are
/// the system administrators'.
pub fn district_administered(kind: OrgKind) -> bool {
    matches!(
        kind,
        OrgKind::DongCenter | OrgKind::WelfareCenter | OrgKind::PartnerAgency
    )
}

fn coordinator_of(actor: &Actor, org: &OrgFacts) -> bool {
    actor.role == Role::Coordinator
        && actor.district_code == org.district_code
        && district_administered(org.kind)
}

/// Creating an organization: system administrators anywhere; a district's coordinators its
/// dong centres and partner organizations (welfare centres, partner agencies).
pub fn create_org(actor: &Actor, org: &OrgFacts) -> Rule {
    allow_if(
        actor.is_system_admin() || coordinator_of(actor, org),
        DomainError::only(crate::Who::Coordinator,
            "a district's coordinators create its dong centres and partner organizations; system administrators create district offices",
        ),
    )
}

/// Opening a new private organization of the district with its first org admin: the
/// district's coordinators (as a one-time activation code, so they never know the password)
/// or a system administrator. After that the organization manages its own staff, and only a
/// system administrator grants `org_admin` again.
pub fn open_org_admin(actor: &Actor, org: &OrgFacts) -> Rule {
    allow_if(
        actor.is_system_admin()
            || (coordinator_of(actor, org) && org.kind.sector() == Sector::Private),
        DomainError::only(crate::Who::Coordinator,
            "a district's coordinators open a private organization of their district with its first org admin; later org admins are granted by a system administrator",
        ),
    )
}

/// Everyone sees their own organization and the directory of their own district (needed to
/// refer and to invite); system administrators see all. Others' districts stay hidden.
pub fn view_org(actor: &Actor, org: &OrgFacts) -> Rule {
    allow_if(
        actor.is_system_admin()
            || actor.org_id == org.id
            || actor.district_code == org.district_code,
        DomainError::hidden("organization outside the caller's district"),
    )
}

/// Which organizations a listing may return.
pub enum OrgScope {
    All,
    District(String),
}

impl OrgScope {
    /// Whether an organization of `district` lies in the scope.
    pub fn covers(&self, district: &str) -> bool {
        match self {
            Self::All => true,
            Self::District(d) => d == district,
        }
    }
}

pub fn org_scope(actor: &Actor) -> OrgScope {
    if actor.is_system_admin() {
        OrgScope::All
    } else {
        OrgScope::District(actor.district_code.clone())
    }
}

/// What a change to an organization touches.
pub struct OrgChange {
    /// Parent or hub links change.
    pub links: bool,
}

/// System administrators change any organization; a district's coordinators its dong centres
/// and partner organizations (names, hub mappings, activity); an org admin may rename its own
/// and pick its hub welfare centre, but never restructure the district.
pub fn update_org(actor: &Actor, org: &OrgFacts, change: &OrgChange) -> Rule {
    view_org(actor, org)?;
    if actor.is_system_admin() || coordinator_of(actor, org) {
        return Ok(());
    }
    let own_admin = actor.role == Role::OrgAdmin && actor.org_id == org.id;
    allow_if(
        own_admin && !(change.links && org.kind != OrgKind::DongCenter),
        DomainError::only(crate::Who::OrgAdminOrCoordinator,
            "the organization's own admin renames it and picks its hub; the district's coordinators or a system administrator change the rest",
        ),
    )
}

/// Facts about a user account that rules need.
#[derive(Debug, Clone)]
pub struct UserFacts {
    pub id: Uuid,
    pub org_id: Uuid,
    /// The kind of the user's organization.
    pub org_kind: OrgKind,
    pub role: Role,
    pub district_code: String,
}

/// Users see themselves; org admins and supervisors their organization; coordinators and
/// auditors their district; system administrators everyone.
pub fn view_user(actor: &Actor, user: &UserFacts) -> Rule {
    let ok = actor.is_system_admin()
        || actor.user_id == user.id
        || (matches!(actor.role, Role::OrgAdmin | Role::Supervisor) && actor.org_id == user.org_id)
        || actor.oversees(&user.district_code);
    allow_if(ok, DomainError::hidden("user outside the caller's reach"))
}

/// Which users a listing may return.
pub enum UserScope {
    All,
    District(String),
    Org(Uuid),
    Only(Uuid),
}

pub fn user_scope(actor: &Actor) -> UserScope {
    match actor.role {
        Role::SystemAdmin => UserScope::All,
        Role::Coordinator | Role::Auditor => UserScope::District(actor.district_code.clone()),
        Role::OrgAdmin | Role::Supervisor => UserScope::Org(actor.org_id),
        Role::Caseworker => UserScope::Only(actor.user_id),
    }
}

/// Creating an account: system administrators anywhere; org admins only in their own
/// organization and never with a privileged role.
pub fn create_user(actor: &Actor, target_org: &OrgFacts, role: Role) -> Rule {
    if actor.is_system_admin() {
        return Ok(());
    }
    // A district coordinator opens accounts of the district's public organizations (the
    // district office, dong centres); a private organization's accounts are its own admin's.
    if actor.role == Role::Coordinator {
        return allow_if(
            target_org.district_code == actor.district_code
                && target_org.kind.sector() == Sector::Public
                && target_org.kind != OrgKind::System
                && !role.granted_by_system_admin_only(),
            DomainError::only(crate::Who::OrgAdmin,
                "coordinators create non-administrative accounts of their district's public organizations",
            ),
        );
    }
    if actor.role != Role::OrgAdmin {
        return Err(DomainError::only(
            crate::Who::OrgAdmin,
            "only administrators create users",
        ));
    }
    if target_org.id != actor.org_id {
        return Err(DomainError::only(
            crate::Who::OrgAdmin,
            "org admins create users only in their own organization",
        ));
    }
    allow_if(
        !role.granted_by_system_admin_only(),
        DomainError::only(
            crate::Who::SystemAdmin,
            "org admins cannot grant org_admin, system_admin, coordinator or auditor",
        ),
    )
}

/// What a change to a user touches.
pub struct UserChange {
    pub new_role: Option<Role>,
    pub new_org: Option<Uuid>,
    /// The kind of `new_org`, when it changes.
    pub new_org_kind: Option<OrgKind>,
    pub active: Option<bool>,
    /// Someone sets the user's password (a reset, when not the user).
    pub password: bool,
}

/// Changing an account. System administrators change anyone (but not their own role or
/// activity, so the last administrator cannot lock everyone out); org admins change users of
/// their own organization who hold no privileged role, never grant one, and never transfer.
pub fn update_user(actor: &Actor, target: &UserFacts, change: &UserChange) -> Rule {
    view_user(actor, target)?;
    let touches_access =
        change.new_role.is_some() || change.new_org.is_some() || change.active.is_some();
    if actor.user_id == target.id && touches_access {
        return Err(DomainError::only(
            crate::Who::SomeoneElse,
            "users cannot change their own role, organization or activity",
        ));
    }
    if actor.is_system_admin() {
        return Ok(());
    }
    if actor.user_id == target.id {
        return Ok(());
    }
    // A district coordinator manages the accounts of the district's public organizations:
    // moves their staff between them (인사발령; the new organization is checked to be of the
    // district), disables, enables and resets them — never an administrative account or
    // role, and never a private organization's account (its own org admin's), so no
    // coordinator can log in as a welfare centre's worker.
    if actor.role == Role::Coordinator && actor.district_code == target.district_code {
        let public = |k: OrgKind| k.sector() == Sector::Public && k != OrgKind::System;
        let administrative = target.role.granted_by_system_admin_only()
            || change
                .new_role
                .is_some_and(Role::granted_by_system_admin_only);
        let touches_account = change.new_role.is_some()
            || change.new_org.is_some()
            || change.active.is_some()
            || change.password;
        let ok = !administrative
            && (!touches_account || public(target.org_kind))
            && change.new_org_kind.is_none_or(public);
        return allow_if(
            ok,
            DomainError::only(crate::Who::OrgAdmin,
                "coordinators manage non-administrative accounts of the district's public organizations; a private organization's accounts belong to its own org admin",
            ),
        );
    }
    if actor.role != Role::OrgAdmin || actor.org_id != target.org_id {
        return Err(DomainError::only(
            crate::Who::OrgAdmin,
            "only the organization's admin or a system administrator may change this user",
        ));
    }
    if target.role.granted_by_system_admin_only()
        || change
            .new_role
            .is_some_and(Role::granted_by_system_admin_only)
    {
        return Err(DomainError::only(crate::Who::SystemAdmin,
            "only a system administrator grants or changes org_admin, coordinator, auditor or system_admin",
        ));
    }
    allow_if(
        change.new_org.is_none_or(|o| o == actor.org_id),
        DomainError::only(
            crate::Who::SystemAdmin,
            "only a system administrator transfers users between organizations",
        ),
    )
}
