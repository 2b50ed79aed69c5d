//! Workflows in the order the field works them: referrals that ask to lead or to serve.

use serde_json::{json, Value};

use crate::support::{Backend, Shared, TestApp, PASSWORD};

async fn lead_of(app: &TestApp, token: &str, case: &str) -> String {
    let r = app.get(&format!("/api/v1/cases/{case}"), Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["lead_org_id"].as_str().unwrap().to_owned()
}

async fn refer(app: &TestApp, token: &str, case: &str, to: &str, kind: &str) -> (u16, Value) {
    let r = app
        .post(
            "/api/v1/referrals",
            Some(token),
            json!({ "case_id": case, "to_organization_id": to, "kind": kind, "reason": "사례 이관 요청" }),
        )
        .await;
    (r.status.as_u16(), r.body)
}

async fn answer(app: &TestApp, token: &str, referral: &Value, how: &str) -> (u16, Value) {
    let body = if how == "decline" {
        json!({ "reason": "담당 인력 부족" })
    } else {
        json!({})
    };
    let r = app
        .post(
            &format!(
                "/api/v1/referrals/{}/{how}",
                referral["id"].as_str().unwrap()
            ),
            Some(token),
            body,
        )
        .await;
    (r.status.as_u16(), r.body)
}

both!(a_lead_referral_moves_the_lead_when_accepted);
async fn a_lead_referral_moves_the_lead_when_accepted(b: Backend) {
    let app = TestApp::new(b).await;
    let s = Shared::create(&app).await;
    let (w, case) = (&s.w, s.case.as_str());

    // Asking another organization to take over is the lead's to ask.
    let (status, body) = refer(&app, &w.welfare, case, &w.d.dong, "lead").await;
    assert_eq!(status, 403, "{body}");

    // The lead asks the welfare centre, which already takes part, to lead; until it answers
    // the case stays where it is.
    let (status, sent) = refer(&app, &w.dong, case, &w.d.welfare, "lead").await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["kind"], "lead");
    assert_eq!(lead_of(&app, &w.dong, case).await, w.d.dong);

    let (status, body) = answer(&app, &w.welfare, &sent, "accept").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(lead_of(&app, &w.welfare, case).await, w.d.welfare);
    let parts = app
        .get(
            &format!("/api/v1/cases/{case}/participants"),
            Some(&w.welfare),
        )
        .await;
    let role_of = |org: &str| {
        parts.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["organization_id"] == org)
            .unwrap()["role"]
            .clone()
    };
    assert_eq!(role_of(&w.d.welfare), "lead", "{}", parts.text);
    assert_eq!(role_of(&w.d.dong), "co_manager", "{}", parts.text);
    let timeline = app
        .get(
            &format!("/api/v1/cases/{case}/timeline?limit=200"),
            Some(&w.welfare),
        )
        .await;
    let moved = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "lead_changed")
        .unwrap_or_else(|| panic!("{}", timeline.text));
    assert_eq!(moved["data"]["referral_id"], sent["id"], "{moved}");
    // The new lead works the case as its lead; the old one no longer asks for a new lead.
    let (status, body) = refer(&app, &w.dong, case, &w.d.office, "lead").await;
    assert_eq!(status, 403, "{body}");

    // Two asks out at once: the first accepted moves the lead; the other is outdated and can
    // still be declined (no dead end).
    let partner = app
        .org("마포건강가정지원센터", "partner_agency", "11440", None)
        .await;
    app.user("partner.w", &partner, "caseworker").await;
    let partner_token = app.login("partner.w", PASSWORD).await;
    let (_, to_dong) = refer(&app, &w.welfare, case, &w.d.dong, "lead").await;
    let (status, to_partner) = refer(&app, &w.welfare, case, &partner, "lead").await;
    assert_eq!(status, 201, "{to_partner}");
    let (status, body) = answer(&app, &partner_token, &to_partner, "accept").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = answer(&app, &w.dong, &to_dong, "accept").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "referral_outdated", "{body}");
    let (status, body) = answer(&app, &w.dong, &to_dong, "decline").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(lead_of(&app, &partner_token, case).await, partner);
}

both!(a_service_referral_adds_a_participant_and_keeps_the_lead);
async fn a_service_referral_adds_a_participant_and_keeps_the_lead(b: Backend) {
    let app = TestApp::new(b).await;
    let s = Shared::create(&app).await;
    let (w, case) = (&s.w, s.case.as_str());
    // A participant may ask for a service; the default kind is `service`.
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.welfare),
            json!({ "case_id": case, "to_organization_id": w.d.office, "reason": "긴급지원 검토" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["kind"], "service");
    let (status, body) = answer(&app, &w.coord, &r.body, "accept").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(lead_of(&app, &w.dong, case).await, w.d.dong);
}
