//! Meetings that decide (사정회의) and referrals between organizations.

use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World, PASSWORD};

/// Moves a case through the given statuses as its lead.
pub(crate) async fn walk(app: &TestApp, token: &str, case: &str, path: &[&str]) {
    for to in path {
        let r = app
            .post(
                &format!("/api/v1/cases/{case}/transitions"),
                Some(token),
                json!({ "to": to }),
            )
            .await;
        assert_eq!(r.status, 200, "{to}: {}", r.text);
    }
}

async fn status_of(app: &TestApp, token: &str, case: &str) -> Value {
    app.get(&format!("/api/v1/cases/{case}"), Some(token))
        .await
        .body
}

async fn an_assessment_meeting_changes_the_cases(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let dong2 = app
        .org("아현동 주민센터", "dong_center", "11440", Some(&w.d.office))
        .await;
    app.user("ahyeon.w", &dong2, "caseworker").await;
    let ahyeon = app.login("ahyeon.w", PASSWORD).await;
    // Six cases the hosting dong centre leads; the other dong centre's case, shared with the
    // host as an observer, may sit on the agenda but the host cannot decide on it.
    let mut cases = Vec::new();
    for i in 0..6 {
        let p = app
            .person(&w.dong, &format!("대상자{i}"), "1950-01-01", None)
            .await;
        cases.push(app.case(&w.dong, &p).await);
    }
    let p = app.person(&ahyeon, "아현대상자", "1950-01-01", None).await;
    let theirs = app.case(&ahyeon, &p).await;
    let r = app
        .post(
            &format!("/api/v1/cases/{theirs}/participants"),
            Some(&ahyeon),
            json!({ "organization_id": w.d.dong, "role": "observer" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    walk(
        &app,
        &ahyeon,
        &theirs,
        &["intake", "assessing", "awaiting_meeting"],
    )
    .await;
    let to_meeting = ["intake", "assessing", "awaiting_meeting"];
    walk(&app, &w.dong, &cases[0], &to_meeting).await;
    walk(&app, &w.dong, &cases[1], &to_meeting[..2]).await;
    walk(
        &app,
        &w.dong,
        &cases[2],
        &["intake", "assessing", "in_service"],
    )
    .await;
    walk(&app, &w.dong, &cases[3], &to_meeting).await;
    walk(&app, &w.dong, &cases[4], &to_meeting).await;
    walk(&app, &w.dong, &cases[5], &["intake"]).await;

    let r = app
        .post(
            "/api/v1/meetings",
            Some(&w.dong),
            json!({ "kind": "assessment", "title": "11월 공덕동 사정회의", "scheduled_at": "2026-11-25T14:00:00Z", "location": "공덕동 주민센터 2층",
                    "participant_user_ids": [w.welfare_user], "external_participants": [{ "name": "박간호", "organization": "마포구 보건소" }],
                    "case_ids": [cases[0], cases[1], cases[2]] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "scheduled");
    assert_eq!(r.body["host_org_id"], w.d.dong.as_str());
    let meeting = r.body["id"].as_str().unwrap().to_owned();
    let m = format!("/api/v1/meetings/{meeting}");
    for c in &cases[3..] {
        let r = app
            .post(
                &format!("{m}/agenda"),
                Some(&w.dong),
                json!({ "case_id": c }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    app.post(
        &format!("{m}/agenda"),
        Some(&w.dong),
        json!({ "case_id": cases[0] }),
    )
    .await
    .assert_problem(409, "already_on_agenda");
    // The welfare centre takes part: it sees every agenda case's summary while scheduled, but
    // not the cases themselves.
    let seen = app.get(&m, Some(&w.welfare)).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert!(
        seen.body["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["case"]["summary"].is_string()),
        "{}",
        seen.text
    );
    app.get(&format!("/api/v1/cases/{}", cases[1]), Some(&w.welfare))
        .await
        .assert_problem(404, "not_found");
    // Another district sees nothing.
    app.get(&m, Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.get("/api/v1/meetings", Some(&w.far)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.get("/api/v1/meetings", Some(&w.welfare)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Only the host decides.
    app.post(
        &format!("{m}/decisions"),
        Some(&w.welfare),
        json!({ "case_id": cases[0], "decision": "continue" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let decisions = [
        json!({ "case_id": cases[0], "decision": "select_integrated", "lead_org_id": w.d.welfare, "notes": "복지관 주사례관리",
                "action_items": [{ "assignee_user_id": w.welfare_user, "description": "초기 가정방문", "due_on": "2026-12-05" }] }),
        json!({ "case_id": cases[1], "decision": "simple_linkage" }),
        json!({ "case_id": cases[2], "decision": "close", "closing_reason": "goal_achieved", "notes": "목표 달성" }),
        json!({ "case_id": cases[3], "decision": "refer", "refer_to_org_id": w.d.office }),
        json!({ "case_id": cases[4], "decision": "continue" }),
        json!({ "case_id": cases[5], "decision": "select_integrated" }),
    ];
    for d in &decisions {
        let r = app
            .post(&format!("{m}/decisions"), Some(&w.dong), d.clone())
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    // Case 5 is only at intake: selecting it is not a legal move, so finalize changes nothing.
    let before: Vec<Value> =
        futures_util::future::join_all(cases.iter().map(|c| status_of(&app, &w.dong, c))).await;
    let blocked = app
        .post(
            &format!("{m}/finalize"),
            Some(&w.dong),
            json!({ "minutes": "회의록" }),
        )
        .await;
    blocked.assert_problem(409, "finalize_blocked");
    let offending = blocked.body["cases"].as_array().unwrap();
    assert_eq!(offending.len(), 1, "{}", blocked.text);
    assert_eq!(offending[0]["case_id"], cases[5].as_str());
    assert_eq!(offending[0]["problem"], "invalid_transition");
    let after: Vec<Value> =
        futures_util::future::join_all(cases.iter().map(|c| status_of(&app, &w.dong, c))).await;
    assert_eq!(before, after, "a blocked finalize changes nothing");
    assert_eq!(app.get(&m, Some(&w.dong)).await.body["status"], "scheduled");
    // Replace the illegal decision with a deferral, and finalize.
    app.post(
        &format!("{m}/decisions"),
        Some(&w.dong),
        json!({ "case_id": cases[5], "decision": "defer", "notes": "다음 달 재상정" }),
    )
    .await;
    let present = app
        .post(
            &format!("{m}/attendance"),
            Some(&w.dong),
            json!({ "user_id": w.welfare_user, "attended": true }),
        )
        .await;
    assert_eq!(present.status, 200, "{}", present.text);
    let held = app
        .post(&format!("{m}/finalize"), Some(&w.dong), json!({ "minutes": "6건 심의", "attendance": [{ "user_id": w.welfare_user, "attended": true }] }))
        .await;
    assert_eq!(held.status, 200, "{}", held.text);
    assert_eq!(held.body["status"], "held");
    assert_eq!(held.body["minutes"], "6건 심의");
    assert_eq!(held.body["participants"][0]["attended"], true);

    let c0 = status_of(&app, &w.welfare, &cases[0]).await;
    assert_eq!(
        (c0["status"].as_str(), c0["case_type"].as_str()),
        (Some("in_service"), Some("integrated")),
        "{c0}"
    );
    assert_eq!(c0["lead_org_id"], w.d.welfare.as_str());
    let roles: Vec<(String, String)> = c0["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["organization_id"].as_str().unwrap().to_owned(),
                p["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        roles.contains(&(w.d.welfare.clone(), "lead".into()))
            && roles.contains(&(w.d.dong.clone(), "co_manager".into())),
        "{roles:?}"
    );
    let c1 = status_of(&app, &w.dong, &cases[1]).await;
    assert_eq!(
        (c1["status"].as_str(), c1["case_type"].as_str()),
        (Some("in_service"), Some("simple_linkage"))
    );
    assert_eq!(
        status_of(&app, &w.dong, &cases[2]).await["status"],
        "closed"
    );
    // A refer decision leaves the case with its lead until the receiver answers (#28).
    assert_eq!(
        status_of(&app, &w.dong, &cases[3]).await["status"],
        "awaiting_meeting"
    );
    assert_eq!(
        status_of(&app, &w.dong, &cases[4]).await["status"],
        "awaiting_meeting"
    );
    assert_eq!(
        status_of(&app, &w.dong, &cases[5]).await["status"],
        "intake"
    );
    // The refer decision sent its referral to the named organization.
    let sent = app.get("/api/v1/referrals", Some(&w.coord)).await;
    assert!(
        sent.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["case_id"] == cases[3].as_str() && r["to_org_id"] == w.d.office.as_str()),
        "{}",
        sent.text
    );
    // The receiver declines: the case goes on where it was, with its lead.
    let referral = sent.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["case_id"] == cases[3].as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v1/referrals/{referral}/decline"),
            Some(&w.coord),
            json!({ "reason": "대상 아님" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The sender hears of it and finds it, with the reason, on its worklist.
    let notes = app.get("/api/v1/notifications", Some(&w.dong)).await;
    assert!(notes.text.contains("referral.declined"), "{}", notes.text);
    let list = app.get("/api/v1/me/worklist", Some(&w.dong)).await;
    assert_eq!(
        list.body["counts"]["declined_referrals"], 1,
        "{}",
        list.text
    );
    assert_eq!(
        list.body["declined_referrals"][0]["case_id"],
        cases[3].as_str()
    );
    assert_eq!(
        list.body["declined_referrals"][0]["declined_reason"],
        "대상 아님"
    );
    assert!(list.body["declined_referrals"][0]["case_no"].is_string());
    assert_eq!(
        list.body["declined_referrals"][0]["to_org_id"],
        w.d.office.as_str()
    );
    assert!(list.body["declined_referrals"][0]["to_org_name"].is_string());
    walk(&app, &w.dong, &cases[3], &["in_service"]).await;
    // Handed over only once someone said yes.
    app.post(
        &format!("/api/v1/cases/{}/transitions", cases[3]),
        Some(&w.dong),
        json!({ "to": "referred_out" }),
    )
    .await
    .assert_problem(409, "referral_not_accepted");
    let r = app
        .post("/api/v1/referrals", Some(&w.dong), json!({ "case_id": cases[3], "to_organization_id": w.d.welfare, "reason": "사례관리 이관" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            &format!(
                "/api/v1/referrals/{}/accept",
                r.body["id"].as_str().unwrap()
            ),
            Some(&w.welfare),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    walk(
        &app,
        &w.dong,
        &cases[3],
        &["referred_out", "reopened", "in_service"],
    )
    .await;

    // A meeting cannot take over a case its host does not lead: an observer may put the case
    // on its agenda, but no decision on it is accepted.
    let r = app
        .post("/api/v1/meetings", Some(&w.dong), json!({ "kind": "assessment", "title": "12월 사정회의", "scheduled_at": "2026-11-20T14:00:00Z", "case_ids": [theirs] }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let m2 = format!("/api/v1/meetings/{}", r.body["id"].as_str().unwrap());
    for d in [
        json!({ "case_id": theirs, "decision": "select_integrated", "lead_org_id": w.d.dong }),
        json!({ "case_id": theirs, "decision": "refer", "refer_to_org_id": w.d.welfare }),
        json!({ "case_id": theirs, "decision": "close", "closing_reason": "goal_achieved" }),
    ] {
        app.post(&format!("{m2}/decisions"), Some(&w.dong), d)
            .await
            .assert_problem(403, "forbidden");
    }
    // The district office's 통합사례회의 decides on any case of the district, but a new lead
    // or a receiving organization must be of the district.
    let r = app
        .post("/api/v1/meetings", Some(&w.coord), json!({ "kind": "integrated_conference", "title": "통합사례회의", "scheduled_at": "2026-11-21T14:00:00Z", "case_ids": [theirs] }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let m3 = format!("/api/v1/meetings/{}", r.body["id"].as_str().unwrap());
    for (field, d) in [
        (
            "lead_org_id",
            json!({ "case_id": theirs, "decision": "select_integrated", "lead_org_id": w.far_welfare }),
        ),
        (
            "refer_to_org_id",
            json!({ "case_id": theirs, "decision": "refer", "refer_to_org_id": w.far_welfare }),
        ),
    ] {
        let r = app
            .post(&format!("{m3}/decisions"), Some(&w.coord), d)
            .await;
        r.assert_problem(404, "not_found");
        assert_eq!(r.field_errors()[0].0, field);
    }
    let r = app
        .post(&format!("{m3}/decisions"), Some(&w.coord), json!({ "case_id": theirs, "decision": "select_integrated", "lead_org_id": w.d.welfare }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Invitations stay inside the district.
    let far_user = app.user("far.invitee", &w.far_welfare, "caseworker").await;
    let r = app
        .post("/api/v1/meetings", Some(&w.dong), json!({ "kind": "assessment", "title": "x", "scheduled_at": "2026-11-22T14:00:00Z", "participant_user_ids": [far_user] }))
        .await;
    r.assert_problem(404, "not_found");
    assert_eq!(r.field_errors()[0].0, "participant_user_ids");
    // Action items: on the assignee's list and on the case timeline.
    let items = app
        .get(
            "/api/v1/action-items?assignee=me&open=true",
            Some(&w.welfare),
        )
        .await;
    assert_eq!(
        items.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        items.text
    );
    let item = items.body["items"][0]["id"].as_str().unwrap().to_owned();
    let timeline = app
        .get(
            &format!("/api/v1/cases/{}/timeline?limit=200", cases[0]),
            Some(&w.welfare),
        )
        .await;
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "meeting_agenda",
        "lead_changed",
        "meeting_decision",
        "status_changed",
        "action_item",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let done = app
        .post(
            &format!("/api/v1/action-items/{item}/complete"),
            Some(&w.welfare),
            json!({}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.body["completed_at"].is_string());
    assert_eq!(
        app.get("/api/v1/action-items?open=true", Some(&w.welfare))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    app.post(
        &format!("/api/v1/action-items/{item}/complete"),
        Some(&w.welfare),
        json!({}),
    )
    .await
    .assert_problem(409, "already_completed");
    // After finalize everything is frozen, and the summaries of cases the welfare centre does
    // not take part in are gone.
    app.post(
        &format!("{m}/decisions"),
        Some(&w.dong),
        json!({ "case_id": cases[4], "decision": "close", "closing_reason": "goal_achieved" }),
    )
    .await
    .assert_problem(409, "meeting_closed");
    app.post(
        &format!("{m}/finalize"),
        Some(&w.dong),
        json!({ "minutes": "수정" }),
    )
    .await
    .assert_problem(409, "meeting_closed");
    app.patch(
        &m,
        Some(&w.dong),
        Some(&format!("\"{}\"", held.body["version"])),
        json!({ "title": "x" }),
    )
    .await
    .assert_problem(409, "meeting_closed");
    app.post(&format!("{m}/cancel"), Some(&w.dong), json!({}))
        .await
        .assert_problem(409, "meeting_closed");
    let seen = app.get(&m, Some(&w.welfare)).await;
    let visible: Vec<bool> = seen.body["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["case"].is_object())
        .collect();
    assert_eq!(
        visible,
        // (case 3: the welfare centre accepted its referral above and takes part)
        [true, false, false, true, false, false],
        "{}",
        seen.text
    );

    // A meeting can always be finished (#28): on a case another organization leads, the host
    // records `defer` or `continue` as a recommendation to the lead, which changes nothing on
    // the case; or it takes the case off the agenda.
    app.post(
        &format!("{m2}/finalize"),
        Some(&w.dong),
        json!({ "minutes": "회의록" }),
    )
    .await
    .assert_problem(409, "finalize_blocked");
    let r = app
        .post(
            &format!("{m2}/decisions"),
            Some(&w.dong),
            json!({ "case_id": theirs, "decision": "defer", "notes": "다음 달 재논의 권고" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let before = status_of(&app, &ahyeon, &theirs).await;
    let r = app
        .post(
            &format!("{m2}/finalize"),
            Some(&w.dong),
            json!({ "minutes": "회의록" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = status_of(&app, &ahyeon, &theirs).await;
    assert_eq!(after["status"], before["status"]);
    assert_eq!(after["lead_org_id"], before["lead_org_id"]);
    let timeline = app
        .get(
            &format!("/api/v1/cases/{theirs}/timeline?limit=200"),
            Some(&ahyeon),
        )
        .await;
    assert!(
        timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "meeting_decision"
                && e["data"]["decision"] == "defer"
                && e["data"]["recommendation"] == true),
        "{}",
        timeline.text
    );
    // Off the agenda, with its decision, while the meeting is scheduled; on the case timeline.
    let r = app
        .post("/api/v1/meetings", Some(&w.dong), json!({ "kind": "assessment", "title": "1월 사정회의", "scheduled_at": "2027-01-20T14:00:00Z", "case_ids": [theirs, cases[5]] }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let m4 = format!("/api/v1/meetings/{}", r.body["id"].as_str().unwrap());
    let r = app
        .post(
            &format!("{m4}/decisions"),
            Some(&w.dong),
            json!({ "case_id": theirs, "decision": "continue" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Decisions are applied by a meeting that took place: not before its day.
    app.post(
        &format!("{m4}/finalize"),
        Some(&w.dong),
        json!({ "minutes": "회의록" }),
    )
    .await
    .assert_problem(409, "meeting_not_started");
    let delete = |path: String, token: String| {
        let app = &app;
        async move {
            app.send(TestApp::req(
                actix_web::http::Method::DELETE,
                &path,
                Some(&token),
            ))
            .await
        }
    };
    // Only the host chairs; another organization's worker is refused.
    let r = delete(format!("{m4}/agenda/{theirs}"), ahyeon.clone()).await;
    assert!(r.status == 403 || r.status == 404, "{}", r.text);
    let r = delete(format!("{m4}/agenda/{theirs}"), w.dong.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let agenda: Vec<&str> = r.body["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["case_id"].as_str().unwrap())
        .collect();
    assert_eq!(agenda, [cases[5].as_str()], "{}", r.text);
    delete(format!("{m4}/agenda/{theirs}"), w.dong.clone())
        .await
        .assert_problem(404, "not_found");
    // Its decision went with it: put back, the case has none.
    let r = app
        .post(
            &format!("{m4}/agenda"),
            Some(&w.dong),
            json!({ "case_id": theirs }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let back = r.body["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["case_id"] == theirs.as_str())
        .unwrap();
    assert!(back["decision"].is_null(), "{}", r.text);
    let r = delete(format!("{m4}/agenda/{theirs}"), w.dong.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    delete(format!("{m4}/agenda/{theirs}"), w.dong.clone())
        .await
        .assert_problem(404, "not_found");
    let timeline = app
        .get(
            &format!("/api/v1/cases/{theirs}/timeline?limit=200"),
            Some(&ahyeon),
        )
        .await;
    assert!(
        timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "meeting_agenda_removed"),
        "{}",
        timeline.text
    );
    // A held meeting's agenda no longer changes.
    delete(format!("{m2}/agenda/{theirs}"), w.dong.clone())
        .await
        .assert_problem(409, "meeting_closed");
}

async fn meetings_are_validated_and_cancellable(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let far_person = app.person(&w.far, "다른구", "1950-01-01", None).await;
    let far_case = app.case(&w.far, &far_person).await;
    let body = json!({ "kind": "solution", "title": "솔루션회의", "scheduled_at": "2026-12-01T10:00:00Z", "case_ids": [far_case] });
    let r = app.post("/api/v1/meetings", Some(&w.dong), body).await;
    assert_eq!(
        r.field_errors(),
        vec![("case_ids".into(), "invalid_reference".into())],
        "cases the host cannot see are unknown"
    );
    let r = app
        .post(
            "/api/v1/meetings",
            Some(&w.dong),
            json!({ "kind": "party", "title": "x", "scheduled_at": "2026-12-01T10:00:00Z" }),
        )
        .await;
    assert_eq!(r.field_errors()[0].0, "kind");
    let r = app
        .post("/api/v1/meetings", Some(&w.dong), json!({ "kind": "solution", "title": "x", "scheduled_at": "2026-12-01T10:00:00Z", "participant_user_ids": [w.d.dong] }))
        .await;
    assert_eq!(
        r.field_errors()[0],
        ("participant_user_ids".into(), "invalid_reference".into())
    );
    let r = app.post("/api/v1/meetings", Some(&w.dong), json!({ "kind": "integrated_conference", "title": "통합사례회의", "scheduled_at": "2026-12-01T10:00:00Z" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let m = format!("/api/v1/meetings/{}", r.body["id"].as_str().unwrap());
    app.patch(&m, Some(&w.dong), None, json!({ "title": "y" }))
        .await
        .assert_problem(428, "precondition_required");
    let p = app
        .patch(
            &m,
            Some(&w.dong),
            Some("\"1\""),
            json!({ "title": "12월 통합사례회의", "location": null }),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["title"], "12월 통합사례회의");
    app.patch(&m, Some(&w.dong), Some("\"1\""), json!({ "title": "z" }))
        .await
        .assert_problem(412, "precondition_failed");
    let person = app.person(&w.dong, "대상자", "1950-01-01", None).await;
    let case = app.case(&w.dong, &person).await;
    app.post(
        &format!("{m}/agenda"),
        Some(&w.dong),
        json!({ "case_id": case }),
    )
    .await;
    let r = app
        .post(
            &format!("{m}/decisions"),
            Some(&w.dong),
            json!({ "case_id": far_case, "decision": "close", "closing_reason": "goal_achieved" }),
        )
        .await;
    assert_eq!(
        r.field_errors()[0],
        ("case_id".into(), "not_on_agenda".into())
    );
    let r = app
        .post(
            &format!("{m}/decisions"),
            Some(&w.dong),
            json!({ "case_id": case, "decision": "close", "lead_org_id": w.d.welfare }),
        )
        .await;
    assert_eq!(
        r.field_errors()[0],
        ("lead_org_id".into(), "not_allowed".into())
    );
    let missing = app
        .post(
            &format!("{m}/finalize"),
            Some(&w.dong),
            json!({ "minutes": "x" }),
        )
        .await;
    missing.assert_problem(409, "finalize_blocked");
    assert_eq!(missing.body["cases"][0]["problem"], "no_decision");
    app.post(
        &format!("{m}/attendance"),
        Some(&w.dong),
        json!({ "user_id": w.welfare_user, "attended": true }),
    )
    .await
    .assert_problem(404, "not_found");
    let c = app
        .post(&format!("{m}/cancel"), Some(&w.dong), json!({}))
        .await;
    assert_eq!(c.body["status"], "cancelled", "{}", c.text);
    let listed = app
        .get(
            "/api/v1/meetings?status=cancelled&kind=integrated_conference",
            Some(&w.dong),
        )
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let by_case = app
        .get(&format!("/api/v1/meetings?case_id={case}"), Some(&w.coord))
        .await;
    assert_eq!(
        by_case.body["items"].as_array().unwrap().len(),
        1,
        "coordinators see the district's meetings"
    );
}

async fn referrals_open_a_case_only_when_accepted(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let person = app.person(&w.dong, "김민수", "1950-01-01", None).await;
    let case = app.case(&w.dong, &person).await;
    let r = app
        .post("/api/v1/referrals", Some(&w.dong), json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "정서지원 필요", "requested_services": ["counseling"] }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "sent");
    let id = r.body["id"].as_str().unwrap().to_owned();
    app.post(
        "/api/v1/referrals",
        Some(&w.dong),
        json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "again" }),
    )
    .await
    .assert_problem(409, "referral_pending");
    // Before accepting, the receiver sees the referral and the case summary, not the case.
    let incoming = app
        .get("/api/v1/referrals?direction=incoming", Some(&w.welfare))
        .await;
    assert_eq!(incoming.body["items"].as_array().unwrap().len(), 1);
    assert!(incoming.body["items"][0]["case"]["summary"].is_string());
    assert!(
        !incoming.text.contains("김민수"),
        "no person data in a referral"
    );
    app.get(&format!("/api/v1/cases/{case}"), Some(&w.welfare))
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/referrals/{id}"), Some(&w.far))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/referrals/{id}/accept"),
        Some(&w.dong),
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let accepted = app
        .post(
            &format!("/api/v1/referrals/{id}/accept"),
            Some(&w.welfare),
            json!({}),
        )
        .await;
    assert_eq!(accepted.body["status"], "accepted", "{}", accepted.text);
    let seen = app
        .get(&format!("/api/v1/cases/{case}"), Some(&w.welfare))
        .await;
    assert_eq!(seen.status, 200);
    assert!(seen.body["participants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["organization_id"] == w.d.welfare.as_str() && p["role"] == "service_provider"));
    app.post(
        &format!("/api/v1/referrals/{id}/decline"),
        Some(&w.welfare),
        json!({ "reason": "x" }),
    )
    .await
    .assert_problem(409, "invalid_referral_transition");
    let done = app
        .post(
            &format!("/api/v1/referrals/{id}/complete"),
            Some(&w.welfare),
            json!({ "outcome": "상담 8회 완료" }),
        )
        .await;
    assert_eq!(done.body["status"], "completed", "{}", done.text);
    assert_eq!(done.body["outcome"], "상담 8회 완료");
    // Field order (#28): an organization that already takes part (it visited with us) may be
    // referred to again, e.g. for another service; it stays one participant.
    let again = app
        .post("/api/v1/referrals", Some(&w.dong), json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "사례관리 주관 요청", "requested_services": ["case_management"] }))
        .await;
    assert_eq!(again.status, 201, "{}", again.text);
    let again_id = again.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/referrals/{again_id}/accept"),
            Some(&w.welfare),
            json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "accepted", "{}", r.text);
    let seen = app
        .get(&format!("/api/v1/cases/{case}"), Some(&w.welfare))
        .await;
    let welfare_rows: Vec<&Value> = seen.body["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["organization_id"] == w.d.welfare.as_str())
        .collect();
    assert_eq!(welfare_rows.len(), 1, "{}", seen.text);
    assert_eq!(welfare_rows[0]["role"], "service_provider");
    // A declined referral leaves the case closed to the receiver.
    let partner = app
        .org("마포구 보건소", "partner_agency", "11440", None)
        .await;
    app.user("health.w", &partner, "caseworker").await;
    let health = app.login("health.w", PASSWORD).await;
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.dong),
            json!({ "case_id": case, "to_organization_id": partner, "reason": "방문간호" }),
        )
        .await;
    let id2 = r.body["id"].as_str().unwrap().to_owned();
    let declined = app
        .post(
            &format!("/api/v1/referrals/{id2}/decline"),
            Some(&health),
            json!({ "reason": "관할 외" }),
        )
        .await;
    assert_eq!(declined.body["status"], "declined", "{}", declined.text);
    assert_eq!(declined.body["response_note"], "관할 외");
    app.get(&format!("/api/v1/cases/{case}"), Some(&health))
        .await
        .assert_problem(404, "not_found");
    let outgoing = app
        .get(
            "/api/v1/referrals?direction=outgoing&status=declined",
            Some(&w.dong),
        )
        .await;
    assert_eq!(outgoing.body["items"].as_array().unwrap().len(), 1);
    let timeline = app
        .get(
            &format!("/api/v1/cases/{case}/timeline?limit=200"),
            Some(&w.dong),
        )
        .await;
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "referral_sent",
        "referral_accepted",
        "referral_completed",
        "referral_declined",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.far),
            json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "x" }),
        )
        .await;
    assert_eq!(
        r.field_errors()[0],
        ("case_id".into(), "invalid_reference".into())
    );
}

both!(
    an_assessment_meeting_changes_the_cases,
    meetings_are_validated_and_cancellable,
    referrals_open_a_case_only_when_accepted
);
