//! What a hostile user tried and must no longer get: duplicate-check bypasses, 5xx from
//! input, formula cells in exports, RRN probing through imports, password takeover, echoed
//! keys, import limits, sessions that outlive a deactivation, readable data files, CORS.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World, PASSWORD};

fn kimchi(subject: &str, limit: Value) -> Value {
    let mut policy = json!({ "subject": subject, "scope": "resource", "window": { "kind": "season", "start": "11-01", "end": "03-31" }, "action": "block" });
    for (k, v) in limit.as_object().unwrap() {
        policy[k] = v.clone();
    }
    json!({ "name": "김장김치", "category": "food", "funding": "private_donation", "unit": "kg", "duplicate_policy": policy })
}

async fn id_of(r: crate::support::Resp) -> String {
    assert!(r.status.is_success(), "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn the_duplicate_check_has_no_side_doors(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let today = chrono::Utc::now().date_naive();
    let on = today.to_string();
    // (a) A policy that limits amounts needs a positive amount.
    let cash = id_of(
        app.post_resource(&w.dong, kimchi("person", json!({ "max_amount": 100000 })))
            .await,
    )
    .await;
    let p = app.person(&w.dong, "금액대상", "1950-01-01", None).await;
    for amount in [Value::Null, json!(0)] {
        let mut body = json!({ "resource_id": cash, "person_id": p, "granted_on": on });
        if !amount.is_null() {
            body["amount"] = amount;
        }
        let r = app.post("/api/v1/allocations", Some(&w.dong), body).await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.field_errors()[0], ("amount".into(), "required".into()));
    }
    // (b, c) A household policy counts the claims of the household's current members, also
    // those received before they joined or under another household.
    let household_kimchi = id_of(
        app.post_resource(&w.dong, kimchi("household", json!({ "max_count": 1 })))
            .await,
    )
    .await;
    let h1 = id_of(
        app.post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 1" }),
        )
        .await,
    )
    .await;
    let h2 = id_of(
        app.post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 2" }),
        )
        .await,
    )
    .await;
    let grandma = id_of(
        app.post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "할머니", "birth_date": "1940-01-01", "household_id": h1 }),
        )
        .await,
    )
    .await;
    let loner = app.person(&w.dong, "혼자", "1945-01-01", None).await;
    let r = app
        .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": household_kimchi, "person_id": loner, "granted_on": on, "quantity": 10 }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The one who already received joins grandma's household: grandma is now blocked.
    let r = app
        .patch(
            &format!("/api/v1/persons/{loner}"),
            Some(&w.dong),
            Some("\"1\""),
            json!({ "household_id": h1 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let moved = app.audit_events("update").await;
    assert!(
        moved.iter().any(|e| e
            .details
            .as_deref()
            .is_some_and(|d| d.contains("household_moved"))),
        "moving a person between households is audited"
    );
    let r = app
        .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": household_kimchi, "person_id": grandma, "granted_on": on, "quantity": 10 }))
        .await;
    r.assert_problem(409, "duplicate_benefit");
    // Moving the member out to a fresh household does not hand the household a second one:
    // the mover's own claim still counts for the mover, and only the registering organization
    // or the case lead may move people at all.
    let r = app
        .patch(
            &format!("/api/v1/persons/{grandma}"),
            Some(&w.welfare),
            Some("\"1\""),
            json!({ "household_id": h2 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    let r = app
        .patch(
            &format!("/api/v1/persons/{loner}"),
            Some(&w.dong),
            Some("\"2\""),
            json!({ "household_id": h2 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": household_kimchi, "person_id": loner, "granted_on": on, "quantity": 10 }))
        .await;
    r.assert_problem(409, "duplicate_benefit");
    // (d) granted_on is bounded: 5 years back, 1 year ahead by default.
    for date in ["0206-01-01", "9999-12-31", "2000-01-01"] {
        let r = app
            .post("/api/v1/allocations/check", Some(&w.dong), json!({ "resource_id": household_kimchi, "person_id": grandma, "granted_on": date, "quantity": 1 }))
            .await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(
            r.field_errors()[0],
            ("granted_on".into(), "out_of_range".into()),
            "{date}"
        );
    }
}

both!(the_duplicate_check_has_no_side_doors);

async fn no_input_gives_a_server_error(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    // NUL and other control characters anywhere, also before logging in.
    let r = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": "dong\u{0}.w", "password": PASSWORD }),
        )
        .await;
    r.assert_problem(400, "invalid_characters");
    for body in [
        json!({ "name": "김\u{0}철수", "birth_date": "1950-01-01" }),
        json!({ "name": "김철수", "birth_date": "1950-01-01", "address": "\u{1b}[31m" }),
    ] {
        app.post("/api/v1/persons", Some(&w.dong), body)
            .await
            .assert_problem(400, "invalid_characters");
    }
    app.get("/api/v1/persons?q=%00abc", Some(&w.dong))
        .await
        .assert_problem(400, "invalid_characters");
    // Dates no database keeps, in bodies and query strings.
    for date in [
        "+262142-01-01",
        "-262143-01-01",
        "0000-01-01",
        "-4714-01-01",
    ] {
        app.post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "김철수", "birth_date": date }),
        )
        .await
        .assert_problem(400, "date_out_of_range");
        let r = app
            .get(
                &format!("/api/v1/allocations?from={}", date.replace('+', "%2B")),
                Some(&w.dong),
            )
            .await;
        r.assert_problem(400, "date_out_of_range");
        let r = app
            .get(
                &format!(
                    "/api/v1/meetings?from={}T00:00:00Z",
                    date.replace('+', "%2B")
                ),
                Some(&w.dong),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
    }
    // An import row that fails for any reason is that row's error; the good rows go in.
    let rice = id_of(
        app.post_resource(&w.dong, json!({ "name": "쌀", "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
            .await,
    )
    .await;
    let a = app.person(&w.dong, "가", "1950-01-01", None).await;
    let bb = app.person(&w.dong, "나", "1950-01-01", None).await;
    let today = chrono::Utc::now().date_naive();
    let csv = format!(
        "resource_id,person_id,granted_on,note\n\
         {rice},{a},0001-01-01,아주 먼 과거\n\
         {rice},{a},{today},\"메모\u{0}널\"\n\
         {rice},{bb},{today},정상\n"
    );
    let r = app
        .send(
            TestApp::req(Method::POST, "/api/v1/allocations/import", Some(&w.dong))
                .insert_header(("content-type", "text/csv"))
                .set_payload(csv),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["imported"], 1, "{}", r.text);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["granted_on", "note"], "{}", r.text);
    assert!(app
        .transcript
        .borrow()
        .iter()
        .all(|t| !t.contains("internal_error")));
}

both!(no_input_gives_a_server_error);

async fn names_carry_no_invisible_formatting(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    // A right-to-left override makes "김수철" display as another name; a zero-width space makes
    // two equal-looking names differ.
    for name in [
        "김\u{202E}수철",
        "김\u{200B}철수",
        "\u{FEFF}김철수",
        "김철\u{2067}수",
    ] {
        let r = app
            .post(
                "/api/v1/persons",
                Some(&w.dong),
                json!({ "name": name, "birth_date": "1950-01-01" }),
            )
            .await;
        r.assert_problem(400, "invalid_characters");
        assert!(r.text.contains("name"), "{}", r.text);
    }
    let kim = app.person(&w.dong, "김철수", "1950-01-01", None).await;
    app.patch(
        &format!("/api/v1/persons/{kim}"),
        Some(&w.dong),
        None,
        json!({ "name": "김\u{200D}철수" }),
    )
    .await
    .assert_problem(400, "invalid_characters");
    app.post(
        "/api/v1/organizations",
        Some(&app.admin_token),
        json!({ "name": "행복\u{202D}복지관", "kind": "welfare_center", "district_code": "11440" }),
    )
    .await
    .assert_problem(400, "invalid_characters");
    // The refused change changed nothing.
    let r = app
        .get(&format!("/api/v1/persons/{kim}"), Some(&w.dong))
        .await;
    assert_eq!(r.body["name"], "김철수");
}

both!(names_carry_no_invisible_formatting);

async fn csv_exports_neutralise_formulas(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let evil_org = app
        .org("@SUM(1+1)*cmd", "welfare_center", "11440", None)
        .await;
    app.user("evil.w", &evil_org, "caseworker").await;
    let evil = app.login("evil.w", PASSWORD).await;
    let resource = id_of(
        app.post_resource(&evil, json!({ "name": "=HYPERLINK(\"http://x\",\"클릭\")", "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "warn" } }))
            .await,
    )
    .await;
    let p = app.person(&evil, "대상", "1950-01-01", None).await;
    let today = chrono::Utc::now().date_naive().to_string();
    for _ in 0..2 {
        let r = app
            .post("/api/v1/allocations", Some(&evil), json!({ "resource_id": resource, "person_id": p, "granted_on": today, "quantity": 1 }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let csv = app
        .send(
            TestApp::req(Method::GET, "/api/v1/reports/duplicates", Some(&w.coord))
                .insert_header(("x-access-purpose", "audit"))
                .insert_header(("accept", "text/csv")),
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(
        csv.text.contains("=HYPERLINK") && csv.text.contains("@SUM"),
        "{}",
        csv.text
    );
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.text.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r'])
                    && (!cell.starts_with('-') || cell.parse::<f64>().is_ok()),
                "formula cell reached the CSV: {cell}"
            );
        }
    }
    let overview = app
        .send(
            TestApp::req(Method::GET, "/api/v1/reports/overview", Some(&w.coord))
                .insert_header(("x-access-purpose", "audit"))
                .insert_header(("accept", "text/csv")),
        )
        .await;
    assert_eq!(overview.status, 200, "{}", overview.text);
    for line in overview.text.lines() {
        for cell in line.split(',') {
            assert!(
                !cell.trim_start_matches('"').starts_with(['=', '@']),
                "{line}"
            );
        }
    }
}

both!(csv_exports_neutralise_formulas);

async fn imports_are_limited_and_audited_as_one_event(b: Backend) {
    let app = TestApp::with_config(b, |c| c.import_rrn_per_hour = 3).await;
    let w = World::create(&app).await;
    let rice = id_of(
        app.post_resource(&w.dong, json!({ "name": "쌀", "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
            .await,
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    // Five valid-looking numbers: the budget of three lets three lookups through.
    let rrns = [
        "500303-2345672",
        "600101-1234567",
        "900101-1234568",
        "800101-1234560",
        "700101-1234564",
    ];
    let mut csv = String::from("resource_id,rrn,granted_on\n");
    for rrn in rrns {
        csv.push_str(&format!("{rice},{rrn},{today}\n"));
    }
    let before = app.audit_events("view").await.len();
    let r = app
        .send(
            TestApp::req(
                Method::POST,
                "/api/v1/allocations/import?dry_run=true",
                Some(&w.dong),
            )
            .insert_header(("content-type", "text/csv"))
            .set_payload(csv),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let limited = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        // (row messages are Korean by default)
        .filter(|e| {
            e["message"]
                .as_str()
                .unwrap()
                .contains("조회가 너무 많습니다")
        })
        .count();
    assert_eq!(limited, 2, "{}", r.text);
    let after = app.audit_events("view").await;
    assert_eq!(after.len(), before + 1, "a dry run is one audit event");
    assert_eq!(after[0].resource_type, "allocation_import");
    assert!(after[0].details.as_deref().unwrap().contains("\"rows\":5"));
    // The documented 10 MiB import is accepted with an Idempotency-Key too.
    let mut big = String::from("resource_id,person_id,granted_on,note\n");
    while big.len() < 600 * 1024 {
        big.push_str(&format!(
            "{rice},not-a-person,{today},{}\n",
            "메모".repeat(20)
        ));
    }
    let r = app
        .send(
            TestApp::req(
                Method::POST,
                "/api/v1/allocations/import?dry_run=true",
                Some(&w.dong),
            )
            .insert_header(("content-type", "text/csv"))
            .insert_header(("idempotency-key", "big-import-1"))
            .set_payload(big),
        )
        .await;
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(300)]);
}

both!(imports_are_limited_and_audited_as_one_event);

async fn a_stolen_token_cannot_take_the_account(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let me = format!("/api/v1/users/{}", w.dong_user);
    let other_session = app.login("dong.w", PASSWORD).await;
    // Without the current password, a token alone cannot set a new one.
    app.patch(
        &me,
        Some(&w.dong),
        Some("\"1\""),
        json!({ "password": "another-horse-battery-9" }),
    )
    .await
    .assert_problem(400, "validation_failed");
    app.patch(
        &me,
        Some(&w.dong),
        Some("\"1\""),
        json!({ "password": "another-horse-battery-9", "current_password": "not-the-password-1" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let r = app
        .patch(
            &me,
            Some(&w.dong),
            Some("\"1\""),
            json!({ "password": "another-horse-battery-9", "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The change ends the other sessions, not the one that made it.
    app.get("/api/v1/me", Some(&other_session))
        .await
        .assert_problem(401, "session_ended");
    assert_eq!(app.get("/api/v1/me", Some(&w.dong)).await.status, 200);
    // An administrator's reset is temporary: everything but changing it is refused.
    let r = app
        .patch(
            &me,
            Some(&app.admin_token),
            Some("\"2\""),
            json!({ "password": "temporary-pass-2026" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.get("/api/v1/me", Some(&w.dong))
        .await
        .assert_problem(401, "session_ended");
    let temp = app.login("dong.w", "temporary-pass-2026").await;
    app.get("/api/v1/cases", Some(&temp))
        .await
        .assert_problem(403, "password_change_required");
    assert_eq!(app.get("/api/v1/me", Some(&temp)).await.status, 200);
    let r = app
        .patch(
            &me,
            Some(&temp),
            Some("\"3\""),
            json!({ "password": "my-own-secret-2026", "current_password": "temporary-pass-2026" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.get("/api/v1/cases", Some(&temp)).await.status, 200);
}

both!(a_stolen_token_cannot_take_the_account);

async fn small_leaks_are_closed(b: Backend) {
    let app = TestApp::with_config(b, |c| {
        c.cors_origins = vec!["https://portal.mapo.go.kr".into()]
    })
    .await;
    let w = World::create(&app).await;
    // An unknown key is not echoed unless it looks like a field name.
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "x", "birth_date": "1950-01-01", "900101-1234568": 1 }),
        )
        .await;
    assert_eq!(r.field_errors()[0].0, "(unknown)", "{}", r.text);
    assert!(!r.text.contains("900101"));
    // A deactivated organization's tokens stay dead after it is reactivated.
    let org = format!("/api/v1/organizations/{}", w.d.welfare);
    for (v, active) in [("\"1\"", false), ("\"2\"", true)] {
        let r = app
            .patch(
                &org,
                Some(&app.admin_token),
                Some(v),
                json!({ "active": active }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    app.get("/api/v1/me", Some(&w.welfare))
        .await
        .assert_problem(401, "session_ended");
    // Browser clients may send what exports and retries need.
    let pre = app
        .send(
            TestApp::req(Method::OPTIONS, "/api/v1/allocations", None)
                .insert_header(("origin", "https://portal.mapo.go.kr"))
                .insert_header(("access-control-request-method", "POST"))
                .insert_header((
                    "access-control-request-headers",
                    "x-access-purpose,idempotency-key,if-match",
                )),
        )
        .await;
    let allowed = pre
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for h in ["x-access-purpose", "idempotency-key", "if-match"] {
        assert!(allowed.contains(h), "{h} not allowed: {allowed}");
    }
}

both!(small_leaks_are_closed);

#[cfg(unix)]
#[test]
fn the_embedded_database_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("hamkke-perm-{}", uuid::Uuid::now_v7()));
    let url = format!("sqlite://{}/sub/hamkke.db", dir.display());
    let db = hamkke_persistence::Db::connect(&url, 1, std::time::Duration::from_secs(5))
        .expect("connect");
    let mut conn = db.get().expect("conn");
    hamkke_persistence::migrate::run(&mut conn).expect("migrate");
    drop(conn);
    let mode = |p: std::path::PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.join("sub")), 0o700);
    assert_eq!(mode(dir.join("sub/hamkke.db")), 0o600);
    assert_eq!(mode(dir.join("sub/hamkke.db-wal")), 0o600);
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A workbook whose first sheet inflates to `inflated_mb` MB of blank XML (compressed ~1000:1).
fn xlsx_bomb(inflated_mb: usize) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "성명").unwrap();
    let plain = book.save_to_buffer().unwrap();
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for i in 0..source.len() {
        let mut part = source.by_index(i).unwrap();
        let name = part.name().to_owned();
        out.start_file(name.as_str(), opts).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>").unwrap();
            let blank = vec![b' '; 1024 * 1024];
            for _ in 0..inflated_mb {
                out.write_all(&blank).unwrap();
            }
            out.write_all(b"</sheetData></worksheet>").unwrap();
        } else {
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

/// The server process's peak resident memory, in MB (Linux).
fn peak_rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1024
}

/// Spreadsheet bombs are refused before they are expanded — a sheet inflating to 600 MB, a
/// sheet of more than 200,000 cells — with the server's memory staying small; and only a few
/// imports run at once (429 `imports_busy` beyond).
async fn spreadsheet_bombs_are_refused_before_they_expand(b: Backend) {
    use crate::crash::http_raw;
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let racers = crate::races::Racers::start_with_env(&app, &[("HAMKKE_IMPORT_CONCURRENCY", "2")]);
    let port = racers.ports[0];
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let bomb = actix_web::web::block(|| xlsx_bomb(600)).await.unwrap();
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
    let started = std::time::Instant::now();
    let auth = format!("Bearer {}", w.dong);
    let (status, body) = actix_web::web::block(move || {
        let headers = [("Authorization", auth.as_str())];
        http_raw(
            port,
            "POST",
            "/api/v1/allocations/import?dry_run=true",
            &headers,
            Some((xlsx, &bomb)),
        )
    })
    .await
    .unwrap()
    .expect("answered");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "xlsx_too_large", "{body}");
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    let peak = peak_rss_mb(racers.servers[0].id());
    eprintln!(
        "600 MB sheet: refused in {:?}, server peak RSS {peak} MB",
        started.elapsed()
    );
    assert!(peak < 300, "peak RSS {peak} MB");
    // More cells than a list has.
    let cells = actix_web::web::block(|| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for r in 0..20_001u32 {
            for c in 0..10u16 {
                sheet.write_number(r, c, 1.0).unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    })
    .await
    .unwrap();
    let auth = format!("Bearer {}", w.dong);
    let (status, body) = actix_web::web::block(move || {
        let headers = [("Authorization", auth.as_str())];
        http_raw(
            port,
            "POST",
            "/api/v1/allocations/import?dry_run=true",
            &headers,
            Some((xlsx, &cells)),
        )
    })
    .await
    .unwrap()
    .expect("answered");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "xlsx_too_large", "{body}");
    // Ten imports at once on one server: two run, the others are told to come back.
    let mut csv = String::from("성명,생년월일,급여유형,지급일\n");
    for i in 0..3000 {
        csv.push_str(&format!("없는사람{i},1950-01-01,rice,2026-11-20\n"));
    }
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let (csv, auth) = (csv.clone(), format!("Bearer {}", w.dong));
            std::thread::spawn(move || {
                let headers = [("Authorization", auth.as_str())];
                http_raw(
                    port,
                    "POST",
                    "/api/v1/allocations/import?dry_run=true",
                    &headers,
                    Some(("text/csv", csv.as_bytes())),
                )
                .expect("answered")
            })
        })
        .collect();
    let answers: Vec<(u16, Value)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let busy = answers
        .iter()
        .filter(|(s, b)| *s == 429 && b["code"] == "imports_busy")
        .count();
    let done = answers.iter().filter(|(s, _)| *s == 200).count();
    assert!(
        busy >= 1 && done >= 1 && busy + done == 10,
        "{:?}",
        answers.iter().map(|(s, _)| *s).collect::<Vec<_>>()
    );
}

both!(spreadsheet_bombs_are_refused_before_they_expand);
