//! Donations and stock (#31): goods become stock of the receiving organization's resource;
//! allocations draw it down in their own transaction (never below zero), earliest expiry
//! first, designated lots only as designated; a cancellation puts it back; the donor's
//! identifier is never shown back in full.

use serde_json::json;

use crate::support::{Backend, TestApp, World};

/// Goods of the dong centre given at most 100 times a year per person (stock is the limit).
pub(crate) async fn kimchi(app: &TestApp, token: &str) -> String {
    app.resource(
        token,
        json!({ "name": "김장김치 10kg", "category": "food", "funding": "private_donation", "unit": "상자",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 365 }, "max_count": 100, "action": "block" } }),
    )
    .await
}

async fn goods_become_stock_that_allocations_draw_down(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let box_ = kimchi(&app, &w.dong).await;
    let stock = format!("/api/v1/resources/{box_}/stock");
    let left = |r: &crate::support::Resp| r.body["quantity_left"].as_i64().unwrap();
    let gift = |quantity: i64, expires: &str, extra: serde_json::Value| {
        let mut body = json!({ "donor_kind": "company", "donor_name": "마포상회", "donor_contact": "02-123-4567",
            "resource_id": box_, "quantity": quantity, "expires_on": expires, "received_on": "2026-11-20" });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    // The receipt needs the company's number: kept sealed, shown masked; a wrong one is refused.
    app.post(
        "/api/v1/donations",
        Some(&w.dong),
        gift(
            10,
            "2099-01-31",
            json!({ "donor_identifier": "123-45-67890" }),
        ),
    )
    .await
    .assert_problem(400, "validation_failed");
    let d = app
        .post(
            "/api/v1/donations",
            Some(&w.dong),
            gift(
                10,
                "2099-01-31",
                json!({ "donor_identifier": "220-81-62517" }),
            ),
        )
        .await;
    assert_eq!(d.status, 201, "{}", d.text);
    assert_eq!(d.body["donor_identifier_masked"], "220-81-*****");
    assert!(!d.text.contains("62517"), "{}", d.text);
    assert_eq!(d.body["received_by_org_name"], "공덕동 주민센터");
    // Expired food is kept but never given.
    let old = app
        .post(
            "/api/v1/donations",
            Some(&w.dong),
            gift(4, "2026-01-31", json!({})),
        )
        .await;
    assert_eq!(old.status, 201, "{}", old.text);
    let s = app.get(&stock, Some(&w.dong)).await;
    assert_eq!(left(&s), 10, "{}", s.text);
    assert_eq!(s.body["quantity_expired"], 4);

    // Allocations draw it down; one that would go below zero is refused and changes nothing.
    let p1 = app.person(&w.dong, "김하나", "1940-01-01", None).await;
    let p2 = app.person(&w.dong, "이두리", "1941-02-02", None).await;
    let give = |person: &str, quantity: i64| json!({ "resource_id": box_, "person_id": person, "granted_on": "2026-12-01", "quantity": quantity });
    let a = app
        .post("/api/v1/allocations", Some(&w.dong), give(&p1, 3))
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert_eq!(left(&app.get(&stock, Some(&w.dong)).await), 7);
    app.post("/api/v1/allocations", Some(&w.dong), give(&p2, 8))
        .await
        .assert_problem(409, "out_of_stock");
    assert_eq!(left(&app.get(&stock, Some(&w.dong)).await), 7);
    let ledger = app
        .get(
            &format!("/api/v1/allocations?person_id={p2}"),
            Some(&w.dong),
        )
        .await;
    assert_eq!(ledger.body["items"], json!([]), "{}", ledger.text);

    // A gift designated to a group is given only to it (독거노인).
    let g = app
        .post(
            "/api/v1/donations",
            Some(&w.dong),
            gift(
                5,
                "2099-01-31",
                json!({ "designation": "group", "designated_group": "elderly_living_alone" }),
            ),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    assert_eq!(g.body["designation"]["kind"], "group");
    app.post("/api/v1/allocations", Some(&w.dong), give(&p2, 8))
        .await
        .assert_problem(409, "out_of_stock");
    let alone = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "박홀로", "birth_date": "1939-03-03", "flags": ["elderly_living_alone"] }),
        )
        .await;
    assert_eq!(alone.status, 201, "{}", alone.text);
    let alone = alone.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post("/api/v1/allocations", Some(&w.dong), give(&alone, 9))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let s = app.get(&stock, Some(&w.dong)).await;
    assert_eq!(left(&s), 3, "{}", s.text);

    // The donor's report: where the first gift went, by dong and benefit type, no names.
    let report = app
        .get(
            &format!(
                "/api/v1/donations/{}/report",
                d.body["id"].as_str().unwrap()
            ),
            Some(&w.dong),
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["units_received"], 10);
    assert_eq!(report.body["units_given"], 10, "{}", report.text);
    assert_eq!(report.body["units_left"], 0);
    assert_eq!(report.body["by_benefit_type"][0]["name"], "김장김치 10kg");
    assert_eq!(report.body["by_dong"][0]["key"], "unknown");
    for name in ["김하나", "이두리", "박홀로"] {
        assert!(!report.text.contains(name), "{}", report.text);
    }
    // A cancellation puts back what it drew.
    let cancelled = app
        .post(
            &format!(
                "/api/v1/allocations/{}/cancel",
                a.body["id"].as_str().unwrap()
            ),
            Some(&w.dong),
            json!({ "reason": "수령 거부" }),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(left(&app.get(&stock, Some(&w.dong)).await), 6);

    // The organization and the district's coordinators see it; others do not.
    assert_eq!(app.get(&stock, Some(&w.coord)).await.status, 200);
    assert_eq!(app.get(&stock, Some(&w.welfare)).await.status, 404);
    let id = d.body["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/donations/{id}"), Some(&w.welfare))
            .await
            .status,
        404
    );
    let all = app.get("/api/v1/donations", Some(&w.coord)).await;
    assert_eq!(
        all.body["items"].as_array().unwrap().len(),
        3,
        "{}",
        all.text
    );
    // Goods become stock only of the receiving organization's resources.
    let theirs = kimchi(&app, &w.welfare).await;
    let mut body = gift(1, "2099-01-31", json!({}));
    body["resource_id"] = json!(theirs);
    app.post("/api/v1/donations", Some(&w.dong), body)
        .await
        .assert_problem(400, "validation_failed");
    // A day no gift was received on is refused.
    for day in ["9999-12-31", "1899-01-01"] {
        let r = app
            .post(
                "/api/v1/donations",
                Some(&w.dong),
                json!({ "donor_kind": "person", "donor_name": "홍길동", "amount": 1000, "received_on": day }),
            )
            .await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(r.field_errors()[0].0, "received_on", "{}", r.text);
    }
    // Cash: an amount, nothing else.
    let cash = app
        .post(
            "/api/v1/donations",
            Some(&w.dong),
            json!({ "donor_kind": "person", "donor_name": "홍길동", "donor_identifier": "800101-1234567", "amount": 500000, "received_on": "2026-11-21" }),
        )
        .await;
    assert_eq!(cash.status, 201, "{}", cash.text);
    assert_eq!(cash.body["donor_identifier_masked"], "800101-1******");
}

both!(goods_become_stock_that_allocations_draw_down);

/// Receipts (기부금 영수증): numbered 1..n per organization and year without gaps, reissued under
/// the same number and marked, printed in Korean with what the form needs — for the receiving
/// organization only.
async fn receipts_are_numbered_without_gaps_and_printed(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let org = format!("/api/v1/organizations/{}", w.d.dong);
    let version = app.get(&org, Some(&w.coord)).await;
    let etag = version.header("etag").unwrap().to_owned();
    let r = app
        .patch(
            &org,
            Some(&w.coord),
            Some(&etag),
            json!({ "registration_no": "105-82-12345" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["registration_no"], "105-82-12345");
    let box_ = kimchi(&app, &w.dong).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let d = app
            .post(
                "/api/v1/donations",
                Some(&w.dong),
                json!({ "donor_kind": "person", "donor_name": format!("기부자{i}"), "donor_identifier": "800101-1234567",
                    "resource_id": box_, "quantity": 2, "value": 60000, "received_on": "2026-11-20" }),
            )
            .await;
        assert_eq!(d.status, 201, "{}", d.text);
        ids.push(d.body["id"].as_str().unwrap().to_owned());
    }
    let year = (chrono::Utc::now() + chrono::Duration::hours(9))
        .format("%Y")
        .to_string();
    for (i, id) in ids.iter().enumerate() {
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
    let again = app
        .post(
            &format!("/api/v1/donations/{}/receipt", ids[0]),
            Some(&w.dong),
            json!({}),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["reissued"], true);
    assert_eq!(again.body["number"], format!("{year}-0001"));
    let page = app
        .get(
            &format!("/api/v1/donations/{}/receipt", ids[0]),
            Some(&w.dong),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    for part in [
        "기부금 영수증",
        &format!("{year}-0001"),
        "재발급 (1회)",
        "기부자0",
        "800101-1234567",
        "105-82-12345",
        "공덕동 주민센터",
        "현물",
        "김장김치 10kg",
        "60,000원",
    ] {
        assert!(page.text.contains(part), "{part} missing: {}", page.text);
    }
    // The coordinator sees the donation but not the receipt's full identifier; others nothing.
    app.get(
        &format!("/api/v1/donations/{}/receipt", ids[0]),
        Some(&w.coord),
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(
        app.post(
            &format!("/api/v1/donations/{}/receipt", ids[1]),
            Some(&w.welfare),
            json!({})
        )
        .await
        .status,
        404
    );
    // The same form as an A4 PDF with the Korean font embedded (typed operation, or by Accept).
    let pdf = app
        .get(
            &format!("/api/v1/donations/{}/receipt.pdf", ids[0]),
            Some(&w.dong),
        )
        .await;
    assert_eq!(pdf.status, 200, "{}", pdf.text);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.raw.starts_with(b"%PDF-"));
    assert!(pdf
        .header("content-disposition")
        .unwrap()
        .contains(&format!("donation_receipt_{year}-0001.pdf")));
    let text = String::from_utf8_lossy(&pdf.raw);
    assert!(text.contains("NanumGothic") && text.contains("/ToUnicode"));
    if let Ok(dir) = std::env::var("HAMKKE_KEEP_RECEIPT_PDF") {
        std::fs::write(format!("{dir}/receipt.pdf"), &pdf.raw).unwrap();
    }
    let by_accept = app
        .send(
            TestApp::req(
                actix_web::http::Method::GET,
                &format!("/api/v1/donations/{}/receipt", ids[0]),
                Some(&w.dong),
            )
            .insert_header(("accept", "application/pdf")),
        )
        .await;
    assert_eq!(by_accept.header("content-type"), Some("application/pdf"));
    assert_eq!(
        app.get(
            &format!("/api/v1/donations/{}/receipt.pdf", ids[0]),
            Some(&w.coord)
        )
        .await
        .status,
        403
    );
    let seen = app.audit_events("view").await;
    assert!(seen.iter().any(|e| e.resource_type == "donation_receipt"));
}

both!(receipts_are_numbered_without_gaps_and_printed);
