//! Login, refresh and identity bodies.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::orgs::OrganizationView;
use super::users::UserView;

/// Username and password.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The username.
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    /// The password.
    #[validate(length(min = 1, max = 1024, message = "must be 1 to 1024 characters"))]
    #[schema(write_only, min_length = 1, max_length = 1024)]
    pub password: String,
}

/// A refresh token to exchange.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the last answer of `/auth/token` or `/auth/refresh`.
    #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
}

/// Always `Bearer`.
#[derive(Debug, Serialize, ToSchema)]
pub enum TokenType {
    Bearer,
}

/// Issued tokens. The refresh token works once: each refresh returns a new one, and using a
/// spent one again ends the whole session.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires (at most 900).
    pub expires_in: i64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
}

/// The caller's account and organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserView,
    pub organization: OrganizationView,
}
