//! Attachments (첨부 파일): a delivery's signature or photo, a consent's signed form, a case's
//! sheets. Uploaded as a multipart form, kept sealed in the database, downloaded with a
//! declared purpose by those who may see what they belong to.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use hamkke_domain::attachment::{AttachmentKind, SubjectType};
use hamkke_persistence::repo::attachments::{self, NewAttachment};
use uuid::Uuid;

use crate::auth::Caller;
use crate::config::Config;
use crate::dto::attachments::{
    AttachmentKindDto, AttachmentList, AttachmentQuery, AttachmentUpload, AttachmentView,
    SubjectTypeDto,
};
use crate::dto::common::{all_named, named, FromNamed};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Where attachments are uploaded (their body limit is `upload_limit`, not the JSON limit).
pub const UPLOAD_PATH: &str = "/api/v1/attachments";

/// The body an upload may take: the largest file plus room for the form around it.
pub fn upload_limit(config: &Config) -> usize {
    config.attachment_max_bytes.saturating_add(64 * 1024)
}

/// The fields of an upload form.
struct Form {
    subject_type: SubjectType,
    subject_id: Uuid,
    kind: AttachmentKind,
    file: Vec<u8>,
}

fn field_error(field: &'static str, detail: &str) -> ApiError {
    ApiError::field(field, "required", detail)
}

/// Reads the form: `subject_type`, `subject_id`, `kind` and `file`, in any order.
async fn read_form(content_type: &str, body: web::Bytes, max: usize) -> ApiResult<Form> {
    let unreadable = || {
        ApiError::field(
            "file",
            "invalid_multipart",
            "send a multipart/form-data body with subject_type, subject_id, kind and file",
        )
    };
    let boundary = multer::parse_boundary(content_type).map_err(|_| unreadable())?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let (mut subject_type, mut subject_id, mut kind, mut file) = (None, None, None, None);
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|_| unreadable())?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "subject_type" => {
                let v: SubjectTypeDto = serde_json::from_value(serde_json::Value::String(text()))
                    .map_err(|_| {
                    ApiError::field(
                        "subject_type",
                        "invalid_value",
                        "one of allocation, consent, case",
                    )
                })?;
                subject_type = Some(SubjectType::from(v));
            }
            "subject_id" => {
                subject_id = Some(Uuid::parse_str(&text()).map_err(|_| {
                    ApiError::field("subject_id", "invalid_uuid", "must be a UUID")
                })?);
            }
            "kind" => {
                let v: AttachmentKindDto =
                    serde_json::from_value(serde_json::Value::String(text())).map_err(|_| {
                        ApiError::field(
                            "kind",
                            "invalid_value",
                            "one of signature, photo, consent_form, assessment_sheet, plan_agreement, other",
                        )
                    })?;
                kind = Some(AttachmentKind::from(v));
            }
            "file" => file = Some(bytes.to_vec()),
            _ => {}
        }
    }
    let file = file.ok_or_else(|| field_error("file", "the file is the `file` field"))?;
    if file.is_empty() {
        return Err(ApiError::field("file", "empty", "the file is empty"));
    }
    if file.len() > max {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(Form {
        subject_type: subject_type
            .ok_or_else(|| field_error("subject_type", "allocation, consent or case"))?,
        subject_id: subject_id
            .ok_or_else(|| field_error("subject_id", "the id of what it belongs to"))?,
        kind: kind.ok_or_else(|| field_error("kind", "what the file is"))?,
        file,
    })
}

/// Adds a file to an allocation (the proof of its delivery: the provider), a consent (the
/// signed form: the organization that recorded it or registered the person) or a case (a
/// working participant). PDF, JPEG, PNG or HEIC, recognised by content (anything else 415),
/// at most `HAMKKE_ATTACHMENT_MAX_BYTES` (10 MiB by default; 413 past it). The file is sealed
/// with the data key; only its description is answered.
#[utoipa::path(
    tag = "attachments",
    security(("bearer" = [])),
    request_body(description = "The file and what it belongs to", content(
        (AttachmentUpload = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Kept", body = AttachmentView),
        (status = 413, description = "Larger than the configured limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a PDF, JPEG, PNG or HEIC by its content, or not a multipart form", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/attachments")]
pub async fn create_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Caller,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = crate::extract::read_limited(&mut payload, upload_limit(&state.config)).await?;
    let form = read_form(&content_type, body, state.config.attachment_max_bytes).await?;
    if hamkke_domain::attachment::FileType::sniff(&form.file).is_none() {
        return Err(ApiError::UnsupportedMediaType);
    }
    let keys = state.person_keys.clone();
    let new = NewAttachment {
        subject_type: form.subject_type,
        subject_id: form.subject_id,
        kind: form.kind,
        bytes: form.file,
    };
    let (meta, names) = state
        .db
        .write(auth, "attachment", None, move |tx| {
            hamkke_persistence::app::attachments::add(tx, &keys, new).and_then(|m| {
                let (c, a, _) = tx.parts();
                named(c, a, m)
            })
        })
        .await?;
    let view = AttachmentView::named(meta, &names);
    Ok(HttpResponse::Created()
        .insert_header(super::location("attachments", view.id))
        .json(view))
}

/// The attachments of an allocation, consent or case, for those who may see it in full.
#[utoipa::path(
    tag = "attachments",
    security(("bearer" = [])),
    params(AttachmentQuery),
    responses((status = 200, description = "Its attachments, oldest first", body = AttachmentList))
)]
#[get("/attachments")]
pub async fn list_attachments(
    state: web::Data<AppState>,
    auth: Caller,
    query: web::Query<AttachmentQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let (subject_type, subject_id) = (SubjectType::from(q.subject_type), q.subject_id);
    let items = state
        .db
        .as_user(auth, "attachment", None, move |c, a, _| {
            attachments::list(c, a, subject_type, subject_id).and_then(|v| named(c, a, v))
        })
        .await?;
    Ok(HttpResponse::Ok().json(AttachmentList {
        items: all_named(items),
    }))
}

/// One attachment's description.
#[utoipa::path(
    tag = "attachments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Attachment id")),
    responses((status = 200, description = "The attachment", body = AttachmentView))
)]
#[get("/attachments/{id}")]
pub async fn get_attachment(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (meta, names) = state
        .db
        .as_user(auth, "attachment", Some(id.to_string()), move |c, a, _| {
            attachments::get(c, a, id).and_then(|m| named(c, a, m))
        })
        .await?;
    Ok(HttpResponse::Ok().json(AttachmentView::named(meta, &names)))
}

/// The file itself, with `X-Access-Purpose` (400 without it); every download is audited with
/// its purpose and the person it is about. Served as a download, never cached.
#[utoipa::path(
    tag = "attachments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Attachment id")),
    responses((status = 200, description = "The file, of the type its description names", content(
        (Vec<u8> = "application/pdf"),
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "image/png"),
        (Vec<u8> = "image/heic"),
    )))
)]
#[get("/attachments/{id}/content")]
pub async fn get_attachment_content(
    state: web::Data<AppState>,
    auth: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let keys = state.person_keys.clone();
    let (meta, bytes) = state
        .db
        .read(auth, "attachment", Some(id.to_string()), move |rx| {
            attachments::content(rx, &keys, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(meta.file_type.as_str())
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"{}-{}.{}\"",
                meta.kind.as_str(),
                meta.id,
                meta.file_type.extension()
            ),
        ))
        .body(bytes))
}
