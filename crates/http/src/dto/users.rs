//! User bodies. Passwords go in, never out.

use super::common::{FromNamed, Refers};
use chrono::{DateTime, Utc};
use hamkke_domain::user::{Role, User};
use hamkke_persistence::repo::names::{Names, Wanted};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    Caseworker,
    Supervisor,
    Coordinator,
    OrgAdmin,
    Auditor,
    SystemAdmin,
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::Caseworker => Self::Caseworker,
            RoleDto::Supervisor => Self::Supervisor,
            RoleDto::Coordinator => Self::Coordinator,
            RoleDto::OrgAdmin => Self::OrgAdmin,
            RoleDto::Auditor => Self::Auditor,
            RoleDto::SystemAdmin => Self::SystemAdmin,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::Caseworker => Self::Caseworker,
            Role::Supervisor => Self::Supervisor,
            Role::Coordinator => Self::Coordinator,
            Role::OrgAdmin => Self::OrgAdmin,
            Role::Auditor => Self::Auditor,
            Role::SystemAdmin => Self::SystemAdmin,
        }
    }
}

/// Creates a user account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3–64 characters: lowercase letters, digits, `.`, `_`, `-`.
    #[schema(pattern = "^[a-z0-9._-]{3,64}$", example = "kim.minji")]
    pub username: String,
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The name colleagues see.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    /// At least 10 characters, not a common password, not containing the username. Leave it
    /// out to create the account with a one-time activation code (valid 72 hours) that the
    /// user redeems at `POST /auth/activate`, choosing the password the creator never knows;
    /// the first accounts of an organization are always created so.
    #[schema(write_only, min_length = 10, max_length = 128)]
    pub password: Option<String>,
    /// The user's organization.
    pub org_id: Uuid,
    /// The user's role.
    pub role: RoleDto,
}

/// Changes a user; absent fields stay. A new role, organization (transfer, 인사발령),
/// deactivation or password ends the user's sessions.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "crate::dto::common::plain_name")
    )]
    /// The name colleagues see.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
    /// A new role.
    pub role: Option<RoleDto>,
    /// A new organization (a transfer).
    pub org_id: Option<Uuid>,
    /// Whether the account may log in.
    pub active: Option<bool>,
    /// A new password. Set on one's own account it needs `current_password` and ends one's
    /// other sessions; set by an administrator it is temporary (must be changed at the next
    /// login) and ends every session of the user.
    #[schema(write_only, min_length = 10, max_length = 128)]
    pub password: Option<String>,
    /// Work telephone shown in the staff directory (null clears it).
    #[serde(default, deserialize_with = "super::common::double_option")]
    #[schema(value_type = Option<String>, max_length = 30)]
    pub work_phone: Option<Option<String>>,
    /// Work e-mail shown in the staff directory (null clears it).
    #[serde(default, deserialize_with = "super::common::double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub work_email: Option<Option<String>>,
    /// The password now in use, required to change one's own.
    #[schema(write_only, max_length = 128)]
    #[validate(length(max = 128, message = "at most 128 characters"))]
    pub current_password: Option<String>,
}

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub org_id: Uuid,
    /// The organization's name.
    pub org_name: String,
    pub role: RoleDto,
    pub active: bool,
    /// Locked after repeated failed logins, until `locked_until`.
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub work_phone: Option<String>,
    pub work_email: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// On creation without a password only: the one-time code to give the user (shown once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_code: Option<String>,
    /// Until when the activation code is valid (72 hours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_expires_at: Option<DateTime<Utc>>,
}

/// Redeems an activation code: the user chooses the password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    /// The account's username.
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    /// The one-time code given when the account was created (valid 72 hours).
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(write_only, min_length = 1, max_length = 64)]
    pub activation_code: String,
    /// At least 10 characters, not a common password, not containing the username.
    #[schema(write_only, min_length = 10, max_length = 128)]
    pub password: String,
}

impl Refers for User {
    fn refers(&self, w: &mut Wanted) {
        w.org(self.org_id);
    }
}

impl FromNamed<User> for UserView {
    fn named(u: User, n: &Names) -> Self {
        let now = chrono::Utc::now();
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            org_name: n.org(u.org_id),
            org_id: u.org_id,
            role: u.role.into(),
            active: u.active,
            locked_until: u.locked_until.filter(|t| *t > now),
            last_login_at: u.last_login_at,
            work_phone: u.work_phone,
            work_email: u.work_email,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
            activation_code: None,
            activation_expires_at: None,
        }
    }
}

crate::page_of!(UserPage, UserView, "A page of users.");

/// The order of a list of users or organizations.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortDto {
    /// Oldest first.
    Created,
    /// By name (가나다순), then oldest first.
    Name,
}

impl From<SortDto> for hamkke_persistence::repo::page::Sort {
    fn from(s: SortDto) -> Self {
        match s {
            SortDto::Created => Self::Created,
            SortDto::Name => Self::Name,
        }
    }
}

/// Filters of `GET /users`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    pub org_id: Option<Uuid>,
    pub role: Option<RoleDto>,
    pub active: Option<bool>,
    /// `created` (the default: oldest first) or `name` (by display name, 가나다순).
    pub sort: Option<SortDto>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
}
