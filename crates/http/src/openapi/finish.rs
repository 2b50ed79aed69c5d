//! The passes that finish the contract after the handlers' annotations: typed problems,
//! binary files, the response headers the server sends, Korean-first words, examples from a
//! test run and the webhooks section.

use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{
    ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, Required, ResponseBuilder,
};

use super::{operations, RATE_LIMITED};
use crate::error::PROBLEM_JSON;

/// A response header of type `kind` (`string` or `integer`).
fn header_of(kind: Type, description: &str) -> RefOr<utoipa::openapi::header::Header> {
    utoipa::openapi::header::HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(kind)))
        .description(Some(description))
        .build()
        .into()
}

/// Creating operations whose 201 answer names what they made in `Location` (those with a
/// `GET` of one object to name).
pub const LOCATED: &[&str] = &[
    "create_allocation",
    "create_benefit_type",
    "create_campaign",
    "create_case",
    "create_donation",
    "create_household",
    "create_meeting",
    "create_organization",
    "create_person_transfer",
    "create_person",
    "create_referral",
    "create_resource",
    "create_user",
    "create_webhook",
];

/// The response headers the server sends, declared where it sends them: `Content-Language`
/// on every problem, `Retry-After` on 429 and 503, `Idempotent-Replayed` on the answers of
/// operations that take an `Idempotency-Key`, `Location` on 201 (where a `GET` names what was
/// made) and 303, `Content-Disposition` on files, `ETag` where an object has a version, and
/// `RateLimit` / `RateLimit-Policy` on rate-limited operations.
pub(super) fn declared_headers(doc: &mut OpenApiDoc) {
    for (_, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            let idempotent = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter()
                    .any(|p| matches!(p, RefOr::T(p) if p.name == "Idempotency-Key"))
            });
            let id = op.operation_id.clone().unwrap_or_default();
            let rate_limited = RATE_LIMITED.contains(&id.as_str());
            let located = LOCATED.contains(&id.as_str());
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if rate_limited && (status.starts_with('2') || status == "429") {
                    response.headers.insert(
                        "RateLimit-Policy".into(),
                        header_of(
                            Type::String,
                            "The limit met first (IETF draft): `\"search\";q=60;w=60` — quota `q` per window `w` seconds",
                        ),
                    );
                    response.headers.insert(
                        "RateLimit".into(),
                        header_of(
                            Type::String,
                            "What is left of it (IETF draft): `\"search\";r=59;t=1` — `r` requests left, `t` seconds until the quota is whole",
                        ),
                    );
                }
                if (status == "201" && located) || status == "303" {
                    response.headers.insert(
                        "Location".into(),
                        header_of(Type::String, "The address of what was made or changed"),
                    );
                }
                let file = response.content.keys().any(|m| {
                    m == "text/csv"
                        || m == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                });
                if status == "200" && file {
                    response.headers.insert(
                        "Content-Disposition".into(),
                        header_of(
                            Type::String,
                            "`attachment; filename=\"…\"` (ASCII) for CSV and XLSX answers",
                        ),
                    );
                }
                let problem = status.starts_with('4') || status.starts_with('5');
                if problem {
                    response.headers.insert(
                        "Content-Language".into(),
                        header_of(
                            Type::String,
                            "`ko` or `en`: the language of `title`, `detail` and messages",
                        ),
                    );
                }
                if status == "429" || status == "503" {
                    response.headers.insert(
                        "Retry-After".into(),
                        header_of(Type::Integer, "Seconds to wait before trying again"),
                    );
                }
                if idempotent && status.starts_with('2') {
                    response.headers.insert(
                        "Idempotent-Replayed".into(),
                        header_of(
                            Type::String,
                            "`true` when this is the stored response to an earlier request with the same `Idempotency-Key`",
                        ),
                    );
                }
            }
        }
    }
}

/// `Problem.errors`: a nullable array of `FieldError`.
fn field_errors() -> utoipa::openapi::schema::Schema {
    utoipa::openapi::schema::ArrayBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::Array,
            Type::Null,
        ]))
        .items(Ref::from_schema_name("FieldError"))
        .description(Some("Field-level errors, for validation problems."))
        .into()
}

/// An array of `item`.
fn array_of(item: RefOr<utoipa::openapi::schema::Schema>) -> utoipa::openapi::schema::Schema {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(item)
        .into()
}

/// A problem with members of its own: `Problem` and an object of those members (each
/// optional, so a generated client keeps them without rejecting a problem that lacks one).
fn problem_with(
    description: &str,
    members: Vec<(&str, utoipa::openapi::schema::Schema)>,
) -> RefOr<utoipa::openapi::schema::Schema> {
    let mut own = ObjectBuilder::new();
    for (name, schema) in members {
        own = own.property(name, schema);
    }
    utoipa::openapi::schema::AllOfBuilder::new()
        .item(Ref::from_schema_name("Problem"))
        .item(own)
        .description(Some(description))
        .into()
}

/// Problem codes as an enum, and the problems that carry members as schemas of their own,
/// referenced from the operations that answer them (a pydantic or TypeScript client keeps
/// `conflicts`, `possible_duplicates`, `allowed`, `cases` and `errors`).
pub(super) fn typed_problems(doc: &mut OpenApiDoc) {
    let string = || -> utoipa::openapi::schema::Schema {
        ObjectBuilder::new().schema_type(Type::String).into()
    };
    let integer = || -> utoipa::openapi::schema::Schema {
        ObjectBuilder::new().schema_type(Type::Integer).into()
    };
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let codes: Vec<&str> = crate::i18n::PROBLEMS
        .iter()
        .map(|(code, ..)| *code)
        .collect();
    components.schemas.insert(
        "ProblemCode".into(),
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "Every problem code the API answers (`code` of a problem document).",
            ))
            .enum_values(Some(codes))
            .into(),
    );
    // `Problem.code` names one of them.
    if let Some(RefOr::T(utoipa::openapi::schema::Schema::Object(problem))) =
        components.schemas.get_mut("Problem")
    {
        problem
            .properties
            .insert("code".into(), Ref::from_schema_name("ProblemCode").into());
    }
    let blocked_case: utoipa::openapi::schema::Schema = ObjectBuilder::new()
        .property(
            "case_id",
            ObjectBuilder::new().schema_type(Type::String).format(Some(
                utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Uuid),
            )),
        )
        .required("case_id")
        .property("problem", string())
        .required("problem")
        .property("decision", string())
        .property("status", string())
        .property("allowed", array_of(string().into()))
        .into();
    let typed = [
        (
            "DuplicateBenefitProblem",
            problem_with(
                "409 `duplicate_benefit`: the conflicting allocations (most recent 20) and the rule in words.",
                vec![
                    ("conflicts", array_of(Ref::from_schema_name("ConflictView").into())),
                    ("conflicts_total", integer()),
                    ("rule", string()),
                    (
                        "possible_duplicate_claims",
                        array_of(Ref::from_schema_name("CandidateClaimView").into()),
                    ),
                ],
            ),
        ),
        (
            "PossibleDuplicatePersonProblem",
            problem_with(
                "409 `possible_duplicate_person` (the candidates) or `already_registered` (`person_id`).",
                vec![
                    (
                        "possible_duplicates",
                        array_of(Ref::from_schema_name("PossibleDuplicateDto").into()),
                    ),
                    ("person_id", string()),
                ],
            ),
        ),
        (
            "InvalidTransitionProblem",
            problem_with(
                "409 `invalid_transition`: the statuses the case may move to.",
                vec![("allowed", array_of(Ref::from_schema_name("StatusDto").into()))],
            ),
        ),
        (
            "FinalizeBlockedProblem",
            problem_with(
                "409 `finalize_blocked`: the agenda cases that keep the meeting from being finalized.",
                vec![("cases", array_of(blocked_case.into()))],
            ),
        ),
        (
            "ValidationProblem",
            problem_with(
                "400: the fields at fault.",
                // The same schema as `Problem.errors`: a generator merging the two keeps one type.
                vec![("errors", field_errors())],
            ),
        ),
    ];
    for (name, schema) in typed {
        components.schemas.insert(name.into(), schema);
    }
    let typed_response = |op: &Operation, status: &str| -> Option<&'static str> {
        match (op.operation_id.as_deref()?, status) {
            (_, "400") => Some("ValidationProblem"),
            ("create_allocation" | "approve_allocation", "409") => Some("DuplicateBenefitProblem"),
            ("create_person", "409") => Some("PossibleDuplicatePersonProblem"),
            ("create_case_transition", "409") => Some("InvalidTransitionProblem"),
            ("finalize_meeting", "409") => Some("FinalizeBlockedProblem"),
            _ => None,
        }
    };
    for (_, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            let statuses: Vec<(String, &'static str)> = op
                .responses
                .responses
                .keys()
                .filter_map(|status| typed_response(op, status).map(|t| (status.clone(), t)))
                .collect();
            for (status, schema) in statuses {
                let Some(RefOr::T(response)) = op.responses.responses.get_mut(&status) else {
                    continue;
                };
                if let Some(RefOr::T(content)) = response.content.get_mut(PROBLEM_JSON) {
                    content.schema = Some(Ref::from_schema_name(schema).into());
                }
            }
        }
    }
}

/// A file's bytes: `type: string, format: binary` with the media type it holds.
fn binary(media_type: &str) -> RefOr<utoipa::openapi::schema::Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Binary,
        )))
        .content_media_type(media_type)
        .into()
}

/// Files are declared as files: spreadsheet downloads and uploads, and CSV uploads (their bytes
/// may be CP949, not UTF-8 text), as binary strings; the multipart import's form inline, so
/// generators emit its type with the operation.
pub(super) fn binary_is_binary(doc: &mut OpenApiDoc) {
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let doc_schemas = doc
        .components
        .as_ref()
        .map(|c| c.schemas.clone())
        .unwrap_or_default();
    let mut forms = Vec::new();
    for (_, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                for (media_type, content) in body.content.iter_mut() {
                    let RefOr::T(content) = content else { continue };
                    if media_type == XLSX || media_type == "text/csv" {
                        content.schema = Some(binary(media_type));
                    } else if media_type == "multipart/form-data" {
                        if let Some(RefOr::Ref(r)) = &content.schema {
                            let name = r.ref_location.rsplit('/').next().unwrap_or_default();
                            let form = doc_schemas.get(name).cloned();
                            forms.push(name.to_owned());
                            content.schema = form;
                        }
                    }
                }
            }
            for (_, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                for (media_type, content) in response.content.iter_mut() {
                    let RefOr::T(content) = content else { continue };
                    let file = media_type == XLSX
                        || media_type == "application/pdf"
                        || media_type.starts_with("image/");
                    if file {
                        content.schema = Some(binary(media_type));
                    }
                }
            }
        }
    }
    // The forms are inline where they are used, not components of their own.
    if let Some(c) = doc.components.as_mut() {
        for name in forms {
            c.schemas.remove(&name);
        }
    }
}

/// Every operation's words Korean first (`ko`): the Korean title as its `summary`, and
/// as its `description` the Korean sentence, then the English of the handler's documentation.
pub(super) fn korean_first(doc: &mut OpenApiDoc) {
    for (_, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            let Some((title, sentence)) = op.operation_id.as_deref().and_then(super::ko::operation)
            else {
                continue;
            };
            let english = [op.summary.take(), op.description.take()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n\n");
            op.summary = Some(title.to_owned());
            op.description = Some(format!("{sentence}\n\n{english}"));
        }
    }
}

/// Examples taken from a test run (`openapi/examples.json`, made by `tools/examples.py`): a
/// request body and the 2xx answers of each operation the tests exercised.
pub(super) fn examples(doc: &mut OpenApiDoc) {
    const RECORDED: &str = include_str!("../../../../openapi/examples.json");
    let Ok(serde_json::Value::Object(recorded)) = serde_json::from_str(RECORDED) else {
        return;
    };
    let set = |content: Option<&mut RefOr<utoipa::openapi::Content>>,
               example: &serde_json::Value| {
        if let Some(RefOr::T(c)) = content {
            c.example = Some(example.clone());
        }
    };
    for (_, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            let Some(e) = op.operation_id.as_deref().and_then(|id| recorded.get(id)) else {
                continue;
            };
            if let (Some(RefOr::T(body)), Some(request)) =
                (op.request_body.as_mut(), e.get("request"))
            {
                set(body.content.get_mut("application/json"), request);
            }
            let answers = e.get("responses").and_then(|r| r.as_object());
            for (status, example) in answers.into_iter().flatten() {
                if let Some(RefOr::T(response)) = op.responses.responses.get_mut(status) {
                    set(response.content.get_mut("application/json"), example);
                }
            }
        }
    }
}

/// The webhooks a subscription receives (OpenAPI 3.1 `webhooks`): for each event type, the
/// `POST` the server sends — the `{type, timestamp, data}` envelope and the Standard Webhooks
/// headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
pub(super) fn webhooks(doc: &mut OpenApiDoc) {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::{AllOfBuilder, Schema};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let mut types: Vec<String> = match components.schemas.get("WebhookEventType") {
        Some(RefOr::T(Schema::Object(o))) => o
            .enum_values
            .iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    types.push("webhook.test".into());
    let string = |format: Option<utoipa::openapi::KnownFormat>, description: &str| {
        let mut b = ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description));
        if let Some(f) = format {
            b = b.format(Some(utoipa::openapi::SchemaFormat::KnownFormat(f)));
        }
        b
    };
    components.schemas.insert(
        "WebhookEnvelope".into(),
        ObjectBuilder::new()
            .description(Some(
                "What every webhook carries: the event's type, when it was sent (UTC) and the \
ids it concerns (no personal data: fetch what you may read with the API).",
            ))
            .property("type", string(None, "The event type (`case.opened`, …)"))
            .property(
                "timestamp",
                string(
                    Some(utoipa::openapi::KnownFormat::DateTime),
                    "When the event was recorded (UTC)",
                ),
            )
            .property(
                "data",
                ObjectBuilder::new()
                    .description(Some("The ids the event concerns"))
                    .additional_properties(Some(
                        utoipa::openapi::schema::AdditionalProperties::FreeForm(true),
                    )),
            )
            .required("type")
            .required("timestamp")
            .required("data")
            .into(),
    );
    let header = |name: &str, description: &str| -> Parameter {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let mut paths = utoipa::openapi::path::Paths::new();
    for t in types {
        let body: Schema = AllOfBuilder::new()
            .item(Ref::from_schema_name("WebhookEnvelope"))
            .item(
                ObjectBuilder::new().property(
                    "type",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some([t.as_str()])),
                ),
            )
            .into();
        let op = OperationBuilder::new()
            .operation_id(Some(format!("webhook_{}", t.replace('.', "_"))))
            .summary(Some(format!("`{t}`")))
            .description(Some(format!(
                "`{t}` 이벤트가 일어나면 구독 주소로 보냅니다. Sent to a subscription's URL when a \
`{t}` event happens; 2xx within 10 seconds acknowledges it, anything else is retried with \
backoff. Verify `webhook-signature` (Standard Webhooks, HMAC-SHA256 of \
`{{webhook-id}}.{{webhook-timestamp}}.{{body}}` under the subscription's secret)."
            )))
            .tag("webhooks")
            .parameter(header(
                "webhook-id",
                "The delivery's id (the same on a retry)",
            ))
            .parameter(header(
                "webhook-timestamp",
                "Seconds since the Unix epoch when this attempt was signed",
            ))
            .parameter(header(
                "webhook-signature",
                "`v1,` and the base64 HMAC-SHA256 signature",
            ))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(body)).build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            ))
            .response(
                "200",
                ResponseBuilder::new().description("Received (any 2xx acknowledges)"),
            )
            .security(utoipa::openapi::security::SecurityRequirement::default());
        paths
            .paths
            .insert(t, PathItem::new(HttpMethod::Post, op.build()));
    }
    doc.webhooks = Some(paths);
}
