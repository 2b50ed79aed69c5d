//! Access-token validation: expiry, tampering, algorithm, audience, issuer, `alg: none`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::support::{Backend, TestApp, TEST_SECRET};

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(alg: Algorithm, claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn forged_and_stale_tokens_are_refused(b: Backend) {
    let app = TestApp::new(b).await;
    let real = claims_of(&app.admin_token);
    for key in [
        "sub", "org", "role", "sid", "iss", "aud", "exp", "nbf", "iat", "jti",
    ] {
        assert!(real.get(key).is_some(), "claim {key} missing from {real}");
    }
    let now = chrono::Utc::now().timestamp();
    let app = &app;
    let me = |t: String| async move { app.get("/api/v1/me", Some(&t)).await };

    // Control: the same claims, properly signed, are accepted, so each refusal below is
    // caused by the one thing that differs.
    assert_eq!(
        me(sign(Algorithm::HS256, &real, TEST_SECRET)).await.status,
        200
    );

    let with = |k: &str, v: Value| {
        let mut c = real.clone();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = real.clone();
        c.as_object_mut().unwrap().remove(k);
        c
    };
    // Expired beyond the 30 s leeway.
    me(sign(
        Algorithm::HS256,
        &with("exp", json!(now - 120)),
        TEST_SECRET,
    ))
    .await
    .assert_problem(401, "token_expired");
    // Within the leeway it still works.
    assert_eq!(
        me(sign(
            Algorithm::HS256,
            &with("exp", json!(now - 5)),
            TEST_SECRET
        ))
        .await
        .status,
        200
    );
    // Not yet valid.
    me(sign(
        Algorithm::HS256,
        &with("nbf", json!(now + 600)),
        TEST_SECRET,
    ))
    .await
    .assert_problem(401, "invalid_token");
    // Wrong audience and issuer.
    me(sign(
        Algorithm::HS256,
        &with("aud", json!("someone-else")),
        TEST_SECRET,
    ))
    .await
    .assert_problem(401, "invalid_token");
    me(sign(
        Algorithm::HS256,
        &with("iss", json!("evil")),
        TEST_SECRET,
    ))
    .await
    .assert_problem(401, "invalid_token");
    // Required claims missing.
    for k in ["exp", "nbf", "aud", "iss", "sub", "jti"] {
        me(sign(Algorithm::HS256, &without(k), TEST_SECRET))
            .await
            .assert_problem(401, "invalid_token");
    }
    // Another algorithm with the same secret, and another secret.
    me(sign(Algorithm::HS512, &real, TEST_SECRET))
        .await
        .assert_problem(401, "invalid_token");
    me(sign(
        Algorithm::HS256,
        &real,
        "another-secret-another-secret-another",
    ))
    .await
    .assert_problem(401, "invalid_token");
    // Tampered payload: a different role under the original signature.
    let parts: Vec<&str> = app.admin_token.split('.').collect();
    let forged_payload =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&with("role", json!("auditor"))).unwrap());
    me(format!("{}.{}.{}", parts[0], forged_payload, parts[2]))
        .await
        .assert_problem(401, "invalid_token");
    // alg: none.
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&real).unwrap());
    me(format!("{none_header}.{payload}."))
        .await
        .assert_problem(401, "invalid_token");
    me(format!("{none_header}.{payload}"))
        .await
        .assert_problem(401, "invalid_token");
    // Garbage and wrong schemes.
    me("not-a-jwt".into())
        .await
        .assert_problem(401, "invalid_token");
    let basic = app
        .send(
            TestApp::req(actix_web::http::Method::GET, "/api/v1/me", None)
                .insert_header(("authorization", "Basic cm9vdDp4")),
        )
        .await;
    basic.assert_problem(401, "invalid_token");
    let missing = app.get("/api/v1/me", None).await;
    missing.assert_problem(401, "missing_token");
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Bearer realm=\"hamkke\"")
    );
}

both!(forged_and_stale_tokens_are_refused);

async fn ed25519_keys_sign_and_pin_eddsa(b: Backend) {
    use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePrivateKey};
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let path = std::env::temp_dir().join(format!("hamkke-ed25519-{}.pem", uuid::Uuid::now_v7()));
    std::fs::write(&path, pem.as_bytes()).unwrap();
    let file = path.clone();
    let app = TestApp::with_config(b, move |c| c.jwt_ed25519_key_file = Some(file)).await;
    std::fs::remove_file(&path).ok();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(app.admin_token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(
        app.get("/api/v1/me", Some(&app.admin_token)).await.status,
        200
    );
    // An HMAC token (here keyed with the public key, the classic confusion attack) is refused.
    let claims = claims_of(&app.admin_token);
    let public = String::from_utf8_lossy(key.verifying_key().as_bytes()).into_owned();
    app.get(
        "/api/v1/me",
        Some(&sign(Algorithm::HS256, &claims, &public)),
    )
    .await
    .assert_problem(401, "invalid_token");
    app.get(
        "/api/v1/me",
        Some(&sign(Algorithm::HS256, &claims, TEST_SECRET)),
    )
    .await
    .assert_problem(401, "invalid_token");
}

both!(ed25519_keys_sign_and_pin_eddsa);
