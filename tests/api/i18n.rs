//! Korean first, English too (#17): problem documents by `Accept-Language`, the default by
//! `HAMKKE_DEFAULT_LANG`, and a catalogue that covers every code the code base can answer.

use serde_json::json;

use crate::support::{Backend, TestApp, World};

fn hangul(s: &str) -> bool {
    s.chars().any(|c| ('가'..='힣').contains(&c))
}

/// Every problem code and field-error code written anywhere in the server's source has a
/// Korean and an English text in the catalogue.
#[test]
fn the_catalogue_covers_every_code_of_the_source() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("crates"), root.join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    // The string literal after one of these openings is a code.
    let problem_openings = ["conflict(", "code: \"", "claimed("];
    let field_openings = ["invalid(", "ApiError::field(", "fail(\""];
    let literal_after = |s: &str, at: usize, nth: usize| -> Option<String> {
        let rest = &s[at..s.len().min(at + 400)];
        let mut parts = rest.split('"');
        parts.next()?;
        let mut found = None;
        for (i, p) in parts.step_by(2).enumerate() {
            if i == nth {
                found = Some(p.to_owned());
                break;
            }
        }
        found.filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    };
    let mut missing = Vec::new();
    for f in files {
        // Benefit-type codes of the standard list are data, not problem codes.
        if f.ends_with("i18n.rs") || f.ends_with("domain/src/benefit.rs") {
            continue;
        }
        let s = std::fs::read_to_string(&f).unwrap();
        for o in problem_openings {
            for (at, _) in s.match_indices(o) {
                let start = if o.ends_with('"') {
                    at + o.len() - 1
                } else {
                    at
                };
                if let Some(code) = literal_after(&s, start, 0) {
                    let known = hamkke_http::i18n::problem(&code).is_some()
                        || hamkke_http::i18n::field(&code).is_some();
                    if !known {
                        missing.push(format!("{}: {code}", f.display()));
                    }
                }
            }
        }
        for o in field_openings {
            for (at, _) in s.match_indices(o) {
                // invalid(field, code, message): the field may itself be a literal.
                let after = &s[at + o.len()..s.len().min(at + o.len() + 300)];
                let quoted = o.ends_with('"');
                let nth = if quoted {
                    0
                } else {
                    usize::from(
                        after.trim_start().starts_with('"')
                            || after.trim_start().starts_with("&format!(\""),
                    )
                };
                let start = if quoted { at + o.len() - 1 } else { at };
                if let Some(code) = literal_after(&s, start, nth) {
                    if hamkke_http::i18n::field(&code).is_none() {
                        missing.push(format!("{}: field {code}", f.display()));
                    }
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "codes without catalogue texts: {missing:#?}"
    );
}

async fn problems_speak_korean_first(b: Backend) {
    let app = TestApp::with_config(b, |c| c.default_lang = hamkke_http::i18n::Lang::Ko).await;
    let w = World::create(&app).await;
    let ko = |r: &crate::support::Resp| {
        assert!(hangul(r.body["title"].as_str().unwrap()), "{}", r.text);
        assert!(hangul(r.body["detail"].as_str().unwrap()), "{}", r.text);
        assert_eq!(r.header("content-language"), Some("ko"), "{}", r.text);
    };
    // The default (no Accept-Language) is Korean: validation with Korean field messages …
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "", "birth_date": "1950-01-01" }),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    ko(&r);
    let message = r.body["errors"][0]["message"].as_str().unwrap();
    assert!(hangul(message), "{message}");
    assert_eq!(r.body["errors"][0]["code"], "length", "codes stay English");
    // … not found, conflicts, unauthorized, forbidden, malformed JSON.
    let r = app
        .get(
            &format!("/api/v1/persons/{}", uuid::Uuid::now_v7()),
            Some(&w.dong),
        )
        .await;
    r.assert_problem(404, "not_found");
    ko(&r);
    let p = app.person(&w.dong, "한국어", "1950-01-01", None).await;
    app.case(&w.dong, &p).await;
    let r = app
        .post(
            "/api/v1/cases",
            Some(&w.dong),
            json!({ "person_id": p, "case_type": "general", "risk_level": "high", "source": "outreach", "summary": "x" }),
        )
        .await;
    r.assert_problem(409, "open_case_exists");
    ko(&r);
    assert!(
        r.body["lead_org_id"].is_string(),
        "extensions stay: {}",
        r.text
    );
    let r = app.get("/api/v1/cases", None).await;
    assert_eq!(r.status, 401);
    ko(&r);
    let r = app.get("/api/v1/person-duplicates", Some(&w.dong)).await;
    r.assert_problem(403, "forbidden");
    ko(&r);
    let r = app
        .send(
            TestApp::req(
                actix_web::http::Method::POST,
                "/api/v1/persons",
                Some(&w.dong),
            )
            .insert_header(("content-type", "application/json"))
            .set_payload("{not json"),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    ko(&r);
    // English when asked, q-values honoured; codes the same.
    let en = app
        .send(
            TestApp::req(
                actix_web::http::Method::GET,
                &format!("/api/v1/persons/{}", uuid::Uuid::now_v7()),
                Some(&w.dong),
            )
            .insert_header(("accept-language", "ko;q=0.3, en-US;q=0.9")),
        )
        .await;
    en.assert_problem(404, "not_found");
    assert_eq!(en.body["title"], "Not found");
    assert_eq!(en.header("content-language"), Some("en"));
    // Rule texts follow the same choice.
    let kimchi = app
        .post_resource(
            &w.dong,
            json!({ "name": "김장김치", "category": "food", "funding": "private_donation", "unit": "통",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 1, "action": "block" } }),
        )
        .await;
    let kimchi = kimchi.body["id"].as_str().unwrap().to_owned();
    let today = hamkke_domain::today().to_string();
    let give = json!({ "resource_id": kimchi, "person_id": p, "granted_on": today, "quantity": 1 });
    assert_eq!(
        app.post("/api/v1/allocations", Some(&w.dong), give.clone())
            .await
            .status,
        201
    );
    let r = app
        .post("/api/v1/allocations", Some(&w.dong), give.clone())
        .await;
    r.assert_problem(409, "duplicate_benefit");
    assert!(hangul(r.body["rule"].as_str().unwrap()), "{}", r.text);
    let r = app
        .send(
            TestApp::req(
                actix_web::http::Method::POST,
                "/api/v1/allocations",
                Some(&w.dong),
            )
            .insert_header(("accept-language", "en"))
            .set_json(give),
        )
        .await;
    r.assert_problem(409, "duplicate_benefit");
    assert_eq!(r.body["title"], "Conflict");
    assert!(
        r.body["rule"].as_str().unwrap().contains("at most"),
        "{}",
        r.text
    );
}

both!(problems_speak_korean_first);
