//! The contract: checked in, served, complete, and every protected operation refuses anonymous
//! callers.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::support::{Backend, TestApp};

fn generated() -> Value {
    serde_json::to_value(hamkke_http::openapi()).unwrap()
}

#[test]
fn checked_in_contract_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let checked_in: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("openapi/openapi.json"))
            .unwrap();
    assert!(
        checked_in == generated(),
        "openapi/openapi.json is stale: run `cargo run -q -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_operation_is_named_described_and_lists_its_errors() {
    let doc = generated();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let name = regex_like_operation_id;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                name(id),
                "{method} {path}: operation id {id:?} is not <verb>_<resource>"
            );
            for (status, resp) in op["responses"].as_object().unwrap() {
                assert!(
                    resp["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{id} {status} lacks a description"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        resp["content"]["application/problem+json"].is_object(),
                        "{id} {status} is not problem+json"
                    );
                }
            }
            for s in ["500", "503"] {
                assert!(op["responses"][s].is_object(), "{id} does not list {s}");
            }
            let secured = user_token(op);
            if secured {
                assert!(
                    op["responses"]["401"].is_object() && op["responses"]["403"].is_object(),
                    "{id}"
                );
            }
        }
    }
}

/// Whether an operation takes a user's access token (`bearer`; `/metrics` takes its own).
fn user_token(op: &Value) -> bool {
    op["security"]
        .as_array()
        .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()))
}

fn regex_like_operation_id(id: &str) -> bool {
    let verbs = [
        "create", "get", "list", "update", "delete", "withdraw", "cancel", "finalize", "complete",
        "accept", "decline", "check", "approve", "deliver", "import", "verify", "refresh",
        "logout", "healthz", "readyz", "metrics", "read", "reject", "merge", "dismiss", "revoke",
        "export", "return", "close", "reopen",
    ];
    let mut parts = id.split('_');
    let verb = parts.next().unwrap_or_default();
    verbs.contains(&verb) && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// Calls every operation of the document without a token: all but the public ones answer 401.
async fn every_protected_operation_requires_a_token(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = generated();
    let public = [
        "create_token",
        "create_activation",
        "refresh_token",
        "healthz",
        "readyz",
        "metrics",
    ];
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = crate::support::concrete_path(path);
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let secured = user_token(op);
            assert_eq!(secured, !public.contains(&id), "{id}: security declaration");
            if !secured {
                continue;
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for token in [None, Some("expired.or.garbage")] {
                let r = app
                    .send(
                        TestApp::req(m.clone(), &concrete, token)
                            .set_json(json!({}))
                            .insert_header(("if-match", "\"1\"")),
                    )
                    .await;
                r.assert_problem(
                    401,
                    if token.is_none() {
                        "missing_token"
                    } else {
                        "invalid_token"
                    },
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} operations checked");
}

async fn contract_and_docs_are_served_offline(b: Backend) {
    let app = TestApp::new(b).await;
    let served = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.body, generated());
    let docs = app.get("/docs/", None).await;
    assert_eq!(docs.status, 200);
    assert!(
        docs.text.contains("swagger"),
        "{}",
        &docs.text[..docs.text.len().min(200)]
    );
    let redirect = app.get("/docs", None).await;
    assert_eq!(redirect.status, 301);
}

both!(
    every_protected_operation_requires_a_token,
    contract_and_docs_are_served_offline
);

/// Every `$ref` of the contract names a schema it defines (generators refuse a dangling one).
#[test]
fn every_reference_resolves() {
    fn walk(v: &serde_json::Value, schemas: &serde_json::Map<String, serde_json::Value>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    let name = r.trim_start_matches("#/components/schemas/");
                    assert!(schemas.contains_key(name), "dangling {r}");
                }
                m.values().for_each(|x| walk(x, schemas));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, schemas)),
            _ => {}
        }
    }
    let doc = generated();
    let schemas = doc["components"]["schemas"].as_object().unwrap().clone();
    walk(&doc, &schemas);
}

/// Problems that carry members are typed where they are answered, and codes are an enum.
#[test]
fn problems_with_members_are_typed_where_answered() {
    let doc = generated();
    let schema_of = |path: &str, method: &str, status: &str| {
        doc["paths"][path][method]["responses"][status]["content"]["application/problem+json"]
            ["schema"]["$ref"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    for (path, method, status, typed) in [
        (
            "/api/v1/allocations",
            "post",
            "409",
            "DuplicateBenefitProblem",
        ),
        (
            "/api/v1/persons",
            "post",
            "409",
            "PossibleDuplicatePersonProblem",
        ),
        (
            "/api/v1/cases/{id}/transitions",
            "post",
            "409",
            "InvalidTransitionProblem",
        ),
        (
            "/api/v1/meetings/{id}/finalize",
            "post",
            "409",
            "FinalizeBlockedProblem",
        ),
        ("/api/v1/cases", "post", "400", "ValidationProblem"),
    ] {
        assert_eq!(
            schema_of(path, method, status),
            format!("#/components/schemas/{typed}"),
            "{method} {path} {status}"
        );
    }
    let codes = doc["components"]["schemas"]["ProblemCode"]["enum"]
        .as_array()
        .unwrap();
    for code in [
        "duplicate_benefit",
        "invalid_transition",
        "finalize_blocked",
        "validation_failed",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code}");
    }
    assert_eq!(
        doc["components"]["schemas"]["Problem"]["properties"]["code"]["$ref"],
        "#/components/schemas/ProblemCode"
    );
}

/// What generators read beyond the operations: every tag declared, Korean first then English
/// on every operation, the purpose required where the server requires it, the headers the
/// server sends, and a webhook (with the `{type, timestamp, data}` envelope) per event type.
#[test]
fn the_contract_declares_what_generators_read() {
    let doc = generated();
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let korean = |s: &str| s.chars().any(|c| ('가'..='힣').contains(&c));
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for t in op["tags"].as_array().unwrap() {
                assert!(
                    tags.contains(&t.as_str().unwrap()),
                    "{method} {path}: tag {t}"
                );
            }
            let summary = op["summary"].as_str().unwrap_or_default();
            let description = op["description"].as_str().unwrap_or_default();
            assert!(korean(summary), "{method} {path}: summary not Korean");
            let (ko, en) = description.split_once("\n\n").unwrap_or_default();
            let english_first_word = en.split(' ').next().unwrap_or_default();
            assert!(
                korean(ko) && !en.is_empty() && !korean(english_first_word),
                "{method} {path}: Korean first, then English: {description}"
            );
        }
    }
    let purpose = |path: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "X-Access-Purpose")
            .map(|p| p["required"] == true)
    };
    for path in [
        "/api/v1/reports/duplicates",
        "/api/v1/reports/duplicates.csv",
        "/api/v1/reports/duplicates.xlsx",
        "/api/v1/reports/overview.csv",
        "/api/v1/reports/overview.xlsx",
    ] {
        assert_eq!(purpose(path), Some(true), "{path}");
    }
    assert_eq!(purpose("/api/v1/reports/overview"), Some(false));
    let headers = |path: &str, method: &str, status: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"][status]["headers"]
            .as_object()
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default()
    };
    for path in ["/api/v1/cases", "/api/v1/campaigns", "/api/v1/donations"] {
        assert!(
            headers(path, "post", "201").contains(&"Location".to_owned()),
            "{path}"
        );
    }
    assert!(headers("/api/v1/cases", "post", "303").contains(&"Location".to_owned()));
    assert!(headers("/api/v1/reports/overview.csv", "get", "200")
        .contains(&"Content-Disposition".to_owned()));
    for (path, method) in [("/api/v1/persons", "get"), ("/api/v1/auth/token", "post")] {
        for status in ["200", "429"] {
            let h = headers(path, method, status);
            assert!(
                h.contains(&"RateLimit".to_owned()) && h.contains(&"RateLimit-Policy".to_owned()),
                "{method} {path} {status}: {h:?}"
            );
        }
    }
    let types = doc["components"]["schemas"]["WebhookEventType"]["enum"]
        .as_array()
        .unwrap();
    let hooks = doc["webhooks"].as_object().unwrap();
    assert_eq!(
        hooks.len(),
        types.len() + 1,
        "every event type and webhook.test"
    );
    for t in types.iter().chain([&json!("webhook.test")]) {
        let body = &hooks[t.as_str().unwrap()]["post"]["requestBody"]["content"]
            ["application/json"]["schema"];
        assert_eq!(
            body["allOf"][0]["$ref"], "#/components/schemas/WebhookEnvelope",
            "{t}"
        );
        assert_eq!(body["allOf"][1]["properties"]["type"]["enum"][0], *t);
    }
    // Examples from a test run: every JSON request body, and the main answers.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let body = &op["requestBody"]["content"]["application/json"];
            if body.is_object() {
                assert!(
                    body["example"].is_object(),
                    "{method} {path}: no example body"
                );
            }
        }
    }
    for (path, method, status) in [
        ("/api/v1/cases", "post", "201"),
        ("/api/v1/cases", "get", "200"),
        ("/api/v1/cases/{id}", "get", "200"),
        ("/api/v1/allocations", "post", "201"),
        ("/api/v1/allocations/check", "post", "200"),
        ("/api/v1/persons", "post", "201"),
        ("/api/v1/me/worklist", "get", "200"),
        ("/api/v1/meetings/{id}/finalize", "post", "200"),
    ] {
        let answer =
            &doc["paths"][path][method]["responses"][status]["content"]["application/json"];
        assert!(
            answer["example"].is_object(),
            "{method} {path} {status}: no example"
        );
    }
    let envelope = &doc["components"]["schemas"]["WebhookEnvelope"];
    assert_eq!(envelope["required"], json!(["type", "timestamp", "data"]));
}
