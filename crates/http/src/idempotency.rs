//! `Idempotency-Key` on POST requests: the first request with a key runs and its response is
//! stored (encrypted, for 24 hours); the same user repeating the same request with the same key
//! gets that response again, marked `Idempotent-Replayed: true`, and nothing runs twice. The
//! same key with a different request is a 422; while the first is still running, a 409.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, FromRequest, HttpMessage, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hamkke_persistence::repo::idempotency::{self, Claim};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "Idempotency-Key";
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// Response headers worth replaying.
const KEPT: [&str; 4] = ["content-type", "etag", "location", "retry-after"];

/// A stored response, sealed with the data key before it reaches the database.
#[derive(Serialize, Deserialize)]
struct Stored {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// Whether the request takes part: a POST under the API (not the token endpoints, whose
/// responses are secrets) carrying the header.
fn key_of(req: &ServiceRequest) -> Option<Result<String, ApiError>> {
    let path = req.path();
    if req.method() != Method::POST
        || !path.starts_with("/api/v1/")
        || path.starts_with("/api/v1/auth/")
    {
        return None;
    }
    let raw = req.headers().get("idempotency-key")?;
    let key = raw
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::field(
                HEADER,
                "invalid_format",
                "1 to 255 visible ASCII characters, e.g. a UUID",
            )
        });
    Some(key)
}

fn fingerprint(req: &ServiceRequest, body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [
        req.method().as_str().as_bytes(),
        req.path().as_bytes(),
        req.query_string().as_bytes(),
        req.headers()
            .get("content-type")
            .map(HeaderValue::as_bytes)
            .unwrap_or_default(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.update(body);
    hex::encode(h.finalize())
}

fn payload_of(body: web::Bytes) -> Payload {
    let stream =
        futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    Payload::Stream {
        payload: Box::pin(stream),
    }
}

/// Responses that say nothing final about the request are not kept, so a retry runs again:
/// server errors, authentication, timeouts and rate limits.
fn keep(status: StatusCode) -> bool {
    !(status.is_server_error()
        || status == StatusCode::UNAUTHORIZED
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS)
}

fn replay(stored: Stored) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    for (name, value) in stored.headers {
        res.insert_header((name, value));
    }
    res.insert_header((REPLAYED, "true"));
    res.body(STANDARD.decode(stored.body).unwrap_or_default())
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut payload = req.take_payload();
    crate::extract::read_limited(&mut payload, limit).await
}

/// Where the API serves a resource the audit trail names as `type/id`.
fn location_of(resource: &str) -> Option<String> {
    let (kind, id) = resource.split_once('/')?;
    let collection = match kind {
        "person" => "persons",
        "household" => "households",
        "case" => "cases",
        "meeting" => "meetings",
        "referral" => "referrals",
        "allocation" => "allocations",
        "resource" => "resources",
        "user" => "users",
        "organization" => "organizations",
        "person_transfer" => "person-transfers",
        _ => return None,
    };
    Some(format!("/api/v1/{collection}/{id}"))
}

/// The answer to a retry whose first request committed but never stored its response (the
/// server stopped in between): 303 to what it created or changed when that has an address,
/// else 200; either way the body says so and nothing runs twice.
fn committed(resource: Option<String>) -> HttpResponse {
    let location = resource.as_deref().and_then(location_of);
    let body = serde_json::json!({
        "code": "idempotent_request_committed",
        "detail": "the first request with this Idempotency-Key was carried out; its response was not kept",
        "resource": resource,
        "location": location,
    });
    let mut res = match &location {
        Some(_) => HttpResponse::SeeOther(),
        None => HttpResponse::Ok(),
    };
    if let Some(l) = location {
        res.insert_header((actix_web::http::header::LOCATION, l));
    }
    res.insert_header((REPLAYED, "true")).json(body)
}

/// Gives the key back after an answer that settles nothing. When the database cannot be
/// reached to do so (the answer was a 503 because it went away), the release is retried in
/// the background until it lands, so a retry after a failover runs within seconds rather
/// than waiting out the claim's lease.
async fn release(state: &web::Data<AppState>, user: Uuid, key: String, token: String) {
    if release_once(state, user, &key, &token).await {
        return;
    }
    let state = state.clone();
    let tries = state.config.idempotency_lease_secs.max(1) * 2;
    actix_web::rt::spawn(async move {
        for _ in 0..tries {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
            if release_once(&state, user, &key, &token).await {
                return;
            }
        }
        tracing::warn!("an idempotency key could not be released; it frees when its lease ends");
    });
}

/// One try at giving the key back; whether the database took it.
async fn release_once(state: &web::Data<AppState>, user: Uuid, key: &str, token: &str) -> bool {
    let (key, token) = (key.to_owned(), token.to_owned());
    state
        .db
        .run(move |c| idempotency::release(c, user, &key, &token))
        .await
        .is_ok()
}

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match key_of(&req) {
        None => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
        Some(Err(e)) => return Ok(req.error_response(e)),
        Some(Ok(key)) => key,
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.error_response(ApiError::Internal));
    };
    let auth = AuthUser::from_request(req.request(), &mut Payload::None).await;
    let mut auth = match auth {
        Ok(a) => a,
        Err(e) => return Ok(req.error_response(e)),
    };
    let user: Uuid = auth.actor.user_id;
    // A change the request makes marks the key committed in its own transaction. Not so for
    // an import: its rows commit one by one and are idempotent by row key, so a retry after a
    // crash runs it again and finishes what the first run did not.
    if !crate::routes::is_import(req.path()) {
        auth.ctx.idempotency = Some((user, key.clone()));
    }
    // The handler reuses this authentication instead of loading the session again.
    req.extensions_mut().insert(auth);
    // Imports and uploads take their own, larger limits, with or without a key.
    let limit = crate::routes::body_limit(req.path(), &state.config);
    let body = match read_body(&mut req, limit).await {
        Ok(b) => b,
        Err(e) => return Ok(req.error_response(e)),
    };
    let fp = fingerprint(&req, &body);
    req.set_payload(payload_of(body));
    let claim_key = key.clone();
    let lease = state.config.idempotency_lease_secs;
    let token = Uuid::now_v7().to_string();
    let claim_token = token.clone();
    let claim = state
        .db
        .run(move |c| idempotency::claim(c, user, &claim_key, &fp, lease, &claim_token))
        .await;
    match claim {
        Err(e) => {
            // The claim may have committed with its answer lost (the database went away):
            // give it back, if it is ours, so the retry need not wait out the lease.
            if matches!(e, ApiError::Unavailable) {
                release(&state, user, key, token).await;
            }
            Ok(req.error_response(e))
        }
        Ok(Claim::Mismatch) => Ok(req.error_response(ApiError::Unprocessable {
            code: "idempotency_key_reused",
            detail: "this Idempotency-Key was used for a different request; use a new key".into(),
        })),
        Ok(Claim::InProgress) => Ok(req.error_response(ApiError::Conflict {
            code: "idempotency_key_in_progress",
            detail: "a request with this Idempotency-Key is still running; retry shortly".into(),
            extensions: None,
        })),
        Ok(Claim::Committed { resource }) => Ok(req.into_response(committed(resource))),
        Ok(Claim::Replay { response, .. }) => {
            let stored = state
                .person_keys
                .open(&response)
                .and_then(|plain| serde_json::from_slice::<Stored>(&plain).ok());
            match stored {
                Some(stored) => Ok(req.into_response(replay(stored))),
                None => Ok(req.error_response(ApiError::Internal)),
            }
        }
        Ok(Claim::New) => {
            let res = next.call(req).await;
            let res = match res {
                Ok(res) => res,
                Err(e) => {
                    release(&state, user, key, token).await;
                    return Err(e);
                }
            };
            let status = res.status();
            let (http_req, res) = res.into_parts();
            let (head, body) = res.into_parts();
            let bytes = to_bytes(body).await.unwrap_or_default();
            if keep(status) && bytes.len() <= state.config.idempotency_kept_max_bytes {
                let stored = Stored {
                    status: status.as_u16(),
                    headers: KEPT
                        .iter()
                        .filter_map(|name| {
                            let v = head.headers().get(*name)?.to_str().ok()?;
                            Some(((*name).to_owned(), v.to_owned()))
                        })
                        .collect(),
                    body: STANDARD.encode(&bytes),
                };
                let sealed = state
                    .person_keys
                    .seal(&serde_json::to_vec(&stored).unwrap_or_default());
                let code = status.as_u16();
                let stored_key = key.clone();
                let kept = state
                    .db
                    .run(move |c| idempotency::store(c, user, &stored_key, code, &sealed))
                    .await;
                if kept.is_err() {
                    // The answer is in hand but could not be kept (the database went away
                    // after the change committed): it is still the answer; a retry is told
                    // what committed once the key is given back.
                    release(&state, user, key, token).await;
                }
            } else {
                // Nothing final to keep, or too large to keep: the key is given back — a retry
                // runs again if nothing committed, or is answered with what did (303 to it).
                release(&state, user, key, token).await;
            }
            let res = head.set_body(BoxBody::new(bytes));
            Ok(ServiceResponse::new(http_req, res))
        }
    }
}
