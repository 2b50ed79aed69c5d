//! The resource catalogue, the shared ledger and duplicate-benefit prevention.

use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World, PASSWORD};

fn winter_oil() -> Value {
    json!({ "name": "연말 난방유", "category": "heating", "funding": "private_donation", "unit": "드럼",
            "duplicate_policy": { "subject": "household", "scope": "category", "window": { "kind": "season", "start": "11-01", "end": "03-31" }, "max_count": 1, "action": "block" } })
}

/// A household of two, registered by the dong centre.
async fn household(app: &TestApp, w: &World) -> (String, String, String) {
    let h = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10" }),
        )
        .await;
    let hid = h.body["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for (name, birth) in [("김할머니", "1940-01-01"), ("김손자", "2012-01-01")] {
        let r = app
            .post(
                "/api/v1/persons",
                Some(&w.dong),
                json!({ "name": name, "birth_date": birth, "household_id": hid }),
            )
            .await;
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    (hid, ids[0].clone(), ids[1].clone())
}

async fn benefit_types_carry_a_coherent_policy(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let oil = json!({ "code": "heating_oil", "name_ko": "연말 난방유", "name_en": "Year-end heating oil", "category": "heating", "group": "winter_heating",
        "duplicate_policy": { "subject": "household", "window": { "kind": "season", "start": "11-01", "end": "03-31" }, "max_count": 1, "action": "block" } });
    // Only a coordinator of the district keeps the catalogue.
    app.post("/api/v1/benefit-types", Some(&w.welfare), oil.clone())
        .await
        .assert_problem(403, "forbidden");
    let r = app
        .post("/api/v1/benefit-types", Some(&w.coord), oil.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(r.body["district_code"], "11440");
    assert_eq!(r.body["group"], "winter_heating");
    assert_eq!(r.body["duplicate_policy"]["scope"], "benefit_type");
    assert_eq!(r.body["duplicate_policy"]["amount_unit"], "원");
    assert_eq!(
        r.body["duplicate_policy"]["window"],
        json!({ "kind": "season", "start": "11-01", "end": "03-31" })
    );
    let type_id = r.body["id"].as_str().unwrap().to_owned();
    app.post("/api/v1/benefit-types", Some(&w.coord), oil.clone())
        .await
        .assert_problem(409, "benefit_type_code_taken");
    let bad = |policy: Value| {
        let mut body = oil.clone();
        body["code"] = json!("other_code");
        body["duplicate_policy"] = policy;
        app.post("/api/v1/benefit-types", Some(&w.coord), body)
    };
    let base = json!({ "subject": "person", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" });
    let with = |k: &str, v: Value| {
        let mut p = base.clone();
        p[k] = v;
        p
    };
    for (policy, field, code) in [
        (
            with("max_count", Value::Null),
            "duplicate_policy.max_count",
            "required",
        ),
        (
            with("window", json!({ "kind": "days", "days": 0 })),
            "duplicate_policy.window.days",
            "range",
        ),
        (
            with(
                "window",
                json!({ "kind": "season", "start": "02-30", "end": "03-31" }),
            ),
            "duplicate_policy.window.start",
            "invalid_format",
        ),
        (
            with(
                "window",
                json!({ "kind": "season", "start": "11-01", "end": "11-01" }),
            ),
            "duplicate_policy.window.end",
            "invalid_value",
        ),
        (
            with("max_amount", json!(0)),
            "duplicate_policy.max_amount",
            "range",
        ),
        // A category rule is what groups replace.
        (
            with("scope", json!("category")),
            "duplicate_policy.scope",
            "replaced",
        ),
    ] {
        let r = bad(policy).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(
            r.field_errors()[0],
            (field.to_owned(), code.to_owned()),
            "{}",
            r.text
        );
    }
    bad(with("window", json!({ "kind": "weekly" })))
        .await
        .assert_problem(400, "validation_failed");
    bad(with("action", json!("shout")))
        .await
        .assert_problem(400, "validation_failed");
    for (field, value) in [("code", "Kimchi!"), ("group", "겨울")] {
        let mut body = oil.clone();
        body["code"] = json!("fine_code");
        body[field] = json!(value);
        let r = app
            .post("/api/v1/benefit-types", Some(&w.coord), body)
            .await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.field_errors()[0].0, field);
    }
    // Every organization of the district reads the catalogue; other districts see nothing.
    let list = app
        .get("/api/v1/benefit-types?group=winter_heating", Some(&w.dong))
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        list.text
    );
    for bad in ["", "Winter", "%EA%B2%A8%EC%9A%B8"] {
        app.get(&format!("/api/v1/benefit-types?group={bad}"), Some(&w.dong))
            .await
            .assert_problem(400, "validation_failed");
    }
    let far = app.get("/api/v1/benefit-types", Some(&w.far)).await;
    assert_eq!(far.body["items"], json!([]));
    let path = format!("/api/v1/benefit-types/{type_id}");
    app.get(&path, Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    // Changes need If-Match and a coordinator.
    app.patch(
        &path,
        Some(&w.coord),
        None,
        json!({ "name_en": "Heating oil" }),
    )
    .await
    .assert_problem(428, "precondition_required");
    app.patch(
        &path,
        Some(&w.dong),
        Some("\"1\""),
        json!({ "name_en": "Heating oil" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let r = app
        .patch(
            &path,
            Some(&w.coord),
            Some("\"1\""),
            json!({ "group": null, "duplicate_policy": with("max_amount", json!(300000)) }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.body["group"], Value::Null);
    assert_eq!(r.body["duplicate_policy"]["max_amount"], 300000);
    app.patch(
        &path,
        Some(&w.coord),
        Some("\"1\""),
        json!({ "name_en": "x" }),
    )
    .await
    .assert_problem(412, "precondition_failed");

    // Resources name a benefit type of the district.
    let res = json!({ "name": "사랑의 난방유", "benefit_type_id": type_id, "funding": "private_donation", "unit": "드럼" });
    let r = app
        .post("/api/v1/resources", Some(&w.welfare), res.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["benefit_type_id"], type_id.as_str());
    assert_eq!(r.body["category"], "heating");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let mut without = res.clone();
    without.as_object_mut().unwrap().remove("benefit_type_id");
    app.post("/api/v1/resources", Some(&w.welfare), without)
        .await
        .assert_problem(400, "validation_failed");
    // A type of another district is an unknown reference.
    let far_type = app
        .post_resource(&w.far, json!({ "name": "종로 쌀", "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": "benefit_type", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
        .await;
    assert_eq!(far_type.status, 201, "{}", far_type.text);
    let mut foreign = res.clone();
    foreign["benefit_type_id"] = far_type.body["benefit_type_id"].clone();
    let r = app
        .post("/api/v1/resources", Some(&w.welfare), foreign)
        .await;
    r.assert_problem(404, "not_found");
    assert_eq!(
        r.field_errors()[0],
        ("benefit_type_id".into(), "invalid_reference".into())
    );
    let list = app
        .get("/api/v1/resources?category=heating", Some(&w.dong))
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        1,
        "nothing was added by the bad ones"
    );
    app.get(&format!("/api/v1/resources/{id}"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    let path = format!("/api/v1/resources/{id}");
    app.patch(&path, Some(&w.welfare), None, json!({ "unit": "L" }))
        .await
        .assert_problem(428, "precondition_required");
    app.patch(&path, Some(&w.dong), Some("\"1\""), json!({ "unit": "L" }))
        .await
        .assert_problem(403, "forbidden");
    let r = app
        .patch(
            &path,
            Some(&w.welfare),
            Some("\"1\""),
            json!({ "unit": "L" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    // A retired type gives nothing until its resources name an active one.
    app.patch(
        &format!("/api/v1/benefit-types/{type_id}"),
        Some(&w.coord),
        Some("\"2\""),
        json!({ "active": false }),
    )
    .await;
    let p = app.person(&w.welfare, "퇴역유형", "1950-01-01", None).await;
    let r = app
        .post("/api/v1/allocations/check", Some(&w.welfare), json!({ "resource_id": id, "person_id": p, "granted_on": chrono::Utc::now().date_naive() }))
        .await;
    r.assert_problem(404, "not_found");
}

async fn the_same_household_does_not_get_heating_oil_twice_in_one_winter(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (household_id, grandma, grandson) = household(&app, &w).await;
    let oil = app.resource(&w.welfare, winter_oil()).await;
    let mut coal = winter_oil();
    coal["name"] = json!("연탄");
    let coal = app.resource(&w.dong, coal).await;
    let case_id = app.case(&w.dong, &grandma).await;
    let first = app.post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": coal, "person_id": grandma, "case_id": case_id, "granted_on": "2026-12-01", "quantity": 200 })).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["status"], "approved");
    assert_eq!(first.body["warnings"], json!([]));
    let first_id = first.body["id"].as_str().unwrap().to_owned();
    // Recorded against a case, the allocation appears on the case's timeline.
    let timeline = app
        .get(&format!("/api/v1/cases/{case_id}/timeline"), Some(&w.dong))
        .await;
    let recorded = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "allocation_recorded")
        .cloned()
        .unwrap_or_else(|| panic!("no allocation_recorded entry: {}", timeline.text));
    assert_eq!(recorded["data"]["allocation_id"], first_id.as_str());
    assert_eq!(recorded["data"]["resource_name"], "연탄");
    // The welfare centre wants to give heating oil to the grandson in January: blocked.
    let attempt = json!({ "resource_id": oil, "person_id": grandson, "granted_on": "2027-01-15", "quantity": 1 });
    let check = app
        .post(
            "/api/v1/allocations/check",
            Some(&w.welfare),
            attempt.clone(),
        )
        .await;
    assert_eq!(check.status, 200, "{}", check.text);
    assert_eq!(check.body["allowed"], false);
    assert_eq!(
        check.body["conflicts"][0]["allocation_id"],
        first_id.as_str()
    );
    let blocked = app
        .post("/api/v1/allocations", Some(&w.welfare), attempt.clone())
        .await;
    blocked.assert_problem(409, "duplicate_benefit");
    let conflict = &blocked.body["conflicts"][0];
    assert_eq!(conflict["provider_org_id"], w.d.dong.as_str());
    assert_eq!(conflict["provider_org_name"], "공덕동 주민센터");
    assert_eq!(conflict["resource_name"], "연탄");
    assert_eq!(conflict["category"], "heating");
    assert_eq!(conflict["granted_on"], "2026-12-01");
    assert_eq!(conflict["subject"], "household");
    assert!(
        blocked.body["rule"].as_str().unwrap().contains("같은 세대"),
        "{}",
        blocked.text
    );
    assert!(
        !blocked.text.contains("김할머니") && !blocked.text.contains("김손자"),
        "no person data in conflicts"
    );
    let english = app
        .send(
            TestApp::req(
                actix_web::http::Method::POST,
                "/api/v1/allocations",
                Some(&w.welfare),
            )
            .insert_header(("accept-language", "en-US,en;q=0.9"))
            .set_json(attempt.clone()),
        )
        .await;
    assert!(
        english.body["rule"]
            .as_str()
            .unwrap()
            .contains("the same household"),
        "{}",
        english.text
    );
    let ledger = app
        .get(
            &format!("/api/v1/allocations?household_id={household_id}"),
            Some(&w.dong),
        )
        .await;
    assert_eq!(
        ledger.body["items"].as_array().unwrap().len(),
        1,
        "nothing was written: {}",
        ledger.text
    );
    // Next winter is another season.
    let next = app
        .post(
            "/api/v1/allocations",
            Some(&w.welfare),
            json!({ "resource_id": oil, "person_id": grandson, "granted_on": "2027-11-20" }),
        )
        .await;
    assert_eq!(next.status, 201, "{}", next.text);
    // Cancelling the coal makes room.
    let c = app
        .post(
            &format!("/api/v1/allocations/{first_id}/cancel"),
            Some(&w.dong),
            json!({ "reason": "수령 거부" }),
        )
        .await;
    assert_eq!(c.body["status"], "cancelled", "{}", c.text);
    let after = app
        .post("/api/v1/allocations", Some(&w.welfare), attempt)
        .await;
    assert_eq!(after.status, 201, "{}", after.text);
    // The welfare centre sees the dong centre's entry only in minimal form.
    let seen = app
        .get(&format!("/api/v1/allocations/{first_id}"), Some(&w.welfare))
        .await;
    assert_eq!(seen.status, 200);
    assert!(
        seen.body["person_id"].is_null()
            && seen.body["household_id"].is_null()
            && seen.body["cancel_reason"].is_null(),
        "{}",
        seen.text
    );
    // The ledger by household follows the household's own read rule, for every caller.
    for token in [&w.dong, &w.welfare, &w.coord, &w.far] {
        let household = app
            .get(&format!("/api/v1/households/{household_id}"), Some(token))
            .await;
        let ledger = app
            .get(
                &format!("/api/v1/allocations?household_id={household_id}"),
                Some(token),
            )
            .await;
        assert_eq!(household.status, ledger.status, "{}", ledger.text);
    }
    assert_eq!(
        app.get(&format!("/api/v1/allocations/{first_id}"), Some(&w.dong))
            .await
            .body["person_id"],
        grandma.as_str()
    );
    app.get(&format!("/api/v1/allocations/{first_id}"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.get("/api/v1/allocations", Some(&w.far)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn overrides_need_a_coordinator_who_did_not_ask(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (_, grandma, _) = household(&app, &w).await;
    let oil = app.resource(&w.dong, winter_oil()).await;
    app.post(
        "/api/v1/allocations",
        Some(&w.dong),
        json!({ "resource_id": oil, "person_id": grandma, "granted_on": "2026-12-01" }),
    )
    .await;
    let r = app
        .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": oil, "person_id": grandma, "granted_on": "2027-01-20", "override": { "reason": "한파 긴급 추가지원" } }))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["status"], "pending_override");
    assert_eq!(r.body["warnings"].as_array().unwrap().len(), 1);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let approve = format!("/api/v1/allocations/{id}/approve");
    app.post(&approve, Some(&w.dong), json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/allocations/{id}/deliver"),
        Some(&w.dong),
        json!({}),
    )
    .await
    .assert_problem(409, "invalid_allocation_transition");
    let ok = app.post(&approve, Some(&w.coord), json!({})).await;
    assert_eq!(ok.body["status"], "approved", "{}", ok.text);
    assert!(ok.body["approved_by"].is_string());
    app.post(&approve, Some(&w.coord), json!({}))
        .await
        .assert_problem(409, "invalid_allocation_transition");
    // A coordinator cannot approve its own override.
    let coord_user = app.get("/api/v1/me", Some(&w.coord)).await.body["user"]["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(coord_user, w.d.office);
    let p = app.person(&w.coord, "구청대상자", "1950-01-01", None).await;
    app.post(
        "/api/v1/allocations",
        Some(&w.coord),
        json!({ "resource_id": oil, "person_id": p, "granted_on": "2026-12-01" }),
    )
    .await;
    let own = app
        .post("/api/v1/allocations", Some(&w.coord), json!({ "resource_id": oil, "person_id": p, "granted_on": "2026-12-02", "override": { "reason": "x" } }))
        .await;
    let own_id = own.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/allocations/{own_id}/approve"),
        Some(&w.coord),
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.user("coord2", &w.d.office, "coordinator").await;
    let coord2 = app.login("coord2", PASSWORD).await;
    assert_eq!(
        app.post(
            &format!("/api/v1/allocations/{own_id}/approve"),
            Some(&coord2),
            json!({})
        )
        .await
        .status,
        200
    );
    // Delivery by the provider only.
    let delivered = app
        .post(
            &format!("/api/v1/allocations/{id}/deliver"),
            Some(&w.welfare),
            json!({}),
        )
        .await;
    delivered.assert_problem(403, "forbidden");
    let delivered = app
        .post(
            &format!("/api/v1/allocations/{id}/deliver"),
            Some(&w.dong),
            json!({}),
        )
        .await;
    assert_eq!(delivered.body["status"], "delivered", "{}", delivered.text);
    app.post(
        &format!("/api/v1/allocations/{id}/cancel"),
        Some(&w.dong),
        json!({ "reason": "x" }),
    )
    .await
    .assert_problem(409, "invalid_allocation_transition");
}

async fn warn_policies_record_with_warnings_and_amounts_add_up(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "이긴급", "1970-01-01", None).await;
    let cash = app.resource(
        &w.dong,
        json!({ "name": "긴급생계비", "category": "emergency_living", "funding": "public", "unit": "원",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_amount": 1000000, "action": "block" } }),
    )
    .await;
    let food = app.resource(
        &w.welfare,
        json!({ "name": "푸드뱅크 꾸러미", "category": "food", "funding": "private_donation", "unit": "상자",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "warn" } }),
    )
    .await;
    let give = |r: &str, on: &str, amount: i64| {
        app.post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": r, "person_id": p, "granted_on": on, "amount": amount }),
        )
    };
    assert_eq!(give(&cash, "2026-03-01", 600000).await.status, 201);
    give(&cash, "2026-06-01", 400001)
        .await
        .assert_problem(409, "duplicate_benefit");
    assert_eq!(give(&cash, "2026-06-01", 400000).await.status, 201);
    assert_eq!(
        give(&food, "2026-06-01", 0).await.body["warnings"],
        json!([])
    );
    let warned = give(&food, "2026-06-10", 0).await;
    assert_eq!(warned.status, 201, "{}", warned.text);
    assert_eq!(warned.body["warnings"].as_array().unwrap().len(), 1);
    let check = app
        .post(
            "/api/v1/allocations/check",
            Some(&w.dong),
            json!({ "resource_id": food, "person_id": p, "granted_on": "2026-06-11" }),
        )
        .await;
    assert_eq!(
        (
            check.body["allowed"].as_bool(),
            check.body["action"].as_str()
        ),
        (Some(true), Some("warn"))
    );
    assert_eq!(check.body["conflicts"].as_array().unwrap().len(), 2);
}

async fn allocation_inputs_are_validated(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "이영희", "1970-01-01", None).await;
    let oil = app.resource(&w.dong, winter_oil()).await;
    let far_resource = app.resource(&w.far, winter_oil()).await;
    let base = json!({ "resource_id": oil, "person_id": p, "granted_on": "2026-12-01" });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field, code) in [
        (
            with("resource_id", json!(far_resource)),
            "resource_id",
            "invalid_reference",
        ),
        (
            with("person_id", json!(w.d.dong)),
            "person_id",
            "invalid_reference",
        ),
        (
            with("granted_on", json!("2026-13-01")),
            "granted_on",
            "invalid_value",
        ),
        (with("amount", json!(-5)), "amount", "range"),
        (with("status", json!("approved")), "status", "unknown_field"),
        (
            with("override", json!({ "reason": "" })),
            "override.reason",
            "length",
        ),
    ] {
        let r = app.post("/api/v1/allocations", Some(&w.dong), body).await;
        if code == "invalid_reference" {
            // An id that names nothing the caller may use answers like the same id in a path.
            r.assert_problem(404, "not_found");
        } else {
            r.assert_problem(400, "validation_failed");
        }
        assert_eq!(
            r.field_errors()[0],
            (field.to_owned(), code.to_owned()),
            "{}",
            r.text
        );
    }
    assert_eq!(
        app.get("/api/v1/allocations", Some(&w.dong)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

/// Eight simultaneous requests for the same household under a blocking policy: exactly one
/// gets through, every time.
async fn concurrent_requests_for_one_household_let_exactly_one_through(b: Backend) {
    let app = TestApp::with_config(b, |c| c.db_pool_size = 8).await;
    let w = World::create(&app).await;
    let (_, grandma, grandson) = household(&app, &w).await;
    let daily = app.resource(
        &w.dong,
        json!({ "name": "도시락", "category": "food", "funding": "private_donation", "unit": "개",
                "duplicate_policy": { "subject": "household", "scope": "resource", "window": { "kind": "days", "days": 1 }, "max_count": 1, "action": "block" } }),
    )
    .await;
    let rounds = std::env::var("HAMKKE_RACE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for round in 0..rounds {
        let day = (start + chrono::Duration::days(round)).to_string();
        let requests = (0..8).map(|i| {
            let (person, token) = if i % 2 == 0 {
                (&grandma, &w.dong)
            } else {
                (&grandson, &w.welfare)
            };
            app.post(
                "/api/v1/allocations",
                Some(token),
                json!({ "resource_id": daily, "person_id": person, "granted_on": day }),
            )
        });
        let results = futures_util::future::join_all(requests).await;
        let created = results.iter().filter(|r| r.status == 201).count();
        let blocked = results
            .iter()
            .filter(|r| r.status == 409 && r.body["code"] == "duplicate_benefit")
            .count();
        assert_eq!(
            (created, blocked),
            (1, 7),
            "round {round}: {:?}",
            results
                .iter()
                .map(|r| (r.status, r.text.clone()))
                .collect::<Vec<_>>()
        );
    }
    let all = app
        .get("/api/v1/allocations?limit=200", Some(&w.dong))
        .await;
    assert_eq!(
        all.body["items"].as_array().unwrap().len(),
        (rounds as usize).min(200)
    );
}

both!(
    benefit_types_carry_a_coherent_policy,
    the_same_household_does_not_get_heating_oil_twice_in_one_winter,
    overrides_need_a_coordinator_who_did_not_ask,
    warn_policies_record_with_warnings_and_amounts_add_up,
    allocation_inputs_are_validated,
    concurrent_requests_for_one_household_let_exactly_one_through,
);

async fn csv_import_is_row_by_row_and_idempotent(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (_, grandma, grandson) = household(&app, &w).await;
    let with_rrn = app
        .person(&w.dong, "박주민", "1950-03-03", Some("500303-2345672"))
        .await;
    let oil = app.resource(&w.dong, winter_oil()).await;
    let kimchi = app.resource(
        &w.dong,
        json!({ "name": "김장김치", "category": "food", "funding": "private_donation", "unit": "kg",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }),
    )
    .await;
    let csv = format!(
        "resource_id,person_id,rrn,granted_on,amount,quantity,note\n\
         {oil},{grandma},,2026-12-01,,1,첫 배분\n\
         {oil},{grandson},,2026-12-20,,1,같은 세대 중복\n\
         {kimchi},,500303-2345672,2026-11-25,,10,RRN으로 매칭\n\
         {kimchi},{grandma},,2026-13-01,,10,날짜 오류\n\
         {kimchi},,900101-1234568,2026-11-25,,10,등록 안 된 번호\n\
         not-a-uuid,{grandma},,2026-11-25,,10,자원 오류\n"
    );
    let send = |dry: bool, body: String| {
        app.send(
            TestApp::req(
                actix_web::http::Method::POST,
                &format!("/api/v1/allocations/import?dry_run={dry}"),
                Some(&w.dong),
            )
            .insert_header(("content-type", "text/csv; charset=utf-8"))
            .set_payload(body),
        )
    };
    let dry = send(true, csv.clone()).await;
    assert_eq!(dry.status, 200, "{}", dry.text);
    assert_eq!(dry.body["dry_run"], true);
    assert_eq!(
        app.get("/api/v1/allocations", Some(&w.dong)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "a dry run records nothing"
    );
    let r = send(false, csv.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["imported"], 2, "{}", r.text);
    assert_eq!(r.body["duplicates"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["duplicates"][0]["row"], 3);
    assert_eq!(
        r.body["duplicates"][0]["conflicts"][0]["subject"],
        "household"
    );
    let errors: Vec<(i64, String)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (5, "granted_on".to_owned()),
            (6, "rrn".to_owned()),
            (7, "resource_id".to_owned())
        ],
        "{}",
        r.text
    );
    assert!(
        !r.text.contains("900101-1234568") && !r.text.contains("500303"),
        "no RRN is echoed"
    );
    let ledger = app.get("/api/v1/allocations", Some(&w.dong)).await;
    let people: Vec<&str> = ledger.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["person_id"].as_str().unwrap())
        .collect();
    assert!(
        people.contains(&with_rrn.as_str()) && people.contains(&grandma.as_str()),
        "{people:?}"
    );
    // The same file again imports nothing twice.
    let again = send(false, csv).await;
    assert_eq!(
        (
            again.body["imported"].as_i64(),
            again.body["skipped"].as_i64()
        ),
        (Some(0), Some(2)),
        "{}",
        again.text
    );
    assert_eq!(
        app.get("/api/v1/allocations", Some(&w.dong)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Each run is one event with its counts, the dong centre's own (its audit event under the
    // run's id); the dry run was a read.
    let runs: Vec<_> = app
        .audit_events("create")
        .await
        .into_iter()
        .filter(|e| e.resource_type == "allocation_import")
        .collect();
    assert_eq!(runs.len(), 2);
    assert!(runs[0].resource_id.is_some() && runs[0].resource_id != runs[1].resource_id);
    let counts: serde_json::Value =
        serde_json::from_str(runs[1].details.as_deref().unwrap()).unwrap();
    assert_eq!(
        (counts["rows"].as_i64(), counts["imported"].as_i64()),
        (Some(6), Some(2))
    );
    // Not CSV, no header, or no required column.
    app.post("/api/v1/allocations/import", Some(&w.dong), json!({}))
        .await
        .assert_problem(415, "unsupported_media_type");
    let r = send(false, "person_id,granted_on\nx,2026-01-01\n".into()).await;
    assert_eq!(
        r.field_errors()[0],
        ("body".into(), "missing_column".into())
    );
}

both!(csv_import_is_row_by_row_and_idempotent);

async fn reports_find_excess_and_summarise_the_district(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (household_id, grandma, grandson) = household(&app, &w).await;
    let other = app.person(&w.dong, "이웃", "1960-01-01", None).await;
    let oil = app.resource(&w.dong, winter_oil()).await;
    async fn give(
        app: &TestApp,
        oil: &str,
        token: &str,
        person: &str,
        on: &str,
        reason: Option<&str>,
    ) -> crate::support::Resp {
        let mut body =
            json!({ "resource_id": oil, "person_id": person, "granted_on": on, "quantity": 1 });
        if let Some(r) = reason {
            body["override"] = json!({ "reason": r });
        }
        app.post("/api/v1/allocations", Some(token), body).await
    }
    assert_eq!(
        give(&app, &oil, &w.dong, &grandma, "2026-12-01", None)
            .await
            .status,
        201
    );
    assert_eq!(
        give(&app, &oil, &w.dong, &other, "2026-12-01", None)
            .await
            .status,
        201
    );
    give(&app, &oil, &w.welfare, &grandson, "2027-01-10", None)
        .await
        .assert_problem(409, "duplicate_benefit");
    give(&app, &oil, &w.welfare, &grandson, "2027-01-11", None)
        .await
        .assert_problem(409, "duplicate_benefit");
    let pending = give(
        &app,
        &oil,
        &w.welfare,
        &grandson,
        "2027-01-12",
        Some("한파 특별지원"),
    )
    .await;
    let id = pending.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(
            &format!("/api/v1/allocations/{id}/approve"),
            Some(&w.coord),
            json!({})
        )
        .await
        .status,
        200
    );

    let with_purpose = |path: &str, token: &str| {
        TestApp::req(actix_web::http::Method::GET, path, Some(token))
            .insert_header(("x-access-purpose", "audit"))
    };
    // A report that names persons is a bulk export: it must say why.
    let r = app
        .get(
            "/api/v1/reports/duplicates?from=2026-11-01&to=2027-03-31",
            Some(&w.coord),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(
        r.field_errors(),
        vec![("X-Access-Purpose".to_owned(), "required".to_owned())]
    );
    let report = app
        .send(with_purpose(
            "/api/v1/reports/duplicates?from=2026-11-01&to=2027-03-31",
            &w.coord,
        ))
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    let exports = app.audit_events("export").await;
    assert_eq!(exports[0].purpose.as_deref(), Some("audit"));
    let rows = report.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", report.text);
    assert_eq!(
        (rows[0]["subject"].as_str(), rows[0]["subject_id"].as_str()),
        (Some("household"), Some(household_id.as_str()))
    );
    let dates: Vec<&str> = rows[0]["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["granted_on"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-12-01", "2027-01-12"]);
    assert!(
        !report.text.contains("김할머니"),
        "no person data in reports"
    );
    let csv = app
        .send(
            with_purpose("/api/v1/reports/duplicates", &w.coord)
                .insert_header(("accept", "text/csv")),
        )
        .await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(
        lines[0].contains("대상구분") && lines[0].contains("제공기관"),
        "{}",
        csv.text
    );
    assert_eq!(lines.len(), 3, "{}", csv.text);
    // Readable: Korean labels for codes, the masked recipient and birth year, and a file
    // name with the district and period.
    assert!(
        lines[1].starts_with("세대,") && lines[1].contains(",분류,"),
        "{}",
        csv.text
    );
    assert!(
        lines[1].contains("김**니,1940,") || lines[2].contains("김*자,2012,"),
        "{}",
        csv.text
    );
    assert!(lines[1].contains(",승인"), "{}", csv.text);
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment; filename=\"hamkke_duplicates_11440_all_all.csv\"")
    );
    let english = app
        .send(
            with_purpose(
                "/api/v1/reports/duplicates?from=2026-11-01&to=2027-03-31",
                &w.coord,
            )
            .insert_header(("accept", "text/csv"))
            .insert_header(("accept-language", "en")),
        )
        .await;
    assert!(
        english.text.lines().next().unwrap().contains("provider"),
        "{}",
        english.text
    );
    assert!(
        english
            .text
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("Household,"),
        "{}",
        english.text
    );
    assert_eq!(
        english.header("content-disposition"),
        Some("attachment; filename=\"hamkke_duplicates_11440_2026-11-01_2027-03-31.csv\"")
    );
    let xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    app.send(
        TestApp::req(
            actix_web::http::Method::GET,
            "/api/v1/reports/overview",
            Some(&w.coord),
        )
        .insert_header(("accept", xlsx_type)),
    )
    .await
    .assert_problem(400, "validation_failed");
    let xlsx = app
        .send(
            with_purpose("/api/v1/reports/overview", &w.coord).insert_header(("accept", xlsx_type)),
        )
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.text.starts_with("PK"), "an XLSX is a zip archive");
    let overview = app.get("/api/v1/reports/overview", Some(&w.coord)).await;
    assert_eq!(overview.status, 200, "{}", overview.text);
    assert_eq!(overview.body["duplicates_prevented"], 2);
    // Each prevented duplicate is a refused attempt (`denied`), with the person it was for;
    // nothing was created.
    let refused: Vec<_> = app
        .audit_events("denied")
        .await
        .into_iter()
        .filter(|e| e.resource_type == "allocation")
        .filter(|e| {
            e.details
                .as_deref()
                .unwrap_or("")
                .contains("\"outcome\":\"blocked\"")
        })
        .collect();
    assert_eq!(refused.len(), 2);
    assert!(refused
        .iter()
        .all(|e| e.person_id.is_some() && e.resource_id.is_none()));
    assert_eq!(overview.body["overrides_approved"], 1);
    assert_eq!(
        overview.body["allocations_by_category"],
        json!([{ "key": "heating", "label": "난방", "count": 3, "amount": null }])
    );
    let providers: Vec<(String, i64)> = overview.body["allocations_by_provider"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap().to_owned(),
                t["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        providers,
        [
            ("공덕동 주민센터".to_owned(), 2),
            ("마포복지관".to_owned(), 1)
        ]
    );
    assert_eq!(
        overview.body["allocations_by_funding"][0]["key"],
        "private_donation"
    );
    assert_eq!(
        overview.body["allocations_by_funding"][0]["label"],
        "민간후원"
    );
    // By benefit type: keyed by code, labelled by name.
    let by_type = overview.body["allocations_by_benefit_type"]
        .as_array()
        .unwrap();
    assert_eq!(by_type.len(), 1, "{}", overview.text);
    assert!(
        by_type
            .iter()
            .all(|t| t["label"] == "연말 난방유" && t["key"].as_str().unwrap().starts_with("t_")),
        "{}",
        overview.text
    );
    // Every recipient here was registered by the dong centre.
    assert_eq!(
        overview.body["allocations_by_registering_org"][0]["key"],
        "공덕동 주민센터"
    );
    assert_eq!(
        overview.body["allocations_by_registering_org"][0]["count"],
        3
    );
    // No household here records its dong: one row of unknown residence.
    assert_eq!(
        overview.body["allocations_by_dong"],
        json!([{ "key": "unknown", "label": "거주 동 미상 (dong of residence unknown)", "count": 3, "amount": null }]),
        "{}",
        overview.text
    );
    // Coordinators and auditors of the district only.
    app.get("/api/v1/reports/overview", Some(&w.dong))
        .await
        .assert_problem(403, "forbidden");
    app.get(
        "/api/v1/reports/overview?district_code=11110",
        Some(&w.coord),
    )
    .await
    .assert_problem(403, "forbidden");
    app.user("auditor", &w.d.office, "auditor").await;
    let auditor = app.login("auditor", PASSWORD).await;
    assert_eq!(
        app.send(with_purpose("/api/v1/reports/duplicates", &auditor))
            .await
            .status,
        200
    );
}

both!(reports_find_excess_and_summarise_the_district);

/// The server caches resources and their benefit types for the check, and still answers by
/// the catalogue as it is at the moment: a policy changed or a resource retired counts for
/// the very next check.
async fn the_check_reads_the_catalogue_as_it_is_now(b: Backend) {
    const METRICS: &str = "metrics-token-0123456789";
    let app = TestApp::with_config(b, |c| c.metrics_token = Some(METRICS.into())).await;
    let w = World::create(&app).await;
    let hits = || async {
        let m = app.get("/metrics", Some(METRICS)).await;
        m.text
            .lines()
            .find_map(|l| l.strip_prefix("hamkke_catalogue_cache_lookups_total{result=\"hit\"} "))
            .map_or(0, |n| n.trim().parse::<u64>().unwrap())
    };
    let policy = |action: &str| json!({ "subject": "person", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": action });
    let t = app
        .post(
            "/api/v1/benefit-types",
            Some(&w.coord),
            json!({ "code": "rice_box", "name_ko": "쌀 꾸러미", "name_en": "Rice box", "category": "food", "duplicate_policy": policy("block") }),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.text);
    let type_id = t.body["id"].as_str().unwrap().to_owned();
    let resource = app
        .resource(&w.welfare, json!({ "name": "사랑의 쌀", "benefit_type_id": type_id, "funding": "private_donation", "unit": "포" }))
        .await;
    let p = app.person(&w.welfare, "캐시시험", "1950-03-03", None).await;
    let body = json!({ "resource_id": resource, "person_id": p, "granted_on": chrono::Utc::now().date_naive(), "quantity": 1 });
    let r = app
        .post("/api/v1/allocations", Some(&w.welfare), body.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let check = || app.post("/api/v1/allocations/check", Some(&w.welfare), body.clone());
    let before = hits().await;
    for _ in 0..3 {
        let r = check().await;
        assert_eq!(
            (r.status.as_u16(), &r.body["allowed"]),
            (200, &json!(false)),
            "{}",
            r.text
        );
    }
    assert!(
        hits().await >= before + 2,
        "repeated checks are served from the cache"
    );
    // The policy changes: the next check follows it.
    let r = app
        .patch(
            &format!("/api/v1/benefit-types/{type_id}"),
            Some(&w.coord),
            Some("\"1\""),
            json!({ "duplicate_policy": policy("warn") }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = check().await;
    assert_eq!(
        (r.status.as_u16(), &r.body["allowed"]),
        (200, &json!(true)),
        "{}",
        r.text
    );
    // The resource is retired: the next check refuses it.
    let r = app
        .patch(
            &format!("/api/v1/resources/{resource}"),
            Some(&w.welfare),
            Some("\"1\""),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    check().await.assert_problem(404, "not_found");
}

both!(the_check_reads_the_catalogue_as_it_is_now);

/// A household policy counts what every current member received, also before they joined
/// (recorded under no household), whatever the household's size: one named member, a few, and
/// more than the eight the claim query names one by one (larger households take a bound list).
async fn a_household_check_names_every_member_whatever_its_size(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let oil = app.resource(&w.dong, winter_oil()).await;
    let check = |person: String| {
        let app = &app;
        let oil = oil.clone();
        let token = w.dong.clone();
        async move {
            let r = app
                .post(
                    "/api/v1/allocations/check",
                    Some(&token),
                    json!({ "resource_id": oil, "person_id": person, "granted_on": "2027-01-05", "quantity": 1 }),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body
        }
    };
    for size in [1usize, 3, 8, 11] {
        // A newcomer who received oil before joining (recorded under no household) ...
        // (born in different years: records of one name and birth date would be a strong
        // duplicate pair, which counts as one person)
        let newcomer = app
            .person(&w.dong, "새식구", &format!("{}-03-03", 1940 + size), None)
            .await;
        let r = app
            .post(
                "/api/v1/allocations",
                Some(&w.dong),
                json!({ "resource_id": oil, "person_id": newcomer, "granted_on": "2026-12-01", "quantity": 1 }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let given = r.body["id"].clone();
        // ... joins a household of `size` members in all.
        let h = app
            .post(
                "/api/v1/households",
                Some(&w.dong),
                json!({ "address": format!("서울 마포구 공덕로 {size}") }),
            )
            .await;
        let hid = h.body["id"].as_str().unwrap().to_owned();
        let mut members = Vec::new();
        for k in 1..size {
            let r = app
                .post(
                    "/api/v1/persons",
                    Some(&w.dong),
                    json!({ "name": format!("가족{k}"), "birth_date": "1980-01-01", "household_id": hid }),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
            members.push(r.body["id"].as_str().unwrap().to_owned());
        }
        let r = app
            .patch(
                &format!("/api/v1/persons/{newcomer}"),
                Some(&w.dong),
                Some("\"1\""),
                json!({ "household_id": hid }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        // Every member now finds the newcomer's oil, the newcomer too.
        for person in members.iter().chain([&newcomer]) {
            let body = check(person.clone()).await;
            assert_eq!(body["allowed"], false, "household of {size}: {body}");
            let conflicts = body["conflicts"].as_array().unwrap();
            assert_eq!(conflicts.len(), 1, "household of {size}: {body}");
            assert_eq!(conflicts[0]["allocation_id"], given);
        }
    }
    // Someone of no household in the window's reach is still free to receive.
    let alone = app.person(&w.dong, "혼자", "1960-01-01", None).await;
    assert_eq!(check(alone).await["allowed"], true);
}

both!(a_household_check_names_every_member_whatever_its_size);

/// A person with many earlier claims gets a bounded answer: the most recent 20 conflicts and
/// the total, in the check, in the warnings of a new allocation and in a refusal.
async fn conflicts_are_bounded_with_a_total(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "이많이", "1960-01-01", None).await;
    let food = app.resource(
        &w.dong,
        json!({ "name": "매일 도시락", "category": "food", "funding": "private_donation", "unit": "개",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 1, "action": "warn" } }),
    )
    .await;
    let day = |i: i64| {
        (chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i))
            .to_string()
    };
    for i in 0..25 {
        let r = app
            .post(
                "/api/v1/allocations",
                Some(&w.dong),
                json!({ "resource_id": food, "person_id": p, "granted_on": day(i), "quantity": 1 }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": food, "person_id": p, "granted_on": day(30), "quantity": 1 }),
        )
        .await;
    assert_eq!(
        r.body["warnings"].as_array().unwrap().len(),
        20,
        "{}",
        r.text
    );
    assert_eq!(r.body["warnings_total"], 25);
    let check = app
        .post(
            "/api/v1/allocations/check",
            Some(&w.dong),
            json!({ "resource_id": food, "person_id": p, "granted_on": day(31), "quantity": 1 }),
        )
        .await;
    let conflicts = check.body["conflicts"].as_array().unwrap();
    assert_eq!(
        (conflicts.len(), &check.body["conflicts_total"]),
        (20, &json!(26))
    );
    // The most recent ones, oldest first.
    assert_eq!(conflicts[0]["granted_on"], day(6));
    assert_eq!(conflicts[19]["granted_on"], day(30));
}

both!(conflicts_are_bounded_with_a_total);

/// Reports cannot take the service down: one report per user at a time (429
/// `report_running`), and on PostgreSQL a statement timeout that stops a report (503
/// `report_timeout`) and leaves its connection as it was.
async fn reports_are_bounded(b: Backend) {
    let app = TestApp::with_config(b, |c| c.report_timeout_ms = 1).await;
    let w = World::create(&app).await;
    let report = |token: &str| {
        TestApp::req(
            actix_web::http::Method::GET,
            "/api/v1/reports/duplicates",
            Some(token),
        )
        .insert_header(("x-access-purpose", "audit"))
    };
    let coord_id: uuid::Uuid = app.get("/api/v1/me", Some(&w.coord)).await.body["user"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let running = app.state.report_slots.take(coord_id).unwrap();
    let r = app.send(report(&w.coord)).await;
    r.assert_problem(429, "report_running");
    assert!(r.header("retry-after").is_some());
    drop(running);
    // A district with many allocations (PostgreSQL: 60,000 in a few statements).
    let p = app.person(&w.dong, "보고서대상", "1950-01-01", None).await;
    let rice = app
        .resource(&w.dong, json!({ "name": "보고서 쌀", "category": "food", "funding": "public", "unit": "kg",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "warn" } }))
        .await;
    let first = app
        .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": rice, "person_id": p, "granted_on": "2026-11-20", "quantity": 1 }))
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    if app.url().starts_with("postgres") {
        app.db
            .run(|c| {
                use diesel::RunQueryDsl;
                diesel::sql_query(
                    "INSERT INTO allocations (id, resource_id, benefit_type_id, category, person_id, household_id, case_id, provider_org_id, district_code, amount, quantity, granted_on, status, note, override_reason, requested_by, import_key, created_at, updated_at) \
                     SELECT gen_random_uuid(), resource_id, benefit_type_id, category, person_id, household_id, NULL, provider_org_id, district_code, amount, quantity, granted_on - (g % 700), status, NULL, NULL, requested_by, NULL, created_at, updated_at \
                     FROM allocations, generate_series(1, 60000) g",
                )
                .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        app.send(report(&w.coord))
            .await
            .assert_problem(503, "report_timeout");
    } else {
        assert_eq!(app.send(report(&w.coord)).await.status, 200);
    }
    // The slot was given back and the connections serve as before.
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/me", Some(&w.coord)).await.status, 200);
        let r = app
            .post("/api/v1/allocations/check", Some(&w.dong), json!({ "resource_id": rice, "person_id": p, "granted_on": "2026-11-21", "quantity": 1 }))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

both!(reports_are_bounded);

/// The duplicates report's JSON answer comes in pages, with the total and a cursor.
async fn the_duplicates_report_comes_in_pages(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let rice = app
        .resource(&w.dong, json!({ "name": "쪽 쌀", "category": "food", "funding": "public", "unit": "kg",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "warn" } }))
        .await;
    for i in 0..3 {
        let p = app
            .person(&w.dong, &format!("쪽나눔{i}"), "1950-01-01", None)
            .await;
        for day in ["2026-11-01", "2026-11-02"] {
            let r = app
                .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": rice, "person_id": p, "granted_on": day, "quantity": 1 }))
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
    }
    let page_of = |cursor: Option<&str>| {
        let mut path = "/api/v1/reports/duplicates?limit=2".to_owned();
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        TestApp::req(actix_web::http::Method::GET, &path, Some(&w.coord))
            .insert_header(("x-access-purpose", "audit"))
    };
    let first = app.send(page_of(None)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["total_rows"], 3, "{}", first.text);
    assert_eq!(first.body["rows"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = app.send(page_of(Some(&cursor))).await;
    assert_eq!(
        second.body["rows"].as_array().unwrap().len(),
        1,
        "{}",
        second.text
    );
    assert!(second.body["next_cursor"].is_null());
    let mut seen: Vec<String> = first.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.body["rows"].as_array().unwrap())
        .map(|r| r["subject_id"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "every row once");
    app.send(page_of(Some("person:nope:category")))
        .await
        .assert_problem(400, "validation_failed");
}

both!(the_duplicates_report_comes_in_pages);

/// A policy counts its scope and no more: a benefit-type rule counts its own type (and its
/// group), not another type of the same category; a category rule counts the whole category.
async fn a_policy_counts_its_scope_and_no_more(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let food = |name: &str, scope: &str| {
        json!({ "name": name, "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": scope, "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } })
    };
    let mut ids = Vec::new();
    for (name, scope) in [
        ("사랑의 쌀", "benefit_type"),
        ("라면 나눔", "benefit_type"),
        ("식품 꾸러미", "category"),
    ] {
        let r = app.post_resource(&w.dong, food(name, scope)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let (rice, noodles, food_box) = (&ids[0], &ids[1], &ids[2]);
    let p = app.person(&w.dong, "한식구", "1950-01-01", None).await;
    let today = chrono::Utc::now().date_naive();
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": rice, "person_id": p, "granted_on": today, "quantity": 1 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let allowed = |resource: String| {
        let (app, p, token) = (&app, p.clone(), w.dong.clone());
        async move {
            let r = app
                .post(
                    "/api/v1/allocations/check",
                    Some(&token),
                    json!({ "resource_id": resource, "person_id": p, "granted_on": today, "quantity": 1 }),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body["allowed"].as_bool().unwrap()
        }
    };
    assert!(!allowed(rice.clone()).await, "the same type");
    assert!(
        allowed(noodles.clone()).await,
        "another type of the category"
    );
    assert!(!allowed(food_box.clone()).await, "a category rule");
}

both!(a_policy_counts_its_scope_and_no_more);
