//! The OpenAPI document: operations come from the handlers' annotations; this module adds the
//! security scheme and the error responses every operation can give, so none is forgotten.

use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    link::LinkBuilder, ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, Required, ResponseBuilder,
};
use utoipa::OpenApi;

use crate::auth::ACCESS_PURPOSES;
use crate::error::{FieldError, Problem, PROBLEM_JSON};

/// The static part of the document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "hamkke API",
        description = "함께 (together): joint welfare case management shared by district offices, \
dong community centres and community welfare centres. All errors are RFC 9457 problem documents.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(
        Problem,
        FieldError,
        crate::dto::meetings::DirectionDto,
        crate::dto::common::NamedRef,
        crate::dto::users::SortDto,
        crate::dto::persons::OnPossibleDuplicate,
        crate::dto::persons::DuplicateStatusDto,
        crate::routes::dashboard::DashboardSection
    )),
    tags(
        (name = "auth", description = "Login, tokens and the caller's identity"),
        (name = "organizations", description = "District offices, dong centres, welfare centres, partners"),
        (name = "users", description = "Accounts, roles, transfers and handovers"),
        (name = "persons", description = "Households, persons (clients) and consents"),
        (name = "cases", description = "Shared cases, participants, assignments, notes and timelines"),
        (name = "meetings", description = "사정회의 and case conferences whose decisions change cases; action items"),
        (name = "referrals", description = "Referrals between organizations"),
        (name = "allocations", description = "Resource catalogue, shared allocation ledger and duplicate-benefit prevention"),
        (name = "reports", description = "District reports for coordinators and auditors (JSON, CSV, XLSX)"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

fn operations(item: &mut PathItem) -> Vec<&mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `X-Access-Purpose`, accepted by every authenticated operation and recorded with the audit
/// events of personal-data reads.
fn access_purpose_header() -> Parameter {
    ParameterBuilder::new()
        .name("X-Access-Purpose")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Why personal data is read; recorded in the audit trail (bulk exports require it).",
        ))
        .schema(Some(Ref::from_schema_name("AccessPurpose")))
        .build()
}

/// `Idempotency-Key`, accepted by every POST outside `/auth`.
fn idempotency_key_header() -> Parameter {
    ParameterBuilder::new()
        .name(crate::idempotency::HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe: the first response to this key is stored for 24 hours and \
returned again (with `Idempotent-Replayed: true`) for the same request; the same key with a \
different request is a 422, and while the first is running a 409.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        ))
        .build()
}

/// A response header of type `kind` (`string` or `integer`).
fn header_of(kind: Type, description: &str) -> RefOr<utoipa::openapi::header::Header> {
    utoipa::openapi::header::HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(kind)))
        .description(Some(description))
        .build()
        .into()
}

/// The response headers the server sends, declared where it sends them: `Content-Language`
/// on every problem, `Retry-After` on 429 and 503, `Idempotent-Replayed` on the answers of
/// operations that take an `Idempotency-Key`.
fn declared_headers(doc: &mut OpenApiDoc) {
    for (_, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            let idempotent = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter()
                    .any(|p| matches!(p, RefOr::T(p) if p.name == "Idempotency-Key"))
            });
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
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
fn typed_problems(doc: &mut OpenApiDoc) {
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
                vec![("errors", array_of(Ref::from_schema_name("FieldError").into()))],
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
fn binary_is_binary(doc: &mut OpenApiDoc) {
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let inline_upload = doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.remove("ImportUpload"));
    for (_, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                for (media_type, content) in body.content.iter_mut() {
                    let RefOr::T(content) = content else { continue };
                    if media_type == XLSX || media_type == "text/csv" {
                        content.schema = Some(binary(media_type));
                    } else if media_type == "multipart/form-data" {
                        if let Some(upload) = inline_upload.clone() {
                            content.schema = Some(upload);
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
                    if media_type == XLSX {
                        content.schema = Some(binary(media_type));
                    }
                }
            }
        }
    }
}

/// Adds the bearer scheme, the access-purpose header and the common error responses to every
/// operation.
pub fn finalize(mut doc: OpenApiDoc) -> OpenApiDoc {
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert(
        "AccessPurpose".into(),
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("The purpose of an access to personal data."))
            .enum_values(Some(ACCESS_PURPOSES))
            .into(),
    );
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_params = path.contains('{');
        if let Some(op) = item.post.as_mut() {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            if secured && !path.starts_with("/api/v1/auth/") {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(idempotency_key_header().into());
                let responses = &mut op.responses.responses;
                responses.entry("409".into()).or_insert_with(|| {
                    problem("Conflict; also `idempotency_key_in_progress` while a request with the same key runs")
                });
                responses.entry("422".into()).or_insert_with(|| {
                    problem("`idempotency_key_reused`: the key was used for a different request")
                });
                responses.entry("303".into()).or_insert_with(|| {
                    RefOr::T(
                        utoipa::openapi::ResponseBuilder::new()
                            .description("A retry with the `Idempotency-Key` of a request that was carried out but whose response was lost (the server stopped): `Location` names what it created or changed (`code: idempotent_request_committed`)")
                            .build(),
                    )
                });
            }
        }
        for op in operations(item) {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = op.request_body.is_some();
            if secured {
                let params = op.parameters.get_or_insert_with(Vec::new);
                let named =
                    |p: &RefOr<Parameter>| matches!(p, RefOr::T(p) if p.name == "X-Access-Purpose");
                if !params.iter().any(named) {
                    params.push(access_purpose_header().into());
                }
            }
            let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.into())
                    .or_insert_with(|| problem(description));
            };
            if has_body || has_params {
                add("400", "Invalid input: see `errors` for the fields");
            }
            if secured {
                add(
                    "401",
                    "Missing, invalid or expired access token, or an ended session",
                );
                add("403", "The caller's role or organization may not do this");
            }
            if has_path_params || (secured && (has_body || has_params)) {
                add(
                    "404",
                    "No such resource, or one the caller may not know of; also an id in the body or query that names nothing the caller may use (`errors` names the field)",
                );
            }
            if has_body {
                add("413", "Body larger than the limit");
                add("415", "Body is not application/json");
            }
            add("500", "Unexpected error (logged with the request id)");
            add("503", "Database busy or unreachable; retry");
        }
    }
    add_links(&mut doc);
    // What generators read: public operations say so (`security: []`), `/metrics` takes its
    // own bearer token, and the servers a client may call.
    if let Some(components) = doc.components.as_mut() {
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`HAMKKE_METRICS_TOKEN`"))
                    .build(),
            ),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            if op.security.is_none() {
                op.security = Some(if path == "/metrics" {
                    vec![utoipa::openapi::security::SecurityRequirement::new(
                        "metrics_token",
                        Vec::<String>::new(),
                    )]
                } else {
                    Vec::new()
                });
            }
        }
    }
    binary_is_binary(&mut doc);
    typed_problems(&mut doc);
    declared_headers(&mut doc);
    doc.servers = Some(vec![
        utoipa::openapi::ServerBuilder::new()
            .url("/")
            .description(Some("The server that serves this document"))
            .build(),
        utoipa::openapi::ServerBuilder::new()
            .url("http://127.0.0.1:8080")
            .description(Some("The local default (`HAMKKE_BIND`)"))
            .build(),
    ]);
    doc
}

/// Links from every creating operation to the operations on what it created (`POST /cases`
/// → `GET /cases/{id}`, `POST /cases/{id}/notes`, …), so clients and the contract fuzzer can
/// follow the API from one resource to the next.
fn add_links(doc: &mut OpenApiDoc) {
    let ops_under = |prefix: &str| -> Vec<String> {
        doc.paths
            .paths
            .iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .flat_map(|(_, item)| {
                [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                    .into_iter()
                    .flatten()
                    .filter_map(|op| op.operation_id.clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let mut plan: Vec<(String, Vec<String>)> = Vec::new();
    for (path, item) in &doc.paths.paths {
        if let Some(op) = &item.post {
            if op.responses.responses.contains_key("201") {
                let mut targets = ops_under(&format!("{path}/{{id}}"));
                if path.ends_with("/consents") {
                    targets.extend(ops_under("/api/v1/consents/{id}"));
                }
                plan.push((path.clone(), targets));
            }
        }
    }
    for (path, targets) in plan {
        let created = doc
            .paths
            .paths
            .get_mut(&path)
            .and_then(|item| item.post.as_mut())
            .and_then(|op| op.responses.responses.get_mut("201"));
        if let Some(RefOr::T(response)) = created {
            for target in targets {
                let link = LinkBuilder::new()
                    .operation_id(target.clone())
                    .parameter("id", "$response.body#/id")
                    .build();
                response.links.insert(target, link.into());
            }
        }
    }
}

/// Path templates and their methods, to tell an unknown path (404) from a known path with an
/// unsupported method (405), and to name a request's route in its log line and metrics. Matched
/// segment by segment (a `{parameter}` takes any one non-empty segment, as actix routes it), with
/// no regular expressions: the logger asks for every request.
pub struct RouteTable(Vec<Route>);

struct Route {
    pattern: String,
    /// The path's segments; `None` for a parameter.
    segments: Vec<Option<String>>,
    methods: Vec<&'static str>,
}

impl Route {
    /// Whether the path's segments (split once by the caller) are this route's.
    fn matches(&self, given: &[&str]) -> bool {
        self.segments.len() == given.len()
            && self.segments.iter().zip(given).all(|(s, g)| match s {
                Some(literal) => literal == g,
                None => !g.is_empty(),
            })
    }

    fn is_static(&self) -> bool {
        self.segments.iter().all(Option::is_some)
    }
}

impl RouteTable {
    pub fn from_doc(doc: &OpenApiDoc) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                let segments = path
                    .split('/')
                    .map(|s| {
                        let param = s.starts_with('{') && s.ends_with('}');
                        (!param).then(|| s.to_owned())
                    })
                    .collect();
                Route {
                    pattern: path.clone(),
                    segments,
                    methods,
                }
            })
            .collect();
        Self(routes)
    }

    /// The route a path is: a fixed route before one with parameters (`/allocations/check`
    /// rather than `/allocations/{id}`), then the one with the most fixed segments.
    fn find(&self, path: &str) -> Option<&Route> {
        let given: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .filter(|r| r.matches(&given))
            .max_by_key(|r| r.segments.iter().filter(|s| s.is_some()).count())
    }

    /// The path template of a known path (`/api/v1/cases/{id}`).
    pub fn pattern(&self, path: &str) -> Option<&str> {
        self.find(path).map(|r| r.pattern.as_str())
    }

    /// The methods of a fixed (parameterless) route with exactly this path, if any.
    pub fn allowed_static(&self, path: &str) -> Option<String> {
        let given: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|r| r.is_static() && r.matches(&given))
            .map(|r| r.methods.join(", "))
    }

    /// The methods a path supports, if it is a known path.
    pub fn allowed(&self, path: &str) -> Option<String> {
        self.find(path).map(|r| r.methods.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_table_names_routes_as_actix_routes_them() {
        let t = RouteTable::from_doc(&crate::app::openapi());
        let id = "0194f3a0-0000-7000-8000-000000000001";
        let case = format!("/api/v1/cases/{id}");
        assert_eq!(t.pattern(&case), Some("/api/v1/cases/{id}"));
        assert_eq!(
            t.pattern(&format!("{case}/members/{id}")),
            Some("/api/v1/cases/{id}/members/{person_id}")
        );
        // A fixed route before a parameter that would take the same segment.
        assert_eq!(
            t.pattern("/api/v1/allocations/check"),
            Some("/api/v1/allocations/check")
        );
        assert_eq!(
            t.allowed("/api/v1/allocations/check").as_deref(),
            Some("POST")
        );
        assert_eq!(
            t.allowed_static("/api/v1/allocations/import").as_deref(),
            Some("POST")
        );
        assert_eq!(t.allowed_static(&case), None);
        // Unknown: an empty parameter, a trailing slash, segments too many or too few.
        for unknown in [
            "/api/v1/cases/",
            &format!("{case}/"),
            &format!("{case}/nothing/here"),
            "/api/v1",
            "",
        ] {
            assert_eq!(t.pattern(unknown), None, "{unknown}");
        }
        assert_eq!(t.pattern("/healthz"), Some("/healthz"));
    }
}

/// The integer query parameters of each operation (method, path pattern) with their bounds,
/// from the contract: serde's message for a refused number (`number too large to fit in target
/// type`) names no field, so the query-error handler finds which key it was here.
#[derive(Debug, Default)]
pub struct QueryNumbers(std::collections::HashMap<MethodPath, Vec<Bounded>>);

/// An operation: its method and path pattern.
type MethodPath = (String, String);
/// A query parameter's name and the bounds of its value.
type Bounded = (String, i64, i64);

impl QueryNumbers {
    pub fn from_doc(doc: &OpenApiDoc) -> Self {
        let mut out = std::collections::HashMap::new();
        let doc = serde_json::to_value(doc).unwrap_or_default();
        let Some(paths) = doc["paths"].as_object() else {
            return Self(out);
        };
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let numbers: Vec<(String, i64, i64)> = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query" && p["schema"]["type"] == "integer")
                    .filter_map(|p| {
                        let s = &p["schema"];
                        Some((
                            p["name"].as_str()?.to_owned(),
                            s["minimum"]
                                .as_f64()
                                .map_or(i64::from(i32::MIN), |m| m as i64),
                            s["maximum"]
                                .as_f64()
                                .map_or(i64::from(i32::MAX), |m| m as i64),
                        ))
                    })
                    .collect();
                if !numbers.is_empty() {
                    out.insert((method.to_ascii_uppercase(), path.clone()), numbers);
                }
            }
        }
        Self(out)
    }

    /// The first integer parameter of the operation whose value is not an integer within its
    /// bounds.
    pub fn refused(
        &self,
        method: &str,
        pattern: &str,
        pairs: &[(String, String)],
    ) -> Option<String> {
        self.0
            .get(&(method.to_owned(), pattern.to_owned()))?
            .iter()
            .find(|(name, min, max)| {
                pairs.iter().any(|(k, v)| {
                    k == name
                        && !v
                            .trim()
                            .parse::<i64>()
                            .is_ok_and(|n| (*min..=*max).contains(&n))
                })
            })
            .map(|(name, _, _)| name.clone())
    }
}
