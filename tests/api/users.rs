//! User accounts: creation, password policy, roles, transfers, and what org admins may not do.

use serde_json::json;

use crate::support::{Backend, District, TestApp, PASSWORD};

async fn system_admin_creates_users_without_echoing_secrets(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    // (the organization's first account is an activation code: see below)
    app.user("first.welfare", &d.welfare, "org_admin").await;
    let r = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({ "username": "choi.welfare", "display_name": "최사례", "password": PASSWORD, "org_id": d.welfare, "role": "caseworker" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["username"], "choi.welfare");
    assert_eq!(r.body["org_id"], d.welfare.as_str());
    assert_eq!(r.body["active"], true);
    assert!(
        !r.text.contains(PASSWORD)
            && !r.text.contains("argon2")
            && r.body.get("password").is_none()
    );
    let id = r.body["id"].as_str().unwrap();
    let got = app
        .get(&format!("/api/v1/users/{id}"), Some(&app.admin_token))
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("etag"), Some("\"1\""));
    let dup = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({ "username": "choi.welfare", "display_name": "x", "password": PASSWORD, "org_id": d.welfare, "role": "caseworker" }),
        )
        .await;
    dup.assert_problem(409, "username_taken");
}

async fn password_policy_is_enforced(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    app.user("first.dong", &d.dong, "caseworker").await;
    let create = |username: &str, password: &str| {
        app.post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({ "username": username, "display_name": "x", "password": password, "org_id": d.dong, "role": "caseworker" }),
        )
    };
    for (pw, code) in [
        ("short-pw", "too_short"),
        ("1q2w3e4r5t", "too_common"),
        ("password123", "too_common"),
        ("han.minsu-2026!", "contains_username"),
    ] {
        let r = create("han.minsu", pw).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(
            r.field_errors(),
            vec![("password".to_owned(), code.to_owned())],
            "{pw}"
        );
        assert!(!r.text.contains(pw), "the password must not be echoed");
    }
    let r = create("Bad Name", PASSWORD).await;
    assert_eq!(
        r.field_errors(),
        vec![("username".into(), "invalid_format".into())]
    );
    let r = create("han.minsu", PASSWORD).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn roles_must_fit_the_organization(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    app.user("first.office", &d.office, "caseworker").await;
    let create = |role: &str, org: &str| {
        app.post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({ "username": format!("u.{role}"), "display_name": "x", "password": PASSWORD, "org_id": org, "role": role }),
        )
    };
    let r = create("coordinator", &d.welfare).await;
    assert_eq!(
        r.field_errors(),
        vec![("role".into(), "role_not_allowed_in_org".into())]
    );
    let r = create("system_admin", &d.dong).await;
    assert_eq!(
        r.field_errors(),
        vec![("role".into(), "role_not_allowed_in_org".into())]
    );
    let r = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({ "username": "ghost", "display_name": "x", "password": PASSWORD, "org_id": "01a2011b-0c7a-75a9-8c6d-20e50d07519d", "role": "caseworker" }),
        )
        .await;
    assert_eq!(
        r.field_errors(),
        vec![("org_id".into(), "invalid_reference".into())]
    );
    assert_eq!(create("coordinator", &d.office).await.status, 201);
}

async fn org_admin_cannot_escalate(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    app.user("w.admin", &d.welfare, "org_admin").await;
    let admin = app.login("w.admin", PASSWORD).await;
    let create = |role: &str, org: &str, name: &str| {
        app.post(
            "/api/v1/users",
            Some(&admin),
            json!({ "username": name, "display_name": "x", "password": PASSWORD, "org_id": org, "role": role }),
        )
    };
    for role in ["system_admin", "coordinator", "auditor"] {
        create(role, &d.welfare, &format!("esc.{role}"))
            .await
            .assert_problem(403, "forbidden");
    }
    create("caseworker", &d.dong, "elsewhere")
        .await
        .assert_problem(403, "forbidden");
    let r = create("caseworker", &d.welfare, "w.worker").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let worker = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/users/{worker}");
    for body in [
        json!({ "role": "coordinator" }),
        json!({ "role": "system_admin" }),
        json!({ "role": "auditor" }),
        json!({ "org_id": d.dong }),
    ] {
        app.patch(&path, Some(&admin), Some("\"1\""), body)
            .await
            .assert_problem(403, "forbidden");
    }
    let r = app
        .patch(
            &path,
            Some(&admin),
            Some("\"1\""),
            json!({ "role": "supervisor" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Nobody changes their own access, and a user of another organization is not reachable.
    let me = app.get("/api/v1/me", Some(&admin)).await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.patch(
        &format!("/api/v1/users/{me}"),
        Some(&admin),
        Some("\"1\""),
        json!({ "role": "supervisor" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let dong_user = app.user("d.worker", &d.dong, "caseworker").await;
    app.patch(
        &format!("/api/v1/users/{dong_user}"),
        Some(&admin),
        Some("\"1\""),
        json!({ "active": false }),
    )
    .await
    .assert_problem(404, "not_found");
    assert!(
        app.audit_events("denied").await.len() >= 6,
        "escalation attempts are audited"
    );
    let report = app.audit_report().await;
    assert_eq!(report.first_broken_seq, None);
}

async fn transfer_moves_a_user_and_ends_its_sessions(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    let id = app.user("moving", &d.dong, "caseworker").await;
    let token = app.login("moving", PASSWORD).await;
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            Some(&app.admin_token),
            Some("\"1\""),
            json!({ "org_id": d.welfare, "display_name": "이동" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["org_id"], d.welfare.as_str());
    assert_eq!(r.body["version"], 2);
    app.get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "session_ended");
    let token = app.login("moving", PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.body["organization"]["id"],
        d.welfare.as_str()
    );
}

async fn users_see_only_whom_their_role_allows(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    let worker = app.user("dong.a", &d.dong, "caseworker").await;
    let other = app.user("dong.b", &d.dong, "caseworker").await;
    app.user("coord", &d.office, "coordinator").await;
    let foreign = app.user("jongno", &d.other_office, "caseworker").await;
    let w = app.login("dong.a", PASSWORD).await;
    let list = app.get("/api/v1/users", Some(&w)).await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        1,
        "a caseworker lists only itself: {}",
        list.text
    );
    assert_eq!(items[0]["id"], worker.as_str());
    app.get(&format!("/api/v1/users/{other}"), Some(&w))
        .await
        .assert_problem(404, "not_found");
    let c = app.login("coord", PASSWORD).await;
    let list = app.get("/api/v1/users?limit=200", Some(&c)).await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&worker.as_str()) && ids.contains(&other.as_str()));
    assert!(!ids.contains(&foreign.as_str()));
    app.get(&format!("/api/v1/users/{foreign}"), Some(&c))
        .await
        .assert_problem(404, "not_found");
}

/// A coordinator cannot take over a private organization's account: no password reset, no
/// promotion to org admin, no move of a known account into a welfare centre; a dong centre's
/// worker it may reset (temporary: to be changed at the next login).
async fn coordinators_cannot_take_over_private_accounts(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    let welfare_worker = app.user("wel.case", &d.welfare, "caseworker").await;
    let welfare_admin = app.user("wel.admin", &d.welfare, "org_admin").await;
    let dong_worker = app.user("dong.case", &d.dong, "caseworker").await;
    app.user("dong.admin", &d.dong, "org_admin").await;
    app.user("coord", &d.office, "coordinator").await;
    let c = app.login("coord", PASSWORD).await;
    let new_password = "another-horse-battery-9";
    for target in [&welfare_worker, &welfare_admin] {
        app.patch(
            &format!("/api/v1/users/{target}"),
            Some(&c),
            Some("\"1\""),
            json!({ "password": new_password }),
        )
        .await
        .assert_problem(403, "forbidden");
    }
    app.patch(
        &format!("/api/v1/users/{welfare_worker}"),
        Some(&c),
        Some("\"1\""),
        json!({ "role": "org_admin" }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.patch(
        &format!("/api/v1/users/{dong_worker}"),
        Some(&c),
        Some("\"1\""),
        json!({ "org_id": d.welfare }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.patch(
        &format!("/api/v1/users/{dong_worker}"),
        Some(&c),
        Some("\"1\""),
        json!({ "role": "org_admin" }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/users",
        Some(&c),
        json!({ "username": "planted", "display_name": "x", "password": PASSWORD, "org_id": d.welfare, "role": "caseworker" }),
    )
    .await
    .assert_problem(403, "forbidden");
    // The welfare centre's password still works; the dong worker's reset does.
    app.login("wel.case", PASSWORD).await;
    let r = app
        .patch(
            &format!("/api/v1/users/{dong_worker}"),
            Some(&c),
            Some("\"1\""),
            json!({ "password": new_password }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The reset is temporary, audited, and told to the dong centre's admins (only them).
    let dong_admin = app.login("dong.admin", PASSWORD).await;
    let reset = app.login("dong.case", new_password).await;
    app.get("/api/v1/cases", Some(&reset))
        .await
        .assert_problem(403, "password_change_required");
    let told = |token: String| {
        let app = &app;
        async move {
            let n = app.get("/api/v1/notifications", Some(&token)).await;
            n.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["event_type"] == "user.password_reset")
        }
    };
    assert!(told(dong_admin).await);
    assert!(!told(app.login("wel.admin", PASSWORD).await).await);
    let audited = app.audit_events("update").await;
    assert!(audited.iter().any(|e| e.resource_type == "user"
        && e.resource_id.as_deref() == Some(dong_worker.as_str())
        && e.details
            .as_deref()
            .is_some_and(|d| d.contains("password_reset"))));
    // Nobody but a system administrator makes an org admin, not even an org admin.
    let admin = app.login("wel.admin", PASSWORD).await;
    app.patch(
        &format!("/api/v1/users/{welfare_worker}"),
        Some(&admin),
        Some("\"1\""),
        json!({ "role": "org_admin" }),
    )
    .await
    .assert_problem(403, "forbidden");
}

both!(
    coordinators_cannot_take_over_private_accounts,
    system_admin_creates_users_without_echoing_secrets,
    password_policy_is_enforced,
    roles_must_fit_the_organization,
    org_admin_cannot_escalate,
    transfer_moves_a_user_and_ends_its_sessions,
    users_see_only_whom_their_role_allows,
);

/// The first accounts of an organization are one-time activation codes: the creator never
/// knows the password; the code works once, for 72 hours, and a wrong one tells nothing.
async fn first_accounts_are_activation_codes(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    let org = app
        .post(
            "/api/v1/organizations",
            Some(&app.admin_token),
            json!({ "name": "새 복지관", "kind": "welfare_center", "district_code": "11440" }),
        )
        .await;
    let org = org.body["id"].as_str().unwrap().to_owned();
    // A password chosen by the creator is refused for the first account.
    let r = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({ "username": "new.admin", "display_name": "새 관리자", "password": PASSWORD, "org_id": org, "role": "org_admin" }),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(
        r.field_errors(),
        vec![("password".into(), "not_allowed".into())]
    );
    let r = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({ "username": "new.admin", "display_name": "새 관리자", "org_id": org, "role": "org_admin" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let code = r.body["activation_code"].as_str().unwrap().to_owned();
    assert!(r.body["activation_expires_at"].is_string());
    // Nothing logs in before activation; the code is not shown again.
    let login = app.login_raw("new.admin", PASSWORD).await;
    assert_eq!(login.status, 401);
    let id = r.body["id"].as_str().unwrap();
    let shown = app
        .get(&format!("/api/v1/users/{id}"), Some(&app.admin_token))
        .await;
    assert!(
        shown.body.get("activation_code").is_none(),
        "{}",
        shown.text
    );
    let activate = |code: String, password: &'static str| {
        app.post(
            "/api/v1/auth/activate",
            None,
            json!({ "username": "new.admin", "activation_code": code, "password": password }),
        )
    };
    let wrong = activate("AAAAA-BBBBB-CCCCC-DDDDD".into(), "a-fresh-password-22").await;
    wrong.assert_problem(400, "validation_failed");
    assert_eq!(
        wrong.field_errors(),
        vec![("activation_code".into(), "activation_invalid".into())]
    );
    // Typed in lower case, without dashes: the same code.
    let typed = code.replace('-', "").to_lowercase();
    assert_eq!(activate(typed, "a-fresh-password-22").await.status, 204);
    app.login("new.admin", "a-fresh-password-22").await;
    // Once only.
    let again = activate(code.clone(), "another-password-33").await;
    assert_eq!(
        again.field_errors(),
        vec![("activation_code".into(), "activation_invalid".into())]
    );
    // Later accounts may be created either way; an expired code is refused like a wrong one.
    let r = app
        .post(
            "/api/v1/users",
            Some(&app.admin_token),
            json!({ "username": "late.worker", "display_name": "x", "org_id": d.welfare, "role": "caseworker" }),
        )
        .await;
    let late = r.body["activation_code"].as_str().unwrap().to_owned();
    app.db
        .run(|c| {
            use diesel::prelude::*;
            use hamkke_persistence::schema::users;
            let past = (chrono::Utc::now() - chrono::Duration::hours(1)).naive_utc();
            diesel::update(users::table.filter(users::username.eq("late.worker")))
                .set(users::activation_expires_at.eq(Some(past)))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let expired = app
        .post(
            "/api/v1/auth/activate",
            None,
            json!({ "username": "late.worker", "activation_code": late, "password": "a-fresh-password-44" }),
        )
        .await;
    assert_eq!(
        expired.field_errors(),
        vec![("activation_code".into(), "activation_invalid".into())]
    );
}

both!(first_accounts_are_activation_codes);
