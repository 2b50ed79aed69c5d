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
