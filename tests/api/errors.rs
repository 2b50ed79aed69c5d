//! Every error is problem+json, including actix's own extractor and routing errors.

use actix_web::http::Method;
use actix_web::test::TestRequest;

use crate::support::{Backend, TestApp, World};

async fn unknown_routes_and_methods_are_problems(b: Backend) {
    let app = TestApp::new(b).await;
    app.get("/api/v1/nothing-here", Some(&app.admin_token))
        .await
        .assert_problem(404, "not_found");
    app.get("/", None).await.assert_problem(404, "not_found");
    let r = app
        .send(TestApp::req(
            Method::DELETE,
            "/api/v1/organizations",
            Some(&app.admin_token),
        ))
        .await;
    r.assert_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = app
        .send(TestApp::req(
            Method::PUT,
            "/api/v1/users/01a2011b-0c7a-75a9-8c6d-20e50d07519d",
            Some(&app.admin_token),
        ))
        .await;
    r.assert_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, PATCH"));
}

async fn malformed_requests_are_problems(b: Backend) {
    let app = TestApp::new(b).await;
    let t = app.admin_token.clone();
    let raw = |method: Method, path: &str, ctype: Option<&str>, body: &'static str| {
        let mut r: TestRequest = TestApp::req(method, path, Some(&t)).set_payload(body);
        if let Some(c) = ctype {
            r = r.insert_header(("content-type", c));
        }
        r
    };
    app.send(raw(
        Method::POST,
        "/api/v1/organizations",
        Some("application/json"),
        "{\"name\": ",
    ))
    .await
    .assert_problem(400, "invalid_json");
    app.send(raw(
        Method::POST,
        "/api/v1/organizations",
        Some("text/plain"),
        "{}",
    ))
    .await
    .assert_problem(415, "unsupported_media_type");
    app.send(raw(Method::POST, "/api/v1/organizations", None, "{}"))
        .await
        .assert_problem(415, "unsupported_media_type");
    app.send(raw(
        Method::POST,
        "/api/v1/organizations",
        Some("application/json"),
        "[]",
    ))
    .await
    .assert_problem(400, "validation_failed");
    app.get("/api/v1/organizations/not-a-uuid", Some(&app.admin_token))
        .await
        .assert_problem(400, "invalid_path");
    app.get(
        "/api/v1/users/01a2011b-0c7a-75a9-8c6d-20e50d07519d",
        Some(&app.admin_token),
    )
    .await
    .assert_problem(404, "not_found");
    // An enum filter takes its documented values and names itself when it refuses one.
    let w = World::create(&app).await;
    for (path, field) in [
        ("/api/v1/person-transfers?status=pending", "status"),
        ("/api/v1/cases?limit=20&status=open", "status"),
        // A number out of its range or not a number names its key too.
        ("/api/v1/cases?limit=999999999999", "limit"),
        ("/api/v1/allocations?status=approved&limit=abc", "limit"),
        ("/api/v1/person-transfers?limit=-5", "limit"),
    ] {
        let r = app.get(path, Some(&w.coord)).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.field_errors()[0].0, field, "{path}: {}", r.text);
    }
    for path in [
        "/api/v1/person-transfers?status=requested",
        "/api/v1/person-transfers?status=approved",
        "/api/v1/cases?status=in_service",
    ] {
        let r = app.get(path, Some(&w.coord)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
}

both!(
    unknown_routes_and_methods_are_problems,
    malformed_requests_are_problems
);

/// Walks the contract: every operation that takes a JSON body rejects an unknown field, a body
/// of the wrong type and an oversized body, each as a problem.
async fn every_json_body_is_strict(b: Backend) {
    let app = TestApp::new(b).await;
    let doc = serde_json::to_value(hamkke_http::openapi()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = crate::support::concrete_path(path);
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"]["content"]["application/json"].is_null() {
                continue;
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let send = |body: serde_json::Value| {
                app.send(
                    TestApp::req(m.clone(), &concrete, Some(&app.admin_token))
                        .insert_header(("if-match", "\"1\""))
                        .set_json(body),
                )
            };
            let r = send(serde_json::json!({ "surely_not_a_field": 1 })).await;
            r.assert_problem(400, "validation_failed");
            let errors = r.field_errors();
            assert!(
                errors
                    .iter()
                    .any(|(f, c)| f == "surely_not_a_field" && c == "unknown_field"),
                "{path}: {}",
                r.text
            );
            // One answer names every fault: the unknown field and each required field.
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let schema = match schema["$ref"].as_str() {
                Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
                None => schema,
            };
            for field in schema["required"].as_array().into_iter().flatten() {
                let field = field.as_str().unwrap();
                assert!(
                    errors.iter().any(|(f, c)| f == field && c == "required"),
                    "{method} {path}: `{field}` not named: {}",
                    r.text
                );
            }
            send(serde_json::json!("a string"))
                .await
                .assert_problem(400, "validation_failed");
            send(serde_json::json!({ "padding": "x".repeat(300 * 1024) }))
                .await
                .assert_problem(413, "payload_too_large");
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} bodies checked");
}

both!(every_json_body_is_strict);

/// A body with several faults is answered with all of them at once, each field once, in
/// field order, without echoing what was sent; nothing is created.
async fn every_fault_of_a_body_in_one_answer(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let r = app
        .post(
            "/api/v1/cases",
            Some(&w.dong),
            serde_json::json!({
                "person_idd": "x",
                "case_type": "nonsense",
                "summary": "독거",
                "risk_level": 7,
            }),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(
        r.field_errors(),
        [
            ("case_type", "invalid_value"),
            ("person_id", "required"),
            ("person_idd", "unknown_field"),
            ("risk_level", "invalid_type"),
            ("source", "required"),
        ]
        .map(|(f, c)| (f.to_owned(), c.to_owned())),
        "{}",
        r.text
    );
    assert!(!r.text.contains("nonsense"), "{}", r.text);
    // Faults below the top level are named with their path; the rest of the body still counts.
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            serde_json::json!({ "name": "", "birth_date": "1944-13-40", "extra": true }),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    let fields: Vec<String> = r.field_errors().into_iter().map(|(f, _)| f).collect();
    assert!(
        fields.contains(&"birth_date".to_owned()) && fields.contains(&"extra".to_owned()),
        "{}",
        r.text
    );
    let cases = app.get("/api/v1/cases", Some(&w.dong)).await;
    assert_eq!(cases.body["items"].as_array().map(Vec::len), Some(0));
}

both!(every_fault_of_a_body_in_one_answer);

/// HTTP as generated clients read it: equal `Accept` weights get JSON and say the answer
/// varies by `Accept`; `If-Match` compares strongly (a weak tag changes nothing, 412);
/// `If-None-Match` with the current tag answers 304 without a body.
async fn http_details_generators_rely_on(b: crate::support::Backend) {
    use crate::support::{Shared, TestApp};
    use actix_web::http::Method;
    let app = TestApp::new(b).await;
    let s = Shared::create(&app).await;
    let w = &s.w;
    // openapi-generator lists every declared type at equal weight.
    let generated = "application/json, text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/problem+json";
    let r = app
        .send(
            TestApp::req(Method::GET, "/api/v1/reports/overview", Some(&w.coord))
                .insert_header(("accept", generated)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json"),
        "{:?}",
        r.headers
    );
    assert!(
        r.header("vary").unwrap().split(", ").any(|v| v == "Accept"),
        "{:?}",
        r.headers
    );
    assert!(r.body["cases_by_status"].is_array());
    // A weighted preference still chooses.
    let r = app
        .send(
            TestApp::req(Method::GET, "/api/v1/reports/overview", Some(&w.coord))
                .insert_header(("accept", "application/json;q=0.5, text/csv"))
                .insert_header(("x-access-purpose", "audit")),
        )
        .await;
    assert!(
        r.header("content-type").unwrap().starts_with("text/csv"),
        "{:?}",
        r.headers
    );

    // If-Match: a weak tag never matches.
    let path = format!("/api/v1/cases/{}", s.case);
    let r = app
        .patch(
            &path,
            Some(&w.dong),
            Some("W/\"1\""),
            serde_json::json!({ "summary": "바뀜" }),
        )
        .await;
    r.assert_problem(412, "precondition_failed");
    let r = app.get(&path, Some(&w.dong)).await;
    assert_eq!(
        r.body["summary"], "혼자 사는 어르신, 난방비 체납",
        "nothing changed"
    );
    let tag = r.header("etag").unwrap().to_owned();

    // If-None-Match: the current tag answers 304, an old one the case.
    let r = app
        .send(
            TestApp::req(Method::GET, &path, Some(&w.dong))
                .insert_header(("if-none-match", tag.clone())),
        )
        .await;
    assert_eq!(r.status, 304, "{}", r.text);
    assert!(r.raw.is_empty());
    assert_eq!(r.header("etag"), Some(tag.as_str()));
    let r = app
        .send(
            TestApp::req(Method::GET, &path, Some(&w.dong))
                .insert_header(("if-none-match", "\"0\"")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

both!(http_details_generators_rely_on);

/// A typed method per format: each export has its own operation with one media type and
/// requires the purpose where it names persons; the headers the contract declares are sent
/// (`Content-Disposition`, `Location` on 201, the IETF `RateLimit` pair on rate-limited
/// operations).
async fn exports_per_format_and_declared_headers(b: crate::support::Backend) {
    use crate::support::{Shared, TestApp, PASSWORD};
    use actix_web::http::Method;
    let app = TestApp::new(b).await;
    let s = Shared::create(&app).await;
    let w = &s.w;
    let get = |path: &str, purpose: Option<&str>| {
        let mut r = TestApp::req(Method::GET, path, Some(&w.coord));
        if let Some(p) = purpose {
            r = r.insert_header(("x-access-purpose", p.to_owned()));
        }
        app.send(r)
    };
    for path in [
        "/api/v1/reports/duplicates.csv",
        "/api/v1/reports/duplicates.xlsx",
        "/api/v1/reports/overview.csv",
        "/api/v1/reports/overview.xlsx",
    ] {
        let refused = get(path, None).await;
        refused.assert_problem(400, "validation_failed");
        assert_eq!(
            refused.body["errors"][0]["field"], "X-Access-Purpose",
            "{path}"
        );
        let r = get(path, Some("audit")).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let xlsx = path.ends_with(".xlsx");
        let media = r.header("content-type").unwrap();
        assert!(
            media.starts_with(if xlsx {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            } else {
                "text/csv"
            }),
            "{path}: {media}"
        );
        let disposition = r.header("content-disposition").unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"hamkke_")
                && disposition.ends_with(if xlsx { ".xlsx\"" } else { ".csv\"" }),
            "{path}: {disposition}"
        );
        if xlsx {
            assert!(r.raw.starts_with(b"PK"), "{path}");
        } else {
            assert!(r.raw.starts_with(&[0xEF, 0xBB, 0xBF]), "{path}: UTF-8 BOM");
        }
    }
    // The dashboard's downloads are counts only: no purpose needed, the section is.
    get("/api/v1/reports/dashboard.csv", None)
        .await
        .assert_problem(400, "validation_failed");
    let r = get(
        "/api/v1/reports/dashboard.xlsx?section=cases_by_status",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.raw.starts_with(b"PK"));

    // The import's answer is JSON unless CSV weighs more (a generator lists both).
    for (accept, media) in [
        (
            "application/json,text/csv,application/problem+json",
            "application/json",
        ),
        ("text/csv", "text/csv"),
    ] {
        let r = app
            .send(
                TestApp::req(
                    Method::POST,
                    "/api/v1/allocations/import?dry_run=true",
                    Some(&w.dong),
                )
                .insert_header(("content-type", "text/csv"))
                .insert_header(("accept", accept))
                .set_payload("성명,생년월일,자원,지급일\n"),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.header("content-type").unwrap().starts_with(media),
            "{accept}: {:?}",
            r.headers
        );
    }

    // 201 names what it made.
    let r = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            serde_json::json!({ "address": "서울 마포구 1" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let location = format!("/api/v1/households/{}", r.body["id"].as_str().unwrap());
    assert_eq!(r.header("location"), Some(location.as_str()));
    assert_eq!(app.get(&location, Some(&w.dong)).await.status, 200);

    // Rate-limited operations tell what is left, refused or not.
    let first = app
        .get(
            "/api/v1/persons?q=%EA%B9%80%ED%95%98%EB%82%98",
            Some(&w.dong),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(
        first.header("ratelimit-policy"),
        Some("\"search\";q=60;w=60")
    );
    let left = |r: &crate::support::Resp| -> u32 {
        let v = r.header("ratelimit").unwrap();
        assert!(v.starts_with("\"search\";r="), "{v}");
        v.split(";r=")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(left(&first), 59);
    let second = app
        .get(
            "/api/v1/persons?q=%EA%B9%80%ED%95%98%EB%82%98",
            Some(&w.dong),
        )
        .await;
    assert_eq!(left(&second), 58);
    let r = app
        .post(
            "/api/v1/auth/token",
            None,
            serde_json::json!({ "username": "dong.w", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r
        .header("ratelimit-policy")
        .unwrap()
        .starts_with("\"login\";q="));
    assert!(r.header("ratelimit").unwrap().starts_with("\"login\";r="));
}

both!(exports_per_format_and_declared_headers);
