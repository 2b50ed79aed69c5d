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
pub(crate) fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let json = body.map(|b| b.to_string());
    http_raw(
        port,
        method,
        path,
        headers,
        json.as_deref().map(|b| ("application/json", b.as_bytes())),
    )
}

/// `http` with a body of any media type.
pub(crate) fn http_raw(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &[u8])>,
) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let payload: &[u8] = body.map(|(_, b)| b).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if let Some((media, _)) = body {
        req.push_str(&format!("Content-Type: {media}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).ok()?;
    s.write_all(payload).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process that is killed when dropped, so a failing test leaves no server behind.
/// Creates a user as `auth` (a bearer header value) with an activation code, and activates it
/// with `PASSWORD` (first accounts of an organization are created so).
fn new_user(port: u16, auth: &str, body: Value) -> Value {
    let (s, u) = http(
        port,
        "POST",
        "/api/v1/users",
        &[("Authorization", auth)],
        Some(&body),
    )
    .unwrap();
    assert_eq!(s, 201, "{u}");
    let activation = json!({ "username": body["username"], "activation_code": u["activation_code"], "password": PASSWORD });
    let (s, a) = http(
        port,
        "POST",
        "/api/v1/auth/activate",
        &[],
        Some(&activation),
    )
    .unwrap();
    assert_eq!(s, 204, "{a}");
    u
}

pub(crate) struct Server(Child);

impl std::ops::Deref for Server {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(url: &str, port: u16, data_dir: &std::path::Path) -> Server {
    start_with(url, port, data_dir, &[])
}

pub(crate) fn start_with(
    url: &str,
    port: u16,
    data_dir: &std::path::Path,
    env: &[(&str, &str)],
) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hamkke"))
        .envs(env.iter().copied())
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
            return Server(child);
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

/// A migrated database with a system administrator `root`, and a data directory for the
/// server process.
fn fresh(b: Backend) -> (TestDb, std::path::PathBuf) {
    let tdb = TestDb::new(b);
    let data_dir = std::env::temp_dir().join(format!("hamkke-crash-{}", uuid::Uuid::now_v7()));
    let db = hamkke_persistence::Db::connect(&tdb.url, 1, Duration::from_secs(10)).unwrap();
    let mut conn = db.get().unwrap();
    hamkke_persistence::migrate::run(&mut conn).unwrap();
    drop(conn);
    crate::support::create_admin(&db, "root", PASSWORD);
    (tdb, data_dir)
}

async fn a_crash_mid_burst_leaves_no_key_stuck_and_nothing_twice(b: Backend) {
    let (tdb, data_dir) = fresh(b);
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
        new_user(port, &auth, json!({ "username": "burst.w", "display_name": "burst", "org_id": org["id"], "role": "caseworker" }));
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

/// Webhook deliveries are rows written with the change: a server killed before it could send
/// them sends them after its restart.
async fn undelivered_webhooks_survive_a_crash(b: Backend) {
    let (tdb, data_dir) = fresh(b);
    let port = free_port();
    let receiver_port = free_port();
    let url = tdb.url.clone();
    let dir = data_dir.clone();
    let got = actix_web::web::block(move || {
        let allowed = format!("127.0.0.1:{receiver_port}");
        let env = [
            ("HAMKKE_WEBHOOK_ALLOW_HTTP", allowed.as_str()),
            ("HAMKKE_WEBHOOK_ALLOW_HOSTS", allowed.as_str()),
            ("HAMKKE_WEBHOOK_RETRY_BASE_MS", "50"),
        ];
        let mut server = start_with(&url, port, &dir, &env);
        let root = format!("Bearer {}", login(port, "root"));
        let post = |token: &str, path: &str, body: Value| {
            let (s, b) = http(port, "POST", path, &[("Authorization", token)], Some(&body)).unwrap();
            assert!((200..300).contains(&s), "{path}: {s} {b}");
            b
        };
        let office = post(&root, "/api/v1/organizations", json!({ "name": "마포구청", "kind": "district_office", "district_code": "11440" }));
        let dong = post(&root, "/api/v1/organizations", json!({ "name": "공덕동", "kind": "dong_center", "district_code": "11440", "parent_id": office["id"] }));
        let welfare = post(&root, "/api/v1/organizations", json!({ "name": "마포복지관", "kind": "welfare_center", "district_code": "11440" }));
        for (name, org, role) in [("d.w", &dong, "caseworker"), ("w.admin", &welfare, "org_admin")] {
            new_user(port, &root, json!({ "username": name, "display_name": name, "org_id": org["id"], "role": role }));
        }
        let admin = format!("Bearer {}", login(port, "w.admin"));
        let hook = post(&admin, "/api/v1/webhooks", json!({ "url": format!("http://127.0.0.1:{receiver_port}/hook") }));
        let secret = hook["secret"].as_str().unwrap().to_owned();
        let worker = format!("Bearer {}", login(port, "d.w"));
        let person = post(&worker, "/api/v1/persons", json!({ "name": "가", "birth_date": "1950-01-01" }));
        let case = post(&worker, "/api/v1/cases", json!({ "person_id": person["id"], "case_type": "general", "risk_level": "high", "source": "outreach", "summary": "x" }));
        post(&worker, "/api/v1/referrals", json!({ "case_id": case["id"], "to_organization_id": welfare["id"], "reason": "지원" }));
        // The receiver is down: the delivery fails and waits; then the server dies.
        std::thread::sleep(Duration::from_millis(300));
        server.kill().expect("SIGKILL");
        server.wait().ok();
        let listener = std::net::TcpListener::bind(("127.0.0.1", receiver_port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let mut server = start_with(&url, port, &dir, &env);
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut received = None;
        while Instant::now() < deadline && received.is_none() {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false).ok();
                    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                    let mut raw = Vec::new();
                    let mut buf = [0u8; 4096];
                    // Read the head, then the body by its length.
                    loop {
                        let n = stream.read(&mut buf).unwrap_or(0);
                        if n == 0 { break; }
                        raw.extend_from_slice(&buf[..n]);
                        let text = String::from_utf8_lossy(&raw).to_string();
                        if let Some((head, body)) = text.split_once("\r\n\r\n") {
                            let len: usize = head
                                .lines()
                                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                                .unwrap_or(0);
                            if body.len() >= len { break; }
                        }
                    }
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    received = Some(String::from_utf8_lossy(&raw).to_string());
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        server.kill().ok();
        server.wait().ok();
        (received, secret)
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&data_dir);
    let (received, secret) = got;
    let raw = received.expect("the event queued before the crash was delivered after the restart");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut headers = http::HeaderMap::new();
    for line in head.lines().skip(1) {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(
                http::HeaderName::from_bytes(k.trim().as_bytes()).unwrap(),
                http::HeaderValue::from_str(v.trim()).unwrap(),
            );
        }
    }
    standardwebhooks::Webhook::new(&secret)
        .unwrap()
        .verify(body.as_bytes(), &headers)
        .expect("signed");
    assert!(body.contains("referral.sent"), "{body}");
    drop(tdb);
}

both!(undelivered_webhooks_survive_a_crash);

/// An import killed halfway is finished by its retry with the same key: its rows commit one
/// by one and are idempotent by row key, so the retry runs again instead of answering 303.
async fn a_crashed_import_is_finished_by_its_retry(b: Backend) {
    let (tdb, data_dir) = fresh(b);
    let port = free_port();
    let url = tdb.url.clone();
    let dir = data_dir.clone();
    let (first, retry, total) = actix_web::web::block(move || {
        let mut server = start(&url, port, &dir);
        let root = format!("Bearer {}", login(port, "root"));
        let post = |token: &str, path: &str, body: Value| {
            let (s, b) = http(port, "POST", path, &[("Authorization", token)], Some(&body)).unwrap();
            assert!((200..300).contains(&s), "{path}: {s} {b}");
            b
        };
        let org = post(&root, "/api/v1/organizations", json!({ "name": "마포복지관", "kind": "welfare_center", "district_code": "11440" }));
        new_user(port, &root, json!({ "username": "imp.w", "display_name": "imp", "org_id": org["id"], "role": "caseworker" }));
        let token = format!("Bearer {}", login(port, "imp.w"));
        let office = post(&root, "/api/v1/organizations", json!({ "name": "마포구청", "kind": "district_office", "district_code": "11440" }));
        new_user(port, &root, json!({ "username": "imp.coord", "display_name": "coord", "org_id": office["id"], "role": "coordinator" }));
        let coord = format!("Bearer {}", login(port, "imp.coord"));
        let rice_type = post(&coord, "/api/v1/benefit-types", json!({ "code": "rice", "name_ko": "쌀", "name_en": "Rice", "category": "food",
            "duplicate_policy": { "subject": "person", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }));
        let rice = post(&token, "/api/v1/resources", json!({ "name": "쌀", "benefit_type_id": rice_type["id"], "funding": "public", "unit": "포" }));
        const ROWS: usize = 400;
        let today = chrono::Utc::now().date_naive();
        let mut csv = String::from("resource_id,person_id,granted_on,row_key\n");
        for i in 0..ROWS {
            let p = post(&token, "/api/v1/persons", json!({ "name": format!("대상{i}"), "birth_date": "1950-01-01" }));
            csv.push_str(&format!("{},{},{today},r{i}\n", rice["id"].as_str().unwrap(), p["id"].as_str().unwrap()));
        }
        let send = move |csv: String, token: String| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
            s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
            let req = format!(
                "POST /api/v1/allocations/import HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {token}\r\nIdempotency-Key: import-1\r\nContent-Type: text/csv\r\nContent-Length: {}\r\n\r\n{csv}",
                csv.len()
            );
            s.write_all(req.as_bytes()).ok()?;
            let mut raw = Vec::new();
            s.read_to_end(&mut raw).ok()?;
            let text = String::from_utf8_lossy(&raw).to_string();
            let status: u16 = text.split(' ').nth(1)?.parse().ok()?;
            let body = text.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_owned());
            Some((status, serde_json::from_str::<Value>(&body).unwrap_or(Value::Null)))
        };
        let (c, t) = (csv.clone(), token.clone());
        let worker = std::thread::spawn(move || send(c, t));
        std::thread::sleep(Duration::from_millis(150));
        server.kill().expect("SIGKILL");
        server.wait().ok();
        let first = worker.join().unwrap();
        let mut server = start(&url, port, &dir);
        std::thread::sleep(Duration::from_millis(2500));
        let retry = send(csv, token.clone()).expect("the retry is answered");
        let (_, page) = http(port, "GET", "/api/v1/allocations?limit=200", &[("Authorization", &token)], None).unwrap();
        let mut total = page["items"].as_array().unwrap().len();
        let mut cursor = page["next_cursor"].as_str().map(str::to_owned);
        while let Some(c) = cursor {
            let (_, page) = http(port, "GET", &format!("/api/v1/allocations?limit=200&cursor={c}"), &[("Authorization", &token)], None).unwrap();
            total += page["items"].as_array().unwrap().len();
            cursor = page["next_cursor"].as_str().map(str::to_owned);
        }
        server.kill().ok();
        server.wait().ok();
        (first.map(|f| f.0), retry, total)
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&data_dir);
    eprintln!(
        "crashed import: first answer {first:?}, retry {} {}",
        retry.0, retry.1
    );
    assert_eq!(retry.0, 200, "the retry runs the import again: {}", retry.1);
    let done = retry.1["imported"].as_u64().unwrap() + retry.1["skipped"].as_u64().unwrap();
    assert_eq!(done, 400, "{}", retry.1);
    assert_eq!(total, 400, "every row exactly once");
    drop(tdb);
}

both!(a_crashed_import_is_finished_by_its_retry);

/// Runs a CLI command of the binary against `url`; its exit status and standard output.
fn cli(url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hamkke"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("HAMKKE_JWT_SECRET", crate::support::TEST_SECRET)
        .env("HAMKKE_LOG", "error")
        .output()
        .expect("cli runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A backup taken while writes go on holds every write acknowledged before it began; restore
/// refuses a running server's database, verifies the file and its audit chain, and the
/// restored server serves those writes.
#[actix_web::test]
async fn a_backup_under_write_load_restores_every_acknowledged_write() {
    let (tdb, data_dir) = fresh(Backend::Sqlite);
    let port = free_port();
    let mut server = start(&tdb.url, port, &data_dir);
    let token = login(port, "root");
    // A writer registers organizations as fast as it can, noting each acknowledged id.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writer = {
        let (stop, acked, token) = (stop.clone(), acked.clone(), token.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let body = json!({ "name": format!("백업 시험 기관 {i}"), "kind": "welfare_center", "district_code": "11440" });
                if let Some((201, b)) = http(
                    port,
                    "POST",
                    "/api/v1/organizations",
                    &[("Authorization", &format!("Bearer {token}"))],
                    Some(&body),
                ) {
                    acked
                        .lock()
                        .unwrap()
                        .push(b["id"].as_str().unwrap().to_owned());
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    let before: Vec<String> = acked.lock().unwrap().clone();
    assert!(before.len() >= 5, "the writer is writing");
    std::fs::create_dir_all(&data_dir).unwrap();
    let file = data_dir.join("backup.db");
    let (ok, out) = cli(&tdb.url, &["backup", "--to", file.to_str().unwrap()]);
    assert!(ok, "{out}");
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    let after = acked.lock().unwrap().len();
    assert!(after > before.len(), "writes went on during the backup");
    // The same file again is refused; a running server's database is not replaced.
    let (ok, out) = cli(&tdb.url, &["backup", "--to", file.to_str().unwrap()]);
    assert!(!ok && out.contains("exists"), "{out}");
    let (ok, out) = cli(&tdb.url, &["restore", "--from", file.to_str().unwrap()]);
    assert!(!ok && out.contains("running"), "{out}");
    server.kill().ok();
    server.wait().ok();
    // A file that is not a database is refused and changes nothing.
    let junk = data_dir.join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let (ok, out) = cli(&tdb.url, &["restore", "--from", junk.to_str().unwrap()]);
    assert!(!ok, "{out}");
    let (ok, out) = cli(&tdb.url, &["restore", "--from", file.to_str().unwrap()]);
    assert!(ok, "{out}");
    let (ok, out) = cli(&tdb.url, &["audit", "verify"]);
    assert!(ok, "{out}");
    let mut server = start(&tdb.url, port, &data_dir);
    let token = login(port, "root");
    for id in &before {
        let (s, b) = http(
            port,
            "GET",
            &format!("/api/v1/organizations/{id}"),
            &[("Authorization", &format!("Bearer {token}"))],
            None,
        )
        .expect("served");
        assert_eq!(s, 200, "{id}: {b}");
    }
    server.kill().ok();
    server.wait().ok();
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Two servers on one PostgreSQL database: a logout on one ends the session on the other at
/// once, login attempts share one budget (a second server adds no password guesses), and an
/// `Idempotency-Key` replays across servers.
#[actix_web::test]
async fn two_servers_share_sessions_limits_and_idempotency() {
    let (tdb, data_dir) = fresh(Backend::Postgres);
    let env = [("HAMKKE_LOGIN_PER_USERNAME_PER_MINUTE", "6")];
    let (p1, p2) = (free_port(), free_port());
    let mut one = start_with(&tdb.url, p1, &data_dir, &env);
    let mut two = start_with(&tdb.url, p2, &data_dir, &env);
    let bearer = |t: &str| format!("Bearer {t}");
    // Logout on one, refused on the other.
    let token = login(p1, "root");
    let (s, _) = http(
        p2,
        "GET",
        "/api/v1/me",
        &[("Authorization", &bearer(&token))],
        None,
    )
    .unwrap();
    assert_eq!(s, 200);
    let (s, b) = http(
        p2,
        "POST",
        "/api/v1/auth/logout",
        &[("Authorization", &bearer(&token))],
        None,
    )
    .unwrap();
    assert_eq!(s, 204, "{b}");
    let (s, _) = http(
        p1,
        "GET",
        "/api/v1/me",
        &[("Authorization", &bearer(&token))],
        None,
    )
    .unwrap();
    assert_eq!(s, 401, "the session ended on every server");
    // Six guesses for one username in a minute, whichever server takes them.
    let mut statuses = Vec::new();
    for i in 0..8 {
        let port = if i % 2 == 0 { p1 } else { p2 };
        let (s, _) = http(
            port,
            "POST",
            "/api/v1/auth/token",
            &[],
            Some(&json!({ "username": "guessed.user", "password": "wrong-password-1" })),
        )
        .unwrap();
        statuses.push(s);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 401, 429, 429]);
    // One key, two servers: the second replays the first.
    let token = login(p2, "root");
    let body =
        json!({ "name": "멱등 시험 복지관", "kind": "welfare_center", "district_code": "11440" });
    let headers = [
        ("Authorization", bearer(&token)),
        ("Idempotency-Key", "two-servers-0001".to_owned()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s1, b1) = http(p1, "POST", "/api/v1/organizations", &headers, Some(&body)).unwrap();
    let (s2, b2) = http(p2, "POST", "/api/v1/organizations", &headers, Some(&body)).unwrap();
    assert_eq!((s1, s2), (201, 201), "{b1} {b2}");
    assert_eq!(b1["id"], b2["id"], "replayed, not created twice");
    one.kill().ok();
    two.kill().ok();
    one.wait().ok();
    two.wait().ok();
}

/// The duplicate race across two servers: for each of 100 households, eight requests for the
/// season's heating oil at once, four to each server — exactly one is recorded every time.
#[actix_web::test]
async fn the_duplicate_race_holds_across_two_servers() {
    use hamkke_domain::org::{DistrictCode, NewOrganization, OrgKind};
    use hamkke_domain::user::{NewUser, Role, Username};
    use hamkke_persistence::repo::{benefit_types, orgs, users};
    let (tdb, data_dir) = fresh(Backend::Postgres);
    {
        let db = hamkke_persistence::Db::connect(&tdb.url, 1, Duration::from_secs(10)).unwrap();
        let mut conn = db.get().unwrap();
        let org = orgs::insert_unchecked(
            &mut conn,
            &NewOrganization {
                admin_dong_code: None,
                name: "경쟁 시험 복지관".into(),
                kind: OrgKind::WelfareCenter,
                district_code: DistrictCode::parse("11440").unwrap(),
                parent_id: None,
                hub_org_id: None,
            },
        )
        .unwrap();
        users::insert_unchecked(
            &mut conn,
            &NewUser {
                username: Username::parse("race.worker").unwrap(),
                display_name: "경쟁".into(),
                password_hash: hamkke_http::auth::hash_password(PASSWORD).unwrap(),
                org_id: org.id,
                role: Role::Caseworker,
                activation: None,
            },
        )
        .unwrap();
        benefit_types::seed_standard(&mut conn, &Default::default(), "11440").unwrap();
    }
    let (p1, p2) = (free_port(), free_port());
    let mut one = start(&tdb.url, p1, &data_dir);
    let mut two = start(&tdb.url, p2, &data_dir);
    let token = login(p1, "race.worker");
    let auth = format!("Bearer {token}");
    let h = [("Authorization", auth.as_str())];
    let (_, types) = http(p1, "GET", "/api/v1/benefit-types?limit=200", &h, None).unwrap();
    let oil = types["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "heating_oil")
        .expect("standard list")["id"]
        .clone();
    let (s, r) = http(
        p1,
        "POST",
        "/api/v1/resources",
        &h,
        Some(&json!({ "name": "연말 난방유", "benefit_type_id": oil, "funding": "private_donation", "unit": "드럼" })),
    )
    .unwrap();
    assert_eq!(s, 201, "{r}");
    let resource = r["id"].as_str().unwrap().to_owned();
    let today = hamkke_domain::today().to_string();
    for round in 0..100 {
        let (s, hh) = http(
            p1,
            "POST",
            "/api/v1/households",
            &h,
            Some(&json!({ "address": format!("서울 마포구 경쟁로 {round}") })),
        )
        .unwrap();
        assert_eq!(s, 201, "{hh}");
        let (s, p) = http(p2, "POST", "/api/v1/persons", &h, Some(&json!({ "name": format!("경쟁대상{round}"), "birth_date": "1945-01-01", "household_id": hh["id"] }))).unwrap();
        assert_eq!(s, 201, "{p}");
        let body = json!({ "resource_id": resource, "person_id": p["id"], "granted_on": today, "quantity": 1 });
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let (body, auth, barrier) = (body.clone(), auth.clone(), barrier.clone());
                let port = if i % 2 == 0 { p1 } else { p2 };
                std::thread::spawn(move || {
                    barrier.wait();
                    http(
                        port,
                        "POST",
                        "/api/v1/allocations",
                        &[("Authorization", &auth)],
                        Some(&body),
                    )
                    .map(|(s, _)| s)
                })
            })
            .collect();
        let mut statuses: Vec<u16> = threads
            .into_iter()
            .map(|t| t.join().unwrap().expect("answered"))
            .collect();
        statuses.sort();
        assert_eq!(
            statuses,
            [201, 409, 409, 409, 409, 409, 409, 409],
            "round {round}"
        );
    }
    // Each server caches the catalogue; a change on one is seen by the next request on the
    // other, however warm its cache.
    let person = {
        let (s, p) = http(
            p1,
            "POST",
            "/api/v1/persons",
            &h,
            Some(&json!({ "name": "캐시대상", "birth_date": "1946-02-02" })),
        )
        .unwrap();
        assert_eq!(s, 201, "{p}");
        p["id"].clone()
    };
    let check =
        json!({ "resource_id": resource, "person_id": person, "granted_on": today, "quantity": 1 });
    for _ in 0..3 {
        let (s, b) = http(p1, "POST", "/api/v1/allocations/check", &h, Some(&check)).unwrap();
        assert_eq!((s, &b["allowed"]), (200, &json!(true)), "{b}");
    }
    let (s, r) = http(
        p2,
        "GET",
        &format!("/api/v1/resources/{resource}"),
        &h,
        None,
    )
    .unwrap();
    assert_eq!(s, 200, "{r}");
    let version = format!("\"{}\"", r["version"]);
    let (s, b) = http(
        p2,
        "PATCH",
        &format!("/api/v1/resources/{resource}"),
        &[
            ("Authorization", auth.as_str()),
            ("If-Match", version.as_str()),
        ],
        Some(&json!({ "active": false })),
    )
    .unwrap();
    assert_eq!(s, 200, "{b}");
    let (s, b) = http(p1, "POST", "/api/v1/allocations/check", &h, Some(&check)).unwrap();
    assert_eq!(
        s, 404,
        "a retired resource gives nothing on the other server at once: {b}"
    );
    assert!(b.to_string().contains("resource_id"), "{b}");
    one.kill().ok();
    two.kill().ok();
    one.wait().ok();
    two.wait().ok();
}

/// A first start on a new embedded database says where it is and the first steps, including
/// the docs and the dashboard, whose page the server then serves.
#[test]
fn a_fresh_install_says_what_to_do_first() {
    let dir = std::env::temp_dir().join(format!("hamkke-first-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("server.log");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hamkke"))
        .arg("serve")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("hamkke.db").display()),
        )
        .env("HAMKKE_BIND", format!("127.0.0.1:{port}"))
        .env("HAMKKE_DATA_DIR", &dir)
        .env("HAMKKE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("server starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut page = None;
    while Instant::now() < deadline && page.is_none() {
        page = raw_get(port, "/dashboard/");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().ok();
    child.wait().ok();
    let said = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(said.contains("hamkke.db"), "{said}");
    for step in [
        "seed-demo",
        "create-admin",
        "/docs/",
        "/dashboard/",
        "hamkke backup",
    ] {
        assert!(said.contains(step), "{step} missing from: {said}");
    }
    let page = page.expect("the dashboard page is served");
    assert!(page.contains("통합사례관리 현황판"), "{page}");
}

/// The body of a plain GET, when it answers 200.
fn raw_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    text.starts_with("HTTP/1.1 200").then_some(text)
}

/// Reads answer only after their audit events are committed by the group-commit writer: a
/// server killed (SIGKILL) under read load has an event for every read it answered, already in
/// the hash chain, and the chain verifies.
async fn a_killed_server_lost_no_event_of_an_answered_read(b: Backend) {
    let (tdb, data_dir) = fresh(b);
    let port = free_port();
    let url = tdb.url.clone();
    let dir = data_dir.clone();
    let answered = actix_web::web::block(move || {
        let mut server = start(&url, port, &dir);
        let root = login(port, "root");
        let auth = format!("Bearer {root}");
        let (s, org) = http(port, "POST", "/api/v1/organizations", &[("Authorization", &auth)],
            Some(&json!({ "name": "공덕동 주민센터", "kind": "welfare_center", "district_code": "11440" }))).unwrap();
        assert_eq!(s, 201, "{org}");
        new_user(port, &auth, json!({ "username": "reader.w", "display_name": "reader", "org_id": org["id"], "role": "caseworker" }));
        let bearer = format!("Bearer {}", login(port, "reader.w"));
        let (s, h) = http(port, "POST", "/api/v1/households", &[("Authorization", &bearer)],
            Some(&json!({ "address": "서울 마포구 공덕로 1" }))).unwrap();
        assert_eq!(s, 201, "{h}");
        let path = format!("/api/v1/households/{}", h["id"].as_str().unwrap());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..12)
            .map(|t| {
                let (bearer, path, stop) = (bearer.clone(), path.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut ok = Vec::new();
                    for n in 0.. {
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            break;
                        }
                        let id = format!("read-{t}-{n}");
                        match http(port, "GET", &path, &[("Authorization", &bearer), ("X-Request-Id", &id)], None) {
                            Some((200, _)) => ok.push(id),
                            Some((s, b)) => panic!("{s} {b}"),
                            None => break,
                        }
                    }
                    ok
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(700));
        server.kill().expect("SIGKILL");
        server.wait().ok();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        readers
            .into_iter()
            .flat_map(|r| r.join().unwrap())
            .collect::<Vec<String>>()
    })
    .await
    .unwrap();
    assert!(
        answered.len() > 50,
        "only {} reads answered",
        answered.len()
    );
    let db = hamkke_persistence::Db::connect(&tdb.url, 1, Duration::from_secs(10)).unwrap();
    let (recorded, unsealed) = actix_web::web::block(move || {
        use diesel::prelude::*;
        use hamkke_persistence::schema::audit_events::dsl as a;
        let mut conn = db.get().unwrap();
        let ids: Vec<Option<String>> = a::audit_events
            .filter(a::action.eq("view"))
            .filter(a::resource_type.eq("household"))
            .select(a::request_id)
            .load(&mut conn)
            .unwrap();
        let unsealed: i64 = a::audit_events
            .filter(a::action.eq("view"))
            .filter(a::chain_seq.is_null())
            .count()
            .get_result(&mut conn)
            .unwrap();
        (
            ids.into_iter()
                .flatten()
                .collect::<std::collections::HashSet<_>>(),
            unsealed,
        )
    })
    .await
    .unwrap();
    let lost: Vec<&String> = answered
        .iter()
        .filter(|id| !recorded.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} answered reads have no event, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    assert_eq!(unsealed, 0, "read events are chained as they are written");
    let (ok, out) = cli(&tdb.url, &["audit", "verify"]);
    assert!(ok, "{out}");
    std::fs::remove_dir_all(&data_dir).ok();
}

both!(a_killed_server_lost_no_event_of_an_answered_read);
