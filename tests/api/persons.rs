//! Households, persons and consents.

use serde_json::json;

use crate::support::{Backend, TestApp, World};

const RRN: &str = "900101-1234568";
const RRN_DIGITS: &str = "9001011234568";

async fn persons_are_registered_with_a_protected_rrn(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "김민수", "birth_date": "1990-01-01", "sex": "male", "rrn": RRN, "phone": "010-1111-2222", "flags": ["elderly_living_alone", "low_income"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["rrn_masked"], "900101-1******");
    assert_eq!(r.body["registered_by_org_id"], w.d.dong.as_str());
    assert_eq!(r.body["redacted"], false);
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert!(!r.text.contains("1234568"));
    let id = r.body["id"].as_str().unwrap().to_owned();
    // The same number again, even written without the hyphen: 409 with the existing id.
    let dup = app
        .post(
            "/api/v1/persons",
            Some(&w.welfare),
            json!({ "name": "김민수", "birth_date": "1990-01-01", "rrn": RRN_DIGITS }),
        )
        .await;
    dup.assert_problem(409, "person_already_registered");
    assert_eq!(dup.body["person_id"], id.as_str());
    assert!(!dup.text.contains(RRN_DIGITS) && !dup.text.contains("1234568"));
    let found = app.get("/api/v1/persons?q=%EA%B9%80", Some(&w.dong)).await;
    assert_eq!(
        found.body["items"].as_array().unwrap().len(),
        1,
        "nothing was created by the duplicate: {}",
        found.text
    );
    // The stored row holds no digits in the clear.
    let db = app.db.clone();
    let stored: Vec<String> = db
        .run(|c| {
            use diesel::prelude::*;
            use hamkke_persistence::schema::persons;
            Ok(persons::table
                .select((persons::rrn_cipher, persons::rrn_hmac))
                .load::<(Option<String>, Option<String>)>(c)?
                .into_iter()
                .flat_map(|(a, b)| [a.unwrap_or_default(), b.unwrap_or_default()])
                .collect())
        })
        .await
        .unwrap();
    assert!(stored
        .iter()
        .all(|s| !s.contains(RRN_DIGITS) && !s.contains("1234568")));
}

async fn bad_rrns_and_dates_are_refused_without_echo(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    for (rrn, birth) in [
        ("900230-1234567", "1990-02-28"),
        ("900101-9234567x", "1990-01-01"),
        ("900101-1234568", "1991-01-01"),
    ] {
        let r = app
            .post(
                "/api/v1/persons",
                Some(&w.dong),
                json!({ "name": "이영희", "birth_date": birth, "rrn": rrn }),
            )
            .await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.field_errors()[0].0, "rrn", "{}", r.text);
        assert!(!r.text.contains(&rrn[7..]), "{}", r.text);
    }
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "이영희", "birth_date": "2999-01-01" }),
        )
        .await;
    assert_eq!(
        r.field_errors()[0],
        ("birth_date".into(), "out_of_range".into())
    );
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "이영희", "birth_date": "1990-13-01" }),
        )
        .await;
    assert_eq!(r.field_errors()[0].0, "birth_date");
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "이영희", "birth_date": "1990-01-01", "flags": ["rich"] }),
        )
        .await;
    assert_eq!(r.field_errors()[0].1, "invalid_value");
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "", "birth_date": "1990-01-01" }),
        )
        .await;
    assert_eq!(r.field_errors()[0], ("name".into(), "length".into()));
}

async fn other_organizations_see_a_redacted_person(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let id = app.person(&w.dong, "김민수", "1990-01-01", Some(RRN)).await;
    app.case(&w.dong, &id).await;
    let r = app
        .get(&format!("/api/v1/persons/{id}"), Some(&w.welfare))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["redacted"], true);
    assert_eq!(r.body["name_masked"], "김*수");
    assert_eq!(r.body["birth_year"], 1990);
    for hidden in [
        "name",
        "birth_date",
        "rrn_masked",
        "phone",
        "address",
        "household_id",
    ] {
        assert!(r.body[hidden].is_null(), "{hidden} leaked: {}", r.text);
    }
    assert_eq!(r.body["open_case_lead_org_ids"], json!([w.d.dong]));
    // (the whole number: a time-ordered id may hold "010-" by chance)
    assert!(!r.text.contains("김민수") && !r.text.contains("1234-5678"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // The registering organization sees everything.
    let own = app
        .get(&format!("/api/v1/persons/{id}"), Some(&w.dong))
        .await;
    assert_eq!(own.body["name"], "김민수");
    // Searching by RRN finds the person redacted within the district; another district
    // learns only where the person is registered.
    let found = app
        .get(&format!("/api/v1/persons?q={RRN}"), Some(&w.welfare))
        .await;
    let items = found.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", found.text);
    assert_eq!(items[0]["redacted"], true);
    let far = app
        .get(&format!("/api/v1/persons?q={RRN}"), Some(&w.far))
        .await;
    assert_eq!(far.body["items"], json!([]), "{}", far.text);
    assert_eq!(
        far.body["registered_elsewhere"],
        json!([{ "person_id": id, "district_code": "11440" }])
    );
    assert!(!far.text.contains("김*수"), "{}", far.text);
    app.get(&format!("/api/v1/persons/{id}"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    // Updating needs details rights.
    app.patch(
        &format!("/api/v1/persons/{id}"),
        Some(&w.welfare),
        Some("\"1\""),
        json!({ "phone": "010-0000-0000" }),
    )
    .await
    .assert_problem(403, "forbidden");
}

async fn consent_opens_details_and_withdrawal_closes_them(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let id = app.person(&w.dong, "박영수", "1950-05-05", None).await;
    let path = format!("/api/v1/persons/{id}");
    assert_eq!(
        app.get(&path, Some(&w.welfare)).await.body["redacted"],
        true
    );
    let expires = (chrono::Utc::now() + chrono::Duration::days(365)).to_rfc3339();
    let c = app
        .post(
            &format!("{path}/consents"),
            Some(&w.dong),
            json!({ "purpose": "통합사례관리", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": expires, "evidence_ref": "동의서-2026-001" }),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.text);
    assert_eq!(c.body["live"], true);
    let consent_id = c.body["id"].as_str().unwrap().to_owned();
    let seen = app.get(&path, Some(&w.welfare)).await;
    assert_eq!(seen.body["redacted"], false, "{}", seen.text);
    assert_eq!(seen.body["name"], "박영수");
    app.get(&path, Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    let list = app.get(&format!("{path}/consents"), Some(&w.welfare)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    app.get(&format!("{path}/consents"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    // Withdrawal takes effect on the very next request.
    let wd = app
        .post(
            &format!("/api/v1/consents/{consent_id}/withdraw"),
            Some(&w.dong),
            json!({}),
        )
        .await;
    assert_eq!(wd.status, 200, "{}", wd.text);
    assert_eq!(wd.body["live"], false);
    assert_eq!(
        app.get(&path, Some(&w.welfare)).await.body["redacted"],
        true
    );
    app.post(
        &format!("/api/v1/consents/{consent_id}/withdraw"),
        Some(&w.dong),
        json!({}),
    )
    .await
    .assert_problem(409, "already_withdrawn");
    // A consent that expires stops granting access by itself.
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let c = app
        .post(&format!("{path}/consents"), Some(&w.dong), json!({ "purpose": "긴급지원", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": soon }))
        .await;
    assert_eq!(c.status, 201, "{}", c.text);
    assert_eq!(
        app.get(&path, Some(&w.welfare)).await.body["redacted"],
        false
    );
    crate::support::sleep(1700).await;
    assert_eq!(
        app.get(&path, Some(&w.welfare)).await.body["redacted"],
        true
    );
}

async fn participant_consent_covers_case_participants_only(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let id = app.person(&w.dong, "최지우", "1985-03-03", None).await;
    let case = app.case(&w.dong, &id).await;
    let path = format!("/api/v1/persons/{id}");
    app.post(
        &format!("/api/v1/cases/{case}/participants"),
        Some(&w.dong),
        json!({ "organization_id": w.d.welfare, "role": "co_manager" }),
    )
    .await;
    assert_eq!(
        app.get(&path, Some(&w.welfare)).await.body["redacted"],
        true,
        "participation alone is not consent"
    );
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    // Taking part in a case does not make one the keeper of the consent form: only the lead
    // of an open case or the registering organization records it.
    app.post(
        &format!("{path}/consents"),
        Some(&w.welfare),
        json!({ "purpose": "사례관리", "scope": "case_participants", "expires_at": expires }),
    )
    .await
    .assert_problem(403, "forbidden");
    let c = app
        .post(
            &format!("{path}/consents"),
            Some(&w.dong),
            json!({ "purpose": "사례관리", "scope": "case_participants", "expires_at": expires }),
        )
        .await;
    assert_eq!(c.status, 201, "the lead records the consent: {}", c.text);
    assert_eq!(
        app.get(&path, Some(&w.welfare)).await.body["redacted"],
        false
    );
    app.get(&path, Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    let bad = app
        .post(
            &format!("{path}/consents"),
            Some(&w.dong),
            json!({ "purpose": "x", "scope": "organizations", "expires_at": expires }),
        )
        .await;
    assert_eq!(
        bad.field_errors()[0],
        ("organization_ids".into(), "required".into())
    );
    let past = app
        .post(&format!("{path}/consents"), Some(&w.dong), json!({ "purpose": "x", "scope": "case_participants", "expires_at": "2020-01-01T00:00:00Z" }))
        .await;
    assert_eq!(
        past.field_errors()[0],
        ("expires_at".into(), "out_of_range".into())
    );
    app.post(
        &format!("{path}/consents"),
        Some(&w.far),
        json!({ "purpose": "x", "scope": "case_participants", "expires_at": expires }),
    )
    .await
    .assert_problem(404, "not_found");
}

async fn person_search_and_updates(b: Backend) {
    let app = TestApp::with_config(b, |c| c.search_per_minute = 6).await;
    let w = World::create(&app).await;
    let a = app.person(&w.dong, "홍길동", "1970-07-07", None).await;
    app.person(&w.dong, "홍길순", "1972-02-02", None).await;
    app.person(&w.dong, "김철수", "1970-07-07", None).await;
    let by_name = app
        .get("/api/v1/persons?q=%ED%99%8D%EA%B8%B8", Some(&w.dong))
        .await;
    assert_eq!(
        by_name.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        by_name.text
    );
    let by_date = app
        .get("/api/v1/persons?birth_date=1970-07-07", Some(&w.dong))
        .await;
    assert_eq!(by_date.body["items"].as_array().unwrap().len(), 2);
    let wild = app.get("/api/v1/persons?q=%25", Some(&w.dong)).await;
    assert_eq!(
        wild.body["items"].as_array().unwrap().len(),
        0,
        "LIKE wildcards are literal"
    );
    app.get("/api/v1/persons", Some(&w.dong))
        .await
        .assert_problem(400, "validation_failed");
    app.get("/api/v1/persons?birth_date=yesterday", Some(&w.dong))
        .await
        .assert_problem(400, "validation_failed");
    // Four searches so far (a malformed query never reaches the limiter); six are allowed.
    app.get("/api/v1/persons?q=x", Some(&w.dong)).await;
    app.get("/api/v1/persons?q=y", Some(&w.dong)).await;
    app.get("/api/v1/persons?q=x", Some(&w.dong))
        .await
        .assert_problem(429, "rate_limited");
    let path = format!("/api/v1/persons/{a}");
    app.patch(
        &path,
        Some(&w.dong),
        None,
        json!({ "phone": "010-9999-8888" }),
    )
    .await
    .assert_problem(428, "precondition_required");
    app.patch(
        &path,
        Some(&w.dong),
        Some("\"5\""),
        json!({ "phone": "010-9999-8888" }),
    )
    .await
    .assert_problem(412, "precondition_failed");
    let r = app
        .patch(
            &path,
            Some(&w.dong),
            Some("\"1\""),
            json!({ "phone": "010-9999-8888", "address": null, "flags": ["disability"] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["phone"], "010-9999-8888");
    assert!(r.body["address"].is_null());
    assert_eq!(r.body["flags"], json!(["disability"]));
    assert_eq!(r.header("etag"), Some("\"2\""));
}

async fn households_list_their_members(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let h = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10", "admin_dong_code": "1144056000" }),
        )
        .await;
    assert_eq!(h.status, 201, "{}", h.text);
    let hid = h.body["id"].as_str().unwrap().to_owned();
    for (name, birth) in [("정미영", "1980-01-01"), ("정하늘", "2012-05-05")] {
        let r = app
            .post(
                "/api/v1/persons",
                Some(&w.dong),
                json!({ "name": name, "birth_date": birth, "household_id": hid }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let got = app
        .get(&format!("/api/v1/households/{hid}"), Some(&w.dong))
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["members"].as_array().unwrap().len(), 2);
    assert_eq!(got.body["members"][0]["name"], "정미영");
    app.get(&format!("/api/v1/households/{hid}"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    let list = app.get("/api/v1/households", Some(&w.dong)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/households", Some(&w.welfare)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let r = app
        .patch(
            &format!("/api/v1/households/{hid}"),
            Some(&w.dong),
            Some("\"1\""),
            json!({ "admin_dong_code": null }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["admin_dong_code"].is_null());
    let r = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "x", "admin_dong_code": "123" }),
        )
        .await;
    assert_eq!(
        r.field_errors()[0],
        ("admin_dong_code".into(), "length".into())
    );
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "x", "birth_date": "1990-01-01", "household_id": w.d.dong }),
        )
        .await;
    assert_eq!(
        r.field_errors()[0],
        ("household_id".into(), "invalid_reference".into())
    );
}

both!(
    persons_are_registered_with_a_protected_rrn,
    bad_rrns_and_dates_are_refused_without_echo,
    other_organizations_see_a_redacted_person,
    consent_opens_details_and_withdrawal_closes_them,
    participant_consent_covers_case_participants_only,
    person_search_and_updates,
    households_list_their_members,
    a_search_page_is_full_of_people_the_caller_may_find,
);

/// The search decides who the caller may find in SQL, before the page's limit: pages of a
/// prefix search are full, however many people of the same prefix only another organization
/// may see in detail, and every page holds only the caller's.
async fn a_search_page_is_full_of_people_the_caller_may_find(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let mut mine = Vec::new();
    for i in 0..5 {
        // Registered in turns, so the other organization's people lie between the caller's.
        for j in 0..3 {
            app.person(&w.welfare, "박민수", &format!("1960-0{}-1{j}", i + 1), None)
                .await;
        }
        mine.push(
            app.person(&w.dong, "박민수", &format!("1980-0{}-2{i}", i + 1), None)
                .await,
        );
    }
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        let path = match &cursor {
            Some(c) => format!("/api/v1/persons?q=%EB%B0%95%EB%AF%BC&limit=2&cursor={c}"),
            None => "/api/v1/persons?q=%EB%B0%95%EB%AF%BC&limit=2".to_owned(),
        };
        let r = app.get(&path, Some(&w.dong)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        cursor = r.body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_some() {
            assert_eq!(items.len(), 2, "page {page} is short: {}", r.text);
        }
        found.extend(items.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(found, mine, "the caller's five, in order, on three pages");
    // The exact name with a birth date still finds the other organization's person, redacted.
    let exact = app
        .get(
            "/api/v1/persons?q=%EB%B0%95%EB%AF%BC%EC%88%98&birth_date=1960-01-10",
            Some(&w.dong),
        )
        .await;
    assert_eq!(
        exact.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        exact.text
    );
}

/// Registers, re-registers, mistypes, searches and reads RRNs every way the API allows, then
/// scans every response (headers and body), every log line and the audit trail: the number
/// never appears.
async fn rrn_never_appears_in_responses_logs_or_audit(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let rrns = ["900101-1234568", "850505-2345678", "010203-3456789"];
    let mut ids = Vec::new();
    for (i, rrn) in rrns.iter().enumerate() {
        let birth = crate::support::rrn_birth(rrn);
        ids.push(
            app.person(&w.dong, &format!("대상자{i}"), &birth, Some(rrn))
                .await,
        );
        let compact = rrn.replace('-', "");
        app.post(
            "/api/v1/persons",
            Some(&w.welfare),
            json!({ "name": "중복", "birth_date": birth, "rrn": compact }),
        )
        .await;
        app.post(
            "/api/v1/persons",
            Some(&w.welfare),
            json!({ "name": "오타", "birth_date": "1990-01-01", "rrn": format!("{}9", rrn) }),
        )
        .await;
        app.post(
            "/api/v1/persons",
            Some(&w.welfare),
            json!({ "name": "불일치", "birth_date": "1999-12-31", "rrn": rrn }),
        )
        .await;
        app.post(
            "/api/v1/persons",
            Some(&w.welfare),
            json!({ "name": "형식", "birth_date": "1990-01-01", "rrn": 9001011234568u64 }),
        )
        .await;
        app.get(&format!("/api/v1/persons?q={rrn}"), Some(&w.far))
            .await;
        app.get(&format!("/api/v1/persons?q={compact}"), Some(&w.dong))
            .await;
    }
    for id in &ids {
        for token in [&w.dong, &w.welfare, &w.far, &w.coord] {
            app.get(&format!("/api/v1/persons/{id}"), Some(token)).await;
        }
    }
    let events = app
        .db
        .run(|c| hamkke_persistence::audit::latest(c, None, 10_000))
        .await
        .unwrap();
    let audit_text: String = events.iter().map(|e| format!("{e:?}")).collect();
    let transcript = app.transcript.borrow().join("\n");
    let logs = crate::support::captured_logs();
    let dump = app.dump();
    assert!(
        transcript.contains("900101-1******"),
        "the scan is looking at the right material"
    );
    assert!(
        dump.contains("900101-1******") && dump.contains("대상자0"),
        "the dump holds the persons"
    );
    assert!(
        logs.contains("/api/v1/persons"),
        "request logs were captured"
    );
    for rrn in rrns {
        let compact = rrn.replace('-', "");
        let tail = &rrn[7..];
        for (what, text) in [
            ("responses", &transcript),
            ("logs", &logs),
            ("audit", &audit_text),
            ("database dump", &dump),
        ] {
            let at = [rrn, compact.as_str(), tail]
                .iter()
                .find_map(|needle| text.find(needle));
            assert!(
                at.is_none(),
                "{rrn} appears in {what}: …{}…",
                at.map(|i| {
                    let start = (0..=i.saturating_sub(200))
                        .rev()
                        .find(|&k| text.is_char_boundary(k))
                        .unwrap_or(0);
                    let end = ((i + 100).min(text.len())..=text.len())
                        .find(|&k| text.is_char_boundary(k))
                        .unwrap_or(text.len());
                    &text[start..end]
                })
                .unwrap_or_default()
            );
        }
    }
}

both!(rrn_never_appears_in_responses_logs_or_audit);

async fn the_access_log_shows_who_looked_and_why(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let id = app.person(&w.dong, "정보주체", "1950-01-01", None).await;
    let read = |token: &str, purpose: &str| {
        app.send(
            TestApp::req(
                actix_web::http::Method::GET,
                &format!("/api/v1/persons/{id}"),
                Some(token),
            )
            .insert_header(("x-access-purpose", purpose.to_owned())),
        )
    };
    assert_eq!(read(&w.welfare, "case_management").await.status, 200);
    read(&w.welfare, "curiosity")
        .await
        .assert_problem(400, "validation_failed");
    let log = app
        .get(&format!("/api/v1/persons/{id}/access-log"), Some(&w.dong))
        .await;
    assert_eq!(log.status, 200, "{}", log.text);
    let items = log.body["items"].as_array().unwrap();
    let welfare_view = items
        .iter()
        .find(|e| e["actor_org_id"] == w.d.welfare.as_str() && e["action"] == "view")
        .unwrap_or_else(|| panic!("the welfare centre's read is logged: {}", log.text));
    assert_eq!(welfare_view["purpose"], "case_management");
    assert!(items
        .iter()
        .any(|e| e["action"] == "create" && e["actor_org_id"] == w.d.dong.as_str()));
    app.get(
        &format!("/api/v1/persons/{id}/access-log"),
        Some(&w.welfare),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/persons/{id}/access-log"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
}

both!(the_access_log_shows_who_looked_and_why);

/// A consent for case participants covers those taking part when it was recorded: a referral
/// (or any later participant) does not widen who sees the person.
async fn a_referral_does_not_widen_a_participants_consent(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let id = app.person(&w.dong, "박동의", "1960-06-06", None).await;
    let case = app.case(&w.dong, &id).await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let c = app
        .post(
            &format!("/api/v1/persons/{id}/consents"),
            Some(&w.dong),
            json!({ "purpose": "사례관리", "scope": "case_participants", "expires_at": expires }),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.text);
    assert_eq!(c.body["organization_ids"], json!([w.d.dong]));
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.dong),
            json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "정서지원" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let referral = r.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/referrals/{referral}/accept"),
            Some(&w.welfare),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let case_view = app
        .get(&format!("/api/v1/cases/{case}"), Some(&w.welfare))
        .await;
    assert_eq!(case_view.status, 200, "the welfare centre takes part now");
    let seen = app
        .get(&format!("/api/v1/persons/{id}"), Some(&w.welfare))
        .await;
    assert_eq!(seen.body["redacted"], true, "{}", seen.text);
}

both!(a_referral_does_not_widen_a_participants_consent);

/// Withdrawing a consent tells the organizations that lose the person's details, naming their
/// cases; the registering organization, which keeps them, is not told.
async fn a_withdrawn_consent_tells_who_loses_access(b: Backend) {
    let app = TestApp::new(b).await;
    let s = crate::support::Shared::create(&app).await;
    let w = &s.w;
    let consents = app
        .get(
            &format!("/api/v1/persons/{}/consents", s.person),
            Some(&w.dong),
        )
        .await;
    assert_eq!(consents.status, 200, "{}", consents.text);
    let consent = consents.body["items"][0]["id"]
        .as_str()
        .or_else(|| consents.body[0]["id"].as_str())
        .expect("a consent")
        .to_owned();
    let full = app
        .get(&format!("/api/v1/persons/{}", s.person), Some(&w.welfare))
        .await;
    assert_eq!(full.body["redacted"], false, "{}", full.text);
    let r = app
        .post(
            &format!("/api/v1/consents/{consent}/withdraw"),
            Some(&w.dong),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = app
        .get(&format!("/api/v1/persons/{}", s.person), Some(&w.welfare))
        .await;
    assert_eq!(after.body["redacted"], true, "{}", after.text);
    let case_no = app
        .get(&format!("/api/v1/cases/{}", s.case), Some(&w.welfare))
        .await
        .body["case_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let lost = |token: String| {
        let app = &app;
        async move {
            let n = app.get("/api/v1/notifications", Some(&token)).await;
            n.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["event_type"] == "consent.access_lost")
                .map(|i| i["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let told = lost(w.welfare.clone()).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains(&case_no), "names the case: {told:?}");
    assert!(!told[0].contains("김하나"), "no person data: {told:?}");
    assert!(
        lost(w.dong.clone()).await.is_empty(),
        "the registering organization keeps it"
    );
    // And the welfare worker's day starts with it: the case, by its number.
    let day = app.get("/api/v1/me/worklist", Some(&w.welfare)).await;
    assert_eq!(day.body["counts"]["access_lost"], 1, "{}", day.text);
    assert_eq!(day.body["access_lost"][0]["case_no"], case_no.as_str());
    let day = app.get("/api/v1/me/worklist", Some(&w.dong)).await;
    assert_eq!(day.body["counts"]["access_lost"], 0, "{}", day.text);
}

both!(a_withdrawn_consent_tells_who_loses_access);
