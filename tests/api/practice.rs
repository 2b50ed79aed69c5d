//! Case management as practised (#14): household cases, assessments over time, service plans
//! and reviews, closing and follow-up, meetings that steer ongoing cases.

use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World, PASSWORD};

async fn walk(app: &TestApp, token: &str, case: &str, to: &str) {
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            Some(token),
            json!({ "to": to }),
        )
        .await;
    assert_eq!(r.status, 200, "{to}: {}", r.text);
}

async fn case_of(app: &TestApp, token: &str, case: &str) -> Value {
    let r = app.get(&format!("/api/v1/cases/{case}"), Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn today() -> chrono::NaiveDate {
    hamkke_domain::today()
}

/// A household of three registered by the dong centre: (household, members).
async fn household_of_three(app: &TestApp, w: &World) -> (String, Vec<String>) {
    let h = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10" }),
        )
        .await;
    assert_eq!(h.status, 201, "{}", h.text);
    let hid = h.body["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for (name, birth) in [
        ("김어머니", "1975-03-01"),
        ("김첫째", "2008-05-01"),
        ("김둘째", "2012-07-01"),
    ] {
        let r = app
            .post(
                "/api/v1/persons",
                Some(&w.dong),
                json!({ "name": name, "birth_date": birth, "household_id": hid }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    (hid, ids)
}

async fn a_household_case_counts_for_every_member(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (hid, m) = household_of_three(&app, &w).await;
    let outsider = app.person(&w.dong, "이웃", "1960-01-01", None).await;
    let body = |extra: Value| {
        let mut b = json!({ "household_id": hid, "primary_person_id": m[0], "case_type": "integrated", "risk_level": "high", "source": "outreach", "summary": "한부모 가구, 주거 위기" });
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    // Members must be registered in the household.
    app.post(
        "/api/v1/cases",
        Some(&w.dong),
        body(json!({ "member_person_ids": [outsider] })),
    )
    .await
    .assert_problem(400, "validation_failed");
    // A member with an individual open case keeps the household case from opening.
    let single = app.case(&w.dong, &m[1]).await;
    let r = app
        .post("/api/v1/cases", Some(&w.dong), body(json!({})))
        .await;
    r.assert_problem(409, "open_case_exists");
    assert_eq!(r.body["person_id"], m[1].as_str(), "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/cases/{single}/transitions"),
            Some(&w.dong),
            json!({ "to": "rejected", "reason": "가구 사례로 통합" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post("/api/v1/cases", Some(&w.dong), body(json!({})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["household_id"], hid.as_str());
    assert_eq!(r.body["person_id"], m[0].as_str());
    let case = r.body["id"].as_str().unwrap().to_owned();
    let members = app
        .get(&format!("/api/v1/cases/{case}/members"), Some(&w.dong))
        .await;
    assert_eq!(members.body["person_ids"], json!(m), "{}", members.text);
    // A second case for any member is refused while the household case is open.
    let r = app
        .post(
            "/api/v1/cases",
            Some(&w.dong),
            json!({ "person_id": m[2], "case_type": "general", "risk_level": "general", "source": "outreach", "summary": "학업 중단 위기" }),
        )
        .await;
    r.assert_problem(409, "open_case_exists");
    assert_eq!(r.body["person_id"], m[2].as_str(), "{}", r.text);
    // A member leaves the case (audited on the timeline) and comes back.
    let r = app
        .send(TestApp::req(
            actix_web::http::Method::DELETE,
            &format!("/api/v1/cases/{case}/members/{}", m[2]),
            Some(&w.dong),
        ))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.send(TestApp::req(
        actix_web::http::Method::DELETE,
        &format!("/api/v1/cases/{case}/members/{}", m[0]),
        Some(&w.dong),
    ))
    .await
    .assert_problem(409, "primary_member");
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/members"),
            Some(&w.dong),
            json!({ "person_id": m[2] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.post(
        &format!("/api/v1/cases/{case}/members"),
        Some(&w.dong),
        json!({ "person_id": outsider }),
    )
    .await
    .assert_problem(400, "validation_failed");
    // The welfare centre cannot change members.
    app.post(
        &format!("/api/v1/cases/{case}/members"),
        Some(&w.welfare),
        json!({ "person_id": m[1] }),
    )
    .await
    .assert_problem(404, "not_found");
    let timeline = app
        .get(&format!("/api/v1/cases/{case}/timeline"), Some(&w.dong))
        .await;
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"member_removed") && kinds.contains(&"member_added"));
    // Notes and assessments may name the member they concern; a non-member is refused.
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/notes"),
            Some(&w.dong),
            json!({ "kind": "counseling", "occurred_at": "2026-11-30T01:00:00Z", "body": "둘째 학교 상담", "visibility": "participants", "person_id": m[2] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["person_id"], m[2].as_str());
    app.post(
        &format!("/api/v1/cases/{case}/notes"),
        Some(&w.dong),
        json!({ "kind": "counseling", "occurred_at": "2026-11-30T01:00:00Z", "body": "x", "visibility": "participants", "person_id": outsider }),
    )
    .await
    .assert_problem(400, "validation_failed");
    // During follow-up (after closing) the household case no longer counts as open.
    walk(&app, &w.dong, &case, "in_service").await;
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            Some(&w.dong),
            json!({ "to": "follow_up", "closing_reason": "goal_achieved", "evaluation": "주거 안정, 자녀 학업 복귀" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "follow_up");
    let r = app
        .post(
            "/api/v1/cases",
            Some(&w.dong),
            json!({ "person_id": m[2], "case_type": "general", "risk_level": "general", "source": "outreach", "summary": "학업 중단 위기" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn assessments_are_kept_and_compared(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "박사정", "1950-02-02", None).await;
    let case = app.case(&w.dong, &p).await;
    let path = format!("/api/v1/cases/{case}/assessments");
    let first = json!({ "assessed_on": "2026-10-01", "risk_level": "crisis", "summary": "초기 사정",
        "domains": { "health": { "score": 4, "note": "당뇨" }, "economy": { "score": 5 }, "housing": { "score": 3 } } });
    let r = app.post(&path, Some(&w.dong), first).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["change"], json!({}));
    let r = app
        .post(
            &path,
            Some(&w.dong),
            json!({ "assessed_on": "2026-11-20", "risk_level": "moderate", "summary": "재사정",
                "domains": { "health": { "score": 2 }, "economy": { "score": 5 }, "safety": { "score": 1 } } }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["change"], json!({ "health": -2, "economy": 0 }));
    assert_eq!(r.body["previous_assessed_on"], "2026-10-01");
    // The first is unchanged; the case shows the latest with its change and takes its risk.
    let list = app.get(&path, Some(&w.dong)).await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["domains"]["health"]["score"], 4);
    assert_eq!(items[0]["domains"]["health"]["note"], "당뇨");
    let c = case_of(&app, &w.dong, &case).await;
    assert_eq!(c["risk_level"], "moderate");
    assert_eq!(c["latest_assessment"]["assessed_on"], "2026-11-20");
    assert_eq!(c["latest_assessment"]["change"]["health"], -2);
    assert_eq!(c["latest_assessment"]["previous_assessed_on"], "2026-10-01");
    // Bad input changes nothing.
    for bad in [
        json!({ "assessed_on": "2026-11-20", "risk_level": "high", "summary": "x", "domains": {} }),
        json!({ "assessed_on": "2026-11-20", "risk_level": "high", "summary": "x", "domains": { "health": { "score": 6 } } }),
        json!({ "assessed_on": "2099-01-01", "risk_level": "high", "summary": "x", "domains": { "health": { "score": 1 } } }),
        json!({ "assessed_on": "2026-11-20", "risk_level": "high", "summary": "x", "domains": { "mood": { "score": 1 } } }),
    ] {
        app.post(&path, Some(&w.dong), bad)
            .await
            .assert_problem(400, "validation_failed");
    }
    assert_eq!(
        app.get(&path, Some(&w.dong)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Others see nothing.
    app.get(&path, Some(&w.welfare))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &path,
        Some(&w.far),
        json!({ "assessed_on": "2026-11-20", "risk_level": "high", "summary": "x", "domains": { "health": { "score": 1 } } }),
    )
    .await
    .assert_problem(404, "not_found");
}

async fn the_first_assessment_is_due_after_intake(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "최접수", "1950-03-03", None).await;
    let late = app.case(&w.dong, &p).await;
    walk(&app, &w.dong, &late, "intake").await;
    let c = case_of(&app, &w.dong, &late).await;
    assert_eq!(c["intake_on"], today().to_string());
    // Taken in 20 days ago (set in the database): overdue after 14 days.
    let ago = (today() - chrono::Duration::days(20)).to_string();
    let db = app.db.inner().clone();
    let id = late.clone();
    actix_web::web::block(move || {
        use diesel::connection::SimpleConnection;
        let mut conn = db.get().unwrap();
        conn.batch_execute(&format!(
            "UPDATE cases SET intake_on = '{ago}' WHERE id = '{id}'"
        ))
        .unwrap();
    })
    .await
    .unwrap();
    let wl = app.get("/api/v1/me/worklist", Some(&w.dong)).await;
    assert_eq!(wl.status, 200, "{}", wl.text);
    assert_eq!(wl.body["counts"]["overdue_assessments"], 1, "{}", wl.text);
    assert_eq!(wl.body["assessments_due"][0]["case_id"], late.as_str());
    // An assessment takes it off the list.
    let r = app
        .post(
            &format!("/api/v1/cases/{late}/assessments"),
            Some(&w.dong),
            json!({ "assessed_on": today().to_string(), "risk_level": "high", "summary": "사정", "domains": { "economy": { "score": 4 } } }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let wl = app.get("/api/v1/me/worklist", Some(&w.dong)).await;
    assert_eq!(wl.body["counts"]["assessments_due"], 0, "{}", wl.text);
}

async fn plans_are_revised_and_reviewed(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "정계획", "1948-04-04", None).await;
    let case = app.case(&w.dong, &p).await;
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/participants"),
            Some(&w.dong),
            json!({ "organization_id": w.d.welfare, "role": "service_provider" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    walk(&app, &w.dong, &case, "in_service").await;
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    let plan_body = json!({
        "summary": "주거 안정과 건강 관리",
        "starts_on": "2026-08-01",
        "goals": [
            { "text": "월세 체납 해소", "domain": "economy", "target_on": "2026-12-31" },
            { "text": "정기 진료", "domain": "health" }
        ],
        "services": [
            { "description": "밑반찬 배달", "provider_org_id": w.d.welfare, "responsible_user_id": w.welfare_user, "frequency": "주 1회", "starts_on": "2026-08-01" },
            { "description": "긴급 주거비", "provider_org_id": w.d.dong, "frequency": "1회", "starts_on": "2026-08-10", "ends_on": "2026-08-10" }
        ],
        "next_review_on": yesterday
    });
    // Someone who cannot see the case cannot be responsible; a provider of another district
    // does not exist.
    let mut bad = plan_body.clone();
    bad["services"][0]["provider_org_id"] = json!(w.far_welfare);
    app.post(&format!("/api/v1/cases/{case}/plans"), Some(&w.dong), bad)
        .await
        .assert_problem(404, "not_found");
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/plans"),
            Some(&w.dong),
            plan_body.clone(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["revision"], 1);
    assert_eq!(r.body["status"], "active");
    let first_plan = r.body["id"].as_str().unwrap().to_owned();
    let goals: Vec<String> = r.body["goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect();
    // The welfare centre's responsible worker hears of it.
    let notes = app.get("/api/v1/notifications", Some(&w.welfare)).await;
    assert!(notes.text.contains("case.plan_recorded"), "{}", notes.text);
    // The review date has passed: the case is on the worklist and in ?review_due=true.
    let wl = app.get("/api/v1/me/worklist", Some(&w.dong)).await;
    assert_eq!(wl.body["counts"]["overdue_reviews"], 1, "{}", wl.text);
    assert_eq!(wl.body["reviews_due"][0]["case_id"], case.as_str());
    let due = app
        .get("/api/v1/cases?review_due=true", Some(&w.dong))
        .await;
    assert_eq!(
        due.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        due.text
    );
    // A review names the plan's goals only, and sets the next date.
    let review_path = format!("/api/v1/plans/{first_plan}/reviews");
    app.post(
        &review_path,
        Some(&w.welfare),
        json!({ "reviewed_on": today().to_string(), "goal_progress": [{ "goal_id": case, "status": "achieved" }] }),
    )
    .await
    .assert_problem(400, "validation_failed");
    let next = (today() + chrono::Duration::days(60)).to_string();
    let r = app
        .post(
            &review_path,
            Some(&w.welfare),
            json!({ "reviewed_on": today().to_string(), "summary": "체납 해소, 진료 지속",
                "goal_progress": [{ "goal_id": goals[0], "status": "achieved" }, { "goal_id": goals[1], "status": "in_progress", "note": "월 1회 진료" }],
                "next_review_on": next }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let c = case_of(&app, &w.dong, &case).await;
    assert_eq!(c["next_review_on"], next.as_str());
    let due = app
        .get("/api/v1/cases?review_due=true", Some(&w.dong))
        .await;
    assert_eq!(due.body["items"].as_array().unwrap().len(), 0);
    // A revision supersedes the plan, which keeps its review.
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/plans"),
            Some(&w.dong),
            json!({ "starts_on": today().to_string(), "goals": [{ "text": "정기 진료 유지", "domain": "health" }] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["revision"], 2);
    let plans = app
        .get(&format!("/api/v1/cases/{case}/plans"), Some(&w.welfare))
        .await;
    assert_eq!(plans.status, 200, "{}", plans.text);
    let items = plans.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["revision"], 2);
    assert_eq!(items[1]["status"], "superseded");
    assert_eq!(items[1]["reviews"].as_array().unwrap().len(), 1);
    app.post(
        &review_path,
        Some(&w.dong),
        json!({ "reviewed_on": today().to_string(), "goal_progress": [] }),
    )
    .await
    .assert_problem(409, "plan_superseded");
    app.get(&format!("/api/v1/cases/{case}/plans"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
}

async fn closing_needs_a_reason_and_follow_up_ends_by_itself(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "한종결", "1944-05-05", None).await;
    let case = app.case(&w.dong, &p).await;
    walk(&app, &w.dong, &case, "in_service").await;
    let t = format!("/api/v1/cases/{case}/transitions");
    app.post(&t, Some(&w.dong), json!({ "to": "closed" }))
        .await
        .assert_problem(400, "validation_failed");
    app.post(
        &t,
        Some(&w.dong),
        json!({ "to": "closed", "closing_reason": "goal_achieved" }),
    )
    .await
    .assert_problem(400, "validation_failed");
    app.post(
        &t,
        Some(&w.dong),
        json!({ "to": "closed", "closing_reason": "other", "evaluation": "x" }),
    )
    .await
    .assert_problem(400, "validation_failed");
    assert_eq!(case_of(&app, &w.dong, &case).await["status"], "in_service");
    let r = app
        .post(
            &t,
            Some(&w.dong),
            json!({ "to": "closed", "closing_reason": "moved_out", "evaluation": "타 구로 전출, 전입지 주민센터에 연계", "reason": "경기 고양시 전출" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["closing"]["closing_reason"], "moved_out");
    assert_eq!(r.body["closing"]["closed_on"], today().to_string());
    // Follow-up: three months by default, with monthly checks.
    let r = app
        .post(&t, Some(&w.dong), json!({ "to": "follow_up" }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let until = today()
        .checked_add_months(chrono::Months::new(3))
        .unwrap()
        .to_string();
    assert_eq!(r.body["follow_up_until"], until.as_str());
    assert_eq!(r.body["follow_up_checks"].as_array().unwrap().len(), 3);
    // Reopening from follow-up is one call and clears the closing.
    let r = app
        .post(&t, Some(&w.dong), json!({ "to": "reopened" }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["closing"].is_null());
    // Closing into follow-up in one call, then the period ends by itself.
    let r = app
        .post(
            &t,
            Some(&w.dong),
            json!({ "to": "follow_up", "closing_reason": "goal_achieved", "evaluation": "안정", "follow_up_until": (today() + chrono::Duration::days(30)).to_string() }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "follow_up");
    let db = app.db.inner().clone();
    let later = today() + chrono::Duration::days(31);
    let ended = actix_web::web::block(move || {
        let mut conn = db.get().unwrap();
        hamkke_persistence::repo::cases::end_follow_ups(&mut conn, later).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(ended, 1);
    assert_eq!(case_of(&app, &w.dong, &case).await["status"], "closed");
    let timeline = app
        .get(&format!("/api/v1/cases/{case}/timeline"), Some(&w.dong))
        .await;
    assert!(
        timeline.text.contains("follow_up_ended"),
        "{}",
        timeline.text
    );
    assert!(timeline.text.contains("moved_out"), "{}", timeline.text);
}

async fn a_monthly_conference_steers_ongoing_cases(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let mut cases = Vec::new();
    for (i, to) in ["in_service", "in_service", "monitoring", "awaiting_meeting"]
        .into_iter()
        .enumerate()
    {
        let p = app
            .person(&w.dong, &format!("회의대상{i}"), "1950-01-01", None)
            .await;
        let c = app.case(&w.dong, &p).await;
        if to == "monitoring" {
            walk(&app, &w.dong, &c, "in_service").await;
        }
        walk(&app, &w.dong, &c, to).await;
        cases.push(c);
    }
    // The welfare centre takes part in the first case.
    let r = app
        .post(
            &format!("/api/v1/cases/{}/participants", cases[0]),
            Some(&w.dong),
            json!({ "organization_id": w.d.welfare, "role": "co_manager" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            "/api/v1/meetings",
            Some(&w.dong),
            json!({ "kind": "integrated_conference", "title": "12월 통합사례회의", "scheduled_at": "2026-11-10T05:00:00Z",
                    "participant_user_ids": [w.welfare_user],
                    "external_participants": [{ "name": "박통장", "organization_name": "공덕동 3통", "role": "통장" }],
                    "case_ids": cases }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let meeting = r.body["id"].as_str().unwrap().to_owned();
    // The chair attends without being listed; the guest's role is kept.
    let people = r.body["participants"].as_array().unwrap();
    assert!(
        people.iter().any(|p| p["user_id"] == w.dong_user.as_str()),
        "{}",
        r.text
    );
    assert!(
        people.iter().any(|p| p["external_role"] == "통장"),
        "{}",
        r.text
    );
    let m = format!("/api/v1/meetings/{meeting}");
    let decide = |body: Value| {
        let app = &app;
        let token = w.dong.clone();
        let path = format!("{m}/decisions");
        async move { app.post(&path, Some(&token), body).await }
    };
    // Each decision names what it needs, and nothing else.
    decide(json!({ "case_id": cases[0], "decision": "change_lead" }))
        .await
        .assert_problem(400, "validation_failed");
    decide(json!({ "case_id": cases[2], "decision": "close" }))
        .await
        .assert_problem(400, "validation_failed");
    decide(
        json!({ "case_id": cases[1], "decision": "to_monitoring", "closing_reason": "refused" }),
    )
    .await
    .assert_problem(400, "validation_failed");
    // An action item only for someone who can see the case.
    decide(json!({ "case_id": cases[1], "decision": "to_monitoring",
        "action_items": [{ "assignee_user_id": w.welfare_user, "description": "x", "due_on": "2026-12-20" }] }))
        .await
        .assert_problem(400, "validation_failed");
    for body in [
        json!({ "case_id": cases[0], "decision": "change_lead", "lead_org_id": w.d.welfare, "notes": "복지관이 주 사례관리",
            "action_items": [{ "assignee_user_id": w.welfare_user, "description": "인수인계 방문", "due_on": "2026-12-20" }] }),
        json!({ "case_id": cases[1], "decision": "to_monitoring" }),
        json!({ "case_id": cases[2], "decision": "close", "closing_reason": "goal_achieved", "notes": "목표 달성, 자립" }),
        json!({ "case_id": cases[3], "decision": "select_integrated" }),
    ] {
        let r = decide(body).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = app
        .post(
            &format!("{m}/finalize"),
            Some(&w.dong),
            json!({ "minutes": "4건 심의" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        case_of(&app, &w.dong, &cases[0]).await["lead_org_id"],
        w.d.welfare.as_str()
    );
    assert_eq!(
        case_of(&app, &w.dong, &cases[1]).await["status"],
        "monitoring"
    );
    let closed = case_of(&app, &w.dong, &cases[2]).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closing"]["closing_reason"], "goal_achieved");
    let selected = case_of(&app, &w.dong, &cases[3]).await;
    assert_eq!(selected["status"], "in_service");
    assert_eq!(selected["case_type"], "integrated");
    // The partner heard of the outcome; the chair was marked present.
    let notes = app.get("/api/v1/notifications", Some(&w.welfare)).await;
    assert!(notes.text.contains("meeting.finalized"), "{}", notes.text);
    let held = app.get(&m, Some(&w.dong)).await;
    let chair = held.body["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == w.dong_user.as_str())
        .unwrap()
        .clone();
    assert_eq!(chair["attended"], true);

    // An illegal decision still rolls back every other one.
    let r = app
        .post(
            "/api/v1/meetings",
            Some(&w.dong),
            json!({ "kind": "integrated_conference", "title": "추가 회의", "scheduled_at": "2026-11-17T05:00:00Z", "case_ids": [cases[1], cases[2]] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let m2 = format!("/api/v1/meetings/{}", r.body["id"].as_str().unwrap());
    for body in [
        json!({ "case_id": cases[1], "decision": "change_type", "case_type": "simple_linkage" }),
        json!({ "case_id": cases[2], "decision": "to_monitoring" }),
    ] {
        let r = app
            .post(&format!("{m2}/decisions"), Some(&w.dong), body)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = app
        .post(
            &format!("{m2}/finalize"),
            Some(&w.dong),
            json!({ "minutes": "x" }),
        )
        .await;
    r.assert_problem(409, "finalize_blocked");
    assert_eq!(
        case_of(&app, &w.dong, &cases[1]).await["case_type"],
        "general"
    );
    let _ = PASSWORD;
}

async fn partners_propose_cases_and_minutes_are_exported(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    // The district office holds the 통합사례회의; the welfare centre, invited, leads a case.
    let p = app.person(&w.welfare, "윤제안", "1952-06-06", None).await;
    let theirs = app.case(&w.welfare, &p).await;
    let p2 = app.person(&w.welfare, "윤거절", "1953-06-06", None).await;
    let declined = app.case(&w.welfare, &p2).await;
    let p3 = app.person(&w.dong, "동대상", "1950-06-06", None).await;
    let own = app.case(&w.dong, &p3).await;
    walk(&app, &w.dong, &own, "awaiting_meeting").await;
    let r = app
        .post(
            "/api/v1/meetings",
            Some(&w.coord),
            json!({ "kind": "integrated_conference", "title": "12월 <통합>사례회의", "scheduled_at": "2026-11-10T05:00:00Z", "location": "공덕동 주민센터",
                    "participant_user_ids": [w.welfare_user, w.dong_user], "case_ids": [own] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let meeting = r.body["id"].as_str().unwrap().to_owned();
    let m = format!("/api/v1/meetings/{meeting}");
    // A stranger to the meeting or to the case cannot propose.
    app.post(
        &format!("{m}/agenda-requests"),
        Some(&w.far),
        json!({ "case_id": theirs }),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        &format!("{m}/agenda-requests"),
        Some(&w.welfare),
        json!({ "case_id": own }),
    )
    .await
    .assert_problem(404, "not_found");
    let r = app
        .post(
            &format!("{m}/agenda-requests"),
            Some(&w.welfare),
            json!({ "case_id": theirs, "note": "주거 지원 논의 필요" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    let accept_id = r.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("{m}/agenda-requests"),
        Some(&w.welfare),
        json!({ "case_id": theirs }),
    )
    .await
    .assert_problem(409, "already_on_agenda");
    let r = app
        .post(
            &format!("{m}/agenda-requests"),
            Some(&w.welfare),
            json!({ "case_id": declined }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let decline_id = r.body["id"].as_str().unwrap().to_owned();
    // The host hears of it and lists both; only the host answers.
    let notes = app.get("/api/v1/notifications", Some(&w.coord)).await;
    assert!(
        notes.text.contains("meeting.agenda_requested"),
        "{}",
        notes.text
    );
    let list = app
        .get(&format!("{m}/agenda-requests"), Some(&w.coord))
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        list.text
    );
    app.post(
        &format!("/api/v1/agenda-requests/{accept_id}/accept"),
        Some(&w.welfare),
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let r = app
        .post(
            &format!("/api/v1/agenda-requests/{accept_id}/accept"),
            Some(&w.coord),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "accepted");
    let r = app
        .post(
            &format!("/api/v1/agenda-requests/{decline_id}/decline"),
            Some(&w.coord),
            json!({ "reason": "다음 달 회의에서 논의" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["decline_reason"], "다음 달 회의에서 논의");
    app.post(
        &format!("/api/v1/agenda-requests/{decline_id}/accept"),
        Some(&w.coord),
        json!({}),
    )
    .await
    .assert_problem(409, "already_answered");
    let notes = app.get("/api/v1/notifications", Some(&w.welfare)).await;
    assert!(
        notes.text.contains("meeting.agenda_request_accepted"),
        "{}",
        notes.text
    );
    assert!(
        notes.text.contains("meeting.agenda_request_declined"),
        "{}",
        notes.text
    );
    let agenda: Vec<String> = app.get(&m, Some(&w.coord)).await.body["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["case_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(agenda, [own.clone(), theirs.clone()]);
    // Decide and finalize, then export the minutes.
    for body in [
        json!({ "case_id": own, "decision": "select_integrated", "notes": "통합사례관리 <선정>",
            "action_items": [{ "assignee_user_id": w.dong_user, "description": "서비스 계획 수립", "due_on": "2026-12-24" }] }),
        json!({ "case_id": theirs, "decision": "continue", "notes": "복지관 지속 관리" }),
    ] {
        let r = app
            .post(&format!("{m}/decisions"), Some(&w.coord), body)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = app
        .post(
            &format!("{m}/finalize"),
            Some(&w.coord),
            json!({ "minutes": "2건 심의\n다음 회의 1월" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let html = app
        .send(
            TestApp::req(
                actix_web::http::Method::GET,
                &format!("{m}/minutes"),
                Some(&w.coord),
            )
            .insert_header(("accept", "text/html")),
        )
        .await;
    assert_eq!(html.status, 200, "{}", html.text);
    assert!(html
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    for heading in ["회의명", "일시", "참석자", "안건", "결정", "조치사항"] {
        assert!(html.text.contains(heading), "{heading}");
    }
    assert!(
        html.text.contains("통합사례관리 대상 선정"),
        "{}",
        html.text
    );
    assert!(
        html.text.contains("통합사례관리 &lt;선정&gt;"),
        "escaped: {}",
        html.text
    );
    assert!(html.text.contains("12월 &lt;통합&gt;사례회의"));
    assert!(html.text.contains("서비스 계획 수립"));
    assert!(
        !html.text.contains("윤제안"),
        "no person names in the minutes"
    );
    let xlsx = app
        .send(
            TestApp::req(
                actix_web::http::Method::GET,
                &format!("{m}/minutes"),
                Some(&w.welfare),
            )
            .insert_header((
                "accept",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )),
        )
        .await;
    assert_eq!(xlsx.status, 200, "{}", xlsx.text);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.raw.clone())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("회의록").unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(
        cells.iter().any(|c| c == "12월 <통합>사례회의"),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c.contains("지속")), "{cells:?}");
    // The welfare centre does not see the dong centre's case summary in the minutes.
    assert!(
        cells
            .iter()
            .any(|c| c == "(열람 권한 없음 — 주 사례관리 기관: 공덕동 주민센터)"),
        "{cells:?}"
    );
    app.get(&format!("{m}/minutes"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
}

async fn a_dong_centre_refers_to_its_hub(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "서거점", "1949-07-07", None).await;
    let case = app.case(&w.dong, &p).await;
    // Without a hub the referral says so.
    app.post(
        "/api/v1/referrals",
        Some(&w.dong),
        json!({ "case_id": case, "to_hub": true, "reason": "x" }),
    )
    .await
    .assert_problem(400, "validation_failed");
    app.post("/api/v1/referrals", Some(&w.dong), json!({ "case_id": case, "to_hub": true, "to_organization_id": w.d.welfare, "reason": "x" }))
        .await
        .assert_problem(400, "validation_failed");
    let r = app
        .patch(
            &format!("/api/v1/organizations/{}", w.d.dong),
            Some(&app.admin_token),
            Some("\"1\""),
            json!({ "hub_org_id": w.d.welfare }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.dong),
            json!({ "case_id": case, "to_hub": true, "reason": "거점복지관 통합사례관리 의뢰" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["to_org_id"], w.d.welfare.as_str(), "{}", r.text);
    // The case awaiting a meeting and an open action item appear in the hub's overview.
    let p2 = app.person(&w.dong, "서대기", "1949-08-08", None).await;
    let waiting = app.case(&w.dong, &p2).await;
    walk(&app, &w.dong, &waiting, "awaiting_meeting").await;
    app.user("wel.admin", &w.d.welfare, "org_admin").await;
    let hub_admin = app.login("wel.admin", PASSWORD).await;
    let path = format!("/api/v1/organizations/{}/hub-overview", w.d.welfare);
    let r = app.get(&path, Some(&hub_admin)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let dong = &r.body["dong_centres"][0];
    assert_eq!(dong["organization_id"], w.d.dong.as_str());
    assert_eq!(dong["awaiting_meeting_count"], 1);
    assert_eq!(dong["awaiting_meeting"][0]["case_id"], waiting.as_str());
    assert_eq!(dong["referrals_to_hub_count"], 1);
    assert!(!r.text.contains("서대기"), "no person data: {}", r.text);
    let r = app.get(&path, Some(&w.coord)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A caseworker of the hub, the dong centre, another district: refused.
    app.get(&path, Some(&w.welfare))
        .await
        .assert_problem(403, "forbidden");
    app.get(&path, Some(&w.dong))
        .await
        .assert_problem(403, "forbidden");
    app.get(&path, Some(&w.far))
        .await
        .assert_problem(404, "not_found");
}

/// A household case read shows its latest assessment against the previous one of the same
/// member, however many of the others' lie between; on one day the later recorded is the latest.
async fn a_case_compares_its_latest_assessment_with_the_same_members(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (hid, m) = household_of_three(&app, &w).await;
    let r = app
        .post(
            "/api/v1/cases",
            Some(&w.dong),
            json!({ "household_id": hid, "primary_person_id": m[0], "case_type": "integrated", "risk_level": "high", "source": "outreach", "summary": "가구 사정" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let case = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{case}/assessments");
    let assess = |person: &str, on: &str, health: u8| {
        json!({ "person_id": person, "assessed_on": on, "risk_level": "moderate", "summary": "사정",
            "domains": { "health": { "score": health } } })
    };
    let c = case_of(&app, &w.dong, &case).await;
    assert!(c["latest_assessment"].is_null(), "{c}");
    for (person, on, health) in [
        (&m[0], "2026-10-01", 4),
        (&m[1], "2026-10-15", 1),
        (&m[1], "2026-10-20", 1),
        (&m[0], "2026-11-20", 2),
    ] {
        let r = app
            .post(&path, Some(&w.dong), assess(person, on, health))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let c = case_of(&app, &w.dong, &case).await;
    let latest = &c["latest_assessment"];
    assert_eq!(latest["person_id"], m[0].as_str(), "{c}");
    assert_eq!(latest["assessed_on"], "2026-11-20");
    assert_eq!(latest["previous_assessed_on"], "2026-10-01");
    assert_eq!(latest["change"], json!({ "health": -2 }));
    // The same day, recorded later: the latest, against its member's own previous.
    let r = app
        .post(&path, Some(&w.dong), assess(&m[1], "2026-11-20", 3))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let c = case_of(&app, &w.dong, &case).await;
    let latest = &c["latest_assessment"];
    assert_eq!(latest["person_id"], m[1].as_str(), "{c}");
    assert_eq!(latest["previous_assessed_on"], "2026-10-20");
    assert_eq!(latest["change"], json!({ "health": 2 }));
    // A member's first: no previous.
    let r = app
        .post(&path, Some(&w.dong), assess(&m[2], "2026-11-21", 5))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let c = case_of(&app, &w.dong, &case).await;
    let latest = &c["latest_assessment"];
    assert_eq!(latest["person_id"], m[2].as_str(), "{c}");
    assert!(latest["previous_assessed_on"].is_null(), "{c}");
    assert_eq!(latest["change"], json!({}));
}

both!(
    a_case_compares_its_latest_assessment_with_the_same_members,
    a_household_case_counts_for_every_member,
    assessments_are_kept_and_compared,
    the_first_assessment_is_due_after_intake,
    plans_are_revised_and_reviewed,
    closing_needs_a_reason_and_follow_up_ends_by_itself,
    a_monthly_conference_steers_ongoing_cases,
    partners_propose_cases_and_minutes_are_exported,
    a_dong_centre_refers_to_its_hub,
);
