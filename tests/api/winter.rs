//! One winter campaign end to end (#31 "done when"): quota set, a designated cash gift and a
//! goods gift with expiry, nominations (a duplicate and an over-quota one refused), approval,
//! delivery with a signature attachment, receipts numbered 1..n without gaps, the donor's
//! report without personal data, the campaign report by dong of residence, and the
//! ministry-style summary.

use serde_json::json;

use crate::support::{Backend, TestApp, World};

async fn one_campaign_end_to_end(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (oil, oil_type) = crate::campaigns::heating(&app, &w.dong).await;
    let kimchi = crate::donations::kimchi(&app, &w.dong).await;
    // The dong centre serves its administrative dong; one household lives there.
    let org = format!("/api/v1/organizations/{}", w.d.dong);
    let r = app
        .patch(
            &org,
            Some(&w.coord),
            Some("\"1\""),
            json!({ "admin_dong_code": "1144055500", "registration_no": "105-82-12345" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let h = app
        .post(
            "/api/v1/households",
            Some(&w.dong),
            json!({ "address": "서울 마포구 공덕로 10", "admin_dong_code": "1144055500" }),
        )
        .await;
    let grandma = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "김순자", "birth_date": "1941-01-01", "household_id": h.body["id"] }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grandpa = app.person(&w.dong, "이영수", "1938-02-02", None).await;
    let given = app.person(&w.dong, "박복순", "1944-03-03", None).await;
    let fourth = app.person(&w.dong, "최말순", "1946-04-04", None).await;

    // 1. The campaign and the dong centre's quota: two persons.
    let c = app
        .post(
            "/api/v1/campaigns",
            Some(&w.coord),
            json!({ "name": "2026 희망온돌", "starts_on": "2026-11-15", "ends_on": "2099-02-28", "budget": 5_000_000,
                "benefit_type_ids": [oil_type],
                "quotas": [{ "organization_id": w.d.dong, "persons": 2, "amount": 1_000_000 }] }),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.text);
    let campaign = c.body["id"].as_str().unwrap().to_owned();

    // 2. A cash gift designated to the dong centre, and goods with an expiry date.
    let cash = app
        .post(
            "/api/v1/donations",
            Some(&w.dong),
            json!({ "donor_kind": "company", "donor_name": "마포상회", "donor_identifier": "220-81-62517",
                "amount": 1_000_000, "designation": "organization", "designated_organization_id": w.d.dong,
                "received_on": "2026-11-20" }),
        )
        .await;
    assert_eq!(cash.status, 201, "{}", cash.text);
    let goods = app
        .post(
            "/api/v1/donations",
            Some(&w.dong),
            json!({ "donor_kind": "person", "donor_name": "홍길동", "donor_identifier": "800101-1234567",
                "resource_id": kimchi, "quantity": 10, "value": 300_000, "expires_on": "2099-01-31",
                "received_on": "2026-11-21" }),
        )
        .await;
    assert_eq!(goods.status, 201, "{}", goods.text);
    let stock = app
        .get(&format!("/api/v1/resources/{kimchi}/stock"), Some(&w.dong))
        .await;
    assert_eq!(stock.body["quantity_left"], 10, "{}", stock.text);

    // 3. Nominations: one the ledger already holds is refused, the third over the quota too.
    let r = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": given, "granted_on": "2026-12-01", "amount": 300_000 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let nominations = format!("/api/v1/campaigns/{campaign}/nominations");
    let nominate = |p: &str| json!({ "person_id": p, "resource_id": oil, "amount": 300_000 });
    app.post(&nominations, Some(&w.dong), nominate(&given))
        .await
        .assert_problem(409, "duplicate_benefit");
    let mut ids = Vec::new();
    for p in [&grandma, &grandpa] {
        let n = app.post(&nominations, Some(&w.dong), nominate(p)).await;
        assert_eq!(n.status, 201, "{}", n.text);
        ids.push(n.body["id"].as_str().unwrap().to_owned());
    }
    app.post(&nominations, Some(&w.dong), nominate(&fourth))
        .await
        .assert_problem(409, "quota_exhausted");

    // 4. Approval records the allocations; 5. each is delivered with its proof.
    let mut allocations = Vec::new();
    for id in &ids {
        let a = app
            .post(
                &format!("/api/v1/nominations/{id}/approve"),
                Some(&w.coord),
                json!({}),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        allocations.push(a.body["allocation_id"].as_str().unwrap().to_owned());
    }
    let sig = crate::attachments::upload(
        &app,
        &w.dong,
        "allocation",
        &allocations[0],
        "signature",
        b"\x89PNG\r\n\x1a\n grandma's signature",
    )
    .await;
    assert_eq!(sig.status, 201, "{}", sig.text);
    let d = app
        .post(
            &format!("/api/v1/allocations/{}/deliver", allocations[0]),
            Some(&w.dong),
            json!({ "proof": { "kind": "signature", "attachment_id": sig.body["id"] } }),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    let d = app
        .post(
            &format!("/api/v1/allocations/{}/deliver", allocations[1]),
            Some(&w.dong),
            json!({ "proof": { "kind": "proxy", "proxy_name": "이아들", "proxy_relation": "아들" } }),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    let c = app
        .get(&format!("/api/v1/campaigns/{campaign}"), Some(&w.coord))
        .await;
    let q = &c.body["quotas"][0];
    assert_eq!(
        (q["delivered"].clone(), q["proof_rate"].clone()),
        (json!(2), json!(1.0)),
        "{}",
        c.text
    );

    // Goods go out from stock to a recipient of the district.
    let g = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": kimchi, "person_id": grandma, "granted_on": "2026-12-02", "quantity": 3 }),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);

    // 6. Receipts: 1, 2 for the year, without gaps; asked again, the same number reissued.
    let year = (chrono::Utc::now() + chrono::Duration::hours(9))
        .format("%Y")
        .to_string();
    for (i, donation) in [&cash, &goods].iter().enumerate() {
        let id = donation.body["id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/api/v1/donations/{id}/receipt"),
                Some(&w.dong),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["number"], format!("{year}-{:04}", i + 1));
    }
    let cash_id = cash.body["id"].as_str().unwrap();
    let again = app
        .post(
            &format!("/api/v1/donations/{cash_id}/receipt"),
            Some(&w.dong),
            json!({}),
        )
        .await;
    assert_eq!(again.body["number"], format!("{year}-0001"));
    assert_eq!(again.body["reissued"], true);
    let pdf = app
        .get(
            &format!("/api/v1/donations/{cash_id}/receipt.pdf"),
            Some(&w.dong),
        )
        .await;
    assert!(pdf.raw.starts_with(b"%PDF-"), "{}", pdf.status);

    // 7. The donor's report: where the goods went, by dong and type, no recipient's data.
    let goods_id = goods.body["id"].as_str().unwrap();
    let report = app
        .get(
            &format!("/api/v1/donations/{goods_id}/report"),
            Some(&w.dong),
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["units_given"], 3, "{}", report.text);
    assert_eq!(report.body["by_dong"][0]["name"], "공덕동 주민센터");
    for private in ["김순자", &grandma, "1941", "공덕로"] {
        assert!(!report.text.contains(private), "{private}: {}", report.text);
    }

    // 8. The campaign report by dong of residence: grandma's dong by its centre, grandpa
    //    (no household on file) as unknown; the total; CSV with Korean headers.
    let r = app
        .get(
            &format!("/api/v1/campaigns/{campaign}/report"),
            Some(&w.coord),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.body["by_dong"].as_array().unwrap();
    let dong = rows
        .iter()
        .find(|d| d["dong_code"] == "1144055500")
        .unwrap();
    assert_eq!(dong["dong_name"], "공덕동 주민센터");
    assert_eq!(
        (
            dong["nominated_persons"].clone(),
            dong["delivered_with_proof"].clone()
        ),
        (json!(1), json!(1))
    );
    assert!(rows.iter().any(|d| d["dong_code"] == "unknown"));
    let total = &r.body["total"];
    assert_eq!(
        (
            total["approved"].clone(),
            total["delivered"].clone(),
            total["amount"].clone()
        ),
        (json!(2), json!(2), json!(600_000))
    );
    assert!(!r.text.contains("김순자") && !r.text.contains(&grandma));
    let csv = app
        .get(
            &format!("/api/v1/campaigns/{campaign}/report.csv"),
            Some(&w.coord),
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(
        csv.text.starts_with(
            "\u{feff}행정동 코드,행정동,추천 세대,추천 인원,승인,전달,증빙 있는 전달,지원 금액(원)"
        ),
        "{}",
        csv.text
    );
    assert!(csv.text.contains("1144055500,공덕동 주민센터,"));
    let xlsx = app
        .get(
            &format!("/api/v1/campaigns/{campaign}/report.xlsx"),
            Some(&w.coord),
        )
        .await;
    assert!(xlsx.raw.starts_with(b"PK"));
    // Not for the dong centre (a report of the district), and audited as an export.
    app.get(
        &format!("/api/v1/campaigns/{campaign}/report"),
        Some(&w.dong),
    )
    .await
    .assert_problem(403, "forbidden");
    let exports = app.audit_events("export").await;
    assert!(exports.iter().any(|e| e.resource_type == "campaign_report"));

    // 9. The ministry-style summary, in the dashboard and as its own section.
    let dash = app.get("/api/v1/reports/dashboard", Some(&w.coord)).await;
    assert_eq!(dash.status, 200, "{}", dash.text);
    let summary = dash.body["ministry_summary"].as_array().unwrap();
    let private = summary
        .iter()
        .find(|r| r["measure"] == "resources_linked" && r["key"] == "private_donation")
        .unwrap();
    assert_eq!(private["label"], "민간후원");
    assert_eq!(private["count"], 4, "{}", dash.text);
    let section = app
        .get(
            "/api/v1/reports/dashboard.csv?section=ministry_summary",
            Some(&w.coord),
        )
        .await;
    assert_eq!(section.status, 200, "{}", section.text);
    assert!(
        section.text.starts_with("\u{feff}구분,항목,건수,금액(원)"),
        "{}",
        section.text
    );
    assert!(section.text.contains("자원 연계,민간후원,4,"));
}

both!(one_campaign_end_to_end);
