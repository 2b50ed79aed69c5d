//! Idempotency keys survive a crash: the real server is killed with SIGKILL in the middle of a
//! burst of keyed POSTs, restarted, and every key retried. Each retry replays the stored
//! response, answers 303 to what a committed request created, or runs the request again if
//! nothing committed — never stuck in progress, never twice.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{Backend, TestDb, PASSWORD};

/// One HTTP/1.1 exchange on a fresh connection; `None` when the server is gone.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&payload);
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(url: &str, port: u16, data_dir: &std::path::Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hamkke"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("HAMKKE_BIND", format!("127.0.0.1:{port}"))
        .env("HAMKKE_DATA_DIR", data_dir)
        .env("HAMKKE_JWT_SECRET", crate::support::TEST_SECRET)
        .env(
            "HAMKKE_DATA_KEY",
            "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=",
        )
        .env(
            "HAMKKE_LOOKUP_KEY",
            "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=",
        )
        .env("HAMKKE_IDEMPOTENCY_LEASE_SECS", "2")
        .env("HAMKKE_LOGIN_PER_MINUTE", "1000")
        .env("HAMKKE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if http(port, "GET", "/healthz", &[], None).is_some_and(|(s, _)| s == 200) {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().ok();
    child.wait().ok();
    panic!("the server did not come up");
}

fn login(port: u16, user: &str) -> String {
    let (s, b) = http(
        port,
        "POST",
        "/api/v1/auth/token",
        &[],
        Some(&json!({ "username": user, "password": PASSWORD })),
    )
    .expect("login");
    assert_eq!(s, 200, "{b}");
    b["access_token"].as_str().unwrap().to_owned()
}

async fn a_crash_mid_burst_leaves_no_key_stuck_and_nothing_twice(b: Backend) {
    let tdb = TestDb::new(b);
    let data_dir = std::env::temp_dir().join(format!("hamkke-crash-{}", uuid::Uuid::now_v7()));
    {
        let db = hamkke_persistence::Db::connect(&tdb.url, 1, Duration::from_secs(10)).unwrap();
        let mut conn = db.get().unwrap();
        hamkke_persistence::migrate::run(&mut conn).unwrap();
        drop(conn);
        crate::support::create_admin(&db, "root", PASSWORD);
    }
    let port = free_port();
    let url = tdb.url.clone();
    let dir = data_dir.clone();
    let outcome = actix_web::web::block(move || {
        let mut server = start(&url, port, &dir);
        let root = login(port, "root");
        let auth = format!("Bearer {root}");
        let (s, org) = http(port, "POST", "/api/v1/organizations", &[("Authorization", &auth)],
            Some(&json!({ "name": "공덕동 주민센터", "kind": "welfare_center", "district_code": "11440" }))).unwrap();
        assert_eq!(s, 201, "{org}");
        let (s, u) = http(port, "POST", "/api/v1/users", &[("Authorization", &auth)],
            Some(&json!({ "username": "burst.w", "display_name": "burst", "password": PASSWORD, "org_id": org["id"], "role": "caseworker" }))).unwrap();
        assert_eq!(s, 201, "{u}");
        let token = login(port, "burst.w");
        let bearer = format!("Bearer {token}");
        const KEYS: usize = 60;
        let body = |i: usize| json!({ "address": format!("서울 마포구 공덕로 {i}") });
        // The burst: many keyed creates at once, and SIGKILL while they run.
        let workers: Vec<_> = (0..KEYS)
            .map(|i| {
                let bearer = bearer.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis((i as u64 % 20) * 3));
                    let key = format!("burst-{i}");
                    http(port, "POST", "/api/v1/households", &[("Authorization", &bearer), ("Idempotency-Key", &key)], Some(&body(i)))
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(40));
        server.kill().expect("SIGKILL");
        server.wait().ok();
        let first: Vec<Option<(u16, Value)>> =
            workers.into_iter().map(|w| w.join().unwrap()).collect();
        let answered = first.iter().filter(|r| r.is_some()).count();
        // Restart and retry every key once the leases of the dead requests ran out.
        let mut server = start(&url, port, &dir);
        std::thread::sleep(Duration::from_millis(2500));
        let mut outcomes = std::collections::BTreeMap::new();
        for i in 0..KEYS {
            let key = format!("burst-{i}");
            let (s, b) = http(port, "POST", "/api/v1/households", &[("Authorization", &bearer), ("Idempotency-Key", &key)], Some(&body(i)))
                .expect("the restarted server answers");
            assert!(
                matches!(s, 201 | 303),
                "key {key} after the crash: {s} {b} (stuck or failed)"
            );
            if s == 303 {
                assert_eq!(b["code"], "idempotent_request_committed", "{b}");
            }
            *outcomes.entry(s).or_insert(0) += 1;
        }
        // Every key created exactly one household.
        let mut total = 0;
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/households?limit=200&cursor={c}"),
                None => "/api/v1/households?limit=200".into(),
            };
            let (s, page) = http(port, "GET", &path, &[("Authorization", &bearer)], None).unwrap();
            assert_eq!(s, 200, "{page}");
            total += page["items"].as_array().unwrap().len();
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        server.kill().ok();
        server.wait().ok();
        (answered, outcomes, total)
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&data_dir);
    let (answered, outcomes, total) = outcome;
    eprintln!("crash burst: {answered} answered before the kill, retries {outcomes:?}");
    assert_eq!(total, 60, "each key created exactly one household ({outcomes:?}, {answered} answered before the kill)");
    drop(tdb);
}

both!(a_crash_mid_burst_leaves_no_key_stuck_and_nothing_twice);
