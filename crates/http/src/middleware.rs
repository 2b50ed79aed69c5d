//! Per-request plumbing: request id, access log, metrics, security headers.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};

use crate::auth::RequestId;
use crate::state::AppState;

/// The API docs (Swagger UI, vendored): the dashboard's policy — scripts, styles and data only
/// from this origin, nothing framed, no forms — and the one inline style element Swagger UI
/// adds, by its hash (nothing else inline).
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; \
style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn accept_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| s.to_owned())
}

/// Gives every request an id (the caller's `X-Request-Id` if sane), logs one line per request
/// (method, route pattern, status, time: never the path's values, query or body), counts it
/// and sets the security headers (API responses: `no-store` and a deny-all content policy).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let start = Instant::now();
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(accept_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let is_api = req.path().starts_with("/api/");
    let is_docs = req.path().starts_with("/docs");
    // The route table matches without regular expressions; the few paths outside the API
    // contract (the API docs, the dashboard's files) ask actix's router.
    let pattern = req
        .app_data::<web::Data<crate::openapi::RouteTable>>()
        .and_then(|t| t.pattern(req.path()).map(str::to_owned))
        .or_else(|| req.match_pattern())
        .unwrap_or_else(|| "unmatched".into());
    // Every line logged while handling the request carries its id, method and route.
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %pattern);
    let if_none_match = (req.method() == actix_web::http::Method::GET)
        .then(|| req.headers().get(header::IF_NONE_MATCH).cloned())
        .flatten();
    let db_time = crate::db::DbTime::default();
    let mut res = crate::db::DB_TIME
        .scope(
            db_time.clone(),
            tracing::Instrument::instrument(next.call(req), span),
        )
        .await?;
    let status = res.status().as_u16();
    let elapsed = start.elapsed();
    let server_timing = state.as_ref().is_some_and(|s| s.config.server_timing);
    if let Some(state) = state {
        state
            .metrics
            .observe(&method, &pattern, status, elapsed.as_secs_f64());
    }
    let budget = res
        .request()
        .extensions()
        .get::<crate::ratelimit::Budget>()
        .copied();
    let headers = res.headers_mut();
    if let Some(budget) = budget {
        budget.write(headers);
    }
    if server_timing {
        let timing = format!(
            "db;dur={:.3};desc=\"{} statements\"",
            db_time.millis(),
            db_time.statements()
        );
        if let Ok(v) = HeaderValue::from_str(&timing) {
            headers.insert(header::HeaderName::from_static("server-timing"), v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(X_REQUEST_ID, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000"),
    );
    if is_docs {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
    }
    if is_api {
        // JSON only: nothing on an API response may run, load or be framed.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
    // A GET whose ETag the caller already holds (If-None-Match, weak comparison) answers 304
    // without the body.
    let not_modified = status == 200
        && match (&if_none_match, res.headers().get(header::ETAG)) {
            (Some(wanted), Some(tag)) => etag_matches(wanted, tag),
            _ => false,
        };
    let status = if not_modified { 304 } else { status };
    tracing::info!(
        request_id = %id,
        method = %method,
        route = %pattern,
        status,
        // (to the microsecond: a float's long tail of digits can look like anything)
        duration_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3,
        db_ms = db_time.millis(),
        db_statements = db_time.statements(),
        "request"
    );
    if not_modified {
        let mut unchanged = actix_web::HttpResponse::NotModified();
        for name in [
            header::ETAG,
            header::CACHE_CONTROL,
            header::VARY,
            HeaderName::from_static("x-request-id"),
        ] {
            if let Some(v) = res.headers().get(&name) {
                unchanged.insert_header((name.clone(), v.clone()));
            }
        }
        let request = res.request().clone();
        return Ok(ServiceResponse::new(request, unchanged.finish()).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

/// Whether `If-None-Match` names the response's tag: `*`, or any listed tag equal to it when
/// weakness is ignored (RFC 9110 §13.1.2).
fn etag_matches(wanted: &HeaderValue, tag: &HeaderValue) -> bool {
    let (Ok(wanted), Ok(tag)) = (wanted.to_str(), tag.to_str()) else {
        return false;
    };
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let tag = opaque(tag);
    wanted.trim() == "*" || wanted.split(',').any(|w| opaque(w) == tag)
}

/// Authenticates every request to a secured API path: the token is verified here, without the
/// database, and the session is confirmed inside the handler's own database call (`Caller`,
/// `DbHandle::as_user`), or by the handler's `AuthUser`. An answer that leaves unconfirmed (an
/// extractor refused the path, query or body) is confirmed first, so an anonymous or stale
/// caller learns nothing from validation errors. Unknown paths answer 404 (and known ones 405
/// for another method) to anyone; public paths go to their handler.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, Error> {
    const PUBLIC: [&str; 3] = [
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/auth/activate",
    ];
    let path = req.path().to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let routes = req
        .app_data::<web::Data<crate::openapi::RouteTable>>()
        .cloned();
    // Only a refused or unconfirmed caller pays for matching the route table.
    let known = || routes.as_ref().is_some_and(|t| t.allowed(&path).is_some());
    let verified = match &state {
        _ if !path.starts_with("/api/v1/") || PUBLIC.contains(&path.as_str()) => None,
        Some(state) => Some(crate::auth::TokenCaller::verify(req.request(), state)),
        None => Some(Err(crate::error::ApiError::Internal)),
    };
    let token = match verified {
        None => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
        Some(Err(e)) if known() => return Ok(req.error_response(e)),
        Some(Err(_)) => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
        Some(Ok(token)) => token,
    };
    req.extensions_mut().insert(token.clone());
    let res = next.call(req).await;
    if token.confirmed() || !known() {
        return res.map(ServiceResponse::map_into_boxed_body);
    }
    match (refusal(state, &token).await, res) {
        (None, res) => res.map(ServiceResponse::map_into_boxed_body),
        (Some(refused), Ok(res)) => {
            use actix_web::ResponseError;
            let (request, _) = res.into_parts();
            Ok(ServiceResponse::new(request, refused.error_response()))
        }
        (Some(refused), Err(_)) => Err(refused.into()),
    }
}

/// Refuses query strings that hold control characters or impossible dates (400), before any
/// handler or database sees them: no input may turn into a database error.
pub async fn check_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, Error> {
    let query = req.query_string();
    if !query.is_empty() {
        if let Ok(pairs) = web::Query::<Vec<(String, String)>>::from_query(query) {
            for (k, v) in pairs.iter() {
                if hamkke_domain::text::has_forbidden(k) || hamkke_domain::text::has_forbidden(v) {
                    return Ok(req.error_response(crate::extract::invalid_characters()));
                }
                if crate::extract::out_of_range_date(v) {
                    return Ok(req.error_response(crate::extract::date_out_of_range()));
                }
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// Problem documents in the caller's language (`Accept-Language`, else `HAMKKE_DEFAULT_LANG`):
/// Korean titles, details and field messages from `i18n`'s catalogue; `Content-Language` says
/// which. Other responses pass untouched.
pub async fn localize(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, Error> {
    let lang = crate::i18n::request_lang(req.request());
    let res = next.call(req).await?;
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == crate::error::PROBLEM_JSON.as_bytes());
    if !is_problem {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut doc) => {
            crate::i18n::localize(&mut doc, lang);
            serde_json::to_vec(&doc).unwrap_or_else(|_| bytes.to_vec())
        }
        Err(_) => bytes.to_vec(),
    };
    head.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    let res = head.set_body(actix_web::body::BoxBody::new(body));
    Ok(ServiceResponse::new(req, res))
}

/// Why a caller whose handler never confirmed the session (an extractor refused the path,
/// query or body; a handler that needed no database) may not have its answer: a logged-out,
/// disabled or stale caller gets 401 (403 for a temporary password), not what the request
/// would have told it. `None` when the session is live.
async fn refusal(
    state: Option<web::Data<AppState>>,
    token: &crate::auth::TokenCaller,
) -> Option<crate::error::ApiError> {
    let Some(state) = state else {
        return Some(crate::error::ApiError::Internal);
    };
    let checking = token.clone();
    match state.db.run(move |conn| checking.confirm(conn)).await {
        Ok(Ok(_)) => None,
        Ok(Err(refused)) | Err(refused) => Some(refused),
    }
}
