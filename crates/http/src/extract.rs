//! Request extractors that fail with problem+json: a strict JSON body, `If-Match`, paging,
//! and error handlers for actix's own path and query extractors.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::{PayloadError, QueryPayloadError};
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use base64::Engine;
use hamkke_persistence::repo::page::PageRequest;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, FieldError};

/// Default and maximum page sizes.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// A JSON body: `application/json`, within the size limit, no unknown fields, every field
/// valid. Serde's own messages are not echoed, since they can quote the (personal) input.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

/// Turns a serde error into a field error that names the field and what was expected,
/// never the value that was sent.
fn serde_field_error(path: String, message: &str) -> FieldError {
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    let quoted = |m: &str| {
        m.split('`')
            .nth(1)
            .map(str::to_owned)
            .filter(|n| n.len() <= 64)
    };
    // Path segments are keys the client sent: only names and indices are echoed.
    let path = path
        .trim_start_matches('.')
        .split('.')
        .filter(|seg| !seg.is_empty())
        .map(|seg| {
            let name = seg.split('[').next().unwrap_or(seg);
            let indices = &seg[name.len()..];
            let indices_ok = indices
                .chars()
                .all(|c| c.is_ascii_digit() || c == '[' || c == ']');
            if looks_like_identifier(name) && indices_ok {
                seg.to_owned()
            } else {
                "(unknown)".to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(".");
    let join = |name: Option<String>| match name {
        Some(n) if path.is_empty() => n,
        Some(n) if path == n || path.ends_with(&format!(".{n}")) => path.clone(),
        Some(n) => format!("{path}.{n}"),
        None => path.clone(),
    };
    let expected = message
        .split_once(", expected ")
        .or_else(|| message.split_once("expected "))
        .map(|(_, e)| e.to_owned());
    if message.starts_with("unknown field") {
        // The name is echoed only when it looks like a field name: a key can carry anything,
        // e.g. an RRN sent as a key.
        let name = quoted(message).map(|n| {
            if looks_like_identifier(&n) {
                n
            } else {
                "(unknown)".to_owned()
            }
        });
        FieldError {
            field: join(name),
            code: "unknown_field".into(),
            message: "is not a field of this request".into(),
        }
    } else if message.starts_with("missing field") {
        required(join(quoted(message)))
    } else if message.starts_with("invalid type") {
        FieldError {
            field: join(None),
            code: "invalid_type".into(),
            message: format!(
                "expected {}",
                expected.unwrap_or_else(|| "another type".into())
            ),
        }
    } else if message.starts_with("unknown variant") {
        FieldError {
            field: join(None),
            code: "invalid_value".into(),
            message: format!(
                "expected {}",
                expected.unwrap_or_else(|| "a known value".into())
            ),
        }
    } else {
        FieldError {
            field: join(None),
            code: "invalid_value".into(),
            message: "is not a valid value".into(),
        }
    }
}

/// A required field that is missing.
fn required(field: String) -> FieldError {
    FieldError {
        field,
        code: "required".into(),
        message: "is required".into(),
    }
}

fn looks_like_identifier(n: &str) -> bool {
    let mut chars = n.chars();
    n.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether a text value is shaped like a date (or date-time) whose year lies outside
/// 0001–9999: a signed or five-digit year, or year 0. Such values parse as dates but no
/// database keeps them, so they are refused before they reach one.
pub fn out_of_range_date(v: &str) -> bool {
    let b = v.trim().as_bytes();
    let (signed, digits) = match b.first() {
        Some(b'+' | b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let year_len = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    let rest = &digits[year_len..];
    let date_like = year_len >= 4
        && rest.len() >= 6
        && rest[0] == b'-'
        && rest[1..3].iter().all(u8::is_ascii_digit)
        && rest[3] == b'-'
        && rest[4..6].iter().all(u8::is_ascii_digit);
    date_like && (signed || year_len > 4 || digits[..4] == *b"0000")
}

/// Scans a JSON body for what no field may hold: control characters written as escapes
/// (`\u0000`; raw ones are already invalid JSON) and dates outside the supported range.
pub fn check_json_text(bytes: &[u8]) -> Result<(), ApiError> {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        // Inside a string: find its end, checking escapes.
        let start = i + 1;
        let mut j = start;
        let mut escaped = false;
        while j < bytes.len() && bytes[j] != b'"' {
            if bytes[j] == b'\\' {
                escaped = true;
                match bytes.get(j + 1) {
                    Some(b'u') => {
                        let code = bytes
                            .get(j + 2..j + 6)
                            .and_then(|h| std::str::from_utf8(h).ok())
                            .and_then(|h| u32::from_str_radix(h, 16).ok());
                        if let Some(c) = code.and_then(char::from_u32) {
                            if hamkke_domain::text::is_forbidden(c) {
                                return Err(invalid_characters());
                            }
                        }
                        j += 6;
                    }
                    Some(b'b' | b'f') => return Err(invalid_characters()),
                    _ => j += 2,
                }
                continue;
            }
            j += 1;
        }
        let end = j.min(bytes.len());
        if !escaped {
            if let Ok(text) = std::str::from_utf8(&bytes[start..end]) {
                if text.chars().any(hamkke_domain::text::is_forbidden) {
                    return Err(invalid_characters());
                }
                if out_of_range_date(text) {
                    return Err(date_out_of_range());
                }
            }
        }
        i = end + 1;
    }
    Ok(())
}

/// 400 `invalid_characters`.
pub fn invalid_characters() -> ApiError {
    ApiError::BadRequest {
        code: "invalid_characters",
        detail:
            "text may not contain NUL or other control characters (tab and line breaks excepted)"
                .into(),
    }
}

/// 400 `date_out_of_range`.
pub fn date_out_of_range() -> ApiError {
    ApiError::BadRequest {
        code: "date_out_of_range",
        detail: "dates must lie between 0001-01-01 and 9999-12-31".into(),
    }
}

/// Flattens validator's nested errors into `field.path` entries.
pub fn validation_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    fn walk(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
        for (field, kind) in errors.errors() {
            let path = if prefix.is_empty() {
                field.to_string()
            } else {
                format!("{prefix}.{field}")
            };
            match kind {
                ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|e| {
                    FieldError {
                        field: path.clone(),
                        code: e.code.to_string(),
                        message: e.message.as_ref().map(|m| m.to_string()).unwrap_or_else(
                            || match e.code.as_ref() {
                                "length" => "has an invalid length".into(),
                                "range" => "is out of range".into(),
                                _ => "is not valid".into(),
                            },
                        ),
                    }
                })),
                ValidationErrorsKind::Struct(inner) => walk(&path, inner, out),
                ValidationErrorsKind::List(items) => {
                    for (i, inner) in items {
                        walk(&format!("{path}[{i}]"), inner, out);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk("", errors, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Parses and validates a JSON body. A body with several faults is answered with all of them
/// at once (`faults`), not only the first serde stops at.
pub fn parse_json<T: DeserializeOwned + Validate + ToSchema>(bytes: &[u8]) -> Result<T, ApiError> {
    check_json_text(bytes)?;
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            ApiError::BadRequest {
                code: "invalid_json",
                detail: "the body is not well-formed JSON".into(),
            }
        } else {
            ApiError::Validation(faults::<T>(bytes, e))
        }
    })?;
    value.validate().map_err(|e| {
        let errors = validation_errors(&e);
        match errors.iter().find(|e| e.code == "invalid_characters") {
            Some(e) => ApiError::BadRequest {
                code: "invalid_characters",
                detail: format!("`{}` {}", e.field, e.message),
            },
            None => ApiError::Validation(errors),
        }
    })?;
    Ok(value)
}

/// How many faults one answer lists at most.
const MAX_FAULTS: usize = 16;

/// Every fault of a well-formed body that does not deserialize into `T`, beginning with
/// `first`: each field serde refuses is noted and taken out of the body, and serde tries again,
/// until the rest deserializes (then the validator's faults of what is left follow) or a
/// required field is missing — then every required field of that object that is missing and
/// not already named (the request type's schema lists them; below the top level serde names
/// one). Sorted by field, each fault named once.
fn faults<T: DeserializeOwned + Validate + ToSchema>(
    bytes: &[u8],
    first: serde_path_to_error::Error<serde_json::Error>,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut next = Some(first);
    let mut body: Option<serde_json::Value> = serde_json::from_slice(bytes).ok();
    while let Some(e) = next.take() {
        let segments: Vec<String> = e
            .path()
            .iter()
            .map(|seg| match seg {
                serde_path_to_error::Segment::Map { key } => key.clone(),
                other => other.to_string(),
            })
            .collect();
        let parent_is_root = segments.is_empty();
        let fault = serde_field_error(e.path().to_string(), &e.inner().to_string());
        if fault.code == "required" {
            let named: Vec<String> = errors.iter().map(|f| f.field.clone()).collect();
            if parent_is_root {
                errors.extend(missing_required::<T>(body.as_ref(), &named));
            }
            if !errors.iter().any(|f| f.field == fault.field) {
                errors.push(fault);
            }
            break;
        }
        // An unknown field's path is its object's (or, by some deserializers, its own).
        let key = match fault.code.as_str() {
            "unknown_field" => e.inner().to_string().split('`').nth(1).map(|k| {
                let mut key = segments;
                if key.last().map(String::as_str) != Some(k) {
                    key.push(k.to_owned());
                }
                key
            }),
            _ => Some(segments),
        };
        errors.push(fault);
        let (Some(value), Some(key)) = (body.as_mut(), key) else {
            break;
        };
        if errors.len() >= MAX_FAULTS || !take_out(value, &key) {
            break;
        }
        match serde_path_to_error::deserialize::<_, T>(&*value) {
            Ok(rest) => {
                if let Err(v) = rest.validate() {
                    errors.extend(validation_errors(&v));
                }
            }
            Err(e) => next = Some(e),
        }
    }
    let mut seen = std::collections::HashSet::new();
    errors.retain(|f| seen.insert((f.field.clone(), f.code.clone())));
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    errors.truncate(MAX_FAULTS);
    errors
}

/// The top-level required fields of `T` the body lacks, but for those already named.
fn missing_required<T: ToSchema>(
    body: Option<&serde_json::Value>,
    named: &[String],
) -> Vec<FieldError> {
    use utoipa::openapi::{schema::Schema, RefOr};
    let (Some(serde_json::Value::Object(fields)), RefOr::T(Schema::Object(schema))) =
        (body, T::schema())
    else {
        return Vec::new();
    };
    schema
        .required
        .iter()
        .filter(|name| !fields.contains_key(name.as_str()) && !named.contains(name))
        .map(|name| required(name.clone()))
        .collect()
}

/// Removes the member at `path` (object keys; an array's items are not removed, which would
/// renumber the rest). Whether it did.
fn take_out(value: &mut serde_json::Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut at = value;
    for key in parents {
        at = match at {
            serde_json::Value::Object(m) => match m.get_mut(key) {
                Some(v) => v,
                None => return false,
            },
            serde_json::Value::Array(items) => {
                match key
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get_mut(i))
                {
                    Some(v) => v,
                    None => return false,
                }
            }
            _ => return false,
        };
    }
    match at {
        serde_json::Value::Object(m) => m.remove(last).is_some(),
        _ => false,
    }
}

impl<T: DeserializeOwned + Validate + ToSchema + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes = bytes
                .await
                .map_err(|e| match e.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => ApiError::PayloadTooLarge,
                    _ => ApiError::BadRequest {
                        code: "invalid_body",
                        detail: "the body could not be read".into(),
                    },
                })?;
            parse_json(&bytes).map(ValidJson)
        })
    }
}

/// A JSON body that may be left out: an empty body is `None` (whatever its content type);
/// anything else must be JSON and valid, exactly as for [`ValidJson`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + Validate + ToSchema + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes
                .await
                .map_err(|e| match e.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => ApiError::PayloadTooLarge,
                    _ => ApiError::BadRequest {
                        code: "invalid_body",
                        detail: "the body could not be read".into(),
                    },
                })?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            if !json {
                return Err(ApiError::UnsupportedMediaType);
            }
            parse_json(&bytes).map(|v| OptionalJson(Some(v)))
        })
    }
}

/// Reads a whole body of at most `limit` bytes (413 past it, 400 when it cannot be read).
pub async fn read_limited<S>(payload: &mut S, limit: usize) -> Result<web::Bytes, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, PayloadError>> + Unpin,
{
    use futures_util::StreamExt;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest {
            code: "invalid_body",
            detail: "the body could not be read".into(),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The version named by `If-Match: "<version>"`. `If-Match` compares strongly (RFC 9110
/// §13.1.1): a weak tag (`W/"2"`) matches no version, so the change answers 412.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub i32);

impl IfMatch {
    /// What a weak tag stands for: a version no record has (versions start at 1).
    pub const NONE: IfMatch = IfMatch(-1);
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(header::IF_MATCH) {
            None => Err(ApiError::PreconditionRequired),
            // A well-formed tag of a version that is not current is a failed precondition (412);
            // a header that is not a version tag at all is a bad request.
            Some(v) => v
                .to_str()
                .ok()
                .map(str::trim)
                .and_then(|s| {
                    let (weak, tag) = match s.strip_prefix("W/") {
                        Some(t) => (true, t),
                        None => (false, s),
                    };
                    let version = tag
                        .strip_prefix('"')
                        .and_then(|t| t.strip_suffix('"'))
                        .and_then(|t| t.parse::<i32>().ok())?;
                    Some(if weak {
                        IfMatch::NONE
                    } else {
                        IfMatch(version)
                    })
                })
                .ok_or_else(|| {
                    ApiError::field(
                        "If-Match",
                        "invalid_format",
                        "must be an ETag of this API, e.g. \"3\"",
                    )
                }),
        };
        std::future::ready(parsed)
    }
}

/// The `ETag` value of a version.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// An opaque cursor for the id a page ends with.
pub fn encode_cursor(after: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(after.as_bytes())
}

/// Builds a page request from `limit` and `cursor` query values.
pub fn page_request(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "range",
            "must be between 1 and 200",
        ));
    }
    let after = cursor
        .map(|c| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| Uuid::from_slice(&b).ok())
                .ok_or_else(|| {
                    ApiError::field("cursor", "invalid_value", "is not a cursor this API issued")
                })
        })
        .transpose()?;
    Ok(PageRequest {
        after,
        limit: i64::from(limit),
    })
}

/// Query-string errors as problem+json.
pub fn query_error(err: QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let QueryPayloadError::Deserialize(e) = &err else {
        return ApiError::BadRequest {
            code: "invalid_query",
            detail: "the query string is not valid".into(),
        }
        .into();
    };
    let message = e.to_string();
    let mut error = serde_field_error(String::new(), &message);
    if error.field.is_empty() {
        if let Some(key) = query_key_of(req.query_string(), &message) {
            error.field = key;
        }
    }
    if error.field.is_empty() {
        if let Some(key) = number_key_of(req) {
            error.field = key;
        }
    }
    ApiError::Validation(vec![error]).into()
}

/// The integer query parameter of the route whose value is not a number in its bounds (serde's
/// messages for numbers quote nothing), from the contract.
fn number_key_of(req: &HttpRequest) -> Option<String> {
    let numbers = req.app_data::<web::Data<crate::openapi::QueryNumbers>>()?;
    let pattern = req.match_pattern()?;
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).ok()?;
    numbers.refused(req.method().as_str(), &pattern, &pairs.0)
}

/// The query parameter a deserialization error is about, when the error quotes the value it
/// refused (`unknown variant `pending`, expected one of …`): the key that carried that value,
/// if it looks like a field name (a key can carry anything).
fn query_key_of(query: &str, message: &str) -> Option<String> {
    let value = message.split('`').nth(1)?;
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query).ok()?;
    pairs
        .0
        .into_iter()
        .find(|(k, v)| v == value && looks_like_identifier(k))
        .map(|(k, _)| k)
}

/// Path errors (e.g. an id that is not a UUID) as problem+json. A path that is really a fixed
/// route of another method (`GET /allocations/import`) answers 405 rather than 400.
pub fn path_error(_: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    if let Some(allow) = req
        .app_data::<web::Data<crate::openapi::RouteTable>>()
        .and_then(|t| t.allowed_static(req.path()))
    {
        return ApiError::MethodNotAllowed { allow }.into();
    }
    ApiError::BadRequest {
        code: "invalid_path",
        detail: "a path parameter is not valid (ids are UUIDs)".into(),
    }
    .into()
}

/// Errors of actix's own JSON extractor, should any handler use it.
pub fn json_error(err: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::OverflowKnownLength { .. } | E::Overflow { .. } => ApiError::PayloadTooLarge.into(),
        E::ContentType => ApiError::UnsupportedMediaType.into(),
        _ => ApiError::BadRequest {
            code: "invalid_json",
            detail: "the body is not valid JSON for this request".into(),
        }
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        score: u8,
    }

    #[derive(Debug, serde::Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        #[validate(length(min = 1))]
        title: String,
        kind: Option<u8>,
        #[validate(nested)]
        items: Vec<Inner>,
        note: Option<String>,
    }

    fn fields(body: &str) -> Vec<(String, String)> {
        match parse_json::<Outer>(body.as_bytes()) {
            Err(ApiError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    /// Faults inside arrays and objects are named by path and taken out one by one; when the
    /// rest deserializes, the validator's faults of what is left join them; a required field
    /// missing ends the walk with every missing required field of the body.
    #[test]
    fn every_fault_is_named_once() {
        assert_eq!(
            fields(r#"{"title":"","kind":"x","items":[{"score":1,"zz":2},{"score":"no"}]}"#),
            [
                ("items[0].zz", "unknown_field"),
                ("items[1].score", "invalid_type"),
                ("kind", "invalid_type"),
            ]
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
        );
        assert_eq!(
            fields(r#"{"title":"","kind":"x","items":[],"extra":{"a":1}}"#),
            [
                ("extra", "unknown_field"),
                ("kind", "invalid_type"),
                ("title", "length"),
            ]
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
        );
        assert_eq!(
            fields(r#"{"note":5,"surely":1}"#),
            [
                ("items", "required"),
                ("note", "invalid_type"),
                ("surely", "unknown_field"),
                ("title", "required"),
            ]
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
        );
        let many: String = (0..40).map(|i| format!(r#""f{i}":1,"#)).collect();
        let errors = fields(&format!("{{{many}\"title\":\"t\",\"items\":[]}}"));
        assert_eq!(errors.len(), MAX_FAULTS);
    }

    #[test]
    fn control_characters_and_impossible_dates_are_found_in_json() {
        for bad in [
            r#"{"name":"a\u0000b"}"#,
            r#"{"name":"\u001b[31m"}"#,
            r#"{"name":"x\by"}"#,
            r#"{"granted_on":"+262142-01-01"}"#,
            r#"{"granted_on":"-0001-01-01"}"#,
            r#"{"granted_on":"0000-01-01"}"#,
            r#"{"at":"12345-01-01T00:00:00Z"}"#,
            "{\"name\":\"a\u{85}b\"}",
        ] {
            assert!(check_json_text(bad.as_bytes()).is_err(), "{bad}");
        }
        for good in [
            r#"{"name":"김철수","note":"첫 줄\n둘째 줄\t끝","q":"\\u0000"}"#,
            r#"{"granted_on":"2026-11-30","at":"2026-11-30T09:00:00Z","phone":"010-1234-5678"}"#,
            r#"{"rrn":"900101-1234567","n":-5}"#,
        ] {
            assert!(check_json_text(good.as_bytes()).is_ok(), "{good}");
        }
    }

    #[test]
    fn unknown_field_names_are_echoed_only_when_they_look_like_names() {
        let e = serde_field_error(
            ".".into(),
            "unknown field `900101-1234567`, expected `name`",
        );
        assert_eq!(e.field, "(unknown)");
        let e = serde_field_error(".".into(), "unknown field `nickname`, expected `name`");
        assert_eq!(e.field, "nickname");
    }

    #[test]
    fn serde_messages_never_echo_values() {
        let e = serde_field_error(
            ".name".into(),
            "invalid type: string \"900101-1234567\", expected u32 at line 1 column 9",
        );
        assert_eq!(e.field, "name");
        assert_eq!(e.code, "invalid_type");
        assert!(!e.message.contains("900101"), "{}", e.message);
        let e = serde_field_error(
            ".".into(),
            "unknown field `rrn`, expected one of `name`, `kind`",
        );
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("rrn", "unknown_field")
        );
        let e = serde_field_error(".".into(), "missing field `kind`");
        assert_eq!((e.field.as_str(), e.code.as_str()), ("kind", "required"));
    }
}
