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
        let person = app
            .person(
                &w.dong,
                &format!("김하{}", char::from_u32(0xAC00 + i).unwrap()),
                "1948-03-15",
                None,
            )
            .await;
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
        assert_eq!(c["person_birth_year"], 1948);
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
