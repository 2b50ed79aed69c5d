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
        description = "함께 (together): 구청, 행정복지센터(주민센터), 사회복지관이 함께 쓰는 통합사례관리 API. \
Joint welfare case management shared by district offices, dong community centres and community \
welfare centres. All errors are RFC 9457 problem documents (`application/problem+json`, Korean \
unless `Accept-Language` prefers English).\n\n\
날짜와 시각: business dates (`granted_on`, `birth_date`, `due_on`, report periods, …) are Korean \
calendar dates (KST, UTC+9); timestamps (`…_at`) are UTC (RFC 3339).",
        contact(name = "hamkke maintainers"),
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
        crate::routes::dashboard::DashboardSection,
        crate::dto::campaigns::NominationStatusDto,
        crate::dto::donations::DonorKindDto,
        crate::dto::donations::DesignationDto,
        crate::dto::attachments::SubjectTypeDto
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
        (name = "campaigns", description = "연말연시 집중 지원: winter campaigns with quotas per organization, nominations (대상자 추천) approved into the ledger"),
        (name = "attachments", description = "첨부 파일: delivery proof (signatures, photos), signed consent forms and case sheets, sealed at rest"),
        (name = "donations", description = "후원·기탁: donations received, designated gifts, and the stock goods become"),
        (name = "reports", description = "District reports for coordinators and auditors (JSON, CSV, XLSX)"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "work", description = "내 업무: the caller's worklist, notifications, visits and the directory"),
        (name = "webhooks", description = "Subscriptions to events, their deliveries and the test event"),
        (name = "events", description = "웹훅 이벤트: what the server sends to a subscription (the `webhooks` section)"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

mod finish;
pub mod ko;

use finish::{
    binary_is_binary, declared_headers, examples, korean_first, typed_problems, webhooks,
};

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

/// Operations the server refuses without `X-Access-Purpose` (bulk exports of personal data,
/// attachment downloads).
pub const PURPOSE_REQUIRED: &[&str] = &[
    "get_duplicates_report",
    "export_duplicates_report_csv",
    "export_duplicates_report_xlsx",
    "export_overview_report_csv",
    "export_overview_report_xlsx",
    "get_attachment_content",
];

/// Operations that take from a rate limit and answer with the `RateLimit` headers.
pub const RATE_LIMITED: &[&str] = &["list_persons", "create_token", "create_activation"];

/// `X-Access-Purpose`, accepted by every authenticated operation and recorded with the audit
/// events of personal-data reads; `required` where the server refuses without it.
fn access_purpose_header(required: bool) -> Parameter {
    ParameterBuilder::new()
        .name("X-Access-Purpose")
        .parameter_in(ParameterIn::Header)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
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
                    let required = op
                        .operation_id
                        .as_deref()
                        .is_some_and(|id| PURPOSE_REQUIRED.contains(&id));
                    params.push(access_purpose_header(required).into());
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
    webhooks(&mut doc);
    korean_first(&mut doc);
    examples(&mut doc);
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
/// no regular expressions and no allocation: the logger asks for every request, so the routes
/// are kept by their number of segments and only those of the path's are tried.
pub struct RouteTable {
    /// Routes by their number of segments (index), the most fixed segments first within each.
    by_length: Vec<Vec<Route>>,
}

struct Route {
    pattern: String,
    /// The path's segments; `None` for a parameter.
    segments: Vec<Option<String>>,
    methods: Vec<&'static str>,
}

impl Route {
    /// Whether a path of these segments, as many as this route's, is this route's.
    fn matches(&self, path: &Segments<'_>) -> bool {
        self.segments
            .iter()
            .zip(path.as_slice())
            .all(|(s, g)| match s {
                Some(literal) => literal == g,
                None => !g.is_empty(),
            })
    }

    fn is_static(&self) -> bool {
        self.segments.iter().all(Option::is_some)
    }

    fn fixed(&self) -> usize {
        self.segments.iter().filter(|s| s.is_some()).count()
    }
}

/// A path split at its slashes once, for all the routes tried (no allocation); a path of more
/// segments than any route has is none.
#[derive(Default)]
struct Segments<'p> {
    parts: [&'p str; MOST_SEGMENTS],
    len: usize,
}

/// More segments than any path of the contract has.
const MOST_SEGMENTS: usize = 16;

impl<'p> Segments<'p> {
    fn of(path: &'p str) -> Option<Self> {
        let mut segments = Segments::default();
        for part in path.split('/') {
            *segments.parts.get_mut(segments.len)? = part;
            segments.len += 1;
        }
        Some(segments)
    }

    fn as_slice(&self) -> &[&'p str] {
        self.parts.get(..self.len).unwrap_or_default()
    }
}

impl RouteTable {
    pub fn from_doc(doc: &OpenApiDoc) -> Self {
        let mut by_length: Vec<Vec<Route>> = Vec::new();
        for (path, item) in &doc.paths.paths {
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
            let segments: Vec<Option<String>> = path
                .split('/')
                .map(|s| {
                    let param = s.starts_with('{') && s.ends_with('}');
                    (!param).then(|| s.to_owned())
                })
                .collect();
            let length = segments.len();
            if by_length.len() <= length {
                by_length.resize_with(length + 1, Vec::new);
            }
            if let Some(routes) = by_length.get_mut(length) {
                routes.push(Route {
                    pattern: path.clone(),
                    segments,
                    methods,
                });
            }
        }
        for routes in &mut by_length {
            // Stable: among routes as fixed, the document's order.
            routes.sort_by_key(|r| std::cmp::Reverse(r.fixed()));
        }
        Self { by_length }
    }

    /// The routes with as many segments as `path`, and its segments.
    fn of_length<'p>(&self, path: &'p str) -> (&[Route], Segments<'p>) {
        let segments = Segments::of(path);
        let routes = match segments {
            Some(ref s) => self.by_length.get(s.len).map_or(&[][..], Vec::as_slice),
            None => &[],
        };
        (routes, segments.unwrap_or_default())
    }

    /// The route a path is: a fixed route before one with parameters (`/allocations/check`
    /// rather than `/allocations/{id}`), then the one with the most fixed segments.
    fn find(&self, path: &str) -> Option<&Route> {
        let (routes, segments) = self.of_length(path);
        routes.iter().find(|r| r.matches(&segments))
    }

    /// The path template of a known path (`/api/v1/cases/{id}`).
    pub fn pattern(&self, path: &str) -> Option<&str> {
        self.find(path).map(|r| r.pattern.as_str())
    }

    /// The methods of a fixed (parameterless) route with exactly this path, if any.
    pub fn allowed_static(&self, path: &str) -> Option<String> {
        let (routes, segments) = self.of_length(path);
        routes
            .iter()
            .find(|r| r.is_static() && r.matches(&segments))
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
    fn every_operation_has_its_korean_words_and_every_entry_an_operation() {
        let doc = crate::app::openapi();
        let mut ids: Vec<String> = Vec::new();
        for (_, item) in doc.paths.paths.clone().iter_mut() {
            for op in operations(item) {
                ids.extend(op.operation_id.clone());
                let summary = op.summary.as_deref().unwrap_or_default();
                assert!(
                    summary.chars().any(|c| ('가'..='힣').contains(&c)),
                    "{:?} has no Korean title",
                    op.operation_id
                );
                assert!(op
                    .description
                    .as_deref()
                    .is_some_and(|d| d.contains("\n\n")));
            }
        }
        for (id, _, _) in crate::openapi::ko::OPERATIONS {
            assert!(ids.iter().any(|i| i == id), "{id} names no operation");
        }
        assert_eq!(ids.len(), crate::openapi::ko::OPERATIONS.len());
    }

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
            &"/x".repeat(MOST_SEGMENTS + 3),
        ] {
            assert_eq!(t.pattern(unknown), None, "{unknown}");
        }
        assert_eq!(t.pattern("/healthz"), Some("/healthz"));
        // Every template names itself, its parameters filled in.
        for template in crate::app::openapi().paths.paths.keys() {
            let path = template
                .split('/')
                .map(|s| if s.starts_with('{') { id } else { s })
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(t.pattern(&path), Some(template.as_str()), "{path}");
        }
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
