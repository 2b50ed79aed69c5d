//! Login, lockout, refresh rotation, logout and `/me`.

use serde_json::json;

use crate::support::{Backend, District, TestApp, PASSWORD};

async fn login_issues_short_lived_tokens_and_me_shows_the_caller(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    app.user("kim.dong", &d.dong, "caseworker").await;
    let r = app.login_raw("kim.dong", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["token_type"], "Bearer");
    let expires_in = r.body["expires_in"].as_i64().unwrap();
    assert!(expires_in > 0 && expires_in <= 900);
    assert!(r.body["refresh_token"].as_str().unwrap().len() >= 40);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let token = r.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["user"]["username"], "kim.dong");
    assert_eq!(me.body["user"]["role"], "caseworker");
    assert_eq!(me.body["organization"]["id"], d.dong.as_str());
    assert_eq!(me.body["organization"]["sector"], "public");
    assert!(me.body["user"].get("password_hash").is_none());
    assert!(!me.text.contains("argon2"));
}

async fn unknown_user_and_wrong_password_get_the_same_answer(b: Backend) {
    let app = TestApp::new(b).await;
    let unknown = app.login_raw("nobody", "whatever-password").await;
    let wrong = app.login_raw("root", "wrong-password-1").await;
    unknown.assert_problem(401, "invalid_credentials");
    wrong.assert_problem(401, "invalid_credentials");
    assert_eq!(unknown.body, wrong.body);
    let failures = app.audit_events("login").await;
    let reasons: Vec<String> = failures.iter().filter_map(|e| e.details.clone()).collect();
    assert!(
        reasons.iter().any(|d| d.contains("unknown_user")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|d| d.contains("bad_password")),
        "{reasons:?}"
    );
    assert!(reasons
        .iter()
        .all(|d| !d.contains("whatever-password") && !d.contains("wrong-password")));
}

async fn five_wrong_passwords_lock_the_account(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    app.user("lee.locked", &d.welfare, "caseworker").await;
    for _ in 0..4 {
        app.login_raw("lee.locked", "not-the-password")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    // Four failures: the right password still works and resets the count.
    app.login("lee.locked", PASSWORD).await;
    for _ in 0..5 {
        app.login_raw("lee.locked", "not-the-password")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    // Locked now: even the right password is refused, with the same answer.
    app.login_raw("lee.locked", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    let users = app
        .get("/api/v1/users?role=caseworker", Some(&app.admin_token))
        .await;
    let locked = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "lee.locked")
        .unwrap();
    assert!(locked["locked_until"].is_string(), "{locked}");
}

async fn refresh_rotates_and_reuse_revokes_the_family(b: Backend) {
    let app = TestApp::new(b).await;
    let first = app.login_raw("root", PASSWORD).await;
    let r1 = first.body["refresh_token"].as_str().unwrap().to_owned();
    let second = app
        .post("/api/v1/auth/refresh", None, json!({ "refresh_token": r1 }))
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    let r2 = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    let access2 = second.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&access2)).await.status, 200);
    // The spent token again: reuse is detected and the whole family ends.
    app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": r1 }))
        .await
        .assert_problem(401, "refresh_token_reused");
    app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": r2 }))
        .await
        .assert_problem(401, "invalid_refresh_token");
    app.get("/api/v1/me", Some(&access2))
        .await
        .assert_problem(401, "session_ended");
    // Other sessions of the same user are untouched.
    assert_eq!(
        app.get("/api/v1/me", Some(&app.admin_token)).await.status,
        200
    );
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({ "refresh_token": "made-up" }),
    )
    .await
    .assert_problem(401, "invalid_refresh_token");
}

async fn logout_ends_the_session(b: Backend) {
    let app = TestApp::new(b).await;
    let login = app.login_raw("root", PASSWORD).await;
    let access = login.body["access_token"].as_str().unwrap();
    let refresh = login.body["refresh_token"].as_str().unwrap();
    let out = app
        .post("/api/v1/auth/logout", Some(access), json!({}))
        .await;
    assert_eq!(out.status, 204, "{}", out.text);
    app.get("/api/v1/me", Some(access))
        .await
        .assert_problem(401, "session_ended");
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({ "refresh_token": refresh }),
    )
    .await
    .assert_problem(401, "invalid_refresh_token");
}

async fn disabling_or_changing_role_invalidates_tokens_at_once(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    let id = app.user("park.sup", &d.welfare, "supervisor").await;
    let token = app.login("park.sup", PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            Some(&app.admin_token),
            Some("\"1\""),
            json!({ "role": "caseworker" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "session_ended");
    let token = app.login("park.sup", PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.body["user"]["role"],
        "caseworker"
    );
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            Some(&app.admin_token),
            Some("\"2\""),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "session_ended");
    app.login_raw("park.sup", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
}

async fn login_is_rate_limited_per_address(b: Backend) {
    let app = TestApp::with_config(b, |c| c.login_per_minute = 3).await;
    // One attempt was spent by the harness logging in the admin.
    for _ in 0..2 {
        app.login_raw("root", "wrong-password-x")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let limited = app.login_raw("root", PASSWORD).await;
    limited.assert_problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
}

async fn login_is_rate_limited_per_username(b: Backend) {
    let app = TestApp::with_config(b, |c| c.login_per_username_per_minute = 3).await;
    for _ in 0..3 {
        app.login_raw("nobody.here", "wrong-password-x")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    // Spelling the name differently does not get round the limit.
    let limited = app.login_raw(" Nobody.Here", "wrong-password-x").await;
    limited.assert_problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
    // Other accounts are not affected.
    let r = app.login_raw("root", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn login_rejects_malformed_bodies(b: Backend) {
    let app = TestApp::new(b).await;
    let r = app
        .post("/api/v1/auth/token", None, json!({ "username": "root" }))
        .await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(
        r.field_errors(),
        vec![("password".to_owned(), "required".to_owned())]
    );
    let r = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": 5, "password": "x" }),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(r.field_errors()[0].1, "invalid_type");
    let r = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": "a".repeat(65), "password": "x" }),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(r.field_errors()[0].0, "username");
}

both!(
    login_issues_short_lived_tokens_and_me_shows_the_caller,
    unknown_user_and_wrong_password_get_the_same_answer,
    five_wrong_passwords_lock_the_account,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_ends_the_session,
    disabling_or_changing_role_invalidates_tokens_at_once,
    login_is_rate_limited_per_address,
    login_is_rate_limited_per_username,
    login_rejects_malformed_bodies,
);

async fn an_idle_session_ends_when_its_refresh_token_expires(b: Backend) {
    let app = TestApp::with_config(b, |c| c.refresh_ttl_secs = 1).await;
    let login = app.login_raw("root", PASSWORD).await;
    assert_eq!(login.body["refresh_expires_in"], 1);
    let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    crate::support::sleep(1500).await;
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({ "refresh_token": refresh }),
    )
    .await
    .assert_problem(401, "invalid_refresh_token");
}

both!(an_idle_session_ends_when_its_refresh_token_expires);

/// A whole office behind one address logs in at once: every attempt is counted, none is
/// refused for the contention, and the one past the limit is.
async fn simultaneous_logins_are_all_counted(b: Backend) {
    let app = TestApp::with_config(b, |c| c.login_per_minute = 12).await;
    // The test app's own login of its administrator was the first of the twelve.
    let attempts = (0..11).map(|_| app.login_raw("root", PASSWORD));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.status.as_u16())
        .collect();
    assert_eq!(statuses, vec![200; 11]);
    app.login_raw("root", PASSWORD)
        .await
        .assert_problem(429, "rate_limited");
}

both!(simultaneous_logins_are_all_counted);

/// The session is confirmed inside the handler's own database call, so a request whose path,
/// query or body is refused before any handler ran must still be confirmed before it answers:
/// a logged-out caller learns nothing from validation errors, and a temporary password still
/// blocks everything but changing it.
async fn a_dead_session_learns_nothing_from_bad_input(b: Backend) {
    use actix_web::http::Method;
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    let id = app.user("mapo.w", &d.dong, "caseworker").await;
    let token = app.login("mapo.w", PASSWORD).await;
    // Alive: the bad input is what is wrong.
    app.get("/api/v1/cases/not-a-uuid", Some(&token))
        .await
        .assert_problem(400, "invalid_path");
    let out = app
        .post("/api/v1/auth/logout", Some(&token), json!({}))
        .await;
    assert_eq!(out.status, 204, "{}", out.text);
    let bad_body = TestApp::req(Method::POST, "/api/v1/allocations/check", Some(&token))
        .insert_header(("content-type", "application/json"))
        .set_payload("{\"resource_id\": ");
    app.send(bad_body)
        .await
        .assert_problem(401, "session_ended");
    for path in [
        "/api/v1/cases/not-a-uuid",
        "/api/v1/cases?status=bogus",
        "/api/v1/persons?q=%00",
        "/api/v1/cases",
    ] {
        app.get(path, Some(&token))
            .await
            .assert_problem(401, "session_ended");
    }
    let r = app
        .post("/api/v1/allocations/check", Some(&token), json!({ "x": 1 }))
        .await;
    r.assert_problem(401, "session_ended");
    // A bad declared purpose: refused as a caller first.
    app.send(
        TestApp::req(Method::GET, "/api/v1/cases", Some(&token))
            .insert_header(("x-access-purpose", "curiosity")),
    )
    .await
    .assert_problem(401, "session_ended");
    // Known path, other method: refused as a caller first.
    app.send(TestApp::req(Method::DELETE, "/api/v1/cases", Some(&token)))
        .await
        .assert_problem(401, "session_ended");
    // An unknown path is still 404 to anyone.
    assert_eq!(
        app.get("/api/v1/no-such-thing", Some(&token)).await.status,
        404
    );
    // A temporary password: refused before the bad input too.
    let reset = app
        .patch(
            &format!("/api/v1/users/{id}"),
            Some(&app.admin_token),
            Some("\"1\""),
            json!({ "password": "temporary-pass-2026" }),
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    let temp = app.login("mapo.w", "temporary-pass-2026").await;
    for path in ["/api/v1/cases/not-a-uuid", "/api/v1/cases?status=bogus"] {
        app.get(path, Some(&temp))
            .await
            .assert_problem(403, "password_change_required");
    }
}

both!(a_dead_session_learns_nothing_from_bad_input);
