//! Health, readiness, metrics, request ids, CORS, pool exhaustion.

use std::time::Duration;

use actix_web::http::Method;

use crate::support::{Backend, TestApp};

async fn health_readiness_and_metrics(b: Backend) {
    let app = TestApp::with_config(b, |c| {
        c.metrics_token = Some("metrics-token-0123456789".into())
    })
    .await;
    let h = app.get("/healthz", None).await;
    assert_eq!(
        (h.status.as_u16(), h.body["status"].as_str()),
        (200, Some("ok"))
    );
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["database"],
        if b == Backend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
    app.get("/api/v1/me", Some(&app.admin_token)).await;
    // Metrics are not public: without the token (or with another) they do not exist here.
    app.get("/metrics", None)
        .await
        .assert_problem(404, "not_found");
    app.get("/metrics", Some("wrong-token-0123456789"))
        .await
        .assert_problem(404, "not_found");
    let m = app.get("/metrics", Some("metrics-token-0123456789")).await;
    assert_eq!(m.status, 200);
    assert!(
        m.text.contains(
            "hamkke_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"}"
        ),
        "{}",
        m.text
    );
    assert!(m
        .text
        .contains("hamkke_http_request_duration_seconds_bucket"));
    assert!(m
        .text
        .contains("hamkke_db_pool_connections{state=\"idle\"}"));
    assert!(m.text.contains("hamkke_db_pool_max_connections 4"));
}

async fn request_ids_are_echoed_or_generated(b: Backend) {
    let app = TestApp::new(b).await;
    let r = app
        .send(
            TestApp::req(Method::GET, "/healthz", None).insert_header(("x-request-id", "abc-123")),
        )
        .await;
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
    let r = app
        .send(
            TestApp::req(Method::GET, "/healthz", None)
                .insert_header(("x-request-id", "bad id with spaces")),
        )
        .await;
    let id = r.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let me = app.get("/api/v1/me", Some(&app.admin_token)).await;
    assert_eq!(me.header("cache-control"), Some("no-store"));
    assert_eq!(me.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(me.header("x-frame-options"), Some("DENY"));
    assert_eq!(me.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(
        me.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
    assert!(me.header("strict-transport-security").is_some());
    // Errors carry them too.
    let denied = app.get("/api/v1/me", None).await;
    assert_eq!(denied.header("cache-control"), Some("no-store"));
    assert_eq!(denied.header("x-frame-options"), Some("DENY"));
}

async fn cors_follows_the_allow_list(b: Backend) {
    let app = TestApp::with_config(b, |c| {
        c.cors_origins = vec!["https://portal.mapo.go.kr".into()]
    })
    .await;
    let preflight = |origin: &'static str| {
        TestApp::req(Method::OPTIONS, "/api/v1/me", None)
            .insert_header(("origin", origin))
            .insert_header(("access-control-request-method", "GET"))
            .insert_header(("access-control-request-headers", "authorization"))
    };
    let ok = app.send(preflight("https://portal.mapo.go.kr")).await;
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("https://portal.mapo.go.kr"),
        "{:?}",
        ok.headers
    );
    let bad = app.send(preflight("https://evil.example")).await;
    assert!(bad.header("access-control-allow-origin").is_none());
    // A browser client reads the headers the contract declares: the rate limit among them.
    let search = app
        .send(
            TestApp::req(Method::GET, "/api/v1/me", None)
                .insert_header(("origin", "https://portal.mapo.go.kr")),
        )
        .await;
    let exposed = search
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for h in [
        "location",
        "content-disposition",
        "etag",
        "retry-after",
        "ratelimit",
        "ratelimit-policy",
    ] {
        assert!(
            exposed.split(", ").any(|e| e == h),
            "{h} not exposed: {exposed}"
        );
    }
}

async fn an_exhausted_pool_answers_503(b: Backend) {
    let app = TestApp::with_config(b, |c| {
        c.db_pool_size = 1;
        c.db_timeout_secs = 1;
    })
    .await;
    let held = app.db.inner().get().expect("the only connection");
    let started = std::time::Instant::now();
    let r = app.get("/readyz", None).await;
    r.assert_problem(503, "unavailable");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(held);
    assert_eq!(app.get("/readyz", None).await.status, 200);
}

/// A database connection lost under the server (PostgreSQL restarted, a failover to another
/// host) answers 503 with `Retry-After`, never 500, and is not handed out again: the pool
/// replaces it and the next requests succeed (tests/ha/patroni.sh does the same across a real
/// failover).
#[actix_web::test]
async fn a_lost_database_connection_answers_503_and_is_replaced() {
    use diesel::{Connection, RunQueryDsl};
    let app = TestApp::new(Backend::Postgres).await;
    for _ in 0..3 {
        assert_eq!(
            app.get("/api/v1/me", Some(&app.admin_token)).await.status,
            200
        );
    }
    let url = app.url().to_owned();
    let ended = actix_web::web::block(move || {
        let mut admin = diesel::PgConnection::establish(&url).expect("a connection of its own");
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut admin)
        .expect("terminate")
    })
    .await
    .expect("block");
    assert!(ended >= 1, "the server's connections were ended");
    let mut answers = Vec::new();
    for _ in 0..12 {
        let r = app.get("/api/v1/me", Some(&app.admin_token)).await;
        if r.status == 200 {
            answers.push(200);
            break;
        }
        if r.status == 500 {
            let logs =
                String::from_utf8_lossy(&crate::support::log_buffer().lock().unwrap()).to_string();
            for l in logs
                .lines()
                .filter(|l| l.contains("ERROR") || l.contains("WARN"))
            {
                eprintln!("{l}");
            }
        }
        r.assert_problem(503, "unavailable");
        assert_eq!(r.header("retry-after"), Some("1"), "{}", r.text);
        answers.push(503);
    }
    assert_eq!(
        answers.first(),
        Some(&503),
        "a lost connection was used: {answers:?}"
    );
    assert_eq!(
        answers.last(),
        Some(&200),
        "the pool replaced its lost connections: {answers:?}"
    );
    for _ in 0..5 {
        assert_eq!(
            app.get("/api/v1/me", Some(&app.admin_token)).await.status,
            200
        );
    }
}

both!(
    health_readiness_and_metrics,
    request_ids_are_echoed_or_generated,
    cors_follows_the_allow_list,
    an_exhausted_pool_answers_503,
);
