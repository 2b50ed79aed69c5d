//! Attachments and a delivery's proof (#31 §4–5): files typed by content, size-limited, sealed
//! at rest and bound to their row, seen only by those who see their subject, every download
//! audited with its purpose; a delivery names its signature, photo or 대리수령; retention and
//! key rotation cover the files.

use actix_web::http::Method;
use diesel::prelude::*;
use hamkke_persistence::schema::attachment_contents;
use hamkke_persistence::types::DbUuid;
use serde_json::json;

use crate::support::{Backend, Resp, TestApp, World};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0signature-strokes";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// A multipart form with the given fields and a file.
fn form(fields: &[(&str, &str)], file: &[u8], declared: &str) -> (Vec<u8>, String) {
    let boundary = "hamkke-attachment-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"proof\"\r\nContent-Type: {declared}\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    subject_type: &str,
    subject_id: &str,
    kind: &str,
    file: &[u8],
) -> Resp {
    let (body, content_type) = form(
        &[
            ("subject_type", subject_type),
            ("subject_id", subject_id),
            ("kind", kind),
        ],
        file,
        "image/png",
    );
    app.send(
        TestApp::req(Method::POST, "/api/v1/attachments", Some(token))
            .insert_header(("content-type", content_type))
            .set_payload(body),
    )
    .await
}

async fn download(app: &TestApp, token: &str, id: &str, purpose: Option<&str>) -> Resp {
    let mut req = TestApp::req(
        Method::GET,
        &format!("/api/v1/attachments/{id}/content"),
        Some(token),
    );
    if let Some(p) = purpose {
        req = req.insert_header(("x-access-purpose", p));
    }
    app.send(req).await
}

async fn sealed(app: &TestApp, id: &str) -> Vec<u8> {
    let id = DbUuid(id.parse().unwrap());
    app.db
        .run(move |c| {
            Ok(attachment_contents::table
                .find(id)
                .select(attachment_contents::sealed)
                .first::<Vec<u8>>(c)?)
        })
        .await
        .unwrap()
}

async fn a_delivery_carries_its_proof(b: Backend) {
    let app = TestApp::with_config(b, |c| c.attachment_max_bytes = 64 * 1024).await;
    let w = World::create(&app).await;
    let (oil, _) = crate::campaigns::heating(&app, &w.dong).await;
    let person = app.person(&w.dong, "김순자", "1941-01-01", None).await;
    let a = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": person, "granted_on": "2026-12-01", "amount": 300_000 }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let allocation = a.body["id"].as_str().unwrap().to_owned();

    // Type by content: a GIF or an executable named .png is refused whatever it claims; a PDF
    // declared as PNG is kept as the PDF it is.
    for bad in [&b"GIF89a\x01\0\x01\0"[..], b"MZ\x90\0\x03", b""] {
        let r = upload(&app, &w.dong, "allocation", &allocation, "signature", bad).await;
        assert!(matches!(r.status.as_u16(), 400 | 415), "{}", r.text);
    }
    upload(
        &app,
        &w.dong,
        "allocation",
        &allocation,
        "signature",
        b"GIF89a",
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    let pdf = upload(&app, &w.dong, "allocation", &allocation, "other", PDF).await;
    assert_eq!(pdf.status, 201, "{}", pdf.text);
    assert_eq!(pdf.body["content_type"], "application/pdf");
    // Past the configured size: 413, nothing kept.
    let mut big = PNG.to_vec();
    big.resize(65 * 1024, 0);
    upload(&app, &w.dong, "allocation", &allocation, "photo", &big)
        .await
        .assert_problem(413, "payload_too_large");
    // Only the provider adds its delivery's proof; another district does not find it.
    upload(
        &app,
        &w.welfare,
        "allocation",
        &allocation,
        "signature",
        PNG,
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(
        upload(&app, &w.far, "allocation", &allocation, "signature", PNG)
            .await
            .status,
        404
    );
    // Unknown fields, a missing one: a clear 400.
    let (body, ct) = form(&[("subject_type", "allocation")], PNG, "image/png");
    let r = app
        .send(
            TestApp::req(Method::POST, "/api/v1/attachments", Some(&w.dong))
                .insert_header(("content-type", ct))
                .set_payload(body),
        )
        .await;
    r.assert_problem(400, "validation_failed");

    let sig = upload(&app, &w.dong, "allocation", &allocation, "signature", PNG).await;
    assert_eq!(sig.status, 201, "{}", sig.text);
    let sig_id = sig.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        sig.header("location"),
        Some(format!("/api/v1/attachments/{sig_id}").as_str())
    );
    assert_eq!(sig.body["content_type"], "image/png");
    assert_eq!(sig.body["size_bytes"], PNG.len());
    assert_eq!(sig.body["uploaded_by_org_name"], "공덕동 주민센터");
    // Sealed at rest: the stored bytes are not the file.
    let stored = sealed(&app, &sig_id).await;
    assert!(!stored.windows(17).any(|w| w == b"signature-strokes"));

    // The proof's own rules, then a delivery with the signature.
    let deliver = format!("/api/v1/allocations/{allocation}/deliver");
    let r = app
        .post(
            &deliver,
            Some(&w.dong),
            json!({ "proof": { "kind": "signature" } }),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(r.field_errors()[0].0, "proof.attachment_id");
    let pdf_id = pdf.body["id"].as_str().unwrap();
    let r = app
        .post(
            &deliver,
            Some(&w.dong),
            json!({ "proof": { "kind": "signature", "attachment_id": pdf_id } }),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    let r = app
        .post(
            &deliver,
            Some(&w.dong),
            json!({ "proof": { "kind": "proxy", "proxy_name": "김아들" } }),
        )
        .await;
    assert_eq!(r.field_errors()[0].0, "proof.proxy_relation", "{}", r.text);
    let r = app
        .post(
            &deliver,
            Some(&w.dong),
            json!({ "delivered_at": "2099-01-01T00:00:00Z" }),
        )
        .await;
    r.assert_problem(400, "validation_failed");
    let after = app
        .get(&format!("/api/v1/allocations/{allocation}"), Some(&w.dong))
        .await;
    assert_eq!(after.body["status"], "approved", "refusals changed nothing");
    let d = app
        .post(
            &deliver,
            Some(&w.dong),
            json!({ "delivered_at": "2026-12-02T05:30:00Z", "proof": { "kind": "signature", "attachment_id": sig_id } }),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["status"], "delivered");
    let delivery = &d.body["delivery"];
    assert_eq!(delivery["delivered_at"], "2026-12-02T05:30:00Z");
    assert_eq!(delivery["proof_kind"], "signature");
    assert_eq!(delivery["proof_attachment_id"], sig_id.as_str());
    assert_eq!(
        delivery["delivered_by_name"],
        d.body["delivery"]["delivered_by_name"]
    );
    assert!(delivery["delivered_by_name"].is_string(), "{}", d.text);
    app.post(&deliver, Some(&w.dong), json!({}))
        .await
        .assert_problem(409, "invalid_allocation_transition");

    // The coordinator sees that it was delivered with a signature, not the signature.
    let c = app
        .get(&format!("/api/v1/allocations/{allocation}"), Some(&w.coord))
        .await;
    assert_eq!(c.body["delivery"]["proof_kind"], "signature", "{}", c.text);
    assert!(c.body["delivery"]["proof_attachment_id"].is_null());
    download(&app, &w.coord, &sig_id, Some("audit"))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        download(&app, &w.far, &sig_id, Some("audit")).await.status,
        404
    );
    let listed = app
        .get(
            &format!("/api/v1/attachments?subject_type=allocation&subject_id={allocation}"),
            Some(&w.welfare),
        )
        .await;
    listed.assert_problem(403, "forbidden");

    // The provider downloads it, saying why; without a purpose, 400.
    let r = download(&app, &w.dong, &sig_id, None).await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(r.field_errors()[0].0, "X-Access-Purpose");
    let r = download(&app, &w.dong, &sig_id, Some("allocation")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.raw, PNG);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r
        .header("content-disposition")
        .unwrap()
        .ends_with(&format!("signature-{sig_id}.png\"")));
    let seen = app.audit_events("view").await;
    let audited = seen
        .iter()
        .find(|e| {
            e.resource_type == "attachment" && e.resource_id.as_deref() == Some(sig_id.as_str())
        })
        .expect("download audited");
    assert_eq!(audited.purpose.as_deref(), Some("allocation"));
    assert_eq!(
        audited.person_id.map(|p| p.0.to_string()),
        Some(person.clone())
    );
    let listed = app
        .get(
            &format!("/api/v1/attachments?subject_type=allocation&subject_id={allocation}"),
            Some(&w.dong),
        )
        .await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        listed.text
    );
    assert_eq!(listed.body["items"][1]["kind"], "signature");
    assert_eq!(
        listed.body["items"][1]["sha256"].as_str().unwrap().len(),
        64
    );

    // A consent's signed form: the registering organization adds it; another organization of
    // the district without rights to the person does not see it.
    let consent = app
        .post(
            &format!("/api/v1/persons/{person}/consents"),
            Some(&w.dong),
            json!({ "purpose": "통합사례관리", "scope": "organizations", "organization_ids": [w.d.dong], "expires_at": "2099-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(consent.status, 201, "{}", consent.text);
    let consent = consent.body["id"].as_str().unwrap().to_owned();
    upload(&app, &w.welfare, "consent", &consent, "consent_form", PDF)
        .await
        .assert_problem(403, "forbidden");
    let form_ = upload(&app, &w.dong, "consent", &consent, "consent_form", PDF).await;
    assert_eq!(form_.status, 201, "{}", form_.text);
    let form_id = form_.body["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/attachments/{form_id}"), Some(&w.welfare))
            .await
            .status,
        403
    );
    assert_eq!(
        download(&app, &w.dong, form_id, Some("case_management"))
            .await
            .raw,
        PDF
    );
}

both!(a_delivery_carries_its_proof);

async fn proxy_delivery_and_the_files_under_rotation_and_retention(b: Backend) {
    use hamkke_persistence::crypto::PersonKeys;
    use hamkke_persistence::rotation::rotate_all;
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let (oil, _) = crate::campaigns::heating(&app, &w.dong).await;
    let person = app.person(&w.dong, "이영수", "1938-02-02", None).await;
    let a = app
        .post(
            "/api/v1/allocations",
            Some(&w.dong),
            json!({ "resource_id": oil, "person_id": person, "granted_on": "2026-12-01", "amount": 100_000 }),
        )
        .await;
    let allocation = a.body["id"].as_str().unwrap().to_owned();
    let photo = upload(&app, &w.dong, "allocation", &allocation, "photo", PNG).await;
    let photo_id = photo.body["id"].as_str().unwrap().to_owned();
    // 대리수령: who took it and their relation, shown only to those who see the recipient.
    let d = app
        .post(
            &format!("/api/v1/allocations/{allocation}/deliver"),
            Some(&w.dong),
            json!({ "proof": { "kind": "proxy", "proxy_name": " 이아들 ", "proxy_relation": "아들" } }),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["delivery"]["proxy_name"], "이아들");
    assert_eq!(d.body["delivery"]["proxy_relation"], "아들");
    let c = app
        .get(&format!("/api/v1/allocations/{allocation}"), Some(&w.coord))
        .await;
    assert_eq!(c.body["delivery"]["proof_kind"], "proxy");
    assert!(c.body["delivery"]["proxy_name"].is_null(), "{}", c.text);
    assert!(!c.text.contains("이아들"));

    // Rotation re-seals the files under the new key; downloads keep working throughout.
    let before = sealed(&app, &photo_id).await;
    let old = PersonKeys::new([3; 32], [5; 32]);
    let ring = PersonKeys::new([11; 32], [13; 32]).with_previous(old);
    let app = app.rekeyed(ring.clone()).await;
    assert_eq!(
        download(&app, &w.dong, &photo_id, Some("audit")).await.raw,
        PNG
    );
    let keys = ring.clone();
    let report = app
        .db
        .run(move |c| rotate_all(c, &Default::default(), &keys, 2, |_| {}))
        .await
        .unwrap();
    assert!(report.rotated >= 1 && report.unreadable == 0, "{report:?}");
    // The run is one event, audited as an update of the keys under its own id, with its counts.
    let runs: Vec<_> = app
        .audit_events("update")
        .await
        .into_iter()
        .filter(|e| e.resource_type == "person_keys")
        .collect();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].resource_id.is_some());
    let counts: serde_json::Value =
        serde_json::from_str(runs[0].details.as_deref().unwrap()).unwrap();
    assert_eq!(counts["rotated"], report.rotated);
    let after = sealed(&app, &photo_id).await;
    assert_ne!(after, before);
    let id: uuid::Uuid = photo_id.parse().unwrap();
    assert!(ring.bytes_current(&after, id.as_bytes()));
    let app = app.rekeyed(PersonKeys::new([11; 32], [13; 32])).await;
    assert_eq!(
        download(&app, &w.dong, &photo_id, Some("audit")).await.raw,
        PNG
    );

    // Retention removes the files with the person it anonymises; the proof's kind stays.
    let report = crate::retention::anonymise_now(&app, &person).await;
    assert_eq!(report.attachments_removed, 1, "{report:?}");
    assert_eq!(
        app.get(&format!("/api/v1/attachments/{photo_id}"), Some(&w.dong))
            .await
            .status,
        404
    );
    let c = app
        .get(&format!("/api/v1/allocations/{allocation}"), Some(&w.coord))
        .await;
    assert_eq!(c.body["delivery"]["proof_kind"], "proxy");
}

both!(proxy_delivery_and_the_files_under_rotation_and_retention);
