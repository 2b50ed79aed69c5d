//! Signed webhooks: subscriptions, outbound rules (SSRF), Standard Webhooks signatures checked
//! with the reference implementation, retries in order, redelivery, give-up and disabling.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::support::{Backend, TestApp, World, PASSWORD};

/// A local receiver answering with the scripted statuses (then 200), recording each request.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<(http::HeaderMap, String)>>>,
}

fn receiver(script: Vec<u16>) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(VecDeque::from(script)));
    let (g, sc) = (got.clone(), script.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = http::HeaderMap::new();
            let mut line = String::new();
            reader.read_line(&mut line).ok();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    if let (Ok(k), Ok(v)) = (
                        http::HeaderName::from_bytes(k.trim().as_bytes()),
                        http::HeaderValue::from_str(v.trim()),
                    ) {
                        headers.insert(k, v);
                    }
                }
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).ok();
            g.lock()
                .unwrap()
                .push((headers, String::from_utf8_lossy(&body).into_owned()));
            let status = sc.lock().unwrap().pop_front().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    Receiver { port, got }
}

/// Webhooks may reach the receivers' ports on this machine (and only those).
fn local(ports: &[u16]) -> impl FnOnce(&mut hamkke_http::Config) + '_ {
    move |c| {
        let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        c.webhooks.allow_http = hosts.clone();
        c.webhooks.allow_hosts = hosts;
        c.webhooks.retry_base_ms = 1;
    }
}

async fn pump(app: &TestApp, r: &Receiver, until: usize) {
    for _ in 0..200 {
        if r.got.lock().unwrap().len() >= until {
            return;
        }
        app.deliver_webhooks().await;
        crate::support::sleep(10).await;
    }
}

async fn webhooks_are_signed_retried_in_order_and_redelivered(b: Backend) {
    let rx = receiver(vec![500, 500]);
    let app = TestApp::with_config(b, local(&[rx.port])).await;
    let w = World::create(&app).await;
    app.user("wel.admin", &w.d.welfare, "org_admin").await;
    let admin = app.login("wel.admin", PASSWORD).await;
    // Outbound rules: https only, no internal addresses unless the operator allows them.
    for url in [
        "http://example.org/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:169.254.169.254]/hook",
        "https://[64:ff9b::a9fe:a9fe]/hook",
        "https://198.18.0.1/hook",
        // The allowed host on a port it was not allowed on.
        &format!("http://127.0.0.1:{}/hook", rx.port.wrapping_add(1)),
    ] {
        let r = app
            .post("/api/v1/webhooks", Some(&admin), json!({ "url": url }))
            .await;
        r.assert_problem(400, "validation_failed");
        assert_eq!(
            r.field_errors()[0],
            ("url".into(), "not_allowed".into()),
            "{url}"
        );
    }
    let r = app
        .post("/api/v1/webhooks", Some(&admin), json!({ "url": format!("http://127.0.0.1:{}/hook", rx.port), "description": "복지관 앱" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let hook = r.body["id"].as_str().unwrap().to_owned();
    // Only the organization's admins manage it; others do not see it at all.
    app.get("/api/v1/webhooks", Some(&w.welfare))
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/webhooks/{hook}"), Some(&w.dong))
        .await
        .assert_problem(404, "not_found");
    let listed = app
        .get(&format!("/api/v1/webhooks/{hook}"), Some(&admin))
        .await;
    assert!(listed.body["secret"].is_null(), "the secret is shown once");

    // Two events for the welfare centre: referrals of two cases.
    let mut events = Vec::new();
    for name in ["가", "나"] {
        let p = app.person(&w.dong, name, "1950-01-01", None).await;
        let case = app.case(&w.dong, &p).await;
        let r = app
            .post(
                "/api/v1/referrals",
                Some(&w.dong),
                json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "지원" }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        events.push(r.body["id"].as_str().unwrap().to_owned());
    }
    pump(&app, &rx, 4).await;
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 4, "two failures, then both events");
    let ids: Vec<String> = got
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(
        ids[1], ids[2],
        "the first event is retried before the second is sent"
    );
    assert_ne!(ids[2], ids[3]);
    // Every request verifies with the Standard Webhooks reference implementation.
    let wh = standardwebhooks::Webhook::new(&secret).unwrap();
    for (headers, body) in &got {
        wh.verify(body.as_bytes(), headers)
            .expect("signature verifies");
        let payload: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["type"], "referral.sent");
        assert!(
            !body.contains("가\"") && !body.contains("1950"),
            "no person data: {body}"
        );
    }
    let first: serde_json::Value = serde_json::from_str(&got[0].1).unwrap();
    assert_eq!(first["data"]["referral_id"], events[0].as_str());
    let deliveries = app
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"), Some(&admin))
        .await;
    let items = deliveries.body["items"].as_array().unwrap();
    assert!(
        items.iter().all(|d| d["status"] == "delivered"),
        "{}",
        deliveries.text
    );
    assert_eq!(items.last().unwrap()["attempts"], 3);
    // Redelivery and the test event.
    let d = items.last().unwrap()["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/webhooks/{hook}/deliveries/{d}/redeliver"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/webhooks/{hook}/test"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    pump(&app, &rx, 6).await;
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got[4].0["webhook-id"], got[0].0["webhook-id"]);
    // The test event comes in the envelope of every event.
    let test: serde_json::Value = serde_json::from_str(&got[5].1).unwrap();
    assert_eq!(test["type"], "webhook.test", "{test}");
    assert!(test["timestamp"].is_string(), "{test}");
    assert_eq!(test["data"]["subscription_id"], hook.as_str(), "{test}");
    // Only the chosen event types are sent.
    let r = app
        .patch(
            &format!("/api/v1/webhooks/{hook}"),
            Some(&admin),
            Some("\"1\""),
            json!({ "event_types": ["case.assigned"] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = app.person(&w.dong, "다", "1950-01-01", None).await;
    let case = app.case(&w.dong, &p).await;
    app.post(
        "/api/v1/referrals",
        Some(&w.dong),
        json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "지원" }),
    )
    .await;
    app.deliver_webhooks().await;
    assert_eq!(
        rx.got.lock().unwrap().len(),
        6,
        "referral.sent is no longer subscribed"
    );
}

both!(webhooks_are_signed_retried_in_order_and_redelivered);

async fn a_receiver_that_keeps_failing_is_given_up(b: Backend) {
    let rx = receiver(vec![500; 10]);
    let app = TestApp::with_config(b, |c| {
        local(&[rx.port])(c);
        c.webhooks.give_up_secs = 0;
    })
    .await;
    let w = World::create(&app).await;
    app.user("wel.admin", &w.d.welfare, "org_admin").await;
    let admin = app.login("wel.admin", PASSWORD).await;
    let r = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            json!({ "url": format!("http://127.0.0.1:{}/hook", rx.port) }),
        )
        .await;
    let hook = r.body["id"].as_str().unwrap().to_owned();
    let p = app.person(&w.dong, "가", "1950-01-01", None).await;
    let case = app.case(&w.dong, &p).await;
    app.post(
        "/api/v1/referrals",
        Some(&w.dong),
        json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "지원" }),
    )
    .await;
    pump(&app, &rx, 1).await;
    let sub = app
        .get(&format!("/api/v1/webhooks/{hook}"), Some(&admin))
        .await;
    assert_eq!(sub.body["active"], false, "{}", sub.text);
    assert!(sub.body["disabled_reason"].is_string());
    let d = app
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"), Some(&admin))
        .await;
    assert_eq!(d.body["items"][0]["status"], "gave_up");
    let n = app.get("/api/v1/notifications", Some(&admin)).await;
    assert!(n.text.contains("webhook.disabled"), "{}", n.text);
    // The server's change of the subscription is audited, as a person's would be.
    let audited = app.audit_events("update").await;
    assert!(
        audited.iter().any(|e| e.resource_type == "webhook"
            && e.resource_id.as_deref() == Some(hook.as_str())
            && e.details
                .as_deref()
                .unwrap_or("")
                .contains("deliveries_failed")),
        "{audited:?}"
    );
    // Nothing more is sent while it is disabled.
    app.deliver_webhooks().await;
    assert_eq!(rx.got.lock().unwrap().len(), 1);
}

both!(a_receiver_that_keeps_failing_is_given_up);

#[test]
fn the_contract_lists_every_event_type() {
    let doc = serde_json::to_value(hamkke_http::openapi()).unwrap();
    let mut listed: Vec<String> = doc["components"]["schemas"]["WebhookEventType"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let mut types: Vec<String> = hamkke_domain::event::DomainEvent::types()
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
    listed.sort();
    types.sort();
    assert_eq!(listed, types);
}

/// A subscriber with a backlog of thousands takes one place a round like every other: a fresh
/// subscription is delivered within the first round.
async fn a_backlog_does_not_starve_other_subscribers(b: Backend) {
    let (busy, fresh) = (receiver(vec![]), receiver(vec![]));
    let app = TestApp::with_config(b, local(&[busy.port, fresh.port])).await;
    let w = World::create(&app).await;
    app.user("wel.admin", &w.d.welfare, "org_admin").await;
    let admin = app.login("wel.admin", PASSWORD).await;
    let subscribe = |port: u16| {
        app.post(
            "/api/v1/webhooks",
            Some(&admin),
            json!({ "url": format!("http://127.0.0.1:{port}/hook") }),
        )
    };
    let first = subscribe(busy.port).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let busy_id = first.body["id"].as_str().unwrap().to_owned();
    // 3,000 deliveries waiting for the first subscriber.
    app.db
        .run(move |c| {
            use diesel::RunQueryDsl;
            let at = (chrono::Utc::now() - chrono::Duration::minutes(5))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            for _ in 0..6 {
                let rows: Vec<String> = (0..500)
                    .map(|_| {
                        format!(
                            "('{}', '{busy_id}', '{}', 'referral.sent', '{{}}', 'pending', 0, '{at}', '{at}')",
                            uuid::Uuid::now_v7(),
                            uuid::Uuid::now_v7()
                        )
                    })
                    .collect();
                diesel::sql_query(format!(
                    "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, payload, status, attempts, next_attempt_at, created_at) VALUES {}",
                    rows.join(", ")
                ))
                .execute(c)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(subscribe(fresh.port).await.status, 201);
    // One event for the organization: both subscriptions get it.
    let p = app.person(&w.dong, "웹훅", "1950-01-01", None).await;
    let case = app.case(&w.dong, &p).await;
    let r = app
        .post(
            "/api/v1/referrals",
            Some(&w.dong),
            json!({ "case_id": case, "to_organization_id": w.d.welfare, "reason": "지원" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let delivered = app.deliver_webhooks().await;
    assert_eq!(delivered, 2, "one for each subscriber in the first round");
    assert_eq!(fresh.got.lock().unwrap().len(), 1);
    assert_eq!(busy.got.lock().unwrap().len(), 1);
}

both!(a_backlog_does_not_starve_other_subscribers);

/// Every change is an event: the register, consents, households, accounts and the catalogue
/// reach a subscriber (ids only, never a person's data) and its audit trail, case work reaches
/// the case's timeline, and a subscription is never told of its own changes.
async fn every_change_is_an_event(b: Backend) {
    let rx = receiver(Vec::new());
    let app = TestApp::with_config(b, local(&[rx.port])).await;
    let w = World::create(&app).await;
    app.user("wel.admin", &w.d.welfare, "org_admin").await;
    let admin = app.login("wel.admin", PASSWORD).await;
    let r = app
        .post(
            "/api/v1/webhooks",
            Some(&admin),
            json!({ "url": format!("http://127.0.0.1:{}/hook", rx.port) }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let person = app.person(&w.welfare, "변화식", "1944-04-04", None).await;
    let r = app
        .patch(
            &format!("/api/v1/persons/{person}"),
            Some(&w.welfare),
            Some("\"1\""),
            json!({ "phone": "010-1234-5678" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let r = app
        .post(
            &format!("/api/v1/persons/{person}/consents"),
            Some(&w.welfare),
            json!({ "purpose": "사례관리", "scope": "organizations", "organization_ids": [w.d.dong], "expires_at": expires }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            "/api/v1/households",
            Some(&w.welfare),
            json!({ "address": "서울 마포구 독막로 1" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let household = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .patch(
            &format!("/api/v1/households/{household}"),
            Some(&w.welfare),
            Some("\"1\""),
            json!({ "address": "서울 마포구 독막로 2" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let case = app.case(&w.welfare, &person).await;
    let r = app
        .patch(
            &format!("/api/v1/cases/{case}"),
            Some(&w.welfare),
            Some("\"1\""),
            json!({ "summary": "겨울 난방 지원 필요" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/notes"),
            Some(&w.welfare),
            json!({ "kind": "phone", "occurred_at": "2026-11-01T09:00:00Z", "body": "변화식 님과 통화", "visibility": "own_org" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let timeline = app
        .get(&format!("/api/v1/cases/{case}/timeline"), Some(&w.welfare))
        .await;
    for kind in ["case_opened", "case_updated", "note_added"] {
        assert!(
            timeline.text.contains(&format!("\"{kind}\"")),
            "{kind}: {}",
            timeline.text
        );
    }
    let want = [
        "person.registered",
        "person.updated",
        "consent.recorded",
        "household.registered",
        "household.updated",
        "case.opened",
        "case.updated",
        "case.note_added",
    ];
    pump(&app, &rx, want.len()).await;
    let got = rx.got.lock().unwrap().clone();
    let types: Vec<String> = got
        .iter()
        .map(|(_, body)| {
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            assert!(
                // (the whole number: a time-ordered id may hold "010-" by chance)
                !body.contains("변화식") && !body.contains("1234-5678") && !body.contains("독막로"),
                "ids only: {body}"
            );
            v["type"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(types, want, "in the order they happened");
    // The audit trail has each change of the register, with the person it touches.
    let updates = app.audit_events("update").await;
    assert!(updates.iter().any(|e| e.resource_type == "person"
        && e.person_id.map(|p| p.0.to_string()) == Some(person.clone())));
    assert!(updates.iter().any(|e| e.resource_type == "household"));
    // A meeting that moves tells its invitees; a retitled one does not.
    let r = app
        .post(
            "/api/v1/meetings",
            Some(&w.dong),
            json!({ "kind": "assessment", "title": "사정회의", "scheduled_at": "2026-12-20T05:00:00Z", "participant_user_ids": [w.welfare_user] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let meeting = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/meetings/{meeting}");
    let r = app
        .patch(
            &path,
            Some(&w.dong),
            Some("\"1\""),
            json!({ "title": "12월 사정회의" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let told = |n: &crate::support::Resp| {
        n.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["event_type"] == "meeting.updated")
            .count()
    };
    let n = app.get("/api/v1/notifications", Some(&w.welfare)).await;
    assert_eq!(told(&n), 0, "{}", n.text);
    let r = app
        .patch(
            &path,
            Some(&w.dong),
            Some("\"2\""),
            json!({ "location": "공덕동 주민센터 3층" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let n = app.get("/api/v1/notifications", Some(&w.welfare)).await;
    assert_eq!(told(&n), 1, "{}", n.text);
}

both!(every_change_is_an_event);
