//! Access tokens (JWT; HS256 or EdDSA, pinned), password hashing (Argon2id), refresh tokens, and the
//! `AuthUser` extractor that turns a bearer token into a freshly loaded `Actor`.

use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use hamkke_domain::authz::Actor;
use hamkke_persistence::audit::AuditCtx;
use hamkke_persistence::repo::auth as auth_repo;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::{Config, ConfigError};
use crate::error::ApiError;
use crate::state::AppState;

/// Token issuer and audience; both are checked on every request.
pub const ISSUER: &str = "hamkke";
pub const AUDIENCE: &str = "hamkke-api";
/// Clock leeway for `exp`/`nbf`.
pub const LEEWAY_SECS: u64 = 30;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub org: Uuid,
    pub role: String,
    /// The session (refresh family) the token belongs to; logout ends it.
    pub sid: Uuid,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: Uuid,
}

/// Signing and verification keys with the pinned validation rules.
pub struct JwtKeys {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl_secs: i64,
}

fn pinned_validation(algorithm: Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.algorithms = vec![algorithm];
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECS;
    validation
}

impl JwtKeys {
    /// An EdDSA key pair from a PKCS#8 PEM Ed25519 private key; the public half is derived.
    pub fn from_ed25519_pem(pem: &str, access_ttl_secs: i64) -> Result<Self, ConfigError> {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        let bad = |reason: &str| ConfigError {
            name: "HAMKKE_JWT_ED25519_KEY_FILE",
            reason: reason.into(),
        };
        let signing = ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map_err(|_| bad("not a PKCS#8 PEM Ed25519 private key"))?;
        let encoding = EncodingKey::from_ed_pem(pem.as_bytes())
            .map_err(|_| bad("not a PKCS#8 PEM Ed25519 private key"))?;
        Ok(Self {
            algorithm: Algorithm::EdDSA,
            encoding,
            decoding: DecodingKey::from_ed_der(signing.verifying_key().as_bytes()),
            validation: pinned_validation(Algorithm::EdDSA),
            access_ttl_secs,
        })
    }

    /// An HS256 key pair from a secret of at least 32 bytes.
    pub fn from_secret(secret: &[u8], access_ttl_secs: i64) -> Result<Self, ConfigError> {
        if secret.len() < 32 {
            return Err(ConfigError {
                name: "HAMKKE_JWT_SECRET",
                reason: "must be at least 32 bytes".into(),
            });
        }
        Ok(Self {
            algorithm: Algorithm::HS256,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation: pinned_validation(Algorithm::HS256),
            access_ttl_secs,
        })
    }

    /// Keys from configuration. Without `HAMKKE_JWT_SECRET`, embedded (SQLite) mode generates a
    /// secret once into the data directory; PostgreSQL deployments must set one.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        if let Some(path) = &config.jwt_ed25519_key_file {
            let pem = std::fs::read_to_string(path).map_err(|e| ConfigError {
                name: "HAMKKE_JWT_ED25519_KEY_FILE",
                reason: format!("cannot read {}: {e}", path.display()),
            })?;
            return Self::from_ed25519_pem(&pem, config.access_ttl_secs);
        }
        let secret = crate::secrets::configured_or_generated(
            config,
            "HAMKKE_JWT_SECRET",
            config.jwt_secret.as_deref(),
            "jwt-secret",
            || {
                let mut bytes = [0u8; 48];
                OsRng.fill_bytes(&mut bytes);
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
            },
        )?;
        Self::from_secret(secret.as_bytes(), config.access_ttl_secs)
    }

    /// Issues an access token for a session.
    pub fn issue(
        &self,
        user_id: Uuid,
        org_id: Uuid,
        role: &str,
        session_id: Uuid,
    ) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            org: org_id,
            role: role.to_owned(),
            sid: session_id,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            exp: now + self.access_ttl_secs,
            nbf: now,
            iat: now,
            jti: Uuid::now_v7(),
        };
        encode(&Header::new(self.algorithm), &claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "cannot sign an access token");
            ApiError::Internal
        })
    }

    /// Verifies signature, algorithm, issuer, audience and times.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => ApiError::Unauthorized {
                        code: "token_expired",
                        detail: "the access token has expired; refresh it",
                    },
                    _ => ApiError::Unauthorized {
                        code: "invalid_token",
                        detail: "the access token is not valid",
                    },
                }
            })
    }
}

/// Hashes a password with Argon2id (m = 19 MiB, t = 2, p = 1).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ApiError::Internal)
}

/// Checks a password against a stored hash.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"no such user, same cost", &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Spends the same time as a real check, so unknown users cannot be told apart by timing.
pub fn verify_dummy(password: &str) {
    let _ = verify_password(&DUMMY_HASH, password);
}

/// A new opaque refresh token and the hash that is stored.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The request id set by the middleware.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Audit context of an anonymous request: its id and client address.
pub fn request_ctx(req: &HttpRequest) -> AuditCtx {
    AuditCtx {
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        ip: req.peer_addr().map(|a| a.ip().to_string()),
        ..AuditCtx::default()
    }
}

/// Purposes a caller may declare for reading personal data (`X-Access-Purpose`).
pub const ACCESS_PURPOSES: [&str; 5] =
    ["case_management", "meeting", "allocation", "audit", "other"];

/// The declared purpose of access, if any; an unknown purpose is a bad request.
fn access_purpose(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get("x-access-purpose") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|p| ACCESS_PURPOSES.contains(p))
            .map(|p| Some(p.to_owned()))
            .ok_or_else(|| {
                ApiError::field(
                    "X-Access-Purpose",
                    "invalid_value",
                    "expected case_management, meeting, allocation, audit or other",
                )
            }),
    }
}

use actix_web::HttpMessage;

/// An authenticated caller: verified token, session still live, user and organization active,
/// role and organization as they are now (not as they were when the token was issued).
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub actor: Actor,
    pub session_id: Uuid,
    pub ctx: AuditCtx,
}

/// What a user with a temporary password (set by an administrator) may still do: read who
/// they are, log out, and set their own password.
fn changes_own_password_or_leaves(req: &HttpRequest, user_id: Uuid) -> bool {
    let path = req.path();
    match *req.method() {
        actix_web::http::Method::GET => path == "/api/v1/me",
        actix_web::http::Method::POST => path == "/api/v1/auth/logout",
        actix_web::http::Method::PATCH => path == format!("/api/v1/users/{user_id}"),
        _ => false,
    }
}

/// Requests that change nothing but the audit trail: their events go to the group-commit
/// writer. The duplicate check is a POST that only reads.
fn reads_only(req: &HttpRequest) -> bool {
    match *req.method() {
        actix_web::http::Method::GET | actix_web::http::Method::HEAD => true,
        actix_web::http::Method::POST => req.path() == "/api/v1/allocations/check",
        _ => false,
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let missing = ApiError::Unauthorized {
        code: "missing_token",
        detail: "send Authorization: Bearer <access token>",
    };
    let value = req.headers().get(header::AUTHORIZATION).ok_or(missing)?;
    let value = value.to_str().map_err(|_| ApiError::Unauthorized {
        code: "invalid_token",
        detail: "the access token is not valid",
    })?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(ApiError::Unauthorized {
            code: "invalid_token",
            detail: "the access token is not valid",
        }),
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(done) = req.extensions().get::<AuthUser>() {
            let done = done.clone();
            return Box::pin(async move { Ok(done) });
        }
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or(ApiError::Internal)?
                .clone();
            let claims = state.jwt.verify(&bearer(&req)?)?;
            let (sub, sid) = (claims.sub, claims.sid);
            let (actor, must_change_password) = state
                .db
                .run(move |conn| auth_repo::load_actor(conn, sub, sid))
                .await?
                .ok_or(ApiError::Unauthorized {
                    code: "session_ended",
                    detail: "the session has ended; log in again",
                })?;
            if must_change_password && !changes_own_password_or_leaves(&req, actor.user_id) {
                return Err(ApiError::PasswordChangeRequired);
            }
            let mut ctx = request_ctx(&req);
            ctx.purpose = access_purpose(&req)?;
            ctx.user_id = Some(actor.user_id);
            ctx.org_id = Some(actor.org_id);
            ctx.role = Some(actor.role.as_str().to_owned());
            ctx.read_only = reads_only(&req);
            Ok(AuthUser {
                actor,
                session_id: sid,
                ctx,
            })
        })
    }
}
