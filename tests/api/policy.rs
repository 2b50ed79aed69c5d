//! The access policy as a table: for each role of the usual district and each scope, what its
//! list returns of a generated fixture — checked in (`policy.txt`), reviewed in diffs — and,
//! for every object of the fixture, that reading it answers exactly as the list does (a list
//! and a read never disagree: both are the same scope, `persistence::scope` and
//! `domain::authz`). `HAMKKE_UPDATE_POLICY=1` rewrites the table.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World, PASSWORD};

/// A fixture object: its label in the table and its id.
type Objects = Vec<(&'static str, String)>;

fn id(v: &crate::support::Resp) -> String {
    assert!(v.status.as_u16() < 300, "{}", v.text);
    match v.body["id"].as_str() {
        Some(i) => i.to_owned(),
        None => panic!("no id: {}", v.text),
    }
}

/// Every id a list answers, following its cursor.
async fn list_all(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
            None => format!("{path}{sep}limit=100"),
        };
        let r = app.get(&url, Some(token)).await;
        if r.status != 200 {
            // A scope the role has no list of at all.
            return out;
        }
        let items = match &r.body {
            Value::Array(a) => a.clone(),
            b => b["items"].as_array().cloned().unwrap_or_default(),
        };
        for i in items {
            let key = ["id", "user_id", "allocation_id"]
                .iter()
                .find_map(|k| i[*k].as_str())
                .expect("an id")
                .to_owned();
            out.push(key);
        }
        cursor = r.body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return out;
        }
    }
}

/// How a read of one object answers: `full`, `redacted` (a person without details) or
/// `hidden` (404 or 403).
async fn read(app: &TestApp, token: &str, path: &str) -> &'static str {
    let r = app.get(path, Some(token)).await;
    match r.status.as_u16() {
        200 if r.body["redacted"] == true => "redacted",
        200 => "full",
        403 | 404 => "hidden",
        s => panic!("{path}: unexpected {s}: {}", r.text),
    }
}

async fn policy_table(b: Backend) {
    // (webhooks to a local address nobody listens on: deliveries are not this test's business)
    let app = TestApp::with_config(b, |c| {
        c.webhooks.allow_http = vec!["127.0.0.1:9".into()];
        c.webhooks.allow_hosts = vec!["127.0.0.1:9".into()];
    })
    .await;
    let w = World::create(&app).await;
    app.user("aud", &w.d.office, "auditor").await;
    app.user("wel.adm", &w.d.welfare, "org_admin").await;
    app.user("far.adm", &w.far_welfare, "org_admin").await;
    let actors: Vec<(&str, String)> = vec![
        ("dong caseworker", w.dong.clone()),
        ("welfare caseworker", w.welfare.clone()),
        ("welfare org_admin", app.login("wel.adm", PASSWORD).await),
        ("district coordinator", w.coord.clone()),
        ("district auditor", app.login("aud", PASSWORD).await),
        ("far caseworker", w.far.clone()),
        ("far org_admin", app.login("far.adm", PASSWORD).await),
    ];

    // Persons: the dong centre's, the welfare centre's, one the dong centre registered with a
    // consent naming the welfare centre, one in a case both take part in under a consent for
    // the case's participants, and one of another district.
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let p_dong = app.person(&w.dong, "한동주", "1950-01-01", None).await;
    let p_wel = app.person(&w.welfare, "한복지", "1951-02-02", None).await;
    let p_named = app.person(&w.dong, "한동의", "1952-03-03", None).await;
    let consent = json!({ "purpose": "사례관리", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": expires });
    id(&app
        .post(
            &format!("/api/v1/persons/{p_named}/consents"),
            Some(&w.dong),
            consent,
        )
        .await);
    let p_shared = app.person(&w.dong, "한공유", "1953-04-04", None).await;
    let p_far = app.person(&w.far, "한먼곳", "1954-05-05", None).await;

    // Cases: each organization's own, one shared under the participants' consent, and the far
    // district's.
    let c_dong = app.case(&w.dong, &p_dong).await;
    let c_wel = app.case(&w.welfare, &p_wel).await;
    let c_shared = app.case(&w.dong, &p_shared).await;
    let added = app
        .post(
            &format!("/api/v1/cases/{c_shared}/participants"),
            Some(&w.dong),
            json!({ "organization_id": w.d.welfare, "role": "co_manager" }),
        )
        .await;
    assert!(added.status.is_success(), "{}", added.text);
    let consent =
        json!({ "purpose": "사례관리", "scope": "case_participants", "expires_at": expires });
    id(&app
        .post(
            &format!("/api/v1/persons/{p_shared}/consents"),
            Some(&w.dong),
            consent,
        )
        .await);
    let c_far = app.case(&w.far, &p_far).await;

    // Notes on the shared case: one for the participants, one the dong centre keeps.
    let note = |visibility: &str| json!({ "kind": "phone", "occurred_at": "2026-11-01T09:00:00Z", "body": "통화", "visibility": visibility });
    let n_shared = id(&app
        .post(
            &format!("/api/v1/cases/{c_shared}/notes"),
            Some(&w.dong),
            note("participants"),
        )
        .await);
    let n_own = id(&app
        .post(
            &format!("/api/v1/cases/{c_shared}/notes"),
            Some(&w.dong),
            note("own_org"),
        )
        .await);

    // A meeting of the dong centre (the welfare caseworker invited), one of the far district.
    let meeting = |who: Option<&str>| json!({ "kind": "assessment", "title": "사정회의", "scheduled_at": "2026-11-25T14:00:00Z", "participant_user_ids": who.map(|u| vec![u.to_owned()]).unwrap_or_default() });
    let m_dong = id(&app
        .post(
            "/api/v1/meetings",
            Some(&w.dong),
            meeting(Some(&w.welfare_user)),
        )
        .await);
    let m_alone = id(&app
        .post("/api/v1/meetings", Some(&w.dong), meeting(None))
        .await);
    let m_far = id(&app
        .post("/api/v1/meetings", Some(&w.far), meeting(None))
        .await);

    // A referral from the dong centre to the welfare centre.
    let r_dong = id(&app
        .post(
            "/api/v1/referrals",
            Some(&w.dong),
            json!({ "case_id": c_dong, "to_organization_id": w.d.welfare, "reason": "정서지원" }),
        )
        .await);

    // Households, resources, allocations, webhooks of both districts.
    let h_dong = id(&app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10" }),
        )
        .await);
    let h_far = id(&app
        .post(
            "/api/v1/households",
            Some(&w.far),
            json!({ "address": "서울 종로구 종로 1" }),
        )
        .await);
    let resource = |name: &str| {
        json!({ "name": name, "category": "food", "funding": "public", "unit": "포",
        "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 5, "action": "warn" } })
    };
    let res_dong = id(&app.post_resource(&w.dong, resource("쌀")).await);
    let res_far = id(&app.post_resource(&w.far, resource("라면")).await);
    let give = |r: &str, p: &str| json!({ "resource_id": r, "person_id": p, "granted_on": "2026-11-01", "quantity": 1 });
    let a_dong = id(&app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            give(&res_dong, &p_dong),
        )
        .await);
    let a_far = id(&app
        .post("/api/v1/allocations", Some(&w.far), give(&res_far, &p_far))
        .await);
    let hook = json!({ "url": "http://127.0.0.1:9/hamkke" });
    let wh_wel = id(&app
        .post("/api/v1/webhooks", Some(&actors[2].1), hook.clone())
        .await);
    let wh_far = id(&app.post("/api/v1/webhooks", Some(&actors[6].1), hook).await);

    let me = |t: &str| {
        let app = &app;
        let t = t.to_owned();
        async move {
            app.get("/api/v1/me", Some(&t)).await.body["user"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let u_dong = w.dong_user.clone();
    let u_wel_adm = me(&actors[2].1).await;
    let u_far = me(&w.far).await;

    // (scope, list path, read path prefix or none, the fixture's objects)
    let scopes: Vec<(&str, String, Option<&str>, Objects)> = vec![
        (
            "cases",
            "/api/v1/cases".into(),
            Some("/api/v1/cases/"),
            vec![
                ("dong's", c_dong.clone()),
                ("welfare's", c_wel),
                ("shared", c_shared.clone()),
                ("far", c_far),
            ],
        ),
        (
            "persons (search, details)",
            "/api/v1/persons?q=%ED%95%9C".into(),
            Some("/api/v1/persons/"),
            vec![
                ("dong's", p_dong.clone()),
                ("welfare's", p_wel),
                ("named", p_named),
                ("shared", p_shared),
                ("far", p_far.clone()),
            ],
        ),
        (
            "meetings",
            "/api/v1/meetings".into(),
            Some("/api/v1/meetings/"),
            vec![
                ("dong's (welfare invited)", m_dong),
                ("dong's alone", m_alone),
                ("far", m_far),
            ],
        ),
        (
            "referrals",
            "/api/v1/referrals".into(),
            Some("/api/v1/referrals/"),
            vec![("dong to welfare", r_dong)],
        ),
        (
            "notes of the shared case",
            format!("/api/v1/cases/{c_shared}/notes"),
            None,
            vec![("participants", n_shared), ("dong's own", n_own)],
        ),
        (
            "households",
            "/api/v1/households".into(),
            Some("/api/v1/households/"),
            vec![("dong's", h_dong), ("far", h_far)],
        ),
        (
            "resources",
            "/api/v1/resources".into(),
            Some("/api/v1/resources/"),
            vec![("dong's", res_dong), ("far", res_far)],
        ),
        (
            "ledger",
            "/api/v1/allocations".into(),
            Some("/api/v1/allocations/"),
            vec![("dong's", a_dong), ("far", a_far)],
        ),
        (
            "webhooks",
            "/api/v1/webhooks".into(),
            Some("/api/v1/webhooks/"),
            vec![("welfare's", wh_wel), ("far", wh_far)],
        ),
        (
            "organizations",
            "/api/v1/organizations".into(),
            Some("/api/v1/organizations/"),
            vec![
                ("office", w.d.office.clone()),
                ("dong", w.d.dong.clone()),
                ("welfare", w.d.welfare.clone()),
                ("far welfare", w.far_welfare.clone()),
            ],
        ),
        (
            "users",
            "/api/v1/users".into(),
            Some("/api/v1/users/"),
            vec![
                ("dong caseworker", u_dong.clone()),
                ("welfare org_admin", u_wel_adm),
                ("far caseworker", u_far.clone()),
            ],
        ),
        (
            "directory",
            "/api/v1/directory".into(),
            None,
            vec![("dong caseworker", u_dong), ("far caseworker", u_far)],
        ),
    ];

    let mut table = String::from(
        "# Who sees what: for each scope, each role's list (`list`) and its reads of single\n\
         # objects (`read`: full, redacted or hidden) on the fixture of tests/api/policy.rs.\n",
    );
    let mut disagreements = Vec::new();
    for (scope, list_path, read_path, objects) in &scopes {
        table.push_str(&format!("\n## {scope}\n"));
        for (role, token) in &actors {
            let listed = list_all(&app, token, list_path).await;
            let mut cells = BTreeMap::new();
            for (label, oid) in objects {
                let in_list = listed.contains(oid);
                let answer = match read_path {
                    Some(p) => read(&app, token, &format!("{p}{oid}")).await,
                    None => "",
                };
                // A person's search lists those whose details the caller sees; any other list
                // what the caller may read at all.
                let readable = match answer {
                    "" => in_list,
                    "full" => true,
                    "redacted" => *scope != "persons (search, details)",
                    _ => false,
                };
                if readable != in_list {
                    disagreements.push(format!(
                        "{scope} / {role} / {label}: list {in_list}, read {answer}"
                    ));
                }
                cells.insert(*label, (in_list, answer));
            }
            let list: Vec<&str> = objects
                .iter()
                .filter(|(l, _)| cells[l].0)
                .map(|(l, _)| *l)
                .collect();
            let reads: Vec<String> = objects
                .iter()
                .filter(|(l, _)| !cells[l].1.is_empty())
                .map(|(l, _)| format!("{l}={}", cells[l].1))
                .collect();
            table.push_str(&format!(
                "{role:<22} list: {}\n",
                if list.is_empty() {
                    "-".to_owned()
                } else {
                    list.join(", ")
                }
            ));
            if !reads.is_empty() {
                table.push_str(&format!("{:<22} read: {}\n", "", reads.join(", ")));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "lists and reads disagree:\n{}",
        disagreements.join("\n")
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/policy.txt");
    if std::env::var_os("HAMKKE_UPDATE_POLICY").is_some() {
        std::fs::write(path, &table).unwrap();
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        expected == table,
        "the access policy changed; review and run with HAMKKE_UPDATE_POLICY=1 to accept:\n{table}"
    );
}

both!(policy_table);
