//! Access tokens (JWT; HS256 or EdDSA, pinned), password hashing (Argon2id), refresh tokens, and the
//! `AuthUser` extractor that turns a bearer token into a freshly loaded `Actor`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{LazyLock, Mutex};

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
    /// Tokens verified here, with their claims (see [`JwtKeys::verify`]).
    verified: Mutex<HashMap<Box<str>, Claims>>,
}

/// At most this many verified tokens are kept; when full, the map starts afresh.
const VERIFIED_KEPT: usize = 4096;

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
            verified: Mutex::default(),
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
            verified: Mutex::default(),
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
    ///
    /// A client sends the same token with every request while it lasts, and checking its
    /// signature and parsing its claims was a sixth of an HTTP worker's time per read
    /// (bench/RESULTS.md, #33): a token equal byte for byte to one verified here before is
    /// taken with the claims it had then, and only its times are checked again, by the same
    /// rules. Whether its session still holds is decided by the database at every request, as
    /// before.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        if let Some(claims) = self.kept().get(token) {
            return in_time(claims, jsonwebtoken::get_current_timestamp()).map(|()| claims.clone());
        }
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => expired(),
                _ => invalid_token(),
            })?;
        let mut kept = self.kept();
        if kept.len() >= VERIFIED_KEPT {
            kept.clear();
        }
        kept.insert(token.into(), claims.clone());
        Ok(claims)
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Claims>> {
        self.verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The validation's rules on times (`pinned_validation`) for claims verified before, at `now`
/// (seconds since the epoch).
fn in_time(claims: &Claims, now: u64) -> Result<(), ApiError> {
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    let leeway = LEEWAY_SECS as i64;
    if claims.exp < now.saturating_sub(leeway) {
        return Err(expired());
    }
    if claims.nbf > now.saturating_add(leeway) {
        return Err(invalid_token());
    }
    Ok(())
}

fn expired() -> ApiError {
    ApiError::Unauthorized {
        code: "token_expired",
        detail: "the access token has expired; refresh it",
    }
}

fn invalid_token() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_token",
        detail: "the access token is not valid",
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

/// A random secret nobody is told: the password of an account waiting for activation.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A one-time activation code: 20 characters of an alphabet without look-alikes, in groups of
/// five (98 bits), e.g. `K7QXM-2RTVC-…`.
pub fn activation_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::thread_rng();
    let chars: Vec<char> = (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// What is stored of an activation code: the SHA-256 of its letters (case and dashes as the
/// user may type them do not matter).
pub fn activation_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
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
            .ok_or_else(bad_purpose),
    }
}

fn bad_purpose() -> ApiError {
    ApiError::field(
        "X-Access-Purpose",
        "invalid_value",
        "expected case_management, meeting, allocation, audit or other",
    )
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
        let verified = req.extensions().get::<TokenCaller>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or(ApiError::Internal)?
                .clone();
            let token = match verified {
                Some(token) => token,
                None => TokenCaller::verify(&req, &state)?,
            };
            let loading = token.clone();
            let (actor, ctx) = state.db.run(move |conn| loading.confirm(conn)).await??;
            let user = AuthUser {
                actor,
                session_id: token.session_id,
                ctx,
            };
            req.extensions_mut().insert(user.clone());
            Ok(user)
        })
    }
}

/// A caller whose token is verified (signature, algorithm, issuer, audience, times) but whose
/// session, user, organization and declared purpose are confirmed only inside the handler's
/// own blocking call, on its connection: one trip to the database per request instead of two.
/// A response that leaves without that confirmation (an extractor refused the body, say) is
/// confirmed by `middleware::authenticate` first, so a stale caller still gets 401 and learns
/// nothing from validation errors.
#[derive(Debug, Clone)]
pub struct TokenCaller {
    pub user_id: Uuid,
    pub session_id: Uuid,
    /// The request's part of the audit context; the actor's part is filled on confirmation.
    ctx: AuditCtx,
    temporary_password_ok: bool,
    /// The declared purpose was not one of `ACCESS_PURPOSES`: refused, after the session.
    bad_purpose: bool,
    confirmed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl TokenCaller {
    /// Verifies the bearer token, without the database. A bad declared purpose is refused by
    /// `confirm`, after the session, so a stale caller learns nothing from it.
    pub fn verify(req: &HttpRequest, state: &AppState) -> Result<Self, ApiError> {
        let claims = state.jwt.verify(&bearer(req)?)?;
        let mut ctx = request_ctx(req);
        let purpose = access_purpose(req);
        let bad_purpose = purpose.is_err();
        ctx.purpose = purpose.unwrap_or_default();
        ctx.read_only = reads_only(req);
        Ok(Self {
            user_id: claims.sub,
            session_id: claims.sid,
            ctx,
            temporary_password_ok: changes_own_password_or_leaves(req, claims.sub),
            bad_purpose,
            confirmed: Default::default(),
        })
    }

    /// Whether the request only reads (its events go to the group-commit writer).
    pub fn read_only(&self) -> bool {
        self.ctx.read_only
    }

    /// Whether the session has been confirmed for this request.
    pub fn confirmed(&self) -> bool {
        self.confirmed.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Loads the actor as it is now: 401 when the session, user or organization has ended, 403
    /// when a temporary password must be changed first. The outer error is the database's.
    pub fn confirm(
        &self,
        conn: &mut hamkke_persistence::DbConn,
    ) -> Result<Result<(Actor, AuditCtx), ApiError>, hamkke_persistence::RepoError> {
        let Some((actor, must_change_password)) =
            auth_repo::load_actor(conn, self.user_id, self.session_id)?
        else {
            return Ok(Err(ApiError::Unauthorized {
                code: "session_ended",
                detail: "the session has ended; log in again",
            }));
        };
        if must_change_password && !self.temporary_password_ok {
            return Ok(Err(ApiError::PasswordChangeRequired));
        }
        if self.bad_purpose {
            return Ok(Err(bad_purpose()));
        }
        self.confirmed
            .store(true, std::sync::atomic::Ordering::Release);
        let mut ctx = self.ctx.clone();
        ctx.user_id = Some(actor.user_id);
        ctx.org_id = Some(actor.org_id);
        ctx.role = Some(actor.role.as_str().to_owned());
        Ok(Ok((actor, ctx)))
    }
}

/// Who is calling, as a handler that only works through `DbHandle::as_user` needs it: either
/// loaded already (by an earlier step of the request) or a verified token whose session is
/// confirmed inside the handler's database call.
#[derive(Debug, Clone)]
pub enum Caller {
    Loaded(AuthUser),
    Token(TokenCaller),
}

impl Caller {
    /// The calling user (the token's subject; confirmation checks it is still active).
    pub fn user_id(&self) -> Uuid {
        match self {
            Caller::Loaded(auth) => auth.actor.user_id,
            Caller::Token(token) => token.user_id,
        }
    }
}

impl From<AuthUser> for Caller {
    fn from(auth: AuthUser) -> Self {
        Caller::Loaded(auth)
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ext = req.extensions();
        let found = if let Some(done) = ext.get::<AuthUser>() {
            Ok(Caller::Loaded(done.clone()))
        } else if let Some(token) = ext.get::<TokenCaller>() {
            Ok(Caller::Token(token.clone()))
        } else {
            // Every secured path passes `middleware::authenticate`, which leaves one of the two.
            Err(ApiError::Internal)
        };
        std::future::ready(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh token of a new session.
    fn issued(keys: &JwtKeys) -> String {
        keys.issue(Uuid::now_v7(), Uuid::now_v7(), "caseworker", Uuid::now_v7())
            .unwrap()
    }

    fn refused_as(result: Result<Claims, ApiError>) -> &'static str {
        match result {
            Err(ApiError::Unauthorized { code, .. }) => code,
            other => panic!("not refused: {:?}", other.map(|c| c.jti)),
        }
    }

    #[test]
    fn a_token_verified_before_is_taken_again_only_byte_for_byte_and_in_time() {
        let keys = JwtKeys::from_secret(&[7u8; 32], 900).unwrap();
        let token = issued(&keys);
        let claims = keys.verify(&token).unwrap();
        assert!(keys.kept().contains_key(token.as_str()));
        assert_eq!(keys.verify(&token).unwrap().jti, claims.jti);

        // Another signature is verified afresh, and refused.
        let mut forged = token.clone();
        let last = if forged.ends_with('A') { "B" } else { "A" };
        forged.replace_range(forged.len() - 1.., last);
        assert_eq!(refused_as(keys.verify(&forged)), "invalid_token");
        assert!(!keys.kept().contains_key(forged.as_str()));

        // A kept token past its expiry (and the leeway) is refused as an unkept one is.
        let now = i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap();
        let leeway = LEEWAY_SECS as i64;
        let mut ran_out = claims.clone();
        ran_out.exp = now - leeway - 1;
        keys.kept().insert(token.as_str().into(), ran_out);
        assert_eq!(refused_as(keys.verify(&token)), "token_expired");
        let mut not_yet = claims.clone();
        not_yet.nbf = now + leeway + 60;
        keys.kept().insert(token.as_str().into(), not_yet);
        assert_eq!(refused_as(keys.verify(&token)), "invalid_token");

        // The edges of the leeway, as the validation draws them.
        let at = |secs: i64| u64::try_from(secs).unwrap();
        assert!(in_time(&claims, at(claims.exp + leeway)).is_ok());
        assert!(in_time(&claims, at(claims.exp + leeway + 1)).is_err());
        assert!(in_time(&claims, at(claims.nbf - leeway)).is_ok());
        assert!(in_time(&claims, at(claims.nbf - leeway - 1)).is_err());
    }

    #[test]
    fn the_kept_tokens_start_afresh_when_full() {
        let keys = JwtKeys::from_secret(&[7u8; 32], 900).unwrap();
        let token = issued(&keys);
        let claims = keys.verify(&token).unwrap();
        for n in 1..VERIFIED_KEPT {
            keys.kept().insert(format!("{n}").into(), claims.clone());
        }
        assert_eq!(keys.kept().len(), VERIFIED_KEPT);
        let other = issued(&keys);
        keys.verify(&other).unwrap();
        assert_eq!(keys.kept().len(), 1);
    }
}
