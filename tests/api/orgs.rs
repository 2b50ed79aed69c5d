//! Organizations.

use serde_json::json;

use crate::support::{oversized_body, Backend, District, TestApp, PASSWORD};

async fn system_admin_creates_and_reads_organizations(b: Backend) {
    let app = TestApp::new(b).await;
    let office = app.org("마포구청", "district_office", "11440", None).await;
    let hub = app.org("마포복지관", "welfare_center", "11440", None).await;
    let r = app
        .post(
            "/api/v1/organizations",
            Some(&app.admin_token),
            json!({ "name": "공덕동 주민센터", "kind": "dong_center", "district_code": "11440", "parent_id": office, "hub_org_id": hub }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["sector"], "public");
    assert_eq!(r.body["parent_id"], office.as_str());
    assert_eq!(r.body["hub_org_id"], hub.as_str());
    assert_eq!(r.header("etag"), Some("\"1\""));
    let id = r.body["id"].as_str().unwrap();
    let got = app
        .get(
            &format!("/api/v1/organizations/{id}"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["name"], "공덕동 주민센터");
    let hub_view = app
        .get(
            &format!("/api/v1/organizations/{hub}"),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(hub_view.body["sector"], "private");
}

async fn organization_links_follow_the_rules(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    let create = |body| app.post("/api/v1/organizations", Some(&app.admin_token), body);
    let r = create(json!({ "name": "x", "kind": "dong_center", "district_code": "11440" })).await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(
        r.field_errors(),
        vec![("parent_id".into(), "required".into())]
    );
    let r = create(json!({ "name": "x", "kind": "dong_center", "district_code": "11440", "parent_id": d.other_office })).await;
    assert_eq!(
        r.field_errors(),
        vec![("parent_id".into(), "invalid_reference".into())]
    );
    let r = create(json!({ "name": "x", "kind": "welfare_center", "district_code": "11440", "parent_id": d.office })).await;
    assert_eq!(
        r.field_errors(),
        vec![("parent_id".into(), "not_allowed".into())]
    );
    let r = create(json!({ "name": "x", "kind": "system", "district_code": "11440" })).await;
    r.assert_problem(400, "validation_failed");
    let r = create(json!({ "name": "x", "kind": "welfare_center", "district_code": "1144" })).await;
    assert_eq!(
        r.field_errors(),
        vec![("district_code".into(), "invalid_format".into())]
    );
}

async fn organization_bodies_are_strict(b: Backend) {
    let app = TestApp::new(b).await;
    let create = |body| app.post("/api/v1/organizations", Some(&app.admin_token), body);
    let r = create(json!({ "name": "x", "kind": "welfare_center", "district_code": "11440", "sector": "public" })).await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(
        r.field_errors(),
        vec![("sector".into(), "unknown_field".into())]
    );
    let r = create(json!({ "name": "x", "kind": "castle", "district_code": "11440" })).await;
    assert_eq!(r.field_errors()[0], ("kind".into(), "invalid_value".into()));
    let r = create(json!({ "name": 42, "kind": "welfare_center", "district_code": "11440" })).await;
    assert_eq!(r.field_errors()[0], ("name".into(), "invalid_type".into()));
    let r = create(json!({ "kind": "welfare_center", "district_code": "11440" })).await;
    assert_eq!(r.field_errors()[0], ("name".into(), "required".into()));
    let r = create(
        json!({ "name": "x".repeat(201), "kind": "welfare_center", "district_code": "11440" }),
    )
    .await;
    assert_eq!(r.field_errors()[0], ("name".into(), "length".into()));
    let r = create(json!({ "id": "01a2011b-0c7a-75a9-8c6d-20e50d07519d", "name": "x", "kind": "welfare_center", "district_code": "11440" })).await;
    assert_eq!(r.field_errors()[0], ("id".into(), "unknown_field".into()));
    create(oversized_body())
        .await
        .assert_problem(413, "payload_too_large");
    let list = app
        .get("/api/v1/organizations", Some(&app.admin_token))
        .await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        0,
        "bad input changed nothing: {}",
        list.text
    );
}

async fn district_offices_are_the_system_admins_and_districts_are_walled(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    app.user("coord", &d.office, "coordinator").await;
    app.user("dong.worker", &d.dong, "caseworker").await;
    let coord = app.login("coord", PASSWORD).await;
    let worker = app.login("dong.worker", PASSWORD).await;
    let r = app
        .post(
            "/api/v1/organizations",
            Some(&coord),
            json!({ "name": "x", "kind": "district_office", "district_code": "11440" }),
        )
        .await;
    r.assert_problem(403, "forbidden");
    let r = app
        .post(
            "/api/v1/organizations",
            Some(&worker),
            json!({ "name": "x", "kind": "welfare_center", "district_code": "11440" }),
        )
        .await;
    r.assert_problem(403, "forbidden");
    let list = app.get("/api/v1/organizations", Some(&coord)).await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&d.dong.as_str()) && ids.contains(&d.welfare.as_str()));
    assert!(
        !ids.contains(&d.other_office.as_str()),
        "another district leaked: {ids:?}"
    );
    app.get(
        &format!("/api/v1/organizations/{}", d.other_office),
        Some(&coord),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(
        app.get(&format!("/api/v1/organizations/{}", d.dong), Some(&worker))
            .await
            .status,
        200
    );
    // A dong centre's admin linking it to another district's organization gets the answer of
    // an id that does not exist: nothing tells it the id is real.
    app.user("dong.admin", &d.dong, "org_admin").await;
    let dong_admin = app.login("dong.admin", PASSWORD).await;
    let dong_path = format!("/api/v1/organizations/{}", d.dong);
    for hub in [d.other_office.clone(), uuid::Uuid::now_v7().to_string()] {
        let version = app.get(&dong_path, Some(&dong_admin)).await.body["version"].to_string();
        let r = app
            .patch(
                &dong_path,
                Some(&dong_admin),
                Some(&format!("\"{version}\"")),
                json!({ "hub_org_id": hub }),
            )
            .await;
        r.assert_problem(404, "not_found");
        assert_eq!(
            r.field_errors(),
            vec![("hub_org_id".into(), "invalid_reference".into())],
            "{}",
            r.text
        );
    }
    let denied = app.audit_events("denied").await;
    assert!(
        denied.iter().any(|e| e.resource_type == "organization"),
        "denials are audited"
    );
}

async fn organization_updates_need_the_current_version(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    let path = format!("/api/v1/organizations/{}", d.welfare);
    let body = json!({ "name": "마포종합사회복지관" });
    let r = app
        .patch(&path, Some(&app.admin_token), Some("seven"), body.clone())
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("If-Match".into(), "invalid_format".into())],
        "{}",
        r.text
    );
    app.patch(&path, Some(&app.admin_token), None, body.clone())
        .await
        .assert_problem(428, "precondition_required");
    app.patch(&path, Some(&app.admin_token), Some("\"7\""), body.clone())
        .await
        .assert_problem(412, "precondition_failed");
    let r = app
        .patch(&path, Some(&app.admin_token), Some("\"1\""), body.clone())
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.body["name"], "마포종합사회복지관");
    app.patch(&path, Some(&app.admin_token), Some("\"1\""), body)
        .await
        .assert_problem(412, "precondition_failed");
    // An org admin may rename its own organization but not another.
    app.user("wadmin", &d.welfare, "org_admin").await;
    let wadmin = app.login("wadmin", PASSWORD).await;
    let r = app
        .patch(
            &path,
            Some(&wadmin),
            Some("\"2\""),
            json!({ "name": "마포복지관" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.patch(
        &format!("/api/v1/organizations/{}", d.dong),
        Some(&wadmin),
        Some("\"1\""),
        json!({ "name": "x" }),
    )
    .await
    .assert_problem(403, "forbidden");
    // A dong centre's hub can be set and cleared.
    let dong = format!("/api/v1/organizations/{}", d.dong);
    let r = app
        .patch(
            &dong,
            Some(&app.admin_token),
            Some("\"1\""),
            json!({ "hub_org_id": d.welfare }),
        )
        .await;
    assert_eq!(r.body["hub_org_id"], d.welfare.as_str(), "{}", r.text);
    let r = app
        .patch(
            &dong,
            Some(&app.admin_token),
            Some("\"2\""),
            json!({ "hub_org_id": null }),
        )
        .await;
    assert!(r.body["hub_org_id"].is_null(), "{}", r.text);
}

async fn organization_listing_pages_with_a_cursor(b: Backend) {
    let app = TestApp::new(b).await;
    for i in 0..5 {
        app.org(&format!("복지관 {i}"), "welfare_center", "11440", None)
            .await;
    }
    let first = app
        .get("/api/v1/organizations?limit=2", Some(&app.admin_token))
        .await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let mut seen = 2;
    let mut cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    loop {
        let page = app
            .get(
                &format!("/api/v1/organizations?limit=2&cursor={cursor}"),
                Some(&app.admin_token),
            )
            .await;
        seen += page.body["items"].as_array().unwrap().len();
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 5);
    app.get("/api/v1/organizations?limit=0", Some(&app.admin_token))
        .await
        .assert_problem(400, "validation_failed");
    app.get("/api/v1/organizations?limit=201", Some(&app.admin_token))
        .await
        .assert_problem(400, "validation_failed");
    app.get("/api/v1/organizations?cursor=%%%", Some(&app.admin_token))
        .await
        .assert_problem(400, "validation_failed");
    app.get("/api/v1/organizations?kind=castle", Some(&app.admin_token))
        .await
        .assert_problem(400, "validation_failed");
    app.get("/api/v1/organizations?colour=red", Some(&app.admin_token))
        .await
        .assert_problem(400, "validation_failed");
    let filtered = app
        .get(
            "/api/v1/organizations?kind=dong_center",
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(filtered.body["items"].as_array().unwrap().len(), 0);
}

both!(
    system_admin_creates_and_reads_organizations,
    organization_links_follow_the_rules,
    organization_bodies_are_strict,
    district_offices_are_the_system_admins_and_districts_are_walled,
    organization_updates_need_the_current_version,
    organization_listing_pages_with_a_cursor,
);
