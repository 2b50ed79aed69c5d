//! The JSON of the main views, as snapshots (`tests/api/snapshots/`, reviewed in diffs; ids,
//! times and case numbers redacted by `support::stable`). Both backends answer the same
//! snapshot. A change to a view shows up here; `INSTA_UPDATE=always` (or `cargo insta
//! review`) accepts it.

use crate::support::{stable, Backend, Shared, TestApp};

async fn the_main_views_read_the_same_everywhere(b: Backend) {
    let app = TestApp::new(b).await;
    let s = Shared::create(&app).await;
    let w = &s.w;
    let snap = |name: &str, r: &crate::support::Resp| {
        assert_eq!(r.status, 200, "{name}: {}", r.text);
        insta::assert_json_snapshot!(name.to_owned(), stable(&r.body));
    };
    // The case, as its lead and as a participant read it.
    snap(
        "case_as_lead",
        &app.get(&format!("/api/v1/cases/{}", s.case), Some(&w.dong))
            .await,
    );
    snap(
        "case_timeline",
        &app.get(
            &format!("/api/v1/cases/{}/timeline", s.case),
            Some(&w.welfare),
        )
        .await,
    );
    // The person: full for the registering organization and the one the consent names,
    // redacted for the district's coordinator.
    snap(
        "person_full",
        &app.get(&format!("/api/v1/persons/{}", s.person), Some(&w.welfare))
            .await,
    );
    snap(
        "person_redacted",
        &app.get(&format!("/api/v1/persons/{}", s.person), Some(&w.coord))
            .await,
    );
    // The start of a caseworker's day.
    snap(
        "worklist",
        &app.get("/api/v1/me/worklist", Some(&w.dong)).await,
    );
}

both!(the_main_views_read_the_same_everywhere);

/// The minutes as printed, Korean by default and English on request: decisions, closing
/// reasons, headings and roles in the reader's language, a change of lead naming the new lead,
/// and a case the reader may not open listed by number with its lead's name.
async fn minutes_read_in_the_readers_language(b: Backend) {
    use serde_json::json;
    let app = TestApp::new(b).await;
    let s = Shared::create(&app).await;
    let w = &s.w;
    // A second case the welfare centre has no part in.
    let other = app.person(&w.dong, "이둘", "1950-01-01", None).await;
    let other_case = app.case(&w.dong, &other).await;
    for to in ["intake", "assessing", "awaiting_meeting"] {
        let r = app
            .post(
                &format!("/api/v1/cases/{other_case}/transitions"),
                Some(&w.dong),
                json!({ "to": to }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let m = app
        .post(
            "/api/v1/meetings",
            Some(&w.dong),
            json!({ "kind": "assessment", "title": "12월 통합사례회의", "scheduled_at": "2026-12-01T05:00:00Z", "location": "공덕동 주민센터 2층",
                    "participant_user_ids": [w.welfare_user],
                    "external_participants": [{ "name": "박외부", "organization": "마포경찰서", "role": "경찰관" }] }),
        )
        .await;
    assert_eq!(m.status, 201, "{}", m.text);
    let m = format!("/api/v1/meetings/{}", m.body["id"].as_str().unwrap());
    for case in [&s.case, &other_case] {
        let r = app
            .post(
                &format!("{m}/agenda"),
                Some(&w.dong),
                json!({ "case_id": case }),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
    }
    for body in [
        json!({ "case_id": s.case, "decision": "change_lead", "lead_org_id": w.d.welfare, "notes": "복지관이 주 사례관리",
                "action_items": [{ "assignee_user_id": w.welfare_user, "description": "서비스 계획 수립", "due_on": "2026-12-24" }] }),
        json!({ "case_id": other_case, "decision": "close", "closing_reason": "goal_achieved", "notes": "목표 달성" }),
    ] {
        let r = app
            .post(&format!("{m}/decisions"), Some(&w.dong), body)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = app
        .post(
            &format!("{m}/finalize"),
            Some(&w.dong),
            json!({ "minutes": "2건 심의", "attendance": [{ "user_id": w.welfare_user, "attended": true }] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let minutes = |token: &str, lang: Option<&str>| {
        let mut req = TestApp::req(
            actix_web::http::Method::GET,
            &format!("{m}/minutes"),
            Some(token),
        );
        if let Some(l) = lang {
            req = req.insert_header(("accept-language", l));
        }
        app.send(req)
    };
    let mut numbers = Vec::new();
    for case in [&s.case, &other_case] {
        let r = app
            .get(&format!("/api/v1/cases/{case}"), Some(&w.dong))
            .await;
        numbers.push(r.body["case_no"].as_str().unwrap().to_owned());
    }
    let case_nos = |html: &str| {
        numbers
            .iter()
            .enumerate()
            .fold(html.to_owned(), |h, (i, n)| {
                h.replace(n, &format!("[case_no {}]", i + 1))
            })
    };
    // The welfare centre reads it: the closed case is not its own.
    let ko = minutes(&w.welfare, None).await;
    assert_eq!(ko.status, 200, "{}", ko.text);
    assert_eq!(ko.header("content-language"), Some("ko"));
    insta::assert_snapshot!("minutes_ko", case_nos(&ko.text));
    let en = minutes(&w.welfare, Some("en")).await;
    assert_eq!(en.header("content-language"), Some("en"));
    insta::assert_snapshot!("minutes_en", case_nos(&en.text));
}

both!(minutes_read_in_the_readers_language);
