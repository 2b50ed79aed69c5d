//! The coordinator dashboard's figures (`GET /reports/dashboard`) and the page at `/dashboard/`.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World};

fn today() -> chrono::NaiveDate {
    hamkke_domain::today()
}

async fn give(app: &TestApp, token: &str, r: &str, person: &str, on: &str) -> crate::support::Resp {
    app.post(
        "/api/v1/allocations",
        Some(token),
        json!({ "resource_id": r, "person_id": person, "granted_on": on, "quantity": 1 }),
    )
    .await
}

async fn override_request(app: &TestApp, token: &str, r: &str, person: &str, on: &str) -> String {
    let res = app
        .post(
            "/api/v1/allocations",
            Some(token),
            json!({ "resource_id": r, "person_id": person, "granted_on": on, "quantity": 1, "override": { "reason": "한파 특별지원" } }),
        )
        .await;
    assert_eq!(res.status, 202, "{}", res.text);
    res.body["id"].as_str().unwrap().to_owned()
}

async fn to(app: &TestApp, token: &str, case: &str, body: Value) {
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            Some(token),
            body,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// The dong centre's heating oil (one per household a winter, blocked) and the welfare centre's
/// food bank box (one per person in 30 days, warned).
async fn oil_and_food(app: &TestApp, w: &World) -> (String, String) {
    let oil = app.resource(
        &w.dong,
        json!({ "name": "연말 난방유", "category": "heating", "funding": "private_donation", "unit": "드럼",
                "duplicate_policy": { "subject": "household", "scope": "resource", "window": { "kind": "season", "start": "11-01", "end": "03-31" }, "max_count": 1, "action": "block" } }),
    )
    .await;
    let food = app.resource(
        &w.welfare,
        json!({ "name": "푸드뱅크 꾸러미", "category": "food", "funding": "private_donation", "unit": "상자",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "warn" } }),
    )
    .await;
    (oil, food)
}

/// `(month, key) → count` of a monthly series.
fn cells(list: &Value) -> HashMap<(String, String), i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                (
                    t["month"].as_str().unwrap().to_owned(),
                    t["key"].as_str().unwrap().to_owned(),
                ),
                t["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn tally(list: &Value) -> HashMap<String, i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap().to_owned(),
                t["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn the_dashboard_counts_what_happened(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    // The dong centre serves its administrative dong (a coordinator records it).
    let r = app
        .patch(
            &format!("/api/v1/organizations/{}", w.d.dong),
            Some(&w.coord),
            Some("\"1\""),
            json!({ "admin_dong_code": "1144055500" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["admin_dong_code"], "1144055500");
    // Only a dong centre serves a dong.
    let r = app
        .patch(
            &format!("/api/v1/organizations/{}", w.d.welfare),
            Some(&app.admin_token),
            Some("\"1\""),
            json!({ "admin_dong_code": "1144056500" }),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    // A household of two living in that dong and a neighbour, registered by the dong centre;
    // one person registered by the welfare centre.
    let h = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10", "admin_dong_code": "1144055500" }),
        )
        .await;
    let hid = h.body["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for (name, birth) in [("김할머니", "1940-01-01"), ("김손자", "2012-01-01")] {
        let r = app
            .post(
                "/api/v1/persons",
                Some(&w.dong),
                json!({ "name": name, "birth_date": birth, "household_id": hid }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let (grandma, grandson) = (ids[0].clone(), ids[1].clone());
    let neighbour = app.person(&w.dong, "이웃", "1960-01-01", None).await;
    let walk_in = app
        .person(&w.welfare, "복지관대상", "1955-05-05", None)
        .await;

    let (oil, food) = oil_and_food(&app, &w).await;
    // Oil: one for the household, two refused attempts, one override approved, one rejected.
    assert_eq!(
        give(&app, &w.dong, &oil, &grandma, "2026-11-20")
            .await
            .status,
        201
    );
    for day in ["2026-11-25", "2026-11-26"] {
        give(&app, &w.welfare, &oil, &grandson, day)
            .await
            .assert_problem(409, "duplicate_benefit");
    }
    let approved = override_request(&app, &w.welfare, &oil, &grandson, "2026-11-27").await;
    let r = app
        .post(
            &format!("/api/v1/allocations/{approved}/approve"),
            Some(&w.coord),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rejected = override_request(&app, &w.welfare, &oil, &grandson, "2026-11-28").await;
    let r = app
        .post(
            &format!("/api/v1/allocations/{rejected}/reject"),
            Some(&w.coord),
            json!({ "reason": "이미 지원됨" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pending = override_request(&app, &w.welfare, &oil, &grandson, "2026-11-29").await;
    // Food: the neighbour three times (two repeats), the welfare centre's client once.
    for day in ["2026-10-15", "2026-11-20", "2026-11-21"] {
        assert_eq!(
            give(&app, &w.welfare, &food, &neighbour, day).await.status,
            201
        );
    }
    assert_eq!(
        give(&app, &w.welfare, &food, &walk_in, "2026-10-20")
            .await
            .status,
        201
    );

    // Cases: the neighbour's is in service with an overdue review; the walk-in's is closed;
    // grandma's was just found.
    let c1 = app.case(&w.dong, &neighbour).await;
    to(&app, &w.dong, &c1, json!({ "to": "in_service" })).await;
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    let r = app
        .post(
            &format!("/api/v1/cases/{c1}/plans"),
            Some(&w.dong),
            json!({ "summary": "식사 지원", "starts_on": "2026-10-01",
                    "goals": [{ "text": "규칙적인 식사", "domain": "health" }],
                    "services": [{ "description": "푸드뱅크", "provider_org_id": w.d.dong, "frequency": "월 1회", "starts_on": "2026-10-01" }],
                    "next_review_on": yesterday }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let c2 = app.case(&w.welfare, &walk_in).await;
    to(&app, &w.welfare, &c2, json!({ "to": "in_service" })).await;
    to(
        &app,
        &w.welfare,
        &c2,
        json!({ "to": "closed", "closing_reason": "goal_achieved", "evaluation": "식사 문제 해결, 자립" }),
    )
    .await;
    app.case(&w.dong, &grandma).await;

    let month = format!("{}", today().format("%Y-%m"));
    let path = format!("/api/v1/reports/dashboard?from=2026-10-01&to={}", today());
    let d = app.get(&path, Some(&w.coord)).await;
    assert_eq!(d.status, 200, "{}", d.text);
    let b = &d.body;
    assert_eq!(b["district_code"], "11440");
    assert_eq!(b["months"][0], "2026-10");
    assert_eq!(
        b["months"].as_array().unwrap().last().unwrap(),
        &json!(month)
    );
    // Cases.
    let status = tally(&b["cases_by_status"]);
    assert_eq!(status.get("in_service"), Some(&1), "{}", d.text);
    assert_eq!(status.get("closed"), Some(&1), "{}", d.text);
    assert_eq!(status.get("discovered"), Some(&1), "{}", d.text);
    let labels: Vec<&str> = b["cases_by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"종결"), "Korean labels: {labels:?}");
    assert_eq!(tally(&b["cases_by_risk_level"]).get("high"), Some(&3));
    let lead = tally(&b["cases_by_lead_org"]);
    assert_eq!(lead.get("공덕동 주민센터"), Some(&2), "{}", d.text);
    assert_eq!(lead.values().sum::<i64>(), 3);
    let this_month = b["cases_per_month"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == json!(month))
        .unwrap();
    assert_eq!(
        (this_month["opened"].as_i64(), this_month["closed"].as_i64()),
        (Some(3), Some(1))
    );
    assert_eq!(b["reviews_overdue"]["total"], 1);
    assert_eq!(
        tally(&b["reviews_overdue"]["by_lead_org"]).get("공덕동 주민센터"),
        Some(&1)
    );
    // Allocations per month by benefit type (keyed by code, named), provider and dong.
    let by_type = b["allocations_by_benefit_type"].as_array().unwrap();
    let oil_code = by_type
        .iter()
        .find(|t| t["label"] == "연말 난방유")
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let food_code = by_type
        .iter()
        .find(|t| t["label"] == "푸드뱅크 꾸러미")
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let types = cells(&b["allocations_by_benefit_type"]);
    // The pending override counts as a claim (as in the check); the rejected one does not.
    assert_eq!(
        types.get(&("2026-11".into(), oil_code.clone())),
        Some(&3),
        "{}",
        d.text
    );
    assert_eq!(types.get(&("2026-10".into(), food_code.clone())), Some(&2));
    assert_eq!(types.get(&("2026-11".into(), food_code.clone())), Some(&2));
    let providers = cells(&b["allocations_by_provider"]);
    assert_eq!(providers.values().sum::<i64>(), 7);
    // By the dong of residence: the household's members under their dong, named by its centre;
    // everyone else (no household dong recorded) as unknown.
    let residence = b["allocations_by_dong"].as_array().unwrap();
    let total = |key: &str| -> i64 {
        residence
            .iter()
            .filter(|t| t["key"] == key)
            .map(|t| t["count"].as_i64().unwrap())
            .sum()
    };
    assert!(total("1144055500") > 0, "{}", d.text);
    assert!(residence
        .iter()
        .filter(|t| t["key"] == "1144055500")
        .all(|t| t["label"] == "공덕동 주민센터"));
    assert!(residence
        .iter()
        .filter(|t| t["key"] == "unknown")
        .all(|t| t["label"] == "거주 동 미상"));
    assert_eq!(total("1144055500") + total("unknown"), 7, "{}", d.text);
    // By the dong centre that registered the recipient.
    let dongs = cells(&b["allocations_by_registering_org"]);
    assert_eq!(
        dongs.get(&("2026-11".into(), w.d.dong.clone())),
        Some(&5),
        "{}",
        d.text
    );
    assert_eq!(dongs.get(&("2026-10".into(), "other".into())), Some(&1));
    assert_eq!(dongs.get(&("2026-10".into(), w.d.dong.clone())), Some(&1));
    // Duplicates: counted when they happened (this month), not by the date of the benefit.
    let dup = &b["duplicates"];
    assert_eq!(dup["prevented"], 2, "{}", d.text);
    assert_eq!(dup["overrides_approved"], 1);
    assert_eq!(dup["overrides_rejected"], 1);
    assert_eq!(dup["overrides_pending"], 1);
    let m = dup["per_month"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == json!(month))
        .unwrap();
    assert_eq!(
        (m["prevented"].as_i64(), m["overrides_rejected"].as_i64()),
        (Some(2), Some(1))
    );
    // Repeats: the neighbour had food three times (two repeats); the grandson's approved and
    // pending overrides are two oil claims (one repeat). Most repeats first.
    let repeats = b["repeated_benefit_types"].as_array().unwrap();
    assert_eq!(repeats.len(), 2, "{}", d.text);
    assert_eq!(repeats[0]["benefit_type_code"], json!(food_code));
    assert_eq!(
        (
            repeats[0]["recipients"].as_i64(),
            repeats[0]["repeats"].as_i64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(repeats[1]["benefit_type_code"], json!(oil_code));
    assert_eq!(repeats[1]["repeats"], 1);
    // No person data in the figures.
    for name in [
        "김할머니",
        "김손자",
        "이웃",
        "복지관대상",
        &grandma,
        &grandson,
        &pending,
    ] {
        assert!(!d.text.contains(name), "{name} in the dashboard");
    }
    // A period before anything happened is empty but whole.
    let empty = app
        .get(
            "/api/v1/reports/dashboard?from=2020-01-01&to=2020-03-31",
            Some(&w.coord),
        )
        .await;
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(
        empty.body["months"],
        json!(["2020-01", "2020-02", "2020-03"])
    );
    assert_eq!(empty.body["allocations_by_benefit_type"], json!([]));

    // One section as CSV (Korean headers) and XLSX.
    let csv = app
        .send(
            TestApp::req(
                actix_web::http::Method::GET,
                &format!("{path}&section=allocations_by_benefit_type"),
                Some(&w.coord),
            )
            .insert_header(("accept", "text/csv")),
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let first = csv
        .text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(first, "월,급여유형,건수,금액(원)");
    assert!(csv.text.contains("2026-11,연말 난방유,3,"), "{}", csv.text);
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("hamkke_dashboard_allocations_by_benefit_type_11440_2026-10-01_"));
    let xlsx = app
        .send(
            TestApp::req(
                actix_web::http::Method::GET,
                &format!("{path}&section=duplicates"),
                Some(&w.coord),
            )
            .insert_header((
                "accept",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )),
        )
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.raw.starts_with(b"PK"), "an XLSX is a zip archive");
    // A download names its section; a period must run forwards.
    app.send(
        TestApp::req(actix_web::http::Method::GET, &path, Some(&w.coord))
            .insert_header(("accept", "text/csv")),
    )
    .await
    .assert_problem(400, "validation_failed");
    app.get(
        "/api/v1/reports/dashboard?from=2026-12-01&to=2026-01-01",
        Some(&w.coord),
    )
    .await
    .assert_problem(400, "validation_failed");
    app.get("/api/v1/reports/dashboard?section=nope", Some(&w.coord))
        .await
        .assert_problem(400, "validation_failed");
    // Far years and endless periods are refused, not computed.
    for q in [
        "from=-262143-01-01",
        "to=%2B262142-12-31",
        "to=262142-12-31",
        "from=1999-12-31",
        "from=2000-01-01&to=2030-01-01",
    ] {
        let r = app
            .get(&format!("/api/v1/reports/dashboard?{q}"), Some(&w.coord))
            .await;
        assert_eq!(r.status, 400, "{q}: {}", r.text);
        assert!(
            ["validation_failed", "date_out_of_range"].contains(&r.body["code"].as_str().unwrap()),
            "{q}: {}",
            r.text
        );
    }

    // Caseworkers see no district figures; another district's are not the coordinator's.
    for token in [&w.dong, &w.welfare, &w.far] {
        app.get("/api/v1/reports/dashboard", Some(token))
            .await
            .assert_problem(403, "forbidden");
    }
    app.get(
        "/api/v1/reports/dashboard?district_code=11110",
        Some(&w.coord),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get("/api/v1/reports/dashboard", None)
        .await
        .assert_problem(401, "missing_token");
}
both!(the_dashboard_counts_what_happened);

#[actix_web::test]
async fn the_page_is_served_from_the_binary_with_a_strict_policy() {
    let app = TestApp::new(Backend::Sqlite).await;
    let page = app.get("/dashboard/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("통합사례관리 현황판"));
    let csp = page.header("content-security-policy").unwrap().to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{csp}"
    );
    // Nothing on the page loads from another origin, and nothing runs inline.
    assert!(!page.text.contains("http://") && !page.text.contains("https://"));
    assert!(!page.text.contains("<script>") && !page.text.contains("style="));
    for (asset, kind) in [
        ("app.js", "text/javascript"),
        ("app.css", "text/css"),
        ("vendor/chart.umd.min.js", "text/javascript"),
        ("vendor/LICENSE-chart.js.md", "text/plain"),
    ] {
        let r = app.get(&format!("/dashboard/{asset}"), None).await;
        assert_eq!(r.status, 200, "{asset}");
        assert!(
            r.header("content-type").unwrap().starts_with(kind),
            "{asset}"
        );
    }
    let js = app.get("/dashboard/app.js", None).await;
    assert!(!js.text.contains("localStorage.set") && !js.text.contains("sessionStorage.set"));
    assert!(!js.text.contains("document.cookie"));
    app.get("/dashboard/../Cargo.toml", None)
        .await
        .assert_problem(404, "not_found");
    app.get("/dashboard/nope.js", None)
        .await
        .assert_problem(404, "not_found");
    let r = app.get("/dashboard", None).await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/dashboard/"));
}

/// Reports read on a pool of their own, on a standby when `DATABASE_REPLICA_URL` names one:
/// here a read-only session on the same database stands in for the standby (a write there
/// fails), so the reports answer only if they wrote nothing on it; their audit events are on
/// the primary, and a refusal is still recorded. SQLite: the server's pool, the same answers.
async fn reports_read_on_the_replica_and_audit_on_the_primary(b: Backend) {
    let app = TestApp::with_config(b, |c| {
        if c.database_url.starts_with("postgres") {
            let sep = if c.database_url.contains('?') { '&' } else { '?' };
            c.replica_url = Some(format!(
                "{}{sep}application_name=hamkke-reports&options=-c%20default_transaction_read_only%3Don",
                c.database_url
            ));
            c.report_pool_size = 1;
        }
    })
    .await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "보고서대상", "1950-01-01", None).await;
    let oil = app
        .resource(&w.dong, json!({ "name": "연말 난방유", "category": "heating", "funding": "private_donation", "unit": "드럼",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "warn" } }))
        .await;
    assert_eq!(
        give(&app, &w.dong, &oil, &p, "2026-11-20").await.status,
        201
    );
    for path in [
        "/api/v1/reports/dashboard",
        "/api/v1/reports/duplicates",
        "/api/v1/reports/overview",
    ] {
        let r = app
            .send(
                TestApp::req(actix_web::http::Method::GET, path, Some(&w.coord))
                    .insert_header(("x-access-purpose", "audit")),
            )
            .await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    app.get("/api/v1/reports/overview", Some(&w.dong))
        .await
        .assert_problem(403, "forbidden");
    // The other reads that may lag: the hub overview, the audit trail, a person's access log.
    let lagging = [
        (
            format!("/api/v1/organizations/{}/hub-overview", w.d.welfare),
            w.coord.clone(),
        ),
        (
            "/api/v1/audit-events?limit=5".to_owned(),
            app.admin_token.clone(),
        ),
        (format!("/api/v1/persons/{p}/access-log"), w.dong.clone()),
    ];
    for (path, token) in &lagging {
        let r = app.get(path, Some(token)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    let log = app
        .get(&format!("/api/v1/persons/{p}/access-log"), Some(&w.welfare))
        .await;
    assert_eq!(log.status, 403, "{}", log.text);
    let postgres = app.url().starts_with("postgres");
    let (exports, denied, standby) = app
        .db
        .run(move |c| {
            use diesel::sql_types::{BigInt, Text};
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = BigInt)]
                n: i64,
            }
            #[derive(diesel::QueryableByName)]
            struct Q {
                #[diesel(sql_type = Text)]
                query: String,
            }
            let count = |c: &mut hamkke_persistence::DbConn, sql: &str| {
                diesel::sql_query(sql).get_result::<N>(c).map(|r| r.n)
            };
            let exports = count(c, "SELECT count(*) AS n FROM audit_events WHERE action = 'export' AND resource_type IN ('report_duplicates', 'report_overview', 'report_dashboard')")?;
            let denied = count(c, "SELECT count(*) AS n FROM audit_events WHERE action = 'denied' AND resource_type IN ('report', 'person')")?;
            let views = count(c, "SELECT count(*) AS n FROM audit_events WHERE action = 'view' AND resource_type IN ('hub_overview', 'audit_events', 'person_access_log')")?;
            // The standby's session ran the reports' last statement.
            let standby = if postgres {
                diesel::sql_query("SELECT query FROM pg_stat_activity WHERE application_name = 'hamkke-reports' AND datname = current_database()")
                    .load::<Q>(c)?
                    .into_iter()
                    .map(|q| q.query)
                    .collect()
            } else {
                Vec::new()
            };
            Ok(((exports, views), denied, standby))
        })
        .await
        .unwrap();
    assert_eq!((exports, denied), ((3, 3), 2));
    if postgres {
        assert_eq!(standby.len(), 1, "one connection in the report pool");
        // The last read was the refused access log's: whether the caller leads a case.
        assert!(
            standby[0].contains("case_members"),
            "the report pool ran the lagging reads: {standby:?}"
        );
    }
}

both!(reports_read_on_the_replica_and_audit_on_the_primary);

/// The dashboard's and the overview's figures for 2026 as the coordinator reads them.
pub(crate) async fn figures(app: &TestApp, coord: &str) -> (Value, Value) {
    let period = "district_code=11440&from=2026-01-01&to=2026-12-31";
    let d = app
        .get(&format!("/api/v1/reports/dashboard?{period}"), Some(coord))
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    let o = app
        .get(&format!("/api/v1/reports/overview?{period}"), Some(coord))
        .await;
    assert_eq!(o.status, 200, "{}", o.text);
    (d.body, o.body)
}

/// Counts every marked day again (what the server's background task does).
async fn count(app: &TestApp) {
    hamkke_http::housekeeping::count_tallies(&app.db).await;
    let left = app
        .db
        .run(hamkke_persistence::repo::tallies::pending)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

/// The overview's and the dashboard's figures are the ledger's whether a day is read from the
/// day tallies or, still marked, from the ledger itself — after allocations given, cancelled and
/// approved on override, a household's dong changed and a person moved to another household.
async fn the_day_tallies_give_the_ledgers_figures(b: Backend) {
    use hamkke_persistence::repo::tallies;
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let h = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10", "admin_dong_code": "1144055500" }),
        )
        .await;
    assert_eq!(h.status, 201, "{}", h.text);
    let hid = h.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "김할머니", "birth_date": "1940-01-01", "household_id": hid }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let grandma = r.body["id"].as_str().unwrap().to_owned();
    let neighbour = app.person(&w.dong, "이웃", "1960-01-01", None).await;
    let walk_in = app
        .person(&w.welfare, "복지관대상", "1955-05-05", None)
        .await;
    let (oil, food) = oil_and_food(&app, &w).await;
    let mut given = Vec::new();
    for (token, r, person, day) in [
        (&w.dong, &oil, &grandma, "2026-11-20"),
        (&w.welfare, &food, &neighbour, "2026-10-15"),
        (&w.welfare, &food, &neighbour, "2026-11-20"),
        (&w.welfare, &food, &grandma, "2026-11-21"),
        (&w.welfare, &food, &walk_in, "2026-10-20"),
    ] {
        let r = give(&app, token, r, person, day).await;
        assert_eq!(r.status, 201, "{}", r.text);
        given.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let approved = override_request(&app, &w.welfare, &oil, &grandma, "2026-11-27").await;
    let r = app
        .post(
            &format!("/api/v1/allocations/{approved}/approve"),
            Some(&w.coord),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let from_ledger = figures(&app, &w.coord).await;
    assert!(from_ledger.1["allocations_by_category"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    count(&app).await;
    assert_eq!(
        figures(&app, &w.coord).await,
        from_ledger,
        "counted days read from the tallies"
    );

    // Changes: an allocation cancelled, one more given, the household's dong changed, the
    // neighbour moved into the household. Some days are now marked, the rest counted.
    let r = app
        .post(
            &format!("/api/v1/allocations/{}/cancel", given[1]),
            Some(&w.welfare),
            json!({ "reason": "중복 입력" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = give(&app, &w.welfare, &food, &walk_in, "2026-12-01").await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .patch(
            &format!("/api/v1/households/{hid}"),
            Some(&w.dong),
            Some("\"1\""),
            json!({ "admin_dong_code": "1144056500" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let version = app
        .get(&format!("/api/v1/persons/{neighbour}"), Some(&w.dong))
        .await;
    let etag = version.header("etag").unwrap().to_owned();
    let r = app
        .patch(
            &format!("/api/v1/persons/{neighbour}"),
            Some(&w.dong),
            Some(&etag),
            json!({ "household_id": hid }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mixed = figures(&app, &w.coord).await;
    assert_ne!(mixed, from_ledger, "the changes show at once");
    count(&app).await;
    let counted = figures(&app, &w.coord).await;
    app.db.run(tallies::mark_all).await.unwrap();
    let truth = figures(&app, &w.coord).await;
    assert_eq!(mixed, truth, "marked days read from the ledger");
    assert_eq!(counted, truth, "counted again after the changes");
    let dongs = truth.1["allocations_by_dong"].to_string();
    assert!(
        dongs.contains("1144056500") && !dongs.contains("1144055500"),
        "{dongs}"
    );
}
both!(the_day_tallies_give_the_ledgers_figures);
