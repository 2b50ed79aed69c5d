//! Working together: events recorded through the unit of work (timeline, audit, notification,
//! outbox — all or none), notifications, the staff directory, handover of everything and the
//! worklist.

use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::support::{Backend, TestApp, World, PASSWORD};

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let db = app.db.inner().clone();
    actix_web::web::block(move || {
        use diesel::RunQueryDsl;
        let mut conn = db.get().unwrap();
        diesel::sql_query(sql).get_result::<N>(&mut conn).unwrap().n
    })
    .await
    .unwrap()
}

async fn an_event_is_written_whole_or_not_at_all(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "의뢰대상", "1950-01-01", None).await;
    let case = app.case(&w.dong, &p).await;
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.dong),
            json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "정서지원" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The receiving organization's staff are told, in Korean by default, English on request.
    let n = app
        .get("/api/v1/notifications?unread=true", Some(&w.welfare))
        .await;
    assert_eq!(n.status, 200, "{}", n.text);
    assert_eq!(n.body["items"][0]["event_type"], "referral.sent");
    assert_eq!(n.body["items"][0]["title"], "새 의뢰가 도착했습니다");
    assert_eq!(n.body["items"][0]["data"]["case_id"], case.as_str());
    assert!(
        !n.text.contains("의뢰대상"),
        "no person data in notifications"
    );
    let en = app
        .send(
            TestApp::req(
                actix_web::http::Method::GET,
                "/api/v1/notifications",
                Some(&w.welfare),
            )
            .insert_header(("accept-language", "en")),
        )
        .await;
    assert_eq!(en.body["items"][0]["title"], "A referral arrived");
    // The sender is not told of its own act; the outbox holds one row for client apps.
    let own = app.get("/api/v1/notifications", Some(&w.dong)).await;
    assert!(
        own.body["items"].as_array().unwrap().is_empty(),
        "{}",
        own.text
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM outbox WHERE event_type = 'referral.sent'"
        )
        .await,
        1
    );
    let id = n.body["items"][0]["id"].as_str().unwrap().to_owned();
    let read = app
        .post(
            &format!("/api/v1/notifications/{id}/read"),
            Some(&w.welfare),
            json!({}),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert!(read.body["read_at"].is_string());
    app.post(
        &format!("/api/v1/notifications/{id}/read"),
        Some(&w.dong),
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let all = app
        .post(
            "/api/v1/notifications/read-all",
            Some(&w.welfare),
            json!({}),
        )
        .await;
    assert_eq!(all.body["marked"], 0);

    // Fault injected: the outbox refuses the row. The whole change rolls back: no referral,
    // no timeline entry, no notification, no audit event of it.
    let db = app.db.inner().clone();
    actix_web::web::block(move || {
        let mut conn = db.get().unwrap();
        conn.batch_execute(match b {
            Backend::Postgres => {
                "CREATE FUNCTION fail_outbox() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'outbox down'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION fail_outbox();"
            }
            Backend::Sqlite => {
                "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox down'); END;"
            }
        })
        .unwrap();
    })
    .await
    .unwrap();
    let before = (
        count(&app, "SELECT count(*) AS n FROM referrals").await,
        count(&app, "SELECT count(*) AS n FROM case_events").await,
        count(&app, "SELECT count(*) AS n FROM notifications").await,
        count(
            &app,
            "SELECT count(*) AS n FROM audit_events WHERE resource_type = 'referral'",
        )
        .await,
    );
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.dong),
            json!({ "case_id": case, "to_organization_id": w.d.office, "reason": "긴급지원" }),
        )
        .await;
    r.assert_problem(500, "internal_error");
    let after = (
        count(&app, "SELECT count(*) AS n FROM referrals").await,
        count(&app, "SELECT count(*) AS n FROM case_events").await,
        count(&app, "SELECT count(*) AS n FROM notifications").await,
        count(
            &app,
            "SELECT count(*) AS n FROM audit_events WHERE resource_type = 'referral'",
        )
        .await,
    );
    assert_eq!(before, after, "nothing of the failed change remains");
}

both!(an_event_is_written_whole_or_not_at_all);

async fn the_directory_shows_the_district_staff_only(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let me = format!("/api/v1/users/{}", w.welfare_user);
    let r = app
        .patch(
            &me,
            Some(&w.welfare),
            Some("\"1\""),
            json!({ "work_phone": "02-123-4567" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = app.get("/api/v1/directory", Some(&w.dong)).await;
    assert_eq!(d.status, 200, "{}", d.text);
    let names: Vec<&str> = d.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["display_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"wel.w") && names.contains(&"coord"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"far.w") && !names.contains(&"root"),
        "{names:?}"
    );
    assert!(!d.text.contains("password") && !d.text.contains("username"));
    let welfare = app
        .get(
            &format!("/api/v1/directory?org_id={}", w.d.welfare),
            Some(&w.dong),
        )
        .await;
    assert_eq!(welfare.body["items"][0]["work_phone"], "02-123-4567");
    assert_eq!(welfare.body["items"].as_array().unwrap().len(), 1);
    let q = app.get("/api/v1/directory?q=coo", Some(&w.dong)).await;
    assert_eq!(q.body["items"].as_array().unwrap().len(), 1, "{}", q.text);
    app.get(
        &format!("/api/v1/directory?org_id={}", w.far_welfare),
        Some(&w.dong),
    )
    .await
    .assert_problem(404, "not_found");
}

both!(the_directory_shows_the_district_staff_only);

async fn a_handover_moves_everything_and_introduces_the_successor(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let successor = app.user("dong.next", &w.d.dong, "caseworker").await;
    app.user("dong.sup", &w.d.dong, "supervisor").await;
    let sup = app.login("dong.sup", PASSWORD).await;
    let p = app.person(&w.dong, "인계대상", "1950-01-01", None).await;
    let case = app.case(&w.dong, &p).await;
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/participants"),
            Some(&w.dong),
            json!({ "organization_id": w.d.welfare, "role": "co_manager" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for to in ["intake", "assessing", "awaiting_meeting"] {
        app.post(
            &format!("/api/v1/cases/{case}/transitions"),
            Some(&w.dong),
            json!({ "to": to }),
        )
        .await;
    }
    // A meeting to come that the leaving worker attends, and one held that gave them an item.
    let when = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let m = app
        .post("/api/v1/meetings", Some(&w.welfare), json!({ "kind": "solution", "title": "솔루션회의", "scheduled_at": when, "participant_user_ids": [w.dong_user] }))
        .await;
    assert_eq!(m.status, 201, "{}", m.text);
    let upcoming = m.body["id"].as_str().unwrap().to_owned();
    let held = app
        .post("/api/v1/meetings", Some(&w.dong), json!({ "kind": "assessment", "title": "사정회의", "scheduled_at": chrono::Utc::now().to_rfc3339(), "case_ids": [case] }))
        .await;
    let held = held.body["id"].as_str().unwrap().to_owned();
    let due = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let r = app
        .post(&format!("/api/v1/meetings/{held}/decisions"), Some(&w.dong), json!({ "case_id": case, "decision": "continue",
            "action_items": [{ "assignee_user_id": w.dong_user, "description": "가정방문", "due_on": due }] }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/meetings/{held}/finalize"),
            Some(&w.dong),
            json!({ "minutes": "계속 지원" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The leaving worker's worklist, before the handover.
    let list = app.get("/api/v1/me/worklist", Some(&w.dong)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["counts"]["cases"], 1);
    assert_eq!(list.body["cases"][0]["person"]["name"], "인계대상");
    assert_eq!(list.body["counts"]["overdue_action_items"], 1);
    assert_eq!(list.body["counts"]["meetings"], 1);

    let r = app
        .post(
            &format!("/api/v1/users/{}/handover", w.dong_user),
            Some(&sup),
            json!({ "successor_user_id": successor, "note": "인사발령" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            r.body["moved_assignments"].as_i64(),
            r.body["moved_action_items"].as_i64(),
            r.body["moved_meetings"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{}",
        r.text
    );
    let next = app.login("dong.next", PASSWORD).await;
    let list = app.get("/api/v1/me/worklist", Some(&next)).await;
    // Reading a worklist is one audit event.
    let views = app.audit_events("view").await;
    assert_eq!(views[0].resource_type, "worklist");
    assert_eq!(list.body["counts"]["cases"], 1, "{}", list.text);
    assert_eq!(list.body["counts"]["action_items"], 1);
    assert_eq!(list.body["meetings"][0]["id"], upcoming.as_str());
    let meeting = app
        .get(&format!("/api/v1/meetings/{upcoming}"), Some(&w.welfare))
        .await;
    assert!(meeting.text.contains(&successor), "{}", meeting.text);
    // The partner organization is told who took over; the case timeline says so too.
    let n = app.get("/api/v1/notifications", Some(&w.welfare)).await;
    assert!(
        n.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["event_type"] == "handover.completed"
                && i["title"].as_str().unwrap().contains("dong.next")),
        "{}",
        n.text
    );
    let t = app
        .get(
            &format!("/api/v1/cases/{case}/timeline?limit=200"),
            Some(&w.welfare),
        )
        .await;
    assert!(
        t.text.contains("\"handover\"") && t.text.contains("dong.next"),
        "{}",
        t.text
    );
}

both!(a_handover_moves_everything_and_introduces_the_successor);

async fn the_worklist_gathers_the_day(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "김민수", "1950-01-01", None).await;
    let case = app.case(&w.dong, &p).await;
    // A redacted person on a case of mine shows masked, never as a bare id.
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/participants"),
            Some(&w.dong),
            json!({ "organization_id": w.d.welfare, "role": "co_manager" }),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/assignments"),
            Some(&w.welfare),
            json!({ "user_id": w.welfare_user, "role": "primary" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.dong),
            json!({ "case_id": case, "to_organization_id": w.d.office, "reason": "긴급지원" }),
        )
        .await;
    assert_eq!(r.status, 201);
    let list = app.get("/api/v1/me/worklist", Some(&w.welfare)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["cases"][0]["person"]["redacted"], true);
    assert_eq!(list.body["cases"][0]["person"]["name_masked"], "김*수");
    assert!(!list.text.contains("김민수"));
    // The coordinator sees the referral to the district office and pending overrides.
    let coord = app.get("/api/v1/me/worklist", Some(&w.coord)).await;
    assert_eq!(
        coord.body["counts"]["incoming_referrals"], 1,
        "{}",
        coord.text
    );
    let oil = app
        .post_resource(&w.dong, json!({ "name": "난방유", "category": "heating", "funding": "public", "unit": "드럼",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
        .await;
    let oil = oil.body["id"].as_str().unwrap().to_owned();
    let today = chrono::Utc::now().date_naive().to_string();
    for body in [
        json!({ "resource_id": oil, "person_id": p, "granted_on": today, "quantity": 1 }),
        json!({ "resource_id": oil, "person_id": p, "granted_on": today, "quantity": 1, "override": { "reason": "한파 긴급" } }),
    ] {
        let r = app.post("/api/v1/allocations", Some(&w.dong), body).await;
        assert!(r.status.is_success(), "{}", r.text);
    }
    let coord = app.get("/api/v1/me/worklist", Some(&w.coord)).await;
    assert_eq!(coord.body["counts"]["overrides"], 1, "{}", coord.text);
    assert_eq!(coord.body["overrides"][0]["override_reason"], "한파 긴급");
    let n = app.get("/api/v1/notifications", Some(&w.coord)).await;
    assert!(
        n.text.contains("allocation.override_requested"),
        "{}",
        n.text
    );
}

both!(the_worklist_gathers_the_day);

async fn coordinators_manage_the_district_staff(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let account = |org: &str, name: &str| json!({ "username": name, "display_name": name, "password": PASSWORD, "org_id": org, "role": "caseworker" });
    // Accounts of the district's dong centres, not of other kinds or districts.
    let r = app
        .post(
            "/api/v1/users",
            Some(&w.coord),
            account(&w.d.dong, "dong.new"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let new = r.body["id"].as_str().unwrap().to_owned();
    app.post(
        "/api/v1/users",
        Some(&w.coord),
        account(&w.d.welfare, "wel.new"),
    )
    .await
    .assert_problem(403, "forbidden");
    let r = app
        .post("/api/v1/users", Some(&w.coord), json!({ "username": "dong.boss", "display_name": "x", "password": PASSWORD, "org_id": w.d.dong, "role": "coordinator" }))
        .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    // Disabling: dong centre accounts only.
    let r = app
        .patch(
            &format!("/api/v1/users/{new}"),
            Some(&w.coord),
            Some("\"1\""),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.patch(
        &format!("/api/v1/users/{}", w.welfare_user),
        Some(&w.coord),
        Some("\"1\""),
        json!({ "active": false }),
    )
    .await
    .assert_problem(403, "forbidden");
    // 인사발령: moving staff between the district's public organizations; a private
    // organization's staff are its own admin's (a coordinator who could move or reset them
    // could log in as them).
    app.patch(
        &format!("/api/v1/users/{}", w.welfare_user),
        Some(&w.coord),
        Some("\"1\""),
        json!({ "org_id": w.d.dong }),
    )
    .await
    .assert_problem(403, "forbidden");
    let r = app
        .patch(
            &format!("/api/v1/users/{}", w.dong_user),
            Some(&w.coord),
            Some("\"1\""),
            json!({ "org_id": w.d.office }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["org_id"], w.d.office.as_str());
    let r = app
        .patch(
            &format!("/api/v1/users/{}", w.dong_user),
            Some(&w.coord),
            Some("\"2\""),
            json!({ "org_id": w.far_welfare }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    let far_user = app.user("far.x", &w.far_welfare, "caseworker").await;
    app.patch(
        &format!("/api/v1/users/{far_user}"),
        Some(&w.coord),
        Some("\"1\""),
        json!({ "active": false }),
    )
    .await
    .assert_problem(404, "not_found");
}

both!(coordinators_manage_the_district_staff);

async fn a_joint_visit_is_planned_then_recorded(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "방문대상", "1950-01-01", None).await;
    let case = app.case(&w.dong, &p).await;
    let when = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    // Co-visitors work for an organization of the case's district (one that does not take part
    // yet joins as a visitor: tests/api/workflow.rs); another district's worker does not exist.
    let far_user = app.get("/api/v1/me", Some(&w.far)).await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("/api/v1/cases/{case}/visits"), Some(&w.dong), json!({ "scheduled_at": when, "co_visitor_user_ids": [far_user], "purpose": "1+1 가정방문" }))
        .await
        .assert_problem(404, "not_found");
    let v = app
        .post(&format!("/api/v1/cases/{case}/visits"), Some(&w.dong), json!({ "scheduled_at": when, "co_visitor_user_ids": [w.welfare_user], "purpose": "1+1 가정방문" }))
        .await;
    assert_eq!(v.status, 201, "{}", v.text);
    assert_eq!(v.body["status"], "planned");
    let visit = v.body["id"].as_str().unwrap().to_owned();
    let n = app.get("/api/v1/notifications", Some(&w.welfare)).await;
    assert_eq!(
        n.body["items"][0]["event_type"], "visit.planned",
        "{}",
        n.text
    );
    let list = app.get("/api/v1/me/worklist", Some(&w.welfare)).await;
    assert_eq!(
        list.body["visits"][0]["id"],
        visit.as_str(),
        "{}",
        list.text
    );
    // The co-visitor records it: today's home-visit note, with the planner as co-visitor.
    let done = app
        .post(
            &format!("/api/v1/visits/{visit}/complete"),
            Some(&w.welfare),
            json!({ "note": "함께 방문, 난방 상태 확인" }),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["status"], "completed");
    let notes = app
        .get(&format!("/api/v1/cases/{case}/notes"), Some(&w.dong))
        .await;
    let note = &notes.body["items"][0];
    assert_eq!(note["kind"], "home_visit", "{}", notes.text);
    assert_eq!(note["co_visitor_user_ids"], json!([w.dong_user]));
    app.post(
        &format!("/api/v1/visits/{visit}/complete"),
        Some(&w.dong),
        json!({ "note": "x" }),
    )
    .await
    .assert_problem(409, "visit_completed");
    app.post(
        &format!("/api/v1/visits/{visit}/complete"),
        Some(&w.far),
        json!({ "note": "x" }),
    )
    .await
    .assert_problem(404, "not_found");
}

both!(a_joint_visit_is_planned_then_recorded);

async fn a_coordinator_sees_what_an_override_overrules_and_may_reject_it(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "김민수", "1950-05-05", None).await;
    let oil = app
        .post_resource(&w.dong, json!({ "name": "연말 난방유", "category": "heating", "funding": "public", "unit": "드럼",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
        .await;
    let oil = oil.body["id"].as_str().unwrap().to_owned();
    let today = chrono::Utc::now().date_naive().to_string();
    let first = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": p, "granted_on": today, "quantity": 1 }),
        )
        .await;
    let first = first.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": oil, "person_id": p, "granted_on": today, "quantity": 1, "override": { "reason": "한파 추가 지원" } }))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let pending = r.body["id"].as_str().unwrap().to_owned();
    // The coordinator sees the conflict, the rule, the reason and who it is for (masked).
    let list = app
        .get(
            "/api/v1/allocations?status=pending_override",
            Some(&w.coord),
        )
        .await;
    let item = &list.body["items"][0];
    assert_eq!(item["override_reason"], "한파 추가 지원", "{}", list.text);
    assert_eq!(
        item["review"]["conflicts"][0]["allocation_id"],
        first.as_str()
    );
    assert_eq!(
        item["review"]["conflicts"][0]["provider_org_id"],
        w.d.dong.as_str()
    );
    assert_eq!(item["review"]["name_masked"], "김*수");
    assert_eq!(item["review"]["birth_year"], 1950);
    assert!(item["review"]["rule_ko"].is_string());
    assert!(!list.text.contains("김민수"));
    // Others do not get the review.
    let seen = app
        .get(&format!("/api/v1/allocations/{pending}"), Some(&w.welfare))
        .await;
    assert!(seen.body["review"].is_null(), "{}", seen.text);
    // The requester cannot decide its own override; the coordinator rejects it.
    app.post(
        &format!("/api/v1/allocations/{pending}/reject"),
        Some(&w.dong),
        json!({ "reason": "x" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let r = app
        .post(
            &format!("/api/v1/allocations/{pending}/reject"),
            Some(&w.coord),
            json!({ "reason": "같은 달 중복" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["cancel_reason"], "같은 달 중복");
    let n = app.get("/api/v1/notifications", Some(&w.dong)).await;
    assert!(
        n.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["event_type"] == "allocation.override_decided"
                && i["data"]["approved"] == false),
        "{}",
        n.text
    );
    app.post(
        &format!("/api/v1/allocations/{pending}/approve"),
        Some(&w.coord),
        json!({}),
    )
    .await
    .assert_problem(409, "invalid_allocation_transition");
}

both!(a_coordinator_sees_what_an_override_overrules_and_may_reject_it);

/// A referral that waits for its answer reminds both ends after `HAMKKE_REFERRAL_REMIND_DAYS`
/// and again every as many days while it waits; once answered it reminds no one; the job
/// reminds once however often it runs.
async fn a_waiting_referral_reminds_both_ends(b: Backend) {
    use hamkke_persistence::repo::referrals::remind_waiting;
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let person = app.person(&w.dong, "대기중", "1951-05-05", None).await;
    let case = app.case(&w.dong, &person).await;
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.dong),
            json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "정서지원" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let referral = r.body["id"].as_str().unwrap().to_owned();
    let remind = |days_later: i64| {
        let at = hamkke_domain::now() + chrono::Duration::days(days_later);
        app.db.run(move |c| remind_waiting(c, 7, at))
    };
    assert_eq!(remind(6).await.unwrap(), 0, "not yet a week");
    assert_eq!(remind(8).await.unwrap(), 1);
    assert_eq!(
        remind(8).await.unwrap(),
        0,
        "once per period, however often the job runs"
    );
    assert_eq!(remind(16).await.unwrap(), 1, "and again a period later");
    let told = |token: String| {
        let app = &app;
        async move {
            let n = app.get("/api/v1/notifications", Some(&token)).await;
            n.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["event_type"] == "referral.waiting")
                .map(|i| i["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let receiver = told(w.welfare.clone()).await;
    assert_eq!(receiver.len(), 2, "{receiver:?}");
    assert!(receiver.iter().any(|t| t.contains("8일째")), "{receiver:?}");
    assert_eq!(told(w.dong.clone()).await.len(), 2, "the sender too");
    let timeline = app
        .get(&format!("/api/v1/cases/{case}/timeline"), Some(&w.dong))
        .await;
    assert!(
        timeline.text.contains("\"referral_waiting\""),
        "{}",
        timeline.text
    );
    // Answered, it waits no more.
    let r = app
        .post(
            &format!("/api/v1/referrals/{referral}/decline"),
            Some(&w.welfare),
            json!({ "reason": "정원 초과" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(remind(40).await.unwrap(), 0);
}

both!(a_waiting_referral_reminds_both_ends);
