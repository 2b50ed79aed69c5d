//! One error model for the API, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use hamkke_domain::{DomainError, FieldViolation};
use hamkke_persistence::RepoError;
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `needs[0].score`; empty for the body as a whole.
    pub field: String,
    /// Stable machine code, e.g. `required`, `too_long`, `invalid_value`.
    pub code: String,
    pub message: String,
}

/// An RFC 9457 problem document with a stable `code`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code for programs.
    pub code: String,
    /// Field-level errors, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// Members specific to a problem, e.g. `person_id` of an existing registration or the
    /// `allowed` targets of a refused transition.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(ignore)]
    pub extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("bad request: {code}")]
    BadRequest { code: &'static str, detail: String },
    #[error("unauthorized: {code}")]
    Unauthorized {
        code: &'static str,
        detail: &'static str,
    },
    /// A visible refusal; `who` says who may (`errors[].code` and `required`).
    #[error("forbidden")]
    Forbidden {
        detail: String,
        who: Option<hamkke_domain::Who>,
    },
    #[error("not found")]
    NotFound,
    /// The password was set by an administrator and must be changed before anything else.
    #[error("password change required")]
    PasswordChangeRequired,
    /// An id in the body or query that names nothing the caller may use: answered like the
    /// same id in a path (404), naming the field.
    #[error("unknown reference")]
    UnknownReference { field: String },
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        detail: String,
        extensions: Option<serde_json::Value>,
    },
    /// Well-formed but refused as a whole (e.g. an idempotency key reused for another request).
    #[error("unprocessable: {code}")]
    Unprocessable { code: &'static str, detail: String },
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// Heavy work that may run only so many at once (imports, reports) is already running.
    #[error("busy: {code}")]
    Busy {
        code: &'static str,
        detail: String,
        retry_after_secs: u64,
    },
    #[error("service unavailable")]
    Unavailable,
    /// Work stopped at its time limit (503 with its code).
    #[error("timed out: {code}")]
    TimedOut { code: &'static str },
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// A validation error on one field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }])
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        use ApiError::*;
        match self {
            Validation(_) => (
                StatusCode::BAD_REQUEST,
                "validation_failed",
                "Invalid input",
                "the request has invalid fields; see errors".into(),
            ),
            BadRequest { code, detail } => {
                (StatusCode::BAD_REQUEST, code, "Bad request", detail.clone())
            }
            Unauthorized { code, detail } => (
                StatusCode::UNAUTHORIZED,
                code,
                "Unauthorized",
                (*detail).into(),
            ),
            Forbidden { detail, .. } => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                detail.clone(),
            ),
            NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Not found",
                "no such resource".into(),
            ),
            PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                "password_change_required",
                "Password change required",
                "this password was set by an administrator: change it (PATCH /api/v1/users/{your id} with current_password and password) before anything else".into(),
            ),
            UnknownReference { field } => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Not found",
                format!("`{field}` names nothing this caller may use here"),
            ),
            MethodNotAllowed { .. } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
                "this method is not supported on this path".into(),
            ),
            Conflict { code, detail, .. } => {
                (StatusCode::CONFLICT, code, "Conflict", detail.clone())
            }
            Unprocessable { code, detail } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                "Unprocessable request",
                detail.clone(),
            ),
            PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "Precondition failed",
                "If-Match does not match the current version; reload and retry".into(),
            ),
            PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "Precondition required",
                "send If-Match with the ETag of the version you are changing".into(),
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                "the request body is larger than allowed".into(),
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                "send request bodies as application/json, and files as multipart/form-data holding a PDF, JPEG, PNG or HEIC".into(),
            ),
            TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
                "slow down and retry later".into(),
            ),
            Busy { code, detail, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                *code,
                "Too many requests",
                detail.clone(),
            ),
            Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
                "the database is busy or unreachable; retry shortly".into(),
            ),
            TimedOut { code } => (
                StatusCode::SERVICE_UNAVAILABLE,
                *code,
                "Timed out",
                "the work did not finish in time; narrow what was asked and retry".into(),
            ),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Internal error",
                "an unexpected error occurred; it has been logged".into(),
            ),
        }
    }

    /// The problem document of this error.
    pub fn problem(&self) -> Problem {
        let (status, code, title, detail) = self.parts();
        Problem {
            type_: format!("https://hamkke.kr/problems/{}", code.replace('_', "-")),
            title: title.into(),
            status: status.as_u16(),
            detail,
            code: code.into(),
            errors: match self {
                ApiError::Validation(errors) => Some(errors.clone()),
                ApiError::UnknownReference { field } => Some(vec![FieldError {
                    field: field.clone(),
                    code: "invalid_reference".into(),
                    message: "does not exist or is not visible to the caller".into(),
                }]),
                // Who may: the code, in the caller's language by the catalogue.
                ApiError::Forbidden { who: Some(w), .. } => Some(vec![FieldError {
                    field: String::new(),
                    code: w.code().into(),
                    message: crate::i18n::field(w.code())
                        .map(|m| m.en.to_owned())
                        .unwrap_or_default(),
                }]),
                _ => None,
            },
            extensions: match self {
                ApiError::Forbidden { who: Some(w), .. } => {
                    let mut map = serde_json::Map::new();
                    map.insert(
                        "required".into(),
                        serde_json::json!({
                            "role": w.role(),
                            "organization_kind": w.organization_kind(),
                            "organization": w.organization(),
                        }),
                    );
                    Some(map)
                }
                ApiError::Conflict {
                    extensions: Some(serde_json::Value::Object(map)),
                    ..
                } => Some(map.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            ApiError::Unauthorized { .. } => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"hamkke\""));
            }
            ApiError::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.clone()));
            }
            ApiError::TooManyRequests { retry_after_secs }
            | ApiError::Busy {
                retry_after_secs, ..
            } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            // The database is out of reach for a moment (pool exhausted, a failover under way):
            // a client retries after a second, an idempotent request with its key.
            ApiError::Unavailable => {
                res.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        res.json(self.problem())
    }
}

impl From<FieldViolation> for FieldError {
    fn from(v: FieldViolation) -> Self {
        FieldError {
            field: v.field,
            code: v.code.into(),
            message: v.message,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(v) => {
                ApiError::Validation(v.into_iter().map(Into::into).collect())
            }
            DomainError::Forbidden { hide: true, .. } => ApiError::NotFound,
            DomainError::UnknownReference { field } => ApiError::UnknownReference { field },
            DomainError::Forbidden {
                reason,
                hide: false,
                who,
            } => ApiError::Forbidden {
                detail: reason.into(),
                who,
            },
        }
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => ApiError::NotFound,
            RepoError::Conflict {
                code,
                detail,
                extensions,
            } => ApiError::Conflict {
                code,
                detail,
                extensions,
            },
            RepoError::Stale => ApiError::PreconditionFailed,
            RepoError::Unavailable => ApiError::Unavailable,
            RepoError::TimedOut(code) => ApiError::TimedOut { code },
            RepoError::Domain(d) => d.into(),
            RepoError::Db(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::Internal
            }
        }
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
