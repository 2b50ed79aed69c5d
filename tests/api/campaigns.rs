//! Winter campaigns (#31): a coordinator starts a campaign with quotas; the dong centre
//! nominates within its quota (duplicates against the ledger and the campaign refused, the
//! quota enforced); the coordinator approves into the ledger or returns with a reason; the
//! provider delivers; progress counts it all; nobody else sees or nominates.

use serde_json::json;

use crate::support::{Backend, TestApp, World};

/// A resource of a benefit type counted once per person per year, and its type's id.
pub(crate) async fn heating(app: &TestApp, token: &str) -> (String, String) {
    let oil = app
        .resource(
            token,
            json!({ "name": "연말 난방유", "category": "heating", "funding": "private_donation", "unit": "드럼",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 1, "action": "block" } }),
        )
        .await;
    let r = app
        .get(&format!("/api/v1/resources/{oil}"), Some(token))
        .await;
    let benefit_type = r.body["benefit_type_id"].as_str().unwrap().to_owned();
    (oil, benefit_type)
}

async fn a_campaign_runs_from_quota_to_delivery(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (oil, oil_type) = heating(&app, &w.dong).await;
    // Only a coordinator starts one; the quota holders' staff are told.
    let body = json!({
        "name": "2026 희망온돌",
        "starts_on": "2026-11-15",
        "ends_on": "2099-02-28",
        "budget": 10_000_000,
        "benefit_type_ids": [oil_type],
        "quotas": [{ "organization_id": w.d.dong, "households": 2, "persons": 2, "amount": 1_000_000 }],
    });
    app.post("/api/v1/campaigns", Some(&w.dong), body.clone())
        .await
        .assert_problem(403, "forbidden");
    let c = app.post("/api/v1/campaigns", Some(&w.coord), body).await;
    assert_eq!(c.status, 201, "{}", c.text);
    let campaign = c.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        c.header("location"),
        Some(format!("/api/v1/campaigns/{campaign}").as_str())
    );
    assert_eq!(c.body["benefit_type_names"][0], "연말 난방유");
    assert_eq!(c.body["quotas"][0]["organization_name"], "공덕동 주민센터");
    assert_eq!(c.body["quotas"][0]["persons_left"], 2);
    let told = app.get("/api/v1/notifications", Some(&w.dong)).await;
    assert!(
        told.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["event_type"] == "campaign.created"),
        "{}",
        told.text
    );

    // Nominations: within the quota, never twice, never what the ledger already holds.
    let nominations = format!("/api/v1/campaigns/{campaign}/nominations");
    let grandma = app.person(&w.dong, "김순자", "1941-01-01", None).await;
    let grandpa = app.person(&w.dong, "이영수", "1938-02-02", None).await;
    let given = app.person(&w.dong, "박복순", "1944-03-03", None).await;
    let fourth = app.person(&w.dong, "최말순", "1946-04-04", None).await;
    let nominate = |person: &str| json!({ "person_id": person, "resource_id": oil, "amount": 300_000, "quantity": 1, "note": "독거, 난방비 체납" });
    let first = app
        .post(&nominations, Some(&w.dong), nominate(&grandma))
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["person_name"], "김순자");
    assert_eq!(first.body["organization_name"], "공덕동 주민센터");
    assert_eq!(first.body["status"], "nominated");
    app.post(&nominations, Some(&w.dong), nominate(&grandma))
        .await
        .assert_problem(409, "already_nominated");
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": given, "granted_on": "2026-12-01", "amount": 300_000 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let dup = app
        .post(&nominations, Some(&w.dong), nominate(&given))
        .await;
    dup.assert_problem(409, "duplicate_benefit");
    assert_eq!(dup.body["conflicts"].as_array().unwrap().len(), 1);
    let second = app
        .post(&nominations, Some(&w.dong), nominate(&grandpa))
        .await;
    assert_eq!(second.status, 201, "{}", second.text);
    app.post(&nominations, Some(&w.dong), nominate(&fourth))
        .await
        .assert_problem(409, "quota_exhausted");
    // Another district's person or resource does not exist here.
    let far_person = app.person(&w.far, "원거리", "1950-05-05", None).await;
    let r = app
        .post(&nominations, Some(&w.dong), nominate(&far_person))
        .await;
    r.assert_problem(404, "not_found");
    assert!(r.text.contains("person_id"), "{}", r.text);
    let far_oil = app
        .resource(&w.far, json!({ "name": "난방유", "category": "heating", "funding": "public", "unit": "드럼",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 1, "action": "block" } }))
        .await;
    let r = app
        .post(
            &nominations,
            Some(&w.dong),
            json!({ "person_id": fourth, "resource_id": far_oil }),
        )
        .await;
    r.assert_problem(404, "not_found");
    assert!(r.text.contains("resource_id"), "{}", r.text);
    // Organizations without a quota neither nominate nor see it; other districts see nothing.
    app.post(&nominations, Some(&w.welfare), nominate(&fourth))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.get(&format!("/api/v1/campaigns/{campaign}"), Some(&w.welfare))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get("/api/v1/campaigns", Some(&w.far)).await.body["items"],
        json!([])
    );

    // The coordinator approves one into the ledger and returns the other with a reason.
    let a = first.body["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/nominations/{a}/approve"),
        Some(&w.dong),
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let approved = app
        .post(
            &format!("/api/v1/nominations/{a}/approve"),
            Some(&w.coord),
            json!({}),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    let allocation = approved.body["allocation_id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/nominations/{a}/approve"),
        Some(&w.coord),
        json!({}),
    )
    .await
    .assert_problem(409, "nomination_decided");
    let b2 = second.body["id"].as_str().unwrap();
    let returned = app
        .post(
            &format!("/api/v1/nominations/{b2}/return"),
            Some(&w.coord),
            json!({ "reason": "기초생활수급 난방비와 중복 여부 확인 필요" }),
        )
        .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!(returned.body["status"], "returned");
    let told = app.get("/api/v1/notifications", Some(&w.dong)).await;
    assert!(
        told.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["event_type"] == "nomination.decided"),
        "{}",
        told.text
    );
    // On the nominator's worklist, with the reason, until nominated again.
    let work = app.get("/api/v1/me/worklist", Some(&w.dong)).await;
    let back = &work.body["returned_nominations"];
    assert_eq!(back.as_array().unwrap().len(), 1, "{}", work.text);
    assert_eq!(back[0]["person_name"], "이영수");
    assert_eq!(
        back[0]["return_reason"],
        "기초생활수급 난방비와 중복 여부 확인 필요"
    );
    // Its place went back: the fourth fits now; a returned person may be nominated again.
    let fourth_in = app
        .post(&nominations, Some(&w.dong), nominate(&fourth))
        .await;
    assert_eq!(fourth_in.status, 201, "{}", fourth_in.text);
    app.post(&nominations, Some(&w.dong), nominate(&grandpa))
        .await
        .assert_problem(409, "quota_exhausted");
    let withdrawn = app
        .post(
            &format!(
                "/api/v1/nominations/{}/withdraw",
                fourth_in.body["id"].as_str().unwrap()
            ),
            Some(&w.dong),
            json!({}),
        )
        .await;
    assert_eq!(withdrawn.body["status"], "withdrawn", "{}", withdrawn.text);
    let again = app
        .post(&nominations, Some(&w.dong), nominate(&grandpa))
        .await;
    assert_eq!(again.status, 201, "{}", again.text);
    let work = app.get("/api/v1/me/worklist", Some(&w.dong)).await;
    assert_eq!(
        work.body["returned_nominations"],
        json!([]),
        "{}",
        work.text
    );

    // The provider delivers the approved allocation with the recipient's signature; the
    // progress counts it, with its proof.
    let sig = crate::attachments::upload(
        &app,
        &w.dong,
        "allocation",
        &allocation,
        "signature",
        b"\x89PNG\r\n\x1a\n signature",
    )
    .await;
    assert_eq!(sig.status, 201, "{}", sig.text);
    let d = app
        .post(
            &format!("/api/v1/allocations/{allocation}/deliver"),
            Some(&w.dong),
            json!({ "proof": { "kind": "signature", "attachment_id": sig.body["id"] } }),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    let c = app
        .get(&format!("/api/v1/campaigns/{campaign}"), Some(&w.coord))
        .await;
    let q = &c.body["quotas"][0];
    assert_eq!(q["nominated_persons"], 2, "{}", c.text);
    assert_eq!(q["persons_left"], 0);
    assert_eq!(q["approved"], 1);
    assert_eq!(q["delivered"], 1);
    assert_eq!(q["delivered_with_proof"], 1);
    assert_eq!(q["delivery_rate"], 1.0);
    assert_eq!(q["proof_rate"], 1.0);
    assert_eq!(q["amount_spent"], 300_000);
    assert_eq!(q["nominated_amount"], 600_000);
    assert_eq!(q["amount_left"], 400_000);
    // The dong centre sees its own quota and nominations; the coordinator sees them all.
    let mine = app.get(&nominations, Some(&w.dong)).await;
    assert_eq!(
        mine.body["items"].as_array().unwrap().len(),
        4,
        "{}",
        mine.text
    );
    let open = app
        .get(&format!("{nominations}?status=nominated"), Some(&w.coord))
        .await;
    assert_eq!(
        open.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        open.text
    );
    assert_eq!(open.body["items"][0]["person_id"], grandpa.as_str());
}

both!(a_campaign_runs_from_quota_to_delivery);

/// No dead ends: an approved nomination whose allocation is cancelled gives its place back and
/// the person may be nominated again; a coordinator closes a campaign to new nominations and
/// opens it again.
async fn cancelled_allocations_give_places_back_and_campaigns_close(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (oil, oil_type) = heating(&app, &w.dong).await;
    let c = app
        .post(
            "/api/v1/campaigns",
            Some(&w.coord),
            json!({ "name": "김장나눔", "starts_on": "2026-11-01", "ends_on": "2099-02-28",
                "benefit_type_ids": [oil_type], "quotas": [{ "organization_id": w.d.dong, "persons": 1 }] }),
        )
        .await;
    let campaign = c.body["id"].as_str().unwrap().to_owned();
    let nominations = format!("/api/v1/campaigns/{campaign}/nominations");
    let person = app.person(&w.dong, "김순자", "1941-01-01", None).await;
    let nominate = json!({ "person_id": person, "resource_id": oil, "amount": 200_000 });
    let n = app
        .post(&nominations, Some(&w.dong), nominate.clone())
        .await;
    assert_eq!(n.status, 201, "{}", n.text);
    let a = app
        .post(
            &format!(
                "/api/v1/nominations/{}/approve",
                n.body["id"].as_str().unwrap()
            ),
            Some(&w.coord),
            json!({}),
        )
        .await;
    let allocation = a.body["allocation_id"].as_str().unwrap().to_owned();
    // The provider cancels the allocation: the nomination is cancelled with it, the place is
    // back, the nominator is told, and the person can be nominated again.
    let r = app
        .post(
            &format!("/api/v1/allocations/{allocation}/cancel"),
            Some(&w.dong),
            json!({ "reason": "이사로 전달 불가" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let all = app.get(&nominations, Some(&w.dong)).await;
    assert_eq!(all.body["items"][0]["status"], "cancelled", "{}", all.text);
    let c = app
        .get(&format!("/api/v1/campaigns/{campaign}"), Some(&w.coord))
        .await;
    assert_eq!(c.body["quotas"][0]["persons_left"], 1, "{}", c.text);
    let told = app.get("/api/v1/notifications", Some(&w.dong)).await;
    assert!(told.text.contains("nomination.decided"), "{}", told.text);
    let again = app
        .post(&nominations, Some(&w.dong), nominate.clone())
        .await;
    assert_eq!(again.status, 201, "{}", again.text);

    // Closing: coordinators only, once; closed means no new nominations; open again.
    let close = format!("/api/v1/campaigns/{campaign}/close");
    app.post(&close, Some(&w.dong), json!({}))
        .await
        .assert_problem(403, "forbidden");
    let r = app.post(&close, Some(&w.coord), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "closed");
    app.post(&close, Some(&w.coord), json!({}))
        .await
        .assert_problem(409, "campaign_status");
    app.post(
        &format!(
            "/api/v1/nominations/{}/withdraw",
            again.body["id"].as_str().unwrap()
        ),
        Some(&w.dong),
        json!({}),
    )
    .await;
    app.post(&nominations, Some(&w.dong), nominate.clone())
        .await
        .assert_problem(409, "campaign_closed");
    let r = app
        .post(
            &format!("/api/v1/campaigns/{campaign}/reopen"),
            Some(&w.coord),
            json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "open", "{}", r.text);
    let r = app.post(&nominations, Some(&w.dong), nominate).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

both!(cancelled_allocations_give_places_back_and_campaigns_close);

/// A dong centre's target list (대상자 명단) imported as nominations: each row checked as a
/// single nomination is (ledger, campaign, quota), a bad row never stopping the others.
async fn a_target_list_is_imported_as_nominations(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (oil, oil_type) = heating(&app, &w.dong).await;
    let c = app
        .post(
            "/api/v1/campaigns",
            Some(&w.coord),
            json!({ "name": "희망온돌", "starts_on": "2026-11-01", "ends_on": "2099-02-28",
                "benefit_type_ids": [oil_type], "quotas": [{ "organization_id": w.d.dong, "persons": 2 }] }),
        )
        .await;
    let campaign = c.body["id"].as_str().unwrap().to_owned();
    app.person(&w.dong, "김순자", "1941-01-01", None).await;
    let grandpa = app.person(&w.dong, "이영수", "1938-02-02", None).await;
    let given = app.person(&w.dong, "박복순", "1944-03-03", None).await;
    app.person(&w.dong, "최말순", "1946-04-04", None).await;
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": given, "granted_on": "2026-12-01", "amount": 300_000 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let list = format!(
        "\u{feff}성명,생년월일,person_id,자원,금액,비고\r\n\
         김순자,1941-01-01,,연말 난방유,\"300,000\",독거\r\n\
         ,,{grandpa},연말 난방유,300000,\r\n\
         박복순,1944-03-03,,연말 난방유,300000,\r\n\
         없는사람,1950-01-01,,연말 난방유,300000,\r\n\
         최말순,1946-04-04,,연말 난방유,300000,\r\n\
         합계,,,,\"1,500,000\",\r\n"
    );
    let import = |token: &str| {
        let body = list.clone();
        let token = token.to_owned();
        let path = format!("/api/v1/campaigns/{campaign}/nominations/import");
        let app = &app;
        async move {
            app.send(
                TestApp::req(actix_web::http::Method::POST, &path, Some(&token))
                    .insert_header(("content-type", "text/csv"))
                    .set_payload(body),
            )
            .await
        }
    };
    let r = import(&w.dong).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["nominated"], 2, "{}", r.text);
    let refused: Vec<(u64, String)> = r.body["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["row"].as_u64().unwrap(),
                x["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        refused,
        vec![
            (3, "duplicate_benefit".to_owned()),
            (5, "quota_exhausted".to_owned())
        ],
        "{}",
        r.text
    );
    assert_eq!(r.body["errors"][0]["row"], 4, "{}", r.text);
    assert_eq!(r.body["errors"][0]["field"], "person");
    assert_eq!(r.body["total_rows"], json!([6]));
    let c = app
        .get(&format!("/api/v1/campaigns/{campaign}"), Some(&w.coord))
        .await;
    assert_eq!(c.body["quotas"][0]["persons_left"], 0, "{}", c.text);
    // The same list again: nothing new, its rows already nominated.
    let again = import(&w.dong).await;
    assert_eq!(again.body["nominated"], 0, "{}", again.text);
    assert!(again.text.contains("already_nominated"));
    // Only quota holders import; to the welfare centre (no quota) the campaign does not exist.
    import(&w.welfare).await.assert_problem(404, "not_found");
}

both!(a_target_list_is_imported_as_nominations);
