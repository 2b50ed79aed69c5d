//! Identity without an RRN (#15): possible duplicates at registration, the review queue,
//! merge and dismissal, the check's warning, imports that hold a likely duplicate back.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World};

async fn register(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post("/api/v1/persons", Some(token), body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

async fn scan(app: &TestApp, district: &'static str) -> usize {
    let db = app.db.inner().clone();
    actix_web::web::block(move || {
        let mut conn = db.get().unwrap();
        hamkke_persistence::repo::identity::scan(&mut conn, district, hamkke_domain::today())
            .unwrap()
            .pairs
    })
    .await
    .unwrap()
}

async fn sql(app: &TestApp, statement: String) {
    let db = app.db.inner().clone();
    actix_web::web::block(move || {
        use diesel::connection::SimpleConnection;
        db.get().unwrap().batch_execute(&statement).unwrap();
    })
    .await
    .unwrap();
}

async fn queue(app: &TestApp, token: &str, status: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/api/v1/person-duplicates?status={status}"),
            Some(token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

fn pair_of(pairs: &[Value], a: &str, b: &str) -> Option<Value> {
    pairs
        .iter()
        .find(|p| {
            let ids = [
                p["person_a"]["person_id"].as_str().unwrap(),
                p["person_b"]["person_id"].as_str().unwrap(),
            ];
            ids.contains(&a) && ids.contains(&b)
        })
        .cloned()
}

async fn registration_names_possible_duplicates_of_the_district(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let first = register(
        &app,
        &w.dong,
        json!({ "name": "김영수", "birth_date": "1950-03-04", "phone": "010-1111-2222" }),
    )
    .await;
    assert_eq!(first["possible_duplicates"], json!([]));
    let first_id = first["id"].as_str().unwrap().to_owned();
    // The welfare centre registers "김영숙 씨", same birth date: one letter apart.
    let second = register(
        &app,
        &w.welfare,
        json!({ "name": "김영숙 씨", "birth_date": "1950-03-04" }),
    )
    .await;
    let found = second["possible_duplicates"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{second}");
    assert_eq!(found[0]["person_id"], first_id.as_str());
    assert_eq!(found[0]["masked_name"], "김*수");
    assert_eq!(found[0]["birth_year"], 1950);
    assert_eq!(found[0]["reasons"], json!(["similar_name_same_birth_date"]));
    assert_eq!(found[0]["registered_by_org_id"], w.d.dong.as_str());
    assert_eq!(found[0]["registered_by_org_name"], "공덕동 주민센터");
    // Nothing the welfare centre may not see: no full name, no phone.
    assert!(!second.to_string().contains("김영수") && !second.to_string().contains("1111"));
    // Another district's namesake is not a candidate.
    let far = register(
        &app,
        &w.far,
        json!({ "name": "김영수", "birth_date": "1950-03-04" }),
    )
    .await;
    assert_eq!(far["possible_duplicates"], json!([]));
    // Swapped day and month, same name.
    let swapped = register(
        &app,
        &w.dong,
        json!({ "name": "김영수", "birth_date": "1950-04-03" }),
    )
    .await;
    assert!(swapped["possible_duplicates"]
        .to_string()
        .contains("same_name_swapped_birth_date"));
    // Refuse mode registers nothing.
    let r = app
        .post(
            "/api/v1/persons?on_possible_duplicate=refuse",
            Some(&w.dong),
            json!({ "name": "김영수", "birth_date": "1950-03-04" }),
        )
        .await;
    r.assert_problem(409, "possible_duplicate_person");
    assert_eq!(r.body["possible_duplicates"][0]["score"], 85, "{}", r.text);
    let same = app
        .get(
            "/api/v1/persons?q=%EA%B9%80%EC%98%81%EC%88%98&birth_date=1950-03-04",
            Some(&w.dong),
        )
        .await;
    assert_eq!(
        same.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        same.text
    );
    app.post(
        "/api/v1/persons?on_possible_duplicate=maybe",
        Some(&w.dong),
        json!({ "name": "x", "birth_date": "1950-03-04" }),
    )
    .await
    .assert_problem(400, "validation_failed");
    // The pairs found at registration wait in the coordinators' queue.
    let pairs = queue(&app, &w.coord, "open").await;
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    assert!(pairs.iter().all(|p| p["found_by"] == "registration"));
    // Caseworkers and other districts have no queue to see.
    app.get("/api/v1/person-duplicates", Some(&w.dong))
        .await
        .assert_problem(403, "forbidden");
    app.get(
        "/api/v1/person-duplicates?district_code=11440",
        Some(&w.far),
    )
    .await
    .assert_problem(404, "not_found");
}

async fn the_scan_finds_what_registration_could_not(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    // Registered first without an RRN, then by another centre with one: a registration with
    // an RRN looks for nothing, so only the scan pairs them.
    let a = register(
        &app,
        &w.dong,
        json!({ "name": "최영희", "birth_date": "1955-05-05" }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_ = register(
        &app,
        &w.welfare,
        json!({ "name": "최영희", "birth_date": "1955-05-05", "rrn": "550505-2345678" }),
    )
    .await;
    assert!(
        b_.get("possible_duplicates")
            .is_none_or(|p| p == &json!([])),
        "{b_}"
    );
    let b_ = b_["id"].as_str().unwrap().to_owned();
    assert!(queue(&app, &w.coord, "open").await.is_empty());
    assert_eq!(scan(&app, "11440").await, 1);
    let pairs = queue(&app, &w.coord, "open").await;
    let pair = pair_of(&pairs, &a, &b_).expect("found by the scan");
    assert_eq!(pair["found_by"], "scan");
    assert_eq!(pair["score"], 85);
    assert_eq!(pair["reasons"], json!(["same_name_and_birth_date"]));
    // Scanning again queues nothing twice; the auditor reads the queue too.
    scan(&app, "11440").await;
    assert_eq!(queue(&app, &w.coord, "open").await.len(), 1);
}

async fn a_merge_moves_everything_and_the_check_sees_one_ledger(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let kimchi = json!({ "name": "김장김치", "category": "food", "funding": "private_donation", "unit": "통",
        "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 1, "action": "block" } });
    let r = app.post_resource(&w.dong, kimchi).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let kimchi = r.body["id"].as_str().unwrap().to_owned();
    // The welfare centre registered her with her RRN; the dong centre, from a neighbour's
    // report, without. A scan finds the pair (registration with an RRN looks for nothing).
    let survivor = register(
        &app,
        &w.welfare,
        json!({ "name": "박순자", "birth_date": "1944-02-02", "rrn": "440202-2345678" }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let household = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 20" }),
        )
        .await;
    assert_eq!(household.status, 201, "{}", household.text);
    let household = household.body["id"].as_str().unwrap().to_owned();
    let merged = register(
        &app,
        &w.dong,
        json!({ "name": "박 순자", "birth_date": "1944-02-02", "phone": "010-3333-4444", "household_id": household }),
    )
    .await;
    // (Registering without an RRN queued the pair already; the scan finds it again.)
    assert_eq!(
        merged["possible_duplicates"][0]["person_id"],
        survivor.as_str()
    );
    let merged = merged["id"].as_str().unwrap().to_owned();
    assert!(scan(&app, "11440").await >= 1);
    // One of each dependent row on the merged record: a case with an assessment and a note
    // naming her, a consent, an allocation.
    let case = app.case(&w.dong, &merged).await;
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/assessments"),
            Some(&w.dong),
            json!({ "assessed_on": "2026-11-20", "person_id": merged, "risk_level": "high", "summary": "사정", "domains": { "health": { "score": 4 } } }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/notes"),
            Some(&w.dong),
            json!({ "kind": "phone", "occurred_at": "2026-11-20T01:00:00Z", "body": "통화", "visibility": "participants", "person_id": merged }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let r = app
        .post(
            &format!("/api/v1/persons/{merged}/consents"),
            Some(&w.dong),
            json!({ "purpose": "사례관리", "scope": "case_participants", "expires_at": expires }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let today = hamkke_domain::today().to_string();
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": kimchi, "person_id": merged, "granted_on": today, "quantity": 1 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Before the merge (#28): the two records of one person are a strong unreviewed pair, so a
    // `block` benefit given to one is refused to the other — the check names the candidate's
    // claim as a conflict (no person data) and, masked, as a possible duplicate claim; recording
    // needs the override path.
    let r = app
        .post(
            "/api/v1/allocations/check",
            Some(&w.welfare),
            json!({ "resource_id": kimchi, "person_id": survivor, "granted_on": today, "quantity": 1 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["allowed"], false, "{}", r.text);
    assert_eq!(r.body["action"], "block", "{}", r.text);
    assert_eq!(
        r.body["conflicts"].as_array().unwrap().len(),
        1,
        "{}",
        r.text
    );
    assert!(!r.text.contains("박순자"), "{}", r.text);
    let warned = r.body["possible_duplicate_claims"].as_array().unwrap();
    assert_eq!(warned.len(), 1, "{}", r.text);
    assert_eq!(warned[0]["masked_name"], "박**자");
    assert_eq!(warned[0]["person_id"], merged.as_str());
    app.post(
        "/api/v1/allocations",
        Some(&w.welfare),
        json!({ "resource_id": kimchi, "person_id": survivor, "granted_on": today, "quantity": 1 }),
    )
    .await
    .assert_problem(409, "duplicate_benefit");
    // Merge into the record with the RRN.
    let pairs = queue(&app, &w.coord, "open").await;
    let pair = pair_of(&pairs, &survivor, &merged).expect("queued");
    let pid = pair["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/person-duplicates/{pid}/merge"),
        Some(&w.dong),
        json!({ "survivor_id": survivor }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/person-duplicates/{pid}/merge"),
        Some(&w.coord),
        json!({ "survivor_id": case }),
    )
    .await
    .assert_problem(400, "validation_failed");
    let r = app
        .post(
            &format!("/api/v1/person-duplicates/{pid}/merge"),
            Some(&w.coord),
            json!({ "survivor_id": survivor }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for (what, n) in [
        ("cases", 1),
        ("case_members", 1),
        ("consents", 1),
        ("notes", 1),
        ("assessments", 1),
        ("allocations", 1),
    ] {
        assert_eq!(r.body[what], n, "{what}: {}", r.text);
    }
    assert_eq!(r.body["pair"]["status"], "merged");
    assert_eq!(r.body["household"], true, "{}", r.text);
    assert_eq!(r.body["rrn"], false, "the survivor had the number");
    // The merged record redirects; the case, the ledger and the access log follow the survivor.
    let old = app
        .get(&format!("/api/v1/persons/{merged}"), Some(&w.dong))
        .await;
    assert_eq!(old.status, 308, "{}", old.text);
    assert_eq!(
        old.header("location"),
        Some(format!("/api/v1/persons/{survivor}").as_str())
    );
    app.get(&format!("/api/v1/persons/{merged}"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    let c = app
        .get(&format!("/api/v1/cases/{case}"), Some(&w.dong))
        .await;
    assert_eq!(c.body["person_id"], survivor.as_str());
    let p = app
        .get(&format!("/api/v1/persons/{survivor}"), Some(&w.dong))
        .await;
    assert_eq!(p.body["household_id"], household.as_str(), "{}", p.text);
    assert_eq!(p.body["rrn_masked"], "440202-2******", "{}", p.text);
    let log = app
        .get(
            &format!("/api/v1/persons/{survivor}/access-log"),
            Some(&w.dong),
        )
        .await;
    assert_eq!(log.status, 200, "{}", log.text);
    assert!(
        log.text.contains(&merged),
        "the merged record's events: {}",
        log.text
    );
    // The duplicate check now sees both ledgers as one: the survivor is blocked.
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.welfare),
            json!({ "resource_id": kimchi, "person_id": survivor, "granted_on": today, "quantity": 1 }),
        )
        .await;
    r.assert_problem(409, "duplicate_benefit");
    // The pair is decided; the search finds one 박순자.
    app.post(
        &format!("/api/v1/person-duplicates/{pid}/dismiss"),
        Some(&w.coord),
        json!({ "reason": "x" }),
    )
    .await
    .assert_problem(409, "already_decided");
}

async fn dismissal_holds_until_its_date_and_rrns_decide(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let a = register(
        &app,
        &w.dong,
        json!({ "name": "이민호", "birth_date": "1970-07-07", "rrn": "700707-1234567" }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_ = register(
        &app,
        &w.dong,
        json!({ "name": "이민호", "birth_date": "1970-07-07" }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pairs = queue(&app, &w.coord, "open").await;
    let pid = pair_of(&pairs, &a, &b_).expect("queued")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // While the pair is open, a `block` benefit given to one record is refused to the other;
    // a dismissed pair no longer counts (#28).
    let oil = json!({ "name": "난방유", "category": "heating", "funding": "public", "unit": "L",
        "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 1, "action": "block" } });
    let oil = app.post_resource(&w.dong, oil).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = hamkke_domain::today().to_string();
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": a, "granted_on": today, "quantity": 100 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let check =
        json!({ "resource_id": oil, "person_id": b_, "granted_on": today, "quantity": 100 });
    let r = app
        .post("/api/v1/allocations/check", Some(&w.dong), check.clone())
        .await;
    assert_eq!(r.body["allowed"], false, "{}", r.text);
    let until = (hamkke_domain::today() + chrono::Duration::days(30)).to_string();
    let r = app
        .post(
            &format!("/api/v1/person-duplicates/{pid}/dismiss"),
            Some(&w.coord),
            json!({ "reason": "동명이인 (다른 주소, 확인함)", "until": until }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "dismissed");
    let r = app
        .post("/api/v1/allocations/check", Some(&w.dong), check)
        .await;
    assert_eq!(r.body["allowed"], true, "{}", r.text);
    assert_eq!(r.body["possible_duplicate_claims"], json!([]), "{}", r.text);
    scan(&app, "11440").await;
    assert!(pair_of(&queue(&app, &w.coord, "open").await, &a, &b_).is_none());
    assert!(pair_of(&queue(&app, &w.coord, "dismissed").await, &a, &b_).is_some());
    // After its date the pair comes back with the next scan.
    sql(
        &app,
        format!("UPDATE person_duplicates SET dismissed_until = '2020-01-01' WHERE id = '{pid}'"),
    )
    .await;
    scan(&app, "11440").await;
    assert!(pair_of(&queue(&app, &w.coord, "open").await, &a, &b_).is_some());
    // The second record learns an RRN of its own, different: merging is refused.
    sql(
        &app,
        format!("UPDATE persons SET rrn_hmac = 'other', rrn_masked = '700707-1******' WHERE id = '{b_}'"),
    )
    .await;
    app.post(
        &format!("/api/v1/person-duplicates/{pid}/merge"),
        Some(&w.coord),
        json!({ "survivor_id": a }),
    )
    .await
    .assert_problem(409, "different_rrns");
    let _ = Method::GET;
}

async fn an_import_holds_back_a_likely_duplicate(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let r = app
        .post_resource(
            &w.dong,
            json!({ "name": "동 밑반찬", "category": "food", "funding": "private_donation", "unit": "회",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 1 }, "max_count": 1, "action": "warn" } }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    register(
        &app,
        &w.dong,
        json!({ "name": "정말순", "birth_date": "1938-08-08" }),
    )
    .await;
    let csv = "name,birth_date,resource,granted_on\n정말순 님,1938-08-08,동 밑반찬,2026-11-23\n최새분,1939-09-09,동 밑반찬,2026-11-23\n";
    let r = app
        .send(
            TestApp::req(
                Method::POST,
                "/api/v1/allocations/import?register_missing=true",
                Some(&w.dong),
            )
            .insert_header(("content-type", "text/csv"))
            .set_payload(csv.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // 정말순 님 is 정말순: held back; 최새분 is new: registered.
    assert_eq!(r.body["registered"], 1, "{}", r.text);
    assert_eq!(r.body["imported"], 1, "{}", r.text);
    let held = r.body["possible_duplicates"].as_array().unwrap();
    assert_eq!(held.len(), 1, "{}", r.text);
    assert_eq!(held[0]["row"], 2);
    assert_eq!(held[0]["candidates"][0]["masked_name"], "정*순");
    let found = app
        .get(
            "/api/v1/persons?q=%EC%A0%95%EB%A7%90%EC%88%9C&birth_date=1938-08-08",
            Some(&w.dong),
        )
        .await;
    assert_eq!(
        found.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        found.text
    );
}

both!(
    registration_names_possible_duplicates_of_the_district,
    the_scan_finds_what_registration_could_not,
    a_merge_moves_everything_and_the_check_sees_one_ledger,
    dismissal_holds_until_its_date_and_rrns_decide,
    an_import_holds_back_a_likely_duplicate,
);
