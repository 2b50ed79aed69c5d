//! Authorization coverage: every operation of the contract is called without a token, with an
//! expired token, with tokens of sessions that ended (logout, user disabled, role changed), and
//! with tokens of an unrelated organization (a caseworker and a coordinator of another
//! district). Adding an operation without adding it to `plan` fails this test.

use actix_web::http::Method;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::support::{Backend, TestApp, World, PASSWORD, TEST_SECRET};

/// The home district's objects the walk aims at.
struct Fixture {
    household: String,
    person: String,
    case: String,
    consent: String,
    meeting: String,
    referral: String,
    resource: String,
    benefit_type: String,
    allocation: String,
    transfer: String,
}

/// How an operation is reached, and a valid body for it (so a refusal is about who asks, not
/// about what is sent).
enum Plan {
    Public,
    Private(Option<Value>),
    /// The caller's own session or identity: checked without a token and with a dead one only.
    OwnSession,
}

fn plan(op: &str, w: &World) -> Plan {
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let body = |v: Value| Plan::Private(Some(v));
    match op {
        "healthz" | "readyz" | "metrics" | "create_token" | "refresh_token"
        | "create_activation" => Plan::Public,
        "logout" | "get_me" => Plan::OwnSession,
        "list_action_items"
        | "complete_action_item"
        | "list_allocations"
        | "get_allocation"
        | "approve_allocation"
        | "deliver_allocation"
        | "list_audit_events"
        | "verify_audit_events"
        | "list_cases"
        | "get_case"
        | "list_case_assignments"
        | "list_case_notes"
        | "list_case_participants"
        | "delete_case_participant"
        | "list_case_assessments"
        | "list_case_plans"
        | "list_case_members"
        | "delete_case_member"
        | "list_case_timeline"
        | "withdraw_consent"
        | "list_self_recorded_consents"
        | "list_households"
        | "get_household"
        | "list_meetings"
        | "get_meeting"
        | "cancel_meeting"
        | "delete_meeting_agenda"
        | "list_organizations"
        | "get_organization"
        | "list_persons"
        | "get_person"
        | "list_person_access_log"
        | "list_consents"
        | "list_referrals"
        | "get_referral"
        | "accept_referral"
        | "get_duplicates_report"
        | "get_overview_report"
        | "get_dashboard_report"
        | "export_duplicates_report_csv"
        | "export_duplicates_report_xlsx"
        | "export_overview_report_csv"
        | "export_overview_report_xlsx"
        | "export_dashboard_report_csv"
        | "export_dashboard_report_xlsx"
        | "list_resources"
        | "get_resource"
        | "list_benefit_types"
        | "get_benefit_type"
        | "list_users"
        | "get_user" => Plan::Private(None),
        "create_allocation" | "check_allocation" => body(json!({})),
        "import_allocations" => Plan::Private(None),
        "cancel_allocation" | "reject_allocation" | "revoke_consent" => {
            body(json!({ "reason": "x" }))
        }
        "create_case" => body(json!({})),
        "create_case_assessment" => body(
            json!({ "assessed_on": "2026-11-01", "risk_level": "high", "summary": "사정", "domains": { "health": { "score": 3 } } }),
        ),
        "create_case_plan" => {
            body(json!({ "starts_on": "2026-11-01", "goals": [{ "text": "목표" }] }))
        }
        "create_plan_review" => body(json!({ "reviewed_on": "2026-11-01", "goal_progress": [] })),
        "create_case_member" => body(json!({ "person_id": w.d.dong })),
        "create_meeting_agenda_request" => body(json!({ "case_id": w.d.dong })),
        "list_person_duplicates" => Plan::Private(None),
        "merge_person_duplicate" => body(json!({ "survivor_id": w.d.dong })),
        "dismiss_person_duplicate" => body(json!({ "reason": "x" })),
        "list_meeting_agenda_requests"
        | "get_meeting_minutes"
        | "export_meeting_minutes_xlsx"
        | "get_organization_hub_overview" => Plan::Private(None),
        "accept_agenda_request" => body(json!({})),
        "decline_agenda_request" => body(json!({ "reason": "x" })),
        "update_case" => body(json!({ "summary": "변경" })),
        "create_case_assignment" => body(json!({ "user_id": w.welfare_user, "role": "secondary" })),
        "create_case_note" => body(
            json!({ "kind": "phone", "occurred_at": "2026-11-01T09:00:00Z", "body": "통화", "visibility": "participants" }),
        ),
        "create_case_participant" => {
            body(json!({ "organization_id": w.far_welfare, "role": "observer" }))
        }
        "create_case_transition" => body(json!({ "to": "intake" })),
        "create_household" => body(json!({ "address": "서울 종로구 1" })),
        "update_household" => body(json!({ "address": "다른 주소" })),
        "create_meeting" => body(json!({})),
        "update_meeting" => body(json!({ "title": "변경" })),
        "create_meeting_agenda" => body(json!({ "case_id": w.d.dong })),
        "create_meeting_attendance" => body(json!({ "user_id": w.welfare_user, "attended": true })),
        "create_meeting_decision" => body(json!({ "case_id": w.d.dong, "decision": "continue" })),
        "finalize_meeting" => body(json!({ "minutes": "x" })),
        "create_organization" => body(json!({})),
        "update_organization" => body(json!({ "name": "변경" })),
        "create_person" => body(json!({})),
        "update_person" => body(json!({ "phone": "010-0000-0000" })),
        "create_consent" => body(
            json!({ "purpose": "x", "scope": "organizations", "organization_ids": [w.far_welfare], "expires_at": expires }),
        ),
        "create_referral" => body(json!({})),
        "complete_referral" => body(json!({ "outcome": "x" })),
        "decline_referral" => body(json!({ "reason": "x" })),
        "create_resource" => body(json!({})),
        "create_benefit_type" => body(json!({})),
        "update_benefit_type" => body(json!({ "name_en": "changed" })),
        "update_resource" => body(json!({ "name": "변경" })),
        "create_user" => body(json!({})),
        "update_user" => body(json!({ "display_name": "변경" })),
        // The receiving district must be the caller's own: the far coordinator (11110) asking
        // to move a person into 11440 is refused like everyone else.
        "create_person_transfer" => body(
            json!({ "to_district_code": "11440", "to_organization_id": w.d.dong, "reason": "전입" }),
        ),
        "list_person_transfers" | "get_person_transfer" => Plan::Private(None),
        "list_notifications" | "list_directory" | "get_worklist" => Plan::Private(None),
        "read_notification" | "read_all_notifications" => body(json!({})),
        "create_case_visit" => body(
            json!({ "scheduled_at": "2026-12-01T10:00:00Z", "co_visitor_user_ids": [w.welfare_user], "purpose": "방문" }),
        ),
        "complete_visit" => body(json!({ "note": "방문 완료" })),
        "list_webhooks" | "get_webhook" | "delete_webhook" | "list_webhook_deliveries" => {
            Plan::Private(None)
        }
        "create_webhook" => body(json!({ "url": "https://example.org/hook" })),
        "update_webhook" => body(json!({ "active": false })),
        "create_webhook_redelivery" | "create_webhook_test" => body(json!({})),
        "approve_person_transfer" | "decline_person_transfer" => body(json!({})),
        "list_campaigns" | "get_campaign" | "list_campaign_nominations" => Plan::Private(None),
        "list_donations"
        | "get_donation"
        | "get_resource_stock"
        | "get_donation_report"
        | "get_donation_receipt"
        | "export_donation_receipt_pdf" => Plan::Private(None),
        "create_donation_receipt" => body(json!({})),
        "list_attachments" | "get_attachment" | "get_attachment_content" => Plan::Private(None),
        "get_campaign_report" | "export_campaign_report_csv" | "export_campaign_report_xlsx" => {
            Plan::Private(None)
        }
        "create_attachment" => Plan::Private(None),
        "create_donation" => body(
            json!({ "donor_kind": "company", "donor_name": "마포상회", "amount": 100000, "received_on": "2026-11-20" }),
        ),
        "approve_nomination" | "withdraw_nomination" => body(json!({})),
        "close_campaign" | "reopen_campaign" => body(json!({})),
        "import_campaign_nominations" => Plan::Private(None),
        "return_nomination" => body(json!({ "reason": "x" })),
        "create_campaign" => body(
            json!({ "name": "희망온돌", "starts_on": "2026-11-01", "ends_on": "2027-02-28", "benefit_type_ids": [w.d.dong], "quotas": [{ "organization_id": w.d.dong, "persons": 1 }] }),
        ),
        "create_campaign_nomination" => {
            body(json!({ "person_id": w.d.dong, "resource_id": w.d.dong }))
        }
        "create_user_handover" => {
            body(json!({ "successor_user_id": w.welfare_user, "note": "인사발령" }))
        }
        other => panic!("{other} is not in the coverage plan: add it to tests/api/coverage.rs"),
    }
}

fn expired(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["exp"] = json!(chrono::Utc::now().timestamp() - 120);
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap()
}

async fn fixture(app: &TestApp, w: &World) -> Fixture {
    let id = |r: &crate::support::Resp| {
        assert!(r.status.is_success(), "{}", r.text);
        r.body["id"].as_str().unwrap().to_owned()
    };
    let household = id(&app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10" }),
        )
        .await);
    let person = id(&app
        .post("/api/v1/persons", Some(&w.dong), json!({ "name": "비밀환자", "birth_date": "1950-01-01", "phone": "010-7777-6666", "household_id": household }))
        .await);
    let case = app.case(&w.dong, &person).await;
    app.post(
        &format!("/api/v1/cases/{case}/notes"),
        Some(&w.dong),
        json!({ "kind": "counseling", "occurred_at": "2026-11-01T09:00:00Z", "body": "민감한 상담 내용", "visibility": "participants" }),
    )
    .await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let consent = id(&app
        .post(&format!("/api/v1/persons/{person}/consents"), Some(&w.dong), json!({ "purpose": "x", "scope": "organizations", "organization_ids": [w.d.office], "expires_at": expires }))
        .await);
    let meeting = id(&app
        .post("/api/v1/meetings", Some(&w.dong), json!({ "kind": "assessment", "title": "비밀회의", "scheduled_at": "2026-11-25T14:00:00Z" }))
        .await);
    app.post(
        &format!("/api/v1/meetings/{meeting}/agenda"),
        Some(&w.dong),
        json!({ "case_id": case }),
    )
    .await;
    let referral = id(&app
        .post("/api/v1/referrals", Some(&w.dong), json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "정서지원 필요" }))
        .await);
    let r = app
        .post_resource(&w.dong, json!({ "name": "비밀자원", "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
        .await;
    let benefit_type = r.body["benefit_type_id"].as_str().unwrap().to_owned();
    let resource = id(&r);
    let allocation = id(&app
        .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": resource, "person_id": person, "case_id": case, "granted_on": "2026-11-01", "quantity": 1 }))
        .await);
    // A transfer of a home person asked by a third district's coordinator: neither the far
    // caseworker nor the far coordinator (11110) may see or decide it.
    let third = app
        .org("서대문구청", "district_office", "11410", None)
        .await;
    app.user("third.coord", &third, "coordinator").await;
    let third_coord = app.login("third.coord", PASSWORD).await;
    let loner = id(&app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "전입대상", "birth_date": "1960-01-01" }),
        )
        .await);
    let transfer = id(&app
        .post(
            &format!("/api/v1/persons/{loner}/transfers"),
            Some(&third_coord),
            json!({ "to_district_code": "11410", "to_organization_id": third, "reason": "전입 신고" }),
        )
        .await);
    Fixture {
        household,
        person,
        case,
        consent,
        meeting,
        referral,
        resource,
        benefit_type,
        allocation,
        transfer,
    }
}

/// What the home organization sees of its objects.
async fn snapshot(app: &TestApp, w: &World, fx: &Fixture) -> Vec<Value> {
    let paths = [
        format!("/api/v1/cases/{}", fx.case),
        format!("/api/v1/cases/{}/timeline", fx.case),
        format!("/api/v1/persons/{}", fx.person),
        format!("/api/v1/persons/{}/consents", fx.person),
        format!("/api/v1/households/{}", fx.household),
        format!("/api/v1/meetings/{}", fx.meeting),
        format!("/api/v1/referrals/{}", fx.referral),
        format!("/api/v1/allocations/{}", fx.allocation),
        format!("/api/v1/resources/{}", fx.resource),
        format!("/api/v1/benefit-types/{}", fx.benefit_type),
        format!("/api/v1/organizations/{}", w.d.dong),
        format!("/api/v1/users/{}", w.dong_user),
        format!("/api/v1/person-transfers/{}", fx.transfer),
    ];
    let mut all = Vec::new();
    for p in paths {
        all.push(app.get(&p, Some(&w.dong)).await.body);
    }
    all
}

async fn every_operation_refuses_missing_expired_dead_and_foreign_tokens(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let fx = fixture(&app, &w).await;
    app.user("far.coord", &w.d.other_office, "coordinator")
        .await;
    let far_coord = app.login("far.coord", PASSWORD).await;
    app.user("far.gone", &w.far_welfare, "caseworker").await;
    let ended = app.login("far.gone", PASSWORD).await;
    let r = app
        .post("/api/v1/auth/logout", Some(&ended), json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    // A user disabled and one whose role changed after logging in: their tokens are dead too.
    let mut dead = vec![("logged out", ended)];
    for (name, change) in [
        ("far.off", json!({ "active": false })),
        ("far.moved", json!({ "role": "supervisor" })),
    ] {
        let id = app.user(name, &w.far_welfare, "caseworker").await;
        let token = app.login(name, PASSWORD).await;
        let r = app
            .patch(
                &format!("/api/v1/users/{id}"),
                Some(&app.admin_token),
                Some("\"1\""),
                change,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        dead.push((name, token));
    }
    let expired_token = expired(&w.far);
    let secrets = [
        "비밀환자",
        "010-7777-6666",
        "민감한 상담 내용",
        "공덕로",
        "비밀회의",
        "비밀자원",
        &fx.person,
        &fx.case,
        &fx.household,
        &fx.meeting,
        &fx.referral,
        &fx.allocation,
        &fx.resource,
        &fx.consent,
        &fx.transfer,
    ];
    let before = snapshot(&app, &w, &fx).await;

    let doc = serde_json::to_value(hamkke_http::openapi()).unwrap();
    let mut walked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(op_id) = op["operationId"].as_str() else {
                continue;
            };
            let concrete = path
                .replace("/cases/{id}", &format!("/cases/{}", fx.case))
                .replace("/persons/{id}", &format!("/persons/{}", fx.person))
                .replace(
                    "/person-transfers/{id}",
                    &format!("/person-transfers/{}", fx.transfer),
                )
                .replace("/consents/{id}", &format!("/consents/{}", fx.consent))
                .replace("/households/{id}", &format!("/households/{}", fx.household))
                .replace("/meetings/{id}", &format!("/meetings/{}", fx.meeting))
                .replace("/referrals/{id}", &format!("/referrals/{}", fx.referral))
                .replace(
                    "/allocations/{id}",
                    &format!("/allocations/{}", fx.allocation),
                )
                .replace("/resources/{id}", &format!("/resources/{}", fx.resource))
                .replace(
                    "/benefit-types/{id}",
                    &format!("/benefit-types/{}", fx.benefit_type),
                )
                .replace("/users/{id}", &format!("/users/{}", w.dong_user))
                .replace(
                    "/organizations/{id}",
                    &format!("/organizations/{}", w.d.dong),
                )
                // Webhooks of other organizations do not exist for the caller.
                .replace(
                    "/webhooks/{id}",
                    &format!("/webhooks/{}", uuid::Uuid::now_v7()),
                )
                .replace("{delivery_id}", &uuid::Uuid::now_v7().to_string())
                // No visit exists in this fixture: any id must still be refused.
                .replace("/visits/{id}", &format!("/visits/{}", uuid::Uuid::now_v7()))
                // Another user's notification does not exist for the caller.
                .replace(
                    "/notifications/{id}",
                    &format!("/notifications/{}", uuid::Uuid::now_v7()),
                )
                // No action item exists in this fixture: any id must still be refused.
                .replace(
                    "/action-items/{id}",
                    &format!("/action-items/{}", uuid::Uuid::now_v7()),
                )
                // No plan exists in this fixture: any id must still be refused.
                .replace("/plans/{id}", &format!("/plans/{}", uuid::Uuid::now_v7()))
                .replace(
                    "/person-duplicates/{id}",
                    &format!("/person-duplicates/{}", uuid::Uuid::now_v7()),
                )
                .replace(
                    "/agenda-requests/{id}",
                    &format!("/agenda-requests/{}", uuid::Uuid::now_v7()),
                )
                // No donation exists in this fixture: any id must still be refused.
                .replace(
                    "/donations/{id}",
                    &format!("/donations/{}", uuid::Uuid::now_v7()),
                )
                // No campaign exists in this fixture: any id must still be refused.
                .replace(
                    "/campaigns/{id}",
                    &format!("/campaigns/{}", uuid::Uuid::now_v7()),
                )
                .replace(
                    "/nominations/{id}",
                    &format!("/nominations/{}", uuid::Uuid::now_v7()),
                )
                // No attachment exists in this fixture: any id must still be refused.
                .replace(
                    "/attachments/{id}",
                    &format!("/attachments/{}", uuid::Uuid::now_v7()),
                )
                .replace("/agenda/{case_id}", &format!("/agenda/{}", fx.case))
                .replace("{person_id}", &fx.person)
                .replace("{org_id}", &w.d.dong);
            assert!(!concrete.contains('{'), "unmapped path parameter in {path}");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let plan = plan(op_id, &w);
            let call = |token: Option<&str>| {
                let mut req =
                    TestApp::req(m.clone(), &concrete, token).insert_header(("if-match", "\"1\""));
                match (&plan, op_id) {
                    (_, "import_allocations") => {
                        req = req
                            .insert_header(("content-type", "text/csv"))
                            .set_payload(format!(
                                "resource_id,person_id,granted_on\n{},{},2026-11-02\n",
                                fx.resource, fx.person
                            ));
                    }
                    (Plan::Private(Some(body)), _) => req = req.set_json(body.clone()),
                    _ => {}
                }
                app.send(req)
            };
            walked += 1;
            if let Plan::Public = plan {
                let r = call(None).await;
                assert!(!r.status.is_server_error(), "{op_id}: {}", r.text);
                continue;
            }
            call(None).await.assert_problem(401, "missing_token");
            call(Some(&expired_token))
                .await
                .assert_problem(401, "token_expired");
            for (why, token) in &dead {
                let r = call(Some(token)).await;
                assert_eq!(r.status, 401, "{why} token on {op_id}: {}", r.text);
                r.assert_problem(401, "session_ended");
            }
            if let Plan::OwnSession = plan {
                continue;
            }
            for (who, token) in [
                ("caseworker of another district", &w.far),
                ("coordinator of another district", &far_coord),
            ] {
                let r = call(Some(token)).await;
                let s = r.status.as_u16();
                let redacted = op_id == "get_person" && s == 200 && r.body["redacted"] == true;
                if path.contains('{') {
                    assert!(
                        redacted || matches!(s, 403 | 404),
                        "{who} got {s} from {method} {path} ({op_id}): {}",
                        r.text
                    );
                } else {
                    assert!(s < 500, "{who}: {op_id} answered {s}: {}", r.text);
                }
                // The redacted view names the id the caller asked about, nothing more.
                let scanned = if redacted {
                    &secrets[..6]
                } else {
                    &secrets[..]
                };
                for secret in scanned {
                    assert!(
                        !r.text.contains(secret),
                        "{who} saw {secret} via {op_id}: {}",
                        r.text
                    );
                }
            }
        }
    }
    assert!(walked >= 74, "only {walked} operations walked");
    assert_eq!(
        snapshot(&app, &w, &fx).await,
        before,
        "no foreign write landed"
    );
}

both!(every_operation_refuses_missing_expired_dead_and_foreign_tokens);
