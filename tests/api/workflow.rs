//! Workflows in the order the field works them: referrals that ask to lead or to serve, joint
//! visits before referrals.

use serde_json::{json, Value};

use crate::support::{Backend, Shared, TestApp, World, PASSWORD};

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

both!(the_field_visits_together_first_and_refers_after);
async fn the_field_visits_together_first_and_refers_after(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let person = app.person(&w.dong, "박둘", "1950-01-02", None).await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(180)).to_rfc3339();
    let r = app
        .post(
            &format!("/api/v1/persons/{person}/consents"),
            Some(&w.dong),
            json!({ "purpose": "사례관리", "scope": "organizations", "organization_ids": [w.d.welfare], "expires_at": expires }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let case = app.case(&w.dong, &person).await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();

    // The dong official plans a 1+1 home visit with the welfare centre's worker, which does not
    // take part yet: the centre joins the case as a visitor, on the timeline.
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/visits"),
            Some(&w.dong),
            json!({ "scheduled_at": tomorrow, "co_visitor_user_ids": [w.welfare_user], "purpose": "1+1 가정방문" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let visit = r.body["id"].as_str().unwrap().to_owned();
    let parts = app
        .get(&format!("/api/v1/cases/{case}/participants"), Some(&w.dong))
        .await;
    assert!(
        parts.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["organization_id"] == w.d.welfare.as_str() && p["role"] == "visitor"),
        "{}",
        parts.text
    );
    let timeline = app
        .get(
            &format!("/api/v1/cases/{case}/timeline?limit=200"),
            Some(&w.dong),
        )
        .await;
    assert!(
        timeline.text.contains("participant_added"),
        "{}",
        timeline.text
    );
    // The co-visitor records the visit; the person's details are as far as the consent allows.
    let r = app
        .post(
            &format!("/api/v1/visits/{visit}/complete"),
            Some(&w.welfare),
            json!({ "note": "난방 상태 확인, 복지관 사례관리 필요" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let seen = app
        .get(&format!("/api/v1/persons/{person}"), Some(&w.welfare))
        .await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.body["name"], "박둘", "{}", seen.text);

    // Then the lead refers to the organization that already takes part.
    let (status, body) = refer(&app, &w.dong, &case, &w.d.welfare, "lead").await;
    assert_eq!(status, 201, "{body}");

    // A participant that does not lead brings no third organization in by a visit; another
    // district's worker does not exist for the case.
    let partner = app
        .org("마포자원봉사센터", "partner_agency", "11440", None)
        .await;
    let partner_user = app.user("vol.w", &partner, "caseworker").await;
    app.post(
        &format!("/api/v1/cases/{case}/visits"),
        Some(&w.welfare),
        json!({ "scheduled_at": tomorrow, "co_visitor_user_ids": [partner_user], "purpose": "동행" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let far_user = app.get("/api/v1/me", Some(&w.far)).await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/visits"),
            Some(&w.dong),
            json!({ "scheduled_at": tomorrow, "co_visitor_user_ids": [far_user], "purpose": "동행" }),
        )
        .await;
    assert_eq!(
        r.field_errors()[0],
        ("co_visitor_user_ids".into(), "invalid_reference".into()),
        "{}",
        r.text
    );
    let parts = app
        .get(&format!("/api/v1/cases/{case}/participants"), Some(&w.dong))
        .await;
    assert_eq!(
        parts.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        parts.text
    );
}

/// Two records of one person (same name and birth date: a score-85 pair, open) and a `block`
/// benefit given to the first; answers what the check says for the second.
async fn second_record_check(app: &TestApp, w: &World) -> (String, String, String, Value) {
    let oil = app
        .resource(
            &w.dong,
            json!({ "name": "난방유", "category": "heating", "funding": "public", "unit": "드럼",
                "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 1, "action": "block" } }),
        )
        .await;
    let mut ids = Vec::new();
    for phone in ["010-1111-2222", "010-3333-4444"] {
        let r = app
            .post(
                "/api/v1/persons",
                Some(&w.dong),
                json!({ "name": "한쌍둥", "birth_date": "1941-05-05", "phone": phone }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let (first, second) = (ids[0].clone(), ids[1].clone());
    let today = hamkke_domain::today().to_string();
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": first, "granted_on": today, "quantity": 1 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            "/api/v1/allocations/check",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": second, "granted_on": today, "quantity": 1 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (oil, first, second, r.body)
}

both!(an_override_review_shows_the_duplicate_pair);
async fn an_override_review_shows_the_duplicate_pair(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (oil, first, second, check) = second_record_check(&app, &w).await;
    assert_eq!(check["allowed"], false, "{check}");
    let today = hamkke_domain::today().to_string();
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": second, "granted_on": today, "quantity": 1, "override": { "reason": "동일인 여부 확인 중, 한파 긴급" } }),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    // The coordinator deciding it sees which other record fired the rule, masked.
    let r = app
        .get(&format!("/api/v1/allocations/{id}"), Some(&w.coord))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let review = &r.body["review"];
    assert_eq!(review["conflicts"].as_array().unwrap().len(), 1, "{review}");
    let pairs = review["duplicate_pairs"].as_array().unwrap();
    let pair = pairs
        .iter()
        .find(|p| p["person_id"] == first.as_str())
        .unwrap_or_else(|| panic!("{review}"));
    assert_eq!(pair["score"], 85, "{pair}");
    assert_eq!(pair["name_masked"], "한*둥", "{pair}");
    assert_eq!(pair["birth_year"], 1941);
    assert_eq!(
        review["possible_duplicate_claims"][0]["person_id"],
        first.as_str(),
        "{review}"
    );
    assert!(!r.text.contains("한쌍둥"), "{}", r.text);
}

both!(the_strong_score_is_the_district_setting);
async fn the_strong_score_is_the_district_setting(b: Backend) {
    // HAMKKE_DUPLICATE_STRONG_SCORE=90: a score-85 pair is possible, not strong — it does not
    // count as one person for the check (the default, 80, blocks: the test above).
    let app = TestApp::with_config(b, |c| c.duplicate_strong_score = 90).await;
    let w = World::create(&app).await;
    let (_, _, _, check) = second_record_check(&app, &w).await;
    assert_eq!(check["allowed"], true, "{check}");
    assert_eq!(check["possible_duplicate_claims"], json!([]), "{check}");
}

both!(a_district_administers_its_own_organizations);
async fn a_district_administers_its_own_organizations(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let org = |name: &str, kind: &str, district: &str| json!({ "name": name, "kind": kind, "district_code": district });
    // The coordinator opens a dong centre under its district office and a new welfare centre.
    let mut dong = org("아현동 주민센터", "dong_center", "11440");
    dong["parent_id"] = json!(w.d.office);
    let r = app
        .post("/api/v1/organizations", Some(&w.coord), dong)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let new_dong = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/organizations",
            Some(&w.coord),
            org("마포종합사회복지관", "welfare_center", "11440"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let new_centre = r.body["id"].as_str().unwrap().to_owned();
    // Not a district office, nor anything in another district; a caseworker nothing.
    for (token, body) in [
        (&w.coord, org("새 구청", "district_office", "11440")),
        (&w.coord, org("종로 복지관", "welfare_center", "11110")),
        (&w.dong, org("공덕2동", "dong_center", "11440")),
    ] {
        app.post("/api/v1/organizations", Some(token), body)
            .await
            .assert_problem(403, "forbidden");
    }
    // A parent of another district does not exist for it.
    let mut far_parent = org("먼 동", "dong_center", "11440");
    far_parent["parent_id"] = json!(w.d.other_office);
    let r = app
        .post("/api/v1/organizations", Some(&w.coord), far_parent)
        .await;
    assert_eq!(r.status, 404, "{}", r.text);

    // Hub mapping (거점복지관) and deactivation of the district's organizations.
    let r = app
        .patch(
            &format!("/api/v1/organizations/{new_dong}"),
            Some(&w.coord),
            Some("\"1\""),
            json!({ "hub_org_id": new_centre }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["hub_org_id"], new_centre.as_str());
    let r = app
        .patch(
            &format!("/api/v1/organizations/{new_dong}"),
            Some(&w.coord),
            Some("\"2\""),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false);
    app.patch(
        &format!("/api/v1/organizations/{}", w.d.office),
        Some(&w.coord),
        Some("\"1\""),
        json!({ "name": "마포구청 복지정책과" }),
    )
    .await
    .assert_problem(403, "forbidden");

    // The new centre's first org admin: an activation code the coordinator hands over (it
    // never knows the password); later org admins are a system administrator's to grant.
    let admin = json!({ "username": "centre.head", "display_name": "관장", "org_id": new_centre, "role": "org_admin" });
    let r = app.post("/api/v1/users", Some(&w.coord), admin).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let code = r.body["activation_code"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/auth/activate",
            None,
            json!({ "username": "centre.head", "activation_code": code, "password": PASSWORD }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let head = app.login("centre.head", PASSWORD).await;
    app.post("/api/v1/users", Some(&w.coord), json!({ "username": "centre.head2", "display_name": "부관장", "org_id": new_centre, "role": "org_admin" }))
        .await
        .assert_problem(403, "forbidden");
    // The centre manages its own staff from then on; the coordinator does not.
    let r = app
        .post("/api/v1/users", Some(&head), json!({ "username": "centre.cm", "display_name": "사례관리자", "org_id": new_centre, "role": "caseworker" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.post("/api/v1/users", Some(&w.coord), json!({ "username": "centre.cm2", "display_name": "x", "password": PASSWORD, "org_id": new_centre, "role": "caseworker" }))
        .await
        .assert_problem(403, "forbidden");
    // A dong centre's first org admin is not the coordinator's to open either (public
    // organizations' accounts are managed by the coordinator directly, without org admins).
    app.post("/api/v1/users", Some(&w.coord), json!({ "username": "dong.head", "display_name": "동장", "org_id": new_dong, "role": "org_admin" }))
        .await
        .assert_problem(403, "forbidden");
}

both!(a_refusal_says_who_may);
async fn a_refusal_says_who_may(b: Backend) {
    let app = TestApp::new(b).await;
    let s = Shared::create(&app).await;
    let w = &s.w;
    // A co-manager asks to hand the case to a new lead: only the lead may, in Korean by
    // default and in English on request, as a code and a `required` member.
    let body = json!({ "case_id": s.case, "to_organization_id": w.d.office, "kind": "lead", "reason": "이관" });
    let r = app
        .post("/api/v1/referrals", Some(&w.welfare), body.clone())
        .await;
    r.assert_problem(403, "forbidden");
    assert_eq!(
        r.body["errors"][0]["code"], "requires_case_lead",
        "{}",
        r.text
    );
    assert_eq!(
        r.body["required"]["organization"], "case_lead",
        "{}",
        r.text
    );
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("사례 주관기관만"),
        "{}",
        r.text
    );
    let r = app
        .send(
            TestApp::req(
                actix_web::http::Method::POST,
                "/api/v1/referrals",
                Some(&w.welfare),
            )
            .insert_header(("accept-language", "en"))
            .set_json(body),
        )
        .await;
    assert_eq!(
        r.body["errors"][0]["message"], "Only the case's lead organization may do this",
        "{}",
        r.text
    );
    // A caseworker creating an organization: the district's coordinators may (role and kind).
    let r = app
        .post(
            "/api/v1/organizations",
            Some(&w.dong),
            json!({ "name": "x", "kind": "dong_center", "district_code": "11440" }),
        )
        .await;
    r.assert_problem(403, "forbidden");
    assert_eq!(r.body["required"]["role"], "coordinator", "{}", r.text);
    assert_eq!(
        r.body["required"]["organization_kind"], "district_office",
        "{}",
        r.text
    );
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("희망복지지원단 통합사례관리사만"),
        "{}",
        r.text
    );
    // What the caller may not see stays a plain 404, naming nobody.
    let far_case = app
        .get(&format!("/api/v1/cases/{}", s.case), Some(&w.far))
        .await;
    far_case.assert_problem(404, "not_found");
    assert!(far_case.body.get("required").is_none(), "{}", far_case.text);
}
