//! Names beside ids: every list a worker reads shows organizations', users' and persons' names
//! (persons as far as the caller may see them) from the same few statements, whatever the
//! page's length — a page of 50 costs what a page of 5 costs.

use serde_json::{json, Value};

use crate::support::*;

/// The statements a request ran, from its `Server-Timing` header.
fn statements(r: &Resp) -> u64 {
    let timing = r.header("server-timing").expect("Server-Timing is on");
    timing
        .split("desc=\"")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no statement count in {timing}"))
}

/// GETs `path` with `limit=5` and `limit=50`, asserts both answer 200 with at least `min`
/// items on the long page and that the long page costs no more statements than the short
/// one (no statement per row), and returns the long page's items.
async fn page_without_n_plus_one(app: &TestApp, token: &str, path: &str, min: usize) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let short = app.get(&format!("{path}{sep}limit=5"), Some(token)).await;
    assert_eq!(short.status, 200, "{path}: {}", short.text);
    let long = app.get(&format!("{path}{sep}limit=50"), Some(token)).await;
    assert_eq!(long.status, 200, "{path}: {}", long.text);
    let items = long.body["items"].as_array().cloned().unwrap_or_default();
    assert!(
        items.len() >= min,
        "{path}: {} items, wanted {min}",
        items.len()
    );
    assert!(
        statements(&long) <= statements(&short),
        "{path}: a page of {} costs {} statements, a page of 5 {}: a statement per row",
        items.len(),
        statements(&long),
        statements(&short)
    );
    items
}

/// Fifty people the dong centre registered, each with a case the welfare centre takes part in
/// (a consent names it for the even ones only).
async fn fifty_cases(app: &TestApp, w: &World) -> Vec<(String, String)> {
    let expires = (chrono::Utc::now() + chrono::Duration::days(180)).to_rfc3339();
    let mut out = Vec::new();
    for i in 0..50 {
        // Distinct people: no phone or address in common, so no pair counts them as one.
        let r = app
            .post(
                "/api/v1/persons",
                Some(&w.dong),
                json!({ "name": format!("김하{}", char::from_u32(0xAC00 + i * 28).unwrap()), "birth_date": format!("{}-03-15", 1930 + i) }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let person = r.body["id"].as_str().unwrap().to_owned();
        if i % 2 == 0 {
            let r = app
                .post(
                    &format!("/api/v1/persons/{person}/consents"),
                    Some(&w.dong),
                    json!({ "purpose": "사례관리", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": expires }),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        let case = app.case(&w.dong, &person).await;
        let r = app
            .post(
                &format!("/api/v1/cases/{case}/participants"),
                Some(&w.dong),
                json!({ "organization_id": w.d.welfare, "role": "co_manager" }),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        out.push((person, case));
    }
    out
}

async fn case_lists_name_people_by_the_callers_rights(b: Backend) {
    let app = TestApp::with_config(b, |c| c.server_timing = true).await;
    let w = World::create(&app).await;
    fifty_cases(&app, &w).await;

    let items = page_without_n_plus_one(&app, &w.dong, "/api/v1/cases", 50).await;
    for c in &items {
        assert_eq!(c["lead_org_name"], "공덕동 주민센터", "{c}");
        assert!(!c["created_by_name"].as_str().unwrap().is_empty(), "{c}");
        // The registering organization sees every name in full.
        assert_eq!(c["person_name_masked"], false, "{c}");
        assert!(
            c["person_name"].as_str().unwrap().starts_with("김하"),
            "{c}"
        );
        assert!(c["person_birth_year"].as_i64().unwrap() >= 1930, "{c}");
    }

    // The welfare centre sees in full only those whose consent names it.
    let items = page_without_n_plus_one(&app, &w.welfare, "/api/v1/cases", 50).await;
    let masked = items
        .iter()
        .filter(|c| c["person_name_masked"] == true)
        .count();
    assert_eq!(masked, 25);
    for c in items.iter().filter(|c| c["person_name_masked"] == true) {
        let name = c["person_name"].as_str().unwrap();
        assert!(name.ends_with('*') || name.contains('*'), "{c}");
        assert!(
            !name.starts_with("김하"),
            "the masked name shows only the family name: {c}"
        );
    }

    // The coordinator's list of the district: names masked (no consent names the office).
    let items = page_without_n_plus_one(&app, &w.coord, "/api/v1/cases", 50).await;
    assert!(items
        .iter()
        .all(|c| c["person_name_masked"] == true && c["lead_org_name"] == "공덕동 주민센터"));

    // One case: its participants named.
    let case = items[0]["id"].as_str().unwrap();
    let r = app
        .get(&format!("/api/v1/cases/{case}"), Some(&w.dong))
        .await;
    let names: Vec<&str> = r.body["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["organization_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"공덕동 주민센터") && names.contains(&"마포복지관"),
        "{names:?}"
    );
}

both!(case_lists_name_people_by_the_callers_rights);

/// Every list a worker reads, on a district with fifty cases each referred, given a benefit
/// and put on a meeting: names beside ids, and a page of 50 costs what a page of 5 does.
async fn every_list_names_what_it_refers_to(b: Backend) {
    let app = TestApp::with_config(b, |c| c.server_timing = true).await;
    let w = World::create(&app).await;
    let cases = fifty_cases(&app, &w).await;
    let r = app
        .post_resource(&w.dong, json!({ "name": "백미", "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rice = r.body["id"].as_str().unwrap().to_owned();
    let meeting = app
        .post("/api/v1/meetings", Some(&w.dong), json!({ "kind": "assessment", "title": "12월 사례회의", "scheduled_at": "2026-12-20T05:00:00Z", "participant_user_ids": [w.welfare_user] }))
        .await;
    assert_eq!(meeting.status, 201, "{}", meeting.text);
    let meeting = meeting.body["id"].as_str().unwrap().to_owned();
    for (i, (person, case)) in cases.iter().enumerate() {
        let r = app
            .post("/api/v1/referrals", Some(&w.dong), json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "정서지원 필요" }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let r = app
            .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": rice, "person_id": person, "case_id": case, "granted_on": "2026-12-01", "quantity": 1 }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        if i < 10 {
            let r = app
                .post(
                    &format!("/api/v1/meetings/{meeting}/agenda"),
                    Some(&w.dong),
                    json!({ "case_id": case }),
                )
                .await;
            assert!(r.status.is_success(), "{}", r.text);
        }
    }

    // Referrals: both organizations and the person as the receiver may see them.
    let items =
        page_without_n_plus_one(&app, &w.welfare, "/api/v1/referrals?direction=incoming", 50).await;
    for r in &items {
        assert_eq!(r["from_org_name"], "공덕동 주민센터", "{r}");
        assert_eq!(r["to_org_name"], "마포복지관", "{r}");
        assert_eq!(r["case"]["lead_org_name"], "공덕동 주민센터", "{r}");
        assert!(r["person_name"].is_string(), "{r}");
    }
    assert_eq!(
        items
            .iter()
            .filter(|r| r["person_name_masked"] == true)
            .count(),
        25
    );

    // The ledger: provider, benefit type and, to the provider, the recipient.
    let items = page_without_n_plus_one(&app, &w.dong, "/api/v1/allocations", 50).await;
    for a in &items {
        assert_eq!(a["provider_org_name"], "공덕동 주민센터", "{a}");
        assert_eq!(a["benefit_type_name_ko"], "백미", "{a}");
        assert!(
            a["person_name"].as_str().unwrap().starts_with("김하"),
            "{a}"
        );
    }
    // The rest of the district sees the minimal form: no recipient, names of the rest.
    let items = page_without_n_plus_one(&app, &w.coord, "/api/v1/allocations", 50).await;
    assert!(items
        .iter()
        .all(|a| a["person_name"].is_null() && a["provider_org_name"] == "공덕동 주민센터"));

    // Notifications: the referrals' case numbers and organizations.
    let items = page_without_n_plus_one(&app, &w.welfare, "/api/v1/notifications", 50).await;
    let sent: Vec<&Value> = items
        .iter()
        .filter(|n| n["event_type"] == "referral.sent")
        .collect();
    assert!(!sent.is_empty());
    for n in sent {
        assert!(
            n["case_no"].as_str().unwrap().starts_with("2026-11440-"),
            "{n}"
        );
        let from = &n["data"]["from_org_id"];
        let named = n["names"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| &r["id"] == from)
            .expect("named");
        assert_eq!(named["name"], "공덕동 주민센터", "{n}");
    }

    // The worklist: incoming referrals with case number and person as the reader may see.
    let r = app.get("/api/v1/me/worklist", Some(&w.welfare)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let incoming = r.body["incoming_referrals"].as_array().unwrap();
    assert_eq!(incoming.len(), 50);
    for i in incoming {
        assert!(
            i["case_no"].is_string() && i["person_name"].is_string(),
            "{i}"
        );
        assert_eq!(i["from_org_name"], "공덕동 주민센터");
    }
    assert_eq!(
        incoming
            .iter()
            .filter(|i| i["person_name_masked"] == true)
            .count(),
        25
    );
    let cases_of_mine = r.body["cases"].as_array().unwrap();
    assert!(cases_of_mine
        .iter()
        .all(|c| c["lead_org_name"] == "공덕동 주민센터"));

    // The meeting: host, participants, agenda leads.
    let r = app
        .get(&format!("/api/v1/meetings/{meeting}"), Some(&w.dong))
        .await;
    assert_eq!(r.body["host_org_name"], "공덕동 주민센터", "{}", r.text);
    let participants = r.body["participants"].as_array().unwrap();
    assert!(
        participants
            .iter()
            .any(|p| p["user_name"] == "wel.w" && p["organization_name"] == "마포복지관"),
        "{participants:?}"
    );
    let agenda = r.body["agenda"].as_array().unwrap();
    assert_eq!(agenda.len(), 10);
    assert!(agenda
        .iter()
        .all(|a| a["case"]["lead_org_name"] == "공덕동 주민센터"));
    page_without_n_plus_one(&app, &w.dong, "/api/v1/meetings", 1).await;

    // One case's timeline, members, assignments and access log, named.
    let (person, case) = &cases[0];
    let r = app
        .get(&format!("/api/v1/cases/{case}/timeline"), Some(&w.dong))
        .await;
    let entries = r.body["items"].as_array().unwrap();
    let added = entries
        .iter()
        .find(|e| e["kind"] == "participant_added")
        .expect("participant_added");
    assert_eq!(added["actor_org_name"], "공덕동 주민센터", "{added}");
    assert_eq!(
        added["names"],
        json!([{ "id": w.d.welfare, "name": "마포복지관" }]),
        "{added}"
    );
    let r = app
        .get(&format!("/api/v1/cases/{case}/members"), Some(&w.welfare))
        .await;
    assert_eq!(r.body["members"][0]["name_masked"], false, "{}", r.text);
    let r = app
        .get(&format!("/api/v1/cases/{case}/assignments"), Some(&w.dong))
        .await;
    assert_eq!(r.body["items"][0]["user_name"], "dong.w", "{}", r.text);
    assert_eq!(r.body["items"][0]["organization_name"], "공덕동 주민센터");
    let r = app
        .get(&format!("/api/v1/persons/{person}"), Some(&w.welfare))
        .await;
    assert_eq!(
        r.body["registered_by_org_name"], "공덕동 주민센터",
        "{}",
        r.text
    );
    let r = app
        .get(
            &format!("/api/v1/persons/{person}/access-log"),
            Some(&w.dong),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let events = r.body["items"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .any(|e| e["actor_org_name"] == "마포복지관" && e["actor_user_name"] == "wel.w"),
        "{events:?}"
    );
    let r = app
        .get(&format!("/api/v1/persons/{person}/consents"), Some(&w.dong))
        .await;
    assert_eq!(
        r.body["items"][0]["organization_names"][0], "마포복지관",
        "{}",
        r.text
    );
    assert_eq!(
        r.body["items"][0]["recorded_by_org_name"],
        "공덕동 주민센터"
    );
}

both!(every_list_names_what_it_refers_to);

/// Users and organizations sorted by name (가나다순), the users with their organization's name,
/// and a page of users by name continuing where the previous one ended.
async fn users_and_organizations_sort_by_name(b: Backend) {
    let app = TestApp::with_config(b, |c| c.server_timing = true).await;
    let w = World::create(&app).await;
    for (i, name) in ["하늘", "가람", "나래", "다솜", "마루", "바다"]
        .iter()
        .enumerate()
    {
        let r = app
            .post("/api/v1/users", Some(&app.admin_token), json!({ "username": format!("staff.{i}"), "display_name": name, "org_id": w.d.dong, "role": "caseworker" }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!(
                "/api/v1/users?org_id={}&sort=name&limit=2&cursor={c}",
                w.d.dong
            ),
            None => format!("/api/v1/users?org_id={}&sort=name&limit=2", w.d.dong),
        };
        let r = app.get(&path, Some(&w.coord)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        for u in r.body["items"].as_array().unwrap() {
            assert_eq!(u["org_name"], "공덕동 주민센터", "{u}");
            names.push(u["display_name"].as_str().unwrap().to_owned());
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.len() >= 7, "{names:?}");
    page_without_n_plus_one(&app, &w.coord, "/api/v1/users", 3).await;

    let r = app
        .get("/api/v1/organizations?sort=name", Some(&w.coord))
        .await;
    let orgs: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    let mut sorted = orgs.clone();
    sorted.sort();
    assert_eq!(orgs, sorted);
}

both!(users_and_organizations_sort_by_name);

/// A server that counts each request's statements, its world, and the path of a dong-centre case
/// of a person named `name`, read once so that the catalogue cache holds its names.
async fn a_case_read_once(b: Backend, name: &str) -> (TestApp, World, String) {
    let app = TestApp::with_config(b, |c| c.server_timing = true).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, name, "1950-03-04", None).await;
    let case = app.case(&w.dong, &p).await;
    let path = format!("/api/v1/cases/{case}");
    app.get(&path, Some(&w.dong)).await;
    (app, w, path)
}

/// A case read, once the catalogue is cached, costs a fixed count of statements: the caller's
/// session, the case with its participants and latest assessments (one statement; three before
/// they were joined), and its person's name with the facts that decide whether the caller sees
/// it in full (one statement; three before they were joined), plus its audit event's group
/// commit.
async fn a_case_read_costs_a_fixed_count_of_statements(b: Backend) {
    let (app, w, path) = a_case_read_once(b, "문장수").await;
    let read = app.get(&path, Some(&w.dong)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["person_name"], "문장수", "{}", read.text);
    assert_eq!(statements(&read), case_read_statements(b), "{}", read.text);
}

both!(a_case_read_costs_a_fixed_count_of_statements);

/// A person read costs the caller's session and one statement for the person with the record
/// it was merged into and the facts that decide what the caller sees (three before they were
/// joined), plus its audit event's group commit (PostgreSQL; on SQLite it goes to the writer's
/// thread); a masked view adds one for the leads of the person's open cases it names.
async fn a_person_read_costs_a_fixed_count_of_statements(b: Backend) {
    let app = TestApp::with_config(b, |c| c.server_timing = true).await;
    let w = World::create(&app).await;
    let p = app.person(&w.dong, "사람문장", "1950-03-04", None).await;
    let path = format!("/api/v1/persons/{p}");
    app.get(&path, Some(&w.dong)).await;
    app.get(&path, Some(&w.welfare)).await;
    let audit = match b {
        Backend::Postgres => 1,
        Backend::Sqlite => 0,
    };
    let full = app.get(&path, Some(&w.dong)).await;
    assert_eq!(full.status, 200, "{}", full.text);
    assert!(full.text.contains("사람문장"), "{}", full.text);
    assert_eq!(statements(&full), 2 + audit, "{}", full.text);
    let masked = app.get(&path, Some(&w.welfare)).await;
    assert_eq!(masked.status, 200, "{}", masked.text);
    assert!(!masked.text.contains("사람문장"), "{}", masked.text);
    assert_eq!(statements(&masked), 3 + audit, "{}", masked.text);
}

both!(a_person_read_costs_a_fixed_count_of_statements);

/// When somebody else moved the chain head since the last group (here the sealer, chaining a
/// note's event), the one-statement append writes nothing and the group takes the head's lock
/// instead; the next read appends in one statement again, and the chain verifies.
async fn a_read_after_the_head_moved_elsewhere_takes_its_lock(b: Backend) {
    let (app, w, path) = a_case_read_once(b, "머리이동").await;
    let known = app.get(&path, Some(&w.dong)).await;
    assert_eq!(
        statements(&known),
        case_read_statements(b),
        "{}",
        known.text
    );
    let note = app
        .post(
            &format!("{path}/notes"),
            Some(&w.dong),
            json!({ "kind": "phone", "occurred_at": "2026-11-20T10:00:00Z", "body": "통화", "visibility": "participants" }),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text);
    hamkke_http::sealer::seal_all(&app.db).await;
    let moved = app.get(&path, Some(&w.dong)).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    // (PostgreSQL: the one statement that found the head moved, then the locked append's five,
    // where a known head takes one.)
    let extra = match b {
        Backend::Postgres => 5,
        Backend::Sqlite => 0,
    };
    assert_eq!(
        statements(&moved),
        case_read_statements(b) + extra,
        "{}",
        moved.text
    );
    let again = app.get(&path, Some(&w.dong)).await;
    assert_eq!(
        statements(&again),
        case_read_statements(b),
        "{}",
        again.text
    );
    let report = app.audit_report().await;
    assert_eq!(
        (report.first_broken_seq, report.unsealed),
        (None, 0),
        "{report:?}"
    );
}

both!(a_read_after_the_head_moved_elsewhere_takes_its_lock);

/// The case read's three statements (the case with its participants and latest assessments in
/// one, a snapshot of its own that needs no transaction) and what each backend adds: on
/// PostgreSQL the group commit of its one audit event on the request's connection, leading a
/// group of its own — one statement that moves the chain head from where the last group left it
/// and inserts (the server's first group takes the head's lock instead: `BEGIN`, the lock, the
/// insert, the move, `COMMIT`); on SQLite nothing, its event going to the writer's thread.
fn case_read_statements(b: Backend) -> u64 {
    match b {
        Backend::Postgres => 3 + 1,
        Backend::Sqlite => 3,
    }
}

/// Organizations' and users' names come from the server's catalogue cache, and a rename shows in
/// the very next read: it moves the catalogue version, so the next read reads both kinds of
/// names again (two statements more than a read from the cache), and caches the new ones.
async fn a_rename_shows_at_once_though_names_are_cached(b: Backend) {
    let (app, w, path) = a_case_read_once(b, "이름캐시").await;
    let cached = app.get(&path, Some(&w.dong)).await;
    assert_eq!(cached.status, 200, "{}", cached.text);
    let version = |r: &Resp| r.header("etag").expect("etag").to_owned();

    let org_path = format!("/api/v1/organizations/{}", w.d.dong);
    let org = app.get(&org_path, Some(&app.admin_token)).await;
    let renamed = app
        .patch(
            &org_path,
            Some(&app.admin_token),
            Some(&version(&org)),
            json!({ "name": "새이름동 주민센터" }),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let after = app.get(&path, Some(&w.dong)).await;
    assert_eq!(
        after.body["lead_org_name"], "새이름동 주민센터",
        "{}",
        after.text
    );
    assert_eq!(
        statements(&after),
        statements(&cached) + 2,
        "both kinds read again"
    );
    let next = app.get(&path, Some(&w.dong)).await;
    assert_eq!(next.body["lead_org_name"], "새이름동 주민센터");
    assert_eq!(statements(&next), statements(&cached), "and cached again");

    let user_path = format!("/api/v1/users/{}", w.dong_user);
    let user = app.get(&user_path, Some(&app.admin_token)).await;
    let renamed = app
        .patch(
            &user_path,
            Some(&app.admin_token),
            Some(&version(&user)),
            json!({ "display_name": "바뀐 실무자" }),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let after = app.get(&path, Some(&w.dong)).await;
    assert_eq!(
        after.body["created_by_name"], "바뀐 실무자",
        "{}",
        after.text
    );
    // Another update of the user that leaves the name alone keeps the caches.
    let user = app.get(&user_path, Some(&app.admin_token)).await;
    let unchanged = app
        .patch(
            &user_path,
            Some(&app.admin_token),
            Some(&version(&user)),
            json!({ "display_name": "바뀐 실무자" }),
        )
        .await;
    assert_eq!(unchanged.status, 200, "{}", unchanged.text);
    let next = app.get(&path, Some(&w.dong)).await;
    assert_eq!(statements(&next), statements(&cached), "{}", next.text);
}

both!(a_rename_shows_at_once_though_names_are_cached);
