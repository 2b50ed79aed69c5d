//! Retention: anonymising inactive persons and purging old audit events, on a fixture with
//! old and recent data.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use hamkke_persistence::audit::AuditCtx;
use hamkke_persistence::conn::DbConn;
use hamkke_persistence::retention::{self, RetentionPolicy, RetentionReport};
use hamkke_persistence::schema::{allocations, audit_chain_anchor, audit_events, cases, persons};
use hamkke_persistence::types::DbUuid;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Backend, TestApp, World};

const OLD_EVENTS: usize = 3;

/// Three events from three years ago, at the start of the chain.
fn plant_old_events(conn: &mut DbConn) {
    let when = (Utc::now() - Duration::days(3 * 365)).naive_utc();
    for i in 0..OLD_EVENTS {
        diesel::insert_into(audit_events::table)
            .values((
                audit_events::event_id.eq(DbUuid(Uuid::now_v7())),
                audit_events::occurred_at.eq(when + Duration::minutes(i as i64)),
                audit_events::action.eq("view"),
                audit_events::resource_type.eq("person"),
            ))
            .execute(conn)
            .expect("plant");
    }
}

fn years_ago(years: i64) -> chrono::NaiveDateTime {
    (Utc::now() - Duration::days(years * 366)).naive_utc()
}

async fn backdate_person(app: &TestApp, id: &str, years: i64) {
    let id = DbUuid(id.parse().unwrap());
    app.db
        .run(move |c| {
            diesel::update(persons::table.find(id))
                .set((
                    persons::created_at.eq(years_ago(years)),
                    persons::updated_at.eq(years_ago(years)),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Makes `person` and their allocations six years old, then runs retention.
pub(crate) async fn anonymise_now(app: &TestApp, person: &str) -> RetentionReport {
    backdate_person(app, person, 6).await;
    let id = DbUuid(person.parse().unwrap());
    app.db
        .run(move |c| {
            diesel::update(allocations::table.filter(allocations::person_id.eq(id)))
                .set((
                    allocations::granted_on.eq(years_ago(6).date()),
                    allocations::created_at.eq(years_ago(6)),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let would = run(app, true).await;
    let report = run(app, false).await;
    assert_eq!(
        would.attachments_removed, report.attachments_removed,
        "the dry run counts the files"
    );
    let anonymised = app
        .db
        .run(move |c| {
            Ok(persons::table
                .find(id)
                .select(persons::anonymized_at)
                .first::<Option<chrono::NaiveDateTime>>(c)?)
        })
        .await
        .unwrap();
    assert!(anonymised.is_some(), "the person was anonymised");
    report
}

async fn run(app: &TestApp, dry_run: bool) -> RetentionReport {
    app.db
        .run(move |c| {
            retention::run(
                c,
                &AuditCtx::default(),
                RetentionPolicy::default(),
                dry_run,
                Utc::now(),
            )
        })
        .await
        .unwrap()
}

async fn retention_anonymises_the_inactive_and_purges_old_audit_events(b: Backend) {
    let app = TestApp::with_setup(b, |_| {}, plant_old_events).await;
    let w = World::create(&app).await;
    let rrn = "450101-1234561";
    // Registered six years ago, nothing since: anonymised.
    let idle = app.person(&w.dong, "오래된", "1945-01-01", Some(rrn)).await;
    backdate_person(&app, &idle, 6).await;
    // Old, with a case closed six years ago: anonymised.
    let closed = app.person(&w.dong, "종결된", "1946-01-01", None).await;
    let closed_case = app.case(&w.dong, &closed).await;
    backdate_person(&app, &closed, 6).await;
    let cid = DbUuid(closed_case.parse().unwrap());
    app.db
        .run(move |c| {
            diesel::update(cases::table.find(cid))
                .set((
                    cases::status.eq("closed"),
                    cases::updated_at.eq(years_ago(6)),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    // Old, but with an open case: kept.
    let open = app.person(&w.dong, "진행중", "1947-01-01", None).await;
    app.case(&w.dong, &open).await;
    backdate_person(&app, &open, 6).await;
    // Old, with an allocation three years ago: kept.
    let helped = app.person(&w.dong, "지원받은", "1948-01-01", None).await;
    let resource = app
        .post_resource(&w.dong, json!({ "name": "쌀", "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
        .await;
    let resource = resource.body["id"].as_str().unwrap().to_owned();
    let a = app
        .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": resource, "person_id": helped, "granted_on": "2026-11-01", "quantity": 1 }))
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let aid = DbUuid(a.body["id"].as_str().unwrap().parse().unwrap());
    backdate_person(&app, &helped, 6).await;
    app.db
        .run(move |c| {
            diesel::update(allocations::table.find(aid))
                .set((
                    allocations::granted_on.eq(years_ago(3).date()),
                    allocations::created_at.eq(years_ago(3)),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    // Registered today: kept.
    let recent = app.person(&w.dong, "최근", "1949-01-01", None).await;

    let dry = run(&app, true).await;
    assert_eq!(dry.persons_anonymised, 2, "{dry:?}");
    assert_eq!(dry.audit_events_purged, OLD_EVENTS as i64, "{dry:?}");
    let name_of = |id: String| {
        let app = &app;
        let token = w.dong.clone();
        async move {
            let r = app
                .get(&format!("/api/v1/persons/{id}"), Some(&token))
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body
        }
    };
    assert_eq!(
        name_of(idle.clone()).await["name"],
        "오래된",
        "a dry run changes nothing"
    );

    let done = run(&app, false).await;
    assert_eq!(
        (
            done.persons_anonymised,
            done.audit_events_purged,
            done.audit_purged_through_seq
        ),
        (2, OLD_EVENTS as i64, OLD_EVENTS as i64),
        "{done:?}"
    );
    for id in [&idle, &closed] {
        let p = name_of(id.clone()).await;
        assert_eq!(p["name"], retention::ANONYMOUS, "{p}");
        assert!(
            p["rrn_masked"].is_null() && p["phone"].is_null() && p["address"].is_null(),
            "{p}"
        );
    }
    for (id, name) in [(&open, "진행중"), (&helped, "지원받은"), (&recent, "최근")] {
        let p = name_of(id.clone()).await;
        assert_eq!(p["name"], name);
        assert_eq!(p["phone"], "010-1234-5678", "{p}");
    }
    // The lookup hash went too: the number no longer finds anyone.
    let found = app
        .get(&format!("/api/v1/persons?q={rrn}"), Some(&w.dong))
        .await;
    assert_eq!(found.body["items"], json!([]), "{}", found.text);

    // The rest of the chain still verifies from the anchor; the run itself is in it.
    let report = app.audit_report().await;
    assert_eq!(report.first_broken_seq, None, "{report:?}");
    let runs = app.audit_events("delete").await;
    let runs: Vec<_> = runs
        .iter()
        .filter(|e| e.resource_type == "retention")
        .collect();
    assert_eq!(runs.len(), 2);
    // Each run is its own event, audited under its own id.
    assert!(runs[0].resource_id.is_some() && runs[0].resource_id != runs[1].resource_id);
    let again = run(&app, false).await;
    assert_eq!(
        (again.persons_anonymised, again.audit_events_purged),
        (0, 0)
    );

    // The database refuses to delete recent events or to move the anchor onto one.
    let refused = app
        .db
        .run(|c| {
            let deleted =
                diesel::delete(audit_events::table.filter(audit_events::chain_seq.eq(10i64)))
                    .execute(c);
            let anchored = diesel::update(audit_chain_anchor::table.find(1))
                .set(audit_chain_anchor::purged_through_seq.eq(10i64))
                .execute(c);
            Ok((deleted.is_err(), anchored.is_err()))
        })
        .await
        .unwrap();
    assert_eq!(refused, (true, true));
}

both!(retention_anonymises_the_inactive_and_purges_old_audit_events);

async fn key_rotation_re_encrypts_while_lookups_keep_working(b: Backend) {
    use hamkke_persistence::crypto::PersonKeys;
    use hamkke_persistence::repo::persons::{rotate_keys, RotationReport};
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let rrn = "520303-2345678";
    let id = app.person(&w.dong, "키회전", "1952-03-03", Some(rrn)).await;
    let stored = |app: &TestApp| {
        let pid = DbUuid(id.parse().unwrap());
        let db = app.db.clone();
        async move {
            db.run(move |c| {
                Ok(persons::table
                    .find(pid)
                    .select((persons::rrn_cipher, persons::rrn_hmac))
                    .first::<(Option<String>, Option<String>)>(c)?)
            })
            .await
            .unwrap()
        }
    };
    let before = stored(&app).await;
    // The harness's keys are the old ones; servers restart with new keys and the old as previous.
    let old = PersonKeys::new([3; 32], [5; 32]);
    let ring = PersonKeys::new([11; 32], [13; 32]).with_previous(old);
    let app = app.rekeyed(ring.clone()).await;
    assert_eq!(
        finds(&app, &w.dong, rrn).await,
        1,
        "found through the previous lookup key"
    );
    let dup = app
        .post(
            "/api/v1/persons",
            Some(&w.dong),
            json!({ "name": "중복", "birth_date": "1952-03-03", "rrn": rrn }),
        )
        .await;
    dup.assert_problem(409, "person_already_registered");

    let keys = ring.clone();
    let report = app
        .db
        .run(move |c| rotate_keys(c, &keys, 2, |_| {}))
        .await
        .unwrap();
    assert!(report.rotated >= 1 && report.unreadable == 0, "{report:?}");
    let after = stored(&app).await;
    assert_ne!(after, before);
    assert!(ring.is_current(after.0.as_deref().unwrap()));
    // Running again finds nothing to do.
    let keys = ring.clone();
    let again = app
        .db
        .run(move |c| rotate_keys(c, &keys, 2, |_| {}))
        .await
        .unwrap();
    assert_eq!(
        again,
        RotationReport {
            already_current: report.rotated + report.already_current,
            ..Default::default()
        }
    );
    // With the previous keys removed, everything still matches.
    let app = app.rekeyed(PersonKeys::new([11; 32], [13; 32])).await;
    assert_eq!(
        finds(&app, &w.dong, rrn).await,
        1,
        "found through the new lookup key"
    );
}

async fn finds(app: &TestApp, token: &str, rrn: &str) -> usize {
    let r = app
        .get(&format!("/api/v1/persons?q={rrn}"), Some(token))
        .await;
    r.body["items"].as_array().map(Vec::len).unwrap_or(0)
}

both!(key_rotation_re_encrypts_while_lookups_keep_working);
