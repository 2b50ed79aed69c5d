//! No cross-organization reads or writes: every case, person, consent and household operation
//! of the contract is called by a participant, by a non-participant of the same district and by
//! an organization of another district.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World};

/// A valid body for each operation that takes one; a new operation must be added here.
fn body_for(operation: &str, w: &World, other_user: &str) -> Option<Value> {
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    Some(match operation {
        "update_case" => json!({ "summary": "변경" }),
        "create_case_assessment" => {
            json!({ "assessed_on": "2026-11-01", "risk_level": "high", "summary": "사정", "domains": { "health": { "score": 3 } } })
        }
        "create_case_plan" => json!({ "starts_on": "2026-11-01", "goals": [{ "text": "목표" }] }),
        "create_case_member" => json!({ "person_id": other_user }),
        "create_case_transition" => json!({ "to": "intake" }),
        "create_case_participant" => {
            json!({ "organization_id": w.far_welfare, "role": "observer" })
        }
        "create_case_assignment" => json!({ "user_id": other_user, "role": "secondary" }),
        "create_case_note" => {
            json!({ "kind": "phone", "occurred_at": "2026-11-01T09:00:00Z", "body": "통화", "visibility": "participants" })
        }
        "update_person" => json!({ "phone": "010-0000-0000" }),
        "create_consent" => {
            json!({ "purpose": "x", "scope": "organizations", "organization_ids": [w.far_welfare], "expires_at": expires })
        }
        "update_household" => json!({ "address": "다른 주소" }),
        "create_person_transfer" => {
            json!({ "to_district_code": "11110", "to_organization_id": w.d.other_office, "reason": "전입" })
        }
        "revoke_consent" => json!({ "reason": "검토" }),
        "create_case_visit" => {
            json!({ "scheduled_at": "2026-12-01T10:00:00Z", "co_visitor_user_ids": [other_user], "purpose": "방문" })
        }
        "get_case"
        | "list_case_participants"
        | "list_case_assignments"
        | "list_case_notes"
        | "list_case_timeline"
        | "list_case_assessments"
        | "list_case_plans"
        | "list_case_members"
        | "delete_case_member"
        | "get_person"
        | "list_consents"
        | "list_person_access_log"
        | "withdraw_consent"
        | "get_household"
        | "delete_case_participant" => return None,
        other => panic!("no matrix body for {other}: add the new operation to tests/api/matrix.rs"),
    })
}

async fn no_cross_org_reads_or_writes(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let h = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10" }),
        )
        .await;
    let household = h.body["id"].as_str().unwrap().to_owned();
    let p = app
        .post("/api/v1/persons", Some(&w.dong), json!({ "name": "비밀환자", "birth_date": "1950-01-01", "phone": "010-7777-6666", "household_id": household }))
        .await;
    let person = p.body["id"].as_str().unwrap().to_owned();
    let case = app.case(&w.dong, &person).await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let c = app
        .post(&format!("/api/v1/persons/{person}/consents"), Some(&w.dong), json!({ "purpose": "x", "scope": "organizations", "organization_ids": [w.d.office], "expires_at": expires }))
        .await;
    let consent = c.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/cases/{case}/notes"),
        Some(&w.dong),
        json!({ "kind": "counseling", "occurred_at": "2026-11-01T09:00:00Z", "body": "민감한 상담 내용", "visibility": "participants" }),
    )
    .await;
    let before_case = app
        .get(&format!("/api/v1/cases/{case}"), Some(&w.dong))
        .await
        .body;
    let before_timeline = app
        .get(&format!("/api/v1/cases/{case}/timeline"), Some(&w.dong))
        .await
        .body;
    let before_person = app
        .get(&format!("/api/v1/persons/{person}"), Some(&w.dong))
        .await
        .body;

    let doc = serde_json::to_value(hamkke_http::openapi()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let scoped = [
            "/api/v1/cases/{id}",
            "/api/v1/persons/{id}",
            "/api/v1/consents/{id}",
            "/api/v1/households/{id}",
        ];
        if !scoped.iter().any(|s| path.starts_with(s)) {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let concrete = path
                .replace("/cases/{id}", &format!("/cases/{case}"))
                .replace("/persons/{id}", &format!("/persons/{person}"))
                .replace("/consents/{id}", &format!("/consents/{consent}"))
                .replace("/households/{id}", &format!("/households/{household}"))
                .replace("{org_id}", &w.d.dong)
                .replace("{person_id}", &person);
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for (who, token) in [
                ("same-district non-participant", &w.welfare),
                ("other district", &w.far),
            ] {
                let mut req = TestApp::req(m.clone(), &concrete, Some(token))
                    .insert_header(("if-match", "\"1\""));
                if let Some(body) = body_for(id, &w, &w.welfare_user) {
                    req = req.set_json(body);
                }
                let r = app.send(req).await;
                let redacted_read =
                    id == "get_person" && r.status == 200 && r.body["redacted"] == true;
                assert!(
                    redacted_read || matches!(r.status.as_u16(), 403 | 404),
                    "{who} got {} from {method} {path} ({id}): {}",
                    r.status,
                    r.text
                );
                for secret in ["비밀환자", "010-7777-6666", "민감한 상담 내용", "공덕로"]
                {
                    assert!(!r.text.contains(secret), "{who} saw {secret} via {id}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} operations walked");
    assert_eq!(
        app.get(&format!("/api/v1/cases/{case}"), Some(&w.dong))
            .await
            .body,
        before_case,
        "no foreign write landed"
    );
    assert_eq!(
        app.get(&format!("/api/v1/cases/{case}/timeline"), Some(&w.dong))
            .await
            .body,
        before_timeline
    );
    assert_eq!(
        app.get(&format!("/api/v1/persons/{person}"), Some(&w.dong))
            .await
            .body,
        before_person
    );
    let consents = app
        .get(&format!("/api/v1/persons/{person}/consents"), Some(&w.dong))
        .await;
    assert_eq!(consents.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(consents.body["items"][0]["live"], true);
    // Every refusal is in the audit trail.
    assert!(app.audit_events("denied").await.len() >= 10);
}

both!(no_cross_org_reads_or_writes);
