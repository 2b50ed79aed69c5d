//! Shared benefit types: the same benefit is caught however each organization named its
//! resource, related benefits are not, grouped types count together, providers are who gave,
//! and the migration keeps every old resource's behaviour.

use std::collections::HashMap;

use actix_web::http::Method;
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::support::{Backend, TestApp, TestDb, World, PASSWORD};

/// Loads the standard list into district 11440 and returns code → id.
async fn standard_types(app: &TestApp, token: &str) -> HashMap<String, String> {
    let report = app
        .db
        .run(|c| {
            hamkke_persistence::repo::benefit_types::seed_standard(c, &Default::default(), "11440")
        })
        .await
        .expect("seed");
    assert!(report.added >= 10, "{report:?}");
    // Each type seeded is recorded as a type created (audit event and outbox row), as one a
    // coordinator adds is.
    let added = report.added as i64;
    let (audited, outboxed) = app
        .db
        .run(|c| {
            use diesel::prelude::*;
            use hamkke_persistence::schema::{audit_events as a, outbox as o};
            let audited: i64 = a::table
                .filter(a::resource_type.eq("benefit_type"))
                .filter(a::action.eq("create"))
                .filter(a::details.like("%\"seeded\":true%"))
                .count()
                .get_result(c)?;
            let outboxed: i64 = o::table
                .filter(o::event_type.eq("benefit_type.created"))
                .count()
                .get_result(c)?;
            Ok::<_, hamkke_persistence::RepoError>((audited, outboxed))
        })
        .await
        .expect("events");
    assert_eq!((audited, outboxed), (added, added));
    // Seeding again adds nothing.
    let again = app
        .db
        .run(|c| {
            hamkke_persistence::repo::benefit_types::seed_standard(c, &Default::default(), "11440")
        })
        .await
        .expect("seed");
    assert_eq!(again.added, 0);
    let list = app
        .get("/api/v1/benefit-types?limit=200", Some(token))
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["code"].as_str().unwrap().to_owned(),
                t["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn resource(
    app: &TestApp,
    token: &str,
    name: &str,
    type_id: &str,
    provider: Option<&str>,
) -> String {
    let r = app
        .post(
            "/api/v1/resources",
            Some(token),
            json!({ "name": name, "benefit_type_id": type_id, "funding": "private_donation", "unit": "개", "provider_org_id": provider }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// A household of two registered by the dong centre: (household, first member, second member).
async fn household(app: &TestApp, w: &World) -> (String, String, String) {
    let h = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 20" }),
        )
        .await;
    let hid = h.body["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for (name, birth) in [("이할머니", "1941-02-02"), ("이손녀", "2011-03-03")] {
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
    (hid, ids[0].clone(), ids[1].clone())
}

async fn give(app: &TestApp, token: &str, body: Value, english: bool) -> crate::support::Resp {
    let mut req = TestApp::req(Method::POST, "/api/v1/allocations", Some(token)).set_json(body);
    if english {
        req = req.insert_header(("Accept-Language", "en-US,en;q=0.9,ko;q=0.5"));
    }
    app.send(req).await
}

async fn the_same_benefit_is_caught_whoever_named_the_resource(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let types = standard_types(&app, &w.dong).await;
    let (_, grandma, granddaughter) = household(&app, &w).await;

    // The dong centre's 협의체 and the welfare centre each give 김장김치 under their own resource.
    let dong_kimchi = resource(
        &app,
        &w.dong,
        "협의체 김장김치",
        &types["kimjang_kimchi"],
        None,
    )
    .await;
    let welfare_kimchi = resource(
        &app,
        &w.welfare,
        "복지관 김장나눔",
        &types["kimjang_kimchi"],
        None,
    )
    .await;
    let first = give(&app, &w.dong, json!({ "resource_id": dong_kimchi, "person_id": grandma, "granted_on": "2026-11-20", "quantity": 10 }), false).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(
        first.body["benefit_type_id"],
        types["kimjang_kimchi"].as_str()
    );
    let attempt = json!({ "resource_id": welfare_kimchi, "person_id": granddaughter, "granted_on": "2026-11-28", "quantity": 10 });
    let blocked = give(&app, &w.welfare, attempt.clone(), false).await;
    blocked.assert_problem(409, "duplicate_benefit");
    let c = &blocked.body["conflicts"][0];
    assert_eq!(c["provider_org_id"], w.d.dong.as_str());
    assert_eq!(c["provider_org_name"], "공덕동 주민센터");
    assert_eq!(c["benefit_type_code"], "kimjang_kimchi");
    assert_eq!(c["benefit_type_name_ko"], "김장김치");
    assert_eq!(c["resource_name"], "협의체 김장김치");
    assert_eq!(c["granted_on"], "2026-11-20");
    assert_eq!(c["subject"], "household");
    let rule = blocked.body["rule"].as_str().unwrap();
    assert!(
        rule.contains("같은 세대") && rule.contains("김장김치"),
        "{rule}"
    );
    let english = give(&app, &w.welfare, attempt.clone(), true).await;
    let rule = english.body["rule"].as_str().unwrap();
    assert!(
        rule.contains("the same household") && rule.contains("Kimjang kimchi"),
        "{rule}"
    );

    // Weekly side dishes for the same household are another benefit: no conflict.
    let dishes = resource(
        &app,
        &w.welfare,
        "복지관 밑반찬",
        &types["side_dishes"],
        None,
    )
    .await;
    let r = give(&app, &w.welfare, json!({ "resource_id": dishes, "person_id": granddaughter, "granted_on": "2026-11-28", "quantity": 1 }), false).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["warnings"], json!([]));

    // 연말 난방유 and 연탄 are one group: oil from the dong centre, then briquettes from the
    // welfare centre in the same winter, is blocked and says why.
    let oil = resource(&app, &w.dong, "사랑의 난방유", &types["heating_oil"], None).await;
    let coal = resource(
        &app,
        &w.welfare,
        "연탄은행 연탄",
        &types["briquettes"],
        None,
    )
    .await;
    let r = give(&app, &w.dong, json!({ "resource_id": oil, "person_id": grandma, "granted_on": "2026-11-25", "quantity": 1 }), false).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = give(&app, &w.welfare, json!({ "resource_id": coal, "person_id": granddaughter, "granted_on": "2027-01-10", "quantity": 300 }), false).await;
    r.assert_problem(409, "duplicate_benefit");
    assert_eq!(r.body["conflicts"][0]["benefit_type_code"], "heating_oil");
    // The rule names what it counted together, in Korean, never the group's code.
    assert!(
        r.body["rule"]
            .as_str()
            .unwrap()
            .contains("연탄(연말 난방유와 함께 셈)은"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("winter_heating"), "{}", r.text);
    // Next winter is another season.
    let r = give(&app, &w.welfare, json!({ "resource_id": coal, "person_id": granddaughter, "granted_on": "2027-11-10", "quantity": 300 }), false).await;
    assert_eq!(r.status, 201, "{}", r.text);

    // Override: the coordinator sees what it would overrule, then rejects it.
    let mut asked = attempt.clone();
    asked["override"] = json!({ "reason": "손녀 별도 세대 분리 예정" });
    let pending = give(&app, &w.welfare, asked, false).await;
    assert_eq!(pending.status, 202, "{}", pending.text);
    let id = pending.body["id"].as_str().unwrap().to_owned();
    let list = app
        .get(
            "/api/v1/allocations?status=pending_override",
            Some(&w.coord),
        )
        .await;
    let item = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{}", list.text));
    let review = &item["review"];
    assert_eq!(
        review["conflicts"][0]["benefit_type_code"],
        "kimjang_kimchi"
    );
    assert_eq!(
        review["conflicts"][0]["provider_org_name"],
        "공덕동 주민센터"
    );
    assert_eq!(review["name_masked"], "이*녀");
    assert_eq!(review["birth_year"], 2011);
    assert_eq!(item["override_reason"], "손녀 별도 세대 분리 예정");
    let r = app
        .post(
            &format!("/api/v1/allocations/{id}/reject"),
            Some(&w.coord),
            json!({ "reason": "동 주민센터에서 이미 지원" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "cancelled");

    // The ledger filters by benefit type.
    let kimchi = app
        .get(
            &format!(
                "/api/v1/allocations?benefit_type_id={}",
                types["kimjang_kimchi"]
            ),
            Some(&w.coord),
        )
        .await;
    assert_eq!(
        kimchi.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        kimchi.text
    );
}

async fn the_provider_is_who_gives(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let types = standard_types(&app, &w.coord).await;
    let p = app.person(&w.dong, "박제공", "1952-05-05", None).await;
    // A coordinator records on behalf of the dong centre: the dong centre is the provider.
    let rice = resource(&app, &w.dong, "동 협의체 쌀", &types["rice"], None).await;
    let r = give(&app, &w.coord, json!({ "resource_id": rice, "provider_org_id": w.d.dong, "person_id": p, "granted_on": "2026-11-02", "quantity": 1 }), false).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["provider_org_id"], w.d.dong.as_str());
    let by_dong = app
        .get(
            &format!("/api/v1/allocations?provider_org_id={}", w.d.dong),
            Some(&w.dong),
        )
        .await;
    assert_eq!(
        by_dong.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        by_dong.text
    );
    // The dong centre delivers what it gave.
    let id = r.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/allocations/{id}/deliver"),
            Some(&w.dong),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A caseworker cannot name another organization as provider.
    give(&app, &w.welfare, json!({ "resource_id": rice, "provider_org_id": w.d.dong, "person_id": p, "granted_on": "2026-11-03", "quantity": 1 }), false)
        .await
        .assert_problem(403, "forbidden");
    // An organization of another district is an unknown reference.
    let r = give(&app, &w.coord, json!({ "resource_id": rice, "provider_org_id": w.far_welfare, "person_id": p, "granted_on": "2026-11-03", "quantity": 1 }), false).await;
    r.assert_problem(404, "not_found");
    assert_eq!(
        r.field_errors()[0],
        ("provider_org_id".into(), "invalid_reference".into())
    );
    // Only the organization itself or a coordinator names a resource's provider: a caseworker
    // naming another organization would make the ledger show the wrong giver.
    app.post(
        "/api/v1/resources",
        Some(&w.dong),
        json!({ "name": "남의 도시락", "benefit_type_id": types["meal_box"], "funding": "private_donation", "unit": "개", "provider_org_id": w.d.welfare }),
    )
    .await
    .assert_problem(403, "forbidden");
    // A resource names its provider: the welfare centre's donated meal boxes, handed out by
    // the dong centre, are the welfare centre's (recorded by the district coordinator).
    let boxes = resource(
        &app,
        &w.coord,
        "복지관 후원 도시락",
        &types["meal_box"],
        Some(&w.d.welfare),
    )
    .await;
    let r = give(
        &app,
        &w.dong,
        json!({ "resource_id": boxes, "person_id": p, "granted_on": "2026-11-04", "quantity": 1 }),
        false,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["provider_org_id"], w.d.welfare.as_str());
    // A resource that has given cannot become another benefit (relabelling would hide the
    // gift from the duplicate check); its name still changes.
    let path = format!("/api/v1/resources/{rice}");
    let version = |r: &crate::support::Resp| format!("\"{}\"", r.body["version"]);
    let current = app.get(&path, Some(&w.dong)).await;
    app.patch(
        &path,
        Some(&w.dong),
        Some(&version(&current)),
        json!({ "benefit_type_id": types["meal_box"] }),
    )
    .await
    .assert_problem(409, "resource_has_given");
    let renamed = app
        .patch(
            &path,
            Some(&w.dong),
            Some(&version(&current)),
            json!({ "name": "동 협의체 햅쌀" }),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["benefit_type_id"], types["rice"].as_str());
    // A resource that never gave may still be corrected.
    let unused = resource(&app, &w.dong, "잘못 고른 쌀", &types["rice"], None).await;
    let path = format!("/api/v1/resources/{unused}");
    let current = app.get(&path, Some(&w.dong)).await;
    let fixed = app
        .patch(
            &path,
            Some(&w.dong),
            Some(&version(&current)),
            json!({ "benefit_type_id": types["meal_box"] }),
        )
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text);
}

both!(
    the_same_benefit_is_caught_whoever_named_the_resource,
    the_provider_is_who_gives,
);

/// Rows as the schema before benefit types held them: resources carrying their own policy
/// (one per person by resource, one per household by category, one per household by
/// resource) and allocations of two of them.
fn plant_pre_migration_rows(c: &mut hamkke_persistence::conn::DbConn) {
    hamkke_persistence::migrate::run_through(c, "2026-11-30-000007").expect("old schema");
    let org = "01930000-0000-7000-8000-000000000001";
    let user = "01930000-0000-7000-8000-000000000002";
    let household = "01930000-0000-7000-8000-000000000003";
    let (p1, p2) = (
        "01930000-0000-7000-8000-000000000004",
        "01930000-0000-7000-8000-000000000005",
    );
    let (rice, coal, oil) = (
        "01930000-0000-7000-8000-000000000011",
        "01930000-0000-7000-8000-000000000012",
        "01930000-0000-7000-8000-000000000013",
    );
    let ts = "'2026-11-01 09:00:00'";
    let mut sql = vec![
        format!("INSERT INTO organizations (id, name, kind, district_code, active, version, created_at, updated_at) VALUES ('{org}', '옛 복지관', 'welfare_center', '11440', true, 1, {ts}, {ts})"),
        format!("INSERT INTO users (id, username, display_name, password_hash, org_id, role, active, failed_logins, version, created_at, updated_at) VALUES ('{user}', 'old.w', '옛 직원', 'x', '{org}', 'caseworker', true, 0, 1, {ts}, {ts})"),
        format!("INSERT INTO households (id, address, registered_by_org_id, allocation_seq, version, created_at, updated_at, district_code) VALUES ('{household}', '서울 마포구 옛길 1', '{org}', 0, 1, {ts}, {ts}, '11440')"),
    ];
    for (id, name) in [(p1, "옛할머니"), (p2, "옛손자")] {
        sql.push(format!("INSERT INTO persons (id, name, birth_date, household_id, flags, registered_by_org_id, allocation_seq, version, created_at, updated_at, district_code) VALUES ('{id}', '{name}', '1945-01-01', '{household}', '', '{org}', 0, 1, {ts}, {ts}, '11440')"));
    }
    for (id, name, category, policy) in [
        (
            rice,
            "옛 쌀",
            "food",
            r#"{"subject":"person","scope":"resource","window":{"kind":"days","days":30},"max_count":1,"max_amount":null,"action":"block"}"#,
        ),
        (
            coal,
            "옛 연탄",
            "heating",
            r#"{"subject":"household","scope":"category","window":{"kind":"season","start":"11-01","end":"03-31"},"max_count":1,"max_amount":null,"action":"block"}"#,
        ),
        (
            oil,
            "옛 난방유",
            "heating",
            r#"{"subject":"household","scope":"resource","window":{"kind":"season","start":"11-01","end":"03-31"},"max_count":1,"max_amount":null,"action":"warn"}"#,
        ),
    ] {
        sql.push(format!("INSERT INTO resources (id, name, category, funding, unit, provider_org_id, district_code, duplicate_policy, created_by_org_id, active, version, created_at, updated_at) VALUES ('{id}', '{name}', '{category}', 'public', '개', NULL, '11440', '{policy}', '{org}', true, 1, {ts}, {ts})"));
    }
    for (i, (resource, person, category, on)) in [
        (rice, p1, "food", "2026-11-10"),
        (oil, p1, "heating", "2026-11-15"),
    ]
    .into_iter()
    .enumerate()
    {
        sql.push(format!("INSERT INTO allocations (id, resource_id, category, person_id, household_id, provider_org_id, district_code, granted_on, status, requested_by, created_at, updated_at) VALUES ('01930000-0000-7000-8000-00000000002{i}', '{resource}', '{category}', '{person}', '{household}', '{org}', '11440', '{on}', 'approved', '{user}', {ts}, {ts})"));
    }
    for s in sql {
        diesel::sql_query(&s)
            .execute(c)
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

async fn the_migration_keeps_every_old_resources_behaviour(b: Backend) {
    // A database of the old schema with its rows, then migrated by the server's start.
    let tdb = TestDb::empty(b);
    {
        let db = hamkke_persistence::Db::connect(&tdb.url, 1, std::time::Duration::from_secs(10))
            .expect("connect");
        let mut c = db.get().expect("conn");
        plant_pre_migration_rows(&mut c);
    }
    let app = TestApp::on_db(tdb, |_| {}, |_| {}).await;
    let org = "01930000-0000-7000-8000-000000000001";
    let r = app
        .post("/api/v1/users", Some(&app.admin_token), json!({ "username": "new.w", "display_name": "새 직원", "password": PASSWORD, "org_id": org, "role": "caseworker" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = app.login("new.w", PASSWORD).await;
    // Every resource got a benefit type of its own, with its policy.
    let types = app.get("/api/v1/benefit-types", Some(&token)).await;
    let items = types.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{}", types.text);
    let by_id = |id: &str| items.iter().find(|t| t["id"] == id).cloned().unwrap();
    let rice = by_id("01930000-0000-7000-8000-000000000011");
    assert_eq!(rice["code"], "resource_01930000000070008000000000000011");
    assert_eq!(rice["name_ko"], "옛 쌀");
    assert_eq!(rice["duplicate_policy"]["scope"], "benefit_type");
    assert_eq!(
        rice["duplicate_policy"]["window"],
        json!({ "kind": "days", "days": 30 })
    );
    assert_eq!(
        by_id("01930000-0000-7000-8000-000000000012")["duplicate_policy"]["scope"],
        "category"
    );
    assert_eq!(
        by_id("01930000-0000-7000-8000-000000000013")["duplicate_policy"]["action"],
        "warn"
    );
    let res = app
        .get(
            "/api/v1/resources/01930000-0000-7000-8000-000000000012",
            Some(&token),
        )
        .await;
    assert_eq!(
        res.body["benefit_type_id"],
        "01930000-0000-7000-8000-000000000012"
    );
    let ledger = app.get("/api/v1/allocations", Some(&token)).await;
    assert!(
        ledger.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["benefit_type_id"] == a["resource_id"]),
        "{}",
        ledger.text
    );

    let check = |resource: &'static str, person: &'static str, on: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            let r = app
                .post("/api/v1/allocations/check", Some(&token), json!({ "resource_id": format!("01930000-0000-7000-8000-0000000000{resource}"), "person_id": format!("01930000-0000-7000-8000-00000000000{person}"), "granted_on": on, "quantity": 1 }))
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body
        }
    };
    // Rice, per person by resource: the same person is blocked, the grandson is not.
    assert_eq!(check("11", "4", "2026-11-20").await["allowed"], false);
    assert_eq!(check("11", "5", "2026-11-20").await["allowed"], true);
    // Briquettes, per household by category: the household's heating oil counts.
    let coal = check("12", "5", "2026-12-01").await;
    assert_eq!(coal["allowed"], false);
    assert_eq!(coal["conflicts"][0]["resource_name"], "옛 난방유");
    // Heating oil, per household by resource, warn: a warning, not a block.
    let oil = check("13", "5", "2026-12-01").await;
    assert_eq!(
        (oil["allowed"].clone(), oil["action"].clone()),
        (json!(true), json!("warn"))
    );
    assert_eq!(oil["conflicts"].as_array().unwrap().len(), 1);
    // Next winter, nothing counts.
    assert_eq!(check("13", "5", "2027-11-10").await["conflicts"], json!([]));
}

both!(the_migration_keeps_every_old_resources_behaviour);

/// A person registered by the dong centre; returns the id.
async fn registered(
    app: &TestApp,
    w: &World,
    name: &str,
    birth: &str,
    rrn: Option<&str>,
) -> String {
    app.person(&w.dong, name, birth, rrn).await
}

async fn lists_import_as_districts_exchange_them(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let types = standard_types(&app, &w.dong).await;
    let kim = registered(&app, &w, "김순자", "1948-03-03", None).await;
    registered(&app, &w, "이영수", "1950-01-01", None).await;
    registered(&app, &w, "이영수", "1950-01-01", None).await;
    let choi = registered(&app, &w, "최민호", "1955-05-05", Some("550505-1234563")).await;
    resource(&app, &w.dong, "협의체 쌀", &types["rice"], None).await;
    resource(
        &app,
        &w.welfare,
        "복지관 김장나눔",
        &types["kimjang_kimchi"],
        None,
    )
    .await;
    resource(&app, &w.dong, "동 밑반찬", &types["side_dishes"], None).await;

    // What Korean Excel saves: CP949, Korean headers, dates with dots.
    let list = "성명,생년월일,주민등록번호,급여유형,자원,수량,금액,지급일,제공기관,비고\n\
        김순자,1948-03-03,,쌀,,1,,2026.11.20,,이름과 생년월일로\n\
        이영수,1950-01-01,,쌀,,1,,2026-11-20,,동명이인\n\
        박새롬,1960-06-06,,쌀,,1,,2026-11-20,,미등록\n\
        ,,550505-1234563,,협의체 쌀,1,\"10,000원\",2026-11-20,,주민번호로\n\
        김순자,1948-03-03,,김장김치,복지관 김장나눔,1,,2026-11-21,마포복지관,다른 기관 이름으로\n";
    let (cp949, _, unmappable) = encoding_rs::EUC_KR.encode(list);
    assert!(!unmappable);
    let post = |body: Vec<u8>,
                content_type: &'static str,
                query: &'static str,
                token: &str,
                accept: Option<&'static str>| {
        let mut req = TestApp::req(
            Method::POST,
            &format!("/api/v1/allocations/import{query}"),
            Some(token),
        )
        .insert_header(("content-type", content_type))
        .set_payload(body);
        if let Some(a) = accept {
            req = req.insert_header(("accept", a));
        }
        app.send(req)
    };
    let r = post(cp949.to_vec(), "text/csv", "", &w.dong, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["encoding"], "cp949");
    assert_eq!(r.body["imported"], 2, "{}", r.text);
    let errors: Vec<(u64, String)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (3, "name".to_owned()),
            (4, "person".to_owned()),
            (6, String::new())
        ],
        "{}",
        r.text
    );
    // Row messages read in Korean by default.
    assert!(r.text.contains("여럿입니다"), "{}", r.text);
    // No personal data in the messages.
    for secret in ["이영수", "박새롬", "1950-01-01", "550505"] {
        assert!(!r.text.contains(secret), "{secret} leaked: {}", r.text);
    }
    let ledger = app
        .get(
            &format!("/api/v1/allocations?person_id={kim}"),
            Some(&w.dong),
        )
        .await;
    assert_eq!(
        ledger.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        ledger.text
    );
    let by_rrn = app
        .get(
            &format!("/api/v1/allocations?person_id={choi}"),
            Some(&w.dong),
        )
        .await;
    assert_eq!(by_rrn.body["items"][0]["amount"], 10000, "{}", by_rrn.text);

    // Again with register_missing, asking for the result as CSV: the unknown person is
    // registered, the imported rows are skipped, the ambiguous row still refused.
    let r = post(
        cp949.to_vec(),
        "text/csv; charset=euc-kr",
        "?register_missing=true",
        &w.dong,
        Some("text/csv"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines.len(), 6, "{}", r.text);
    assert!(lines[1].starts_with("2,이미 등록됨"), "{}", r.text);
    assert!(
        lines[2].starts_with("3,오류") && lines[2].contains("name"),
        "{}",
        r.text
    );
    assert!(lines[3].starts_with("4,등록"), "{}", r.text);
    assert!(lines[4].starts_with("5,이미 등록됨"), "{}", r.text);
    let found = app
        .get(
            "/api/v1/persons?q=%EB%B0%95%EC%83%88%EB%A1%AC&birth_date=1960-06-06",
            Some(&w.dong),
        )
        .await;
    assert_eq!(
        found.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        found.text
    );
    // A third run registers nobody twice.
    let r = post(
        cp949.to_vec(),
        "text/csv",
        "?register_missing=true",
        &w.dong,
        None,
    )
    .await;
    assert_eq!(
        (r.body["imported"].clone(), r.body["registered"].clone()),
        (json!(0), json!(0)),
        "{}",
        r.text
    );

    // A coordinator imports on behalf of the dong centre by naming it.
    let on_behalf = "name,birth_date,benefit_type,resource,granted_on,provider\n\
        김순자,1948-03-03,,동 밑반찬,2026-11-23,공덕동 주민센터\n";
    let r = post(
        on_behalf.as_bytes().to_vec(),
        "text/csv",
        "",
        &w.coord,
        None,
    )
    .await;
    assert_eq!(r.body["imported"], 1, "{}", r.text);
    let dishes = app
        .get(
            &format!(
                "/api/v1/allocations?benefit_type_id={}",
                types["side_dishes"]
            ),
            Some(&w.coord),
        )
        .await;
    assert_eq!(
        dishes.body["items"][0]["provider_org_id"],
        w.d.dong.as_str(),
        "{}",
        dishes.text
    );

    // A row refused for what it gives, or with an implausible birth date, registers nobody.
    let refused = "성명,생년월일,급여유형,자원,지급일,제공기관\n\
        유령,1961-01-01,,복지관 김장나눔,2026-11-24,마포복지관\n\
        유령,1799-01-01,,협의체 쌀,2026-11-24,\n";
    let r = post(
        refused.as_bytes().to_vec(),
        "text/csv",
        "?register_missing=true",
        &w.dong,
        None,
    )
    .await;
    assert_eq!(
        (r.body["imported"].clone(), r.body["registered"].clone()),
        (json!(0), json!(0)),
        "{}",
        r.text
    );
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 2, "{}", r.text);
    let ghosts = app
        .get("/api/v1/persons?q=%EC%9C%A0%EB%A0%B9", Some(&w.dong))
        .await;
    assert_eq!(ghosts.body["items"], json!([]), "{}", ghosts.text);

    // XLSX, as uploaded straight from Excel (a real date cell).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["성명", "생년월일", "급여유형", "지급일", "수량"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "김순자").unwrap();
    sheet.write_string(1, 1, "1948-03-03").unwrap();
    sheet.write_string(1, 2, "side_dishes").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 30).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_datetime_with_format(1, 3, &date, &fmt).unwrap();
    sheet.write_number(1, 4, 2.0).unwrap();
    let xlsx = book.save_to_buffer().unwrap();
    let xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let r = post(xlsx.clone(), xlsx_type, "", &w.dong, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["encoding"].clone(), r.body["imported"].clone()),
        (json!("xlsx"), json!(1)),
        "{}",
        r.text
    );

    // Multipart with a `file` field, as generated clients send it (UTF-8 with BOM inside).
    let boundary = "hamkke-test-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n\u{feff}성명,생년월일,급여유형,지급일\r\n김순자,1948-03-03,도시락,2026-11-29\r\n").into_bytes();
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    resource(&app, &w.dong, "동 도시락", &types["meal_box"], None).await;
    let r = post(
        body,
        "multipart/form-data; boundary=hamkke-test-boundary",
        "",
        &w.dong,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["encoding"].clone(), r.body["imported"].clone()),
        (json!("utf-8"), json!(1)),
        "{}",
        r.text
    );
    // Not a table: refused whole, nothing imported.
    post(
        b"\xff\xfe\x00garbage".to_vec(),
        xlsx_type,
        "",
        &w.dong,
        None,
    )
    .await
    .assert_problem(400, "validation_failed");
    post(b"%PDF-1.4".to_vec(), "application/pdf", "", &w.dong, None)
        .await
        .assert_problem(415, "unsupported_media_type");
}

both!(lists_import_as_districts_exchange_them);

/// Adding a benefit type to a group answers what it now counts with: the group's members with
/// their policies, and each rule of the group in words; the catalogue lists every grouped type
/// with the rest of its group.
async fn adding_to_a_group_says_what_it_now_blocks(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let season = json!({ "kind": "season", "start": "11-01", "end": "03-31" });
    let oil = app
        .post("/api/v1/benefit-types", Some(&w.coord), json!({ "code": "heating_oil", "name_ko": "연말 난방유", "name_en": "Year-end heating oil", "category": "heating", "group": "winter_heating",
            "duplicate_policy": { "subject": "household", "window": season, "max_count": 1, "action": "block" } }))
        .await;
    assert_eq!(oil.status, 201, "{}", oil.text);
    assert_eq!(oil.body["group_members"], json!([]));
    let blanket = app
        .post("/api/v1/benefit-types", Some(&w.coord), json!({ "code": "electric_blanket", "name_ko": "전기장판", "name_en": "Electric blanket", "category": "heating", "group": "winter_heating",
            "duplicate_policy": { "subject": "household", "window": season, "max_count": 1, "action": "warn" } }))
        .await;
    assert_eq!(blanket.status, 201, "{}", blanket.text);
    let members = blanket.body["group_members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{}", blanket.text);
    assert_eq!(members[0]["code"], "heating_oil");
    assert_eq!(members[0]["duplicate_policy"]["action"], "block");
    // In words: heating oil is now counted with the blanket — a blanket given blocks the oil.
    let ko = blanket.body["group_effects"]["ko"].as_array().unwrap();
    assert_eq!(ko.len(), 2, "{}", blanket.text);
    assert!(
        ko[1]
            .as_str()
            .unwrap()
            .contains("연말 난방유(전기장판과 함께 셈)는"),
        "{ko:?}"
    );
    assert!(
        !ko.iter()
            .any(|r| r.as_str().unwrap().contains("winter_heating")),
        "{ko:?}"
    );
    let en = blanket.body["group_effects"]["en"].as_array().unwrap();
    assert!(
        en[1]
            .as_str()
            .unwrap()
            .contains("Year-end heating oil (counted with Electric blanket)"),
        "{en:?}"
    );
    // The catalogue: each grouped type with the rest of its group.
    let list = app
        .get("/api/v1/benefit-types?group=winter_heating", Some(&w.dong))
        .await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", list.text);
    for t in items {
        let others: Vec<&str> = t["group_members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["code"].as_str().unwrap())
            .collect();
        assert_eq!(others.len(), 1, "{t}");
        assert_ne!(others[0], t["code"].as_str().unwrap());
        assert!(
            t.get("group_effects").is_none(),
            "effects only answer a change: {t}"
        );
    }
}

both!(adding_to_a_group_says_what_it_now_blocks);
