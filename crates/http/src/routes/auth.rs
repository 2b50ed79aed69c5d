//! Login, token refresh, logout and `/me`.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Duration;
use hamkke_persistence::repo::auth::{
    self as repo, LoginFailure, RefreshOutcome, SessionGrant, SessionPolicy,
};

use crate::auth::{self, request_ctx, AuthUser};
use crate::dto::auth::{MeResponse, RefreshRequest, TokenRequest, TokenResponse, TokenType};
use crate::dto::common::FromNamed;
use crate::dto::users::ActivateRequest;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ValidJson;
use crate::state::AppState;

fn policy(state: &AppState) -> SessionPolicy {
    SessionPolicy {
        session_ttl: Duration::seconds(state.config.session_ttl_secs),
        refresh_ttl: Duration::seconds(state.config.refresh_ttl_secs),
    }
}

fn token_response(
    state: &AppState,
    grant: &SessionGrant,
    new_refresh: String,
) -> ApiResult<HttpResponse> {
    let u = &grant.user;
    let access_token = state
        .jwt
        .issue(u.id, u.org_id, u.role.as_str(), grant.session_id)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: TokenType::Bearer,
            expires_in: state.jwt.access_ttl_secs,
            refresh_token: new_refresh,
            refresh_expires_in: state
                .config
                .refresh_ttl_secs
                .min(state.config.session_ttl_secs),
        }))
}

const BAD_CREDENTIALS: ApiError = ApiError::Unauthorized {
    code: "invalid_credentials",
    detail: "the username or password is wrong, or the account is locked or disabled",
};

/// Takes one attempt from the client address's and the username's login budgets, or answers
/// 429; the tighter of the two goes out as the `RateLimit` headers. Counted in the database:
/// every server of a deployment shares one budget per client address and per username (a
/// further server does not add password guesses).
async fn take_login_slots(req: &HttpRequest, state: &AppState, username: &str) -> ApiResult<()> {
    let ip = req.peer_addr().map(|a| a.ip().to_string());
    let user_key = format!("user:{username}");
    let (per_ip, per_user) = (
        state.config.login_per_minute,
        state.config.login_per_username_per_minute,
    );
    let windows = state
        .db
        .run(move |conn| {
            let by_ip = match ip {
                Some(ip) => Some(repo::take_login_slot(conn, &format!("ip:{ip}"))?),
                None => None,
            };
            // An address already over its budget does not spend the username's.
            if by_ip.is_some_and(|w| w.over(per_ip).is_some()) {
                return Ok((by_ip, None));
            }
            Ok((by_ip, Some(repo::take_login_slot(conn, &user_key)?)))
        })
        .await?;
    let mut wait = None;
    for (window, limit) in [(windows.0, per_ip), (windows.1, per_user)] {
        let Some(window) = window else { continue };
        crate::ratelimit::Budget {
            policy: "login",
            quota: limit,
            window_secs: 60,
            remaining: limit.saturating_sub(window.attempts),
            reset_secs: window.reset_secs,
        }
        .note(req);
        wait = wait.or(window.over(limit));
    }
    match wait {
        Some(retry_after_secs) => Err(ApiError::TooManyRequests { retry_after_secs }),
        None => Ok(()),
    }
}

/// Activates an account created with a one-time code: the user chooses the password (the
/// creator never knew one). A wrong, used or expired code and an unknown username answer alike
/// (400 `activation_invalid`); attempts count against the login limits.
#[utoipa::path(
    tag = "auth",
    request_body = ActivateRequest,
    responses(
        (status = 204, description = "Activated: log in with the new password"),
        (status = 400, description = "Invalid code or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/activate")]
pub async fn create_activation(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<ActivateRequest>,
) -> ApiResult<HttpResponse> {
    let ValidJson(ActivateRequest {
        username,
        activation_code,
        password,
    }) = body;
    let username = username.trim().to_lowercase();
    take_login_slots(&req, &state, &username).await?;
    hamkke_domain::password::check(&password, &username)?;
    let hash = web::block(move || auth::hash_password(&password))
        .await
        .map_err(|_| ApiError::Internal)??;
    let code_hash = auth::activation_hash(&activation_code);
    let ctx = request_ctx(&req);
    state
        .db
        .run(move |conn| {
            hamkke_persistence::repo::users::activate(conn, &ctx, &username, &code_hash, &hash)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Logs in with username and password.
///
/// Unknown users, wrong passwords, locked and disabled accounts all get the same answer.
/// Five wrong passwords in a row lock the account for 15 minutes.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Tokens issued", body = TokenResponse),
        (status = 401, description = "Wrong credentials, locked or disabled account", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many login attempts from this address", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let ValidJson(TokenRequest { username, password }) = body;
    take_login_slots(&req, &state, &username.trim().to_lowercase()).await?;
    let ctx = request_ctx(&req);
    let policy = policy(&state);
    let (new_refresh, refresh_hash) = auth::new_refresh_token();
    let grant = state
        .db
        .run(move |conn| {
            let candidate = repo::find_login(conn, &username)?;
            let now = hamkke_domain::now();
            let failure = match &candidate {
                None => {
                    auth::verify_dummy(&password);
                    Some(LoginFailure::UnknownUser)
                }
                Some(c) => {
                    let password_ok = auth::verify_password(&c.password_hash, &password);
                    if hamkke_domain::user::is_locked(c.locked_until, now) {
                        Some(LoginFailure::Locked)
                    } else if !password_ok {
                        Some(LoginFailure::BadPassword)
                    } else if !c.active {
                        Some(LoginFailure::Inactive)
                    } else {
                        None
                    }
                }
            };
            let user_id = candidate.map(|c| c.user_id);
            match (failure, user_id) {
                (None, Some(id)) => {
                    repo::start_session(conn, &ctx, id, &refresh_hash, policy).map(Some)
                }
                (why, _) => {
                    repo::record_failed_login(
                        conn,
                        &ctx,
                        user_id,
                        why.unwrap_or(LoginFailure::UnknownUser),
                    )?;
                    Ok(None)
                }
            }
        })
        .await?
        .ok_or(BAD_CREDENTIALS)?;
    token_response(&state, &grant, new_refresh)
}

/// Exchanges a refresh token for new tokens.
///
/// The presented refresh token is spent. Presenting a spent token again revokes the whole
/// session: it was probably copied.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, expired, spent or revoked refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let presented = auth::hash_refresh_token(&body.0.refresh_token);
    let (new_refresh, new_hash) = auth::new_refresh_token();
    let ctx = request_ctx(&req);
    let policy = policy(&state);
    let outcome = state
        .db
        .run(move |conn| repo::rotate_refresh(conn, &ctx, &presented, &new_hash, policy))
        .await?;
    match outcome {
        RefreshOutcome::Rotated(grant) => token_response(&state, &grant, new_refresh),
        RefreshOutcome::Invalid => Err(ApiError::Unauthorized {
            code: "invalid_refresh_token",
            detail: "the refresh token is unknown, expired or revoked; log in again",
        }),
        RefreshOutcome::Reused => Err(ApiError::Unauthorized {
            code: "refresh_token_reused",
            detail: "this refresh token was already used; the session has been ended, log in again",
        }),
    }
}

/// Ends the caller's session: its refresh token and every access token of it stop working.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Logged out"))
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, auth: AuthUser) -> ApiResult<HttpResponse> {
    let AuthUser {
        session_id, ctx, ..
    } = auth;
    state
        .db
        .run(move |conn| repo::end_session(conn, &ctx, session_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own account and organization.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = MeResponse))
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, auth: AuthUser) -> ApiResult<HttpResponse> {
    let actor = auth.actor;
    let (user, org) = state.db.run(move |conn| repo::me(conn, &actor)).await?;
    let mut user = crate::dto::users::UserView::named(user, &Default::default());
    user.org_name.clone_from(&org.name);
    Ok(HttpResponse::Ok().json(MeResponse {
        user,
        organization: org.into(),
    }))
}
