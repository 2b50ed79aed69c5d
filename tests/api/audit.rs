//! The audit trail: written with what it records, sealed into a verifiable chain, append-only.

use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::support::{Backend, District, TestApp, World, PASSWORD};

async fn audit_chain_is_continuous_and_verifiable(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    app.user("audited", &d.dong, "caseworker").await;
    app.login_raw("audited", "wrong-password!").await;
    let token = app.login("audited", PASSWORD).await;
    app.get(
        &format!("/api/v1/organizations/{}", d.other_office),
        Some(&token),
    )
    .await;
    let report = app.audit_report().await;
    assert_eq!(report.first_broken_seq, None, "{report:?}");
    assert_eq!(report.unsealed, 0);
    // Logins (both outcomes), org and user creations and the denial are all there.
    assert!(report.checked >= 9, "{report:?}");
    let creates = app.audit_events("create").await;
    assert_eq!(
        creates
            .iter()
            .filter(|e| e.resource_type == "organization")
            .count(),
        4
    );
    assert_eq!(
        creates.iter().filter(|e| e.resource_type == "user").count(),
        1
    );
    let logins = app.audit_events("login").await;
    assert!(logins
        .iter()
        .any(|e| e.details.as_deref().unwrap_or("").contains("\"failure\"")));
    assert!(logins
        .iter()
        .all(|e| e.ip.as_deref() == Some("10.1.2.3") && e.request_id.is_some()));
    // More events after sealing extend the same chain.
    app.patch(
        &format!("/api/v1/organizations/{}", d.dong),
        Some(&app.admin_token),
        Some("\"1\""),
        json!({ "name": "공덕동" }),
    )
    .await;
    let again = app.audit_report().await;
    assert_eq!(again.first_broken_seq, None);
    assert_eq!(again.checked, report.checked + 1);
}

async fn concurrent_writes_and_sealers_keep_one_chain(b: Backend) {
    let app = TestApp::new(b).await;
    let d = District::create(&app).await;
    let names: Vec<String> = (0..12).map(|i| format!("협력기관 {i}")).collect();
    let work: Vec<_> = names
        .iter()
        .map(|n| app.org(n, "partner_agency", "11440", None))
        .collect();
    let sealers = [
        hamkke_http::sealer::seal_all(&app.db),
        hamkke_http::sealer::seal_all(&app.db),
    ];
    let (_, _) = futures_util::future::join(
        futures_util::future::join_all(work),
        futures_util::future::join_all(sealers),
    )
    .await;
    let report = app.audit_report().await;
    assert_eq!(report.first_broken_seq, None, "{report:?}");
    assert_eq!(report.unsealed, 0);
    let _ = d;
}

/// Read events appended chained by many group leaders at once, with unsealed events and the
/// sealer among them, each enter the chain once, in one unbroken sequence.
async fn concurrent_chained_appends_keep_one_chain(b: Backend) {
    use hamkke_persistence::audit::{self, AuditAction, AuditCtx, AuditEntry};
    let app = TestApp::new(b).await;
    let before = app.audit_report().await;
    let leaders: Vec<_> = (0..8)
        .map(|t| {
            app.db.run(move |c| {
                for i in 0..12 {
                    let view = |k: &str| {
                        AuditEntry::new(AuditAction::View, "case", Some(format!("{t}-{i}-{k}")))
                    };
                    let ctx = AuditCtx::default();
                    let (written, events) = audit::deferring(|| {
                        audit::record(c, &ctx, view("a"))?;
                        audit::record(c, &ctx, view("b"))
                    });
                    written?;
                    let events: Vec<_> = events.iter().collect();
                    audit::append(c, &events[..1], true)?;
                    audit::append(c, &events[1..], false)?;
                }
                Ok(())
            })
        })
        .collect();
    let sealers = [
        hamkke_http::sealer::seal_all(&app.db),
        hamkke_http::sealer::seal_all(&app.db),
    ];
    let (written, _) = futures_util::future::join(
        futures_util::future::join_all(leaders),
        futures_util::future::join_all(sealers),
    )
    .await;
    assert!(written.iter().all(|w| w.is_ok()));
    let report = app.audit_report().await;
    assert_eq!(report.first_broken_seq, None, "{report:?}");
    assert_eq!(
        (report.checked, report.unsealed),
        (before.checked + 8 * 12 * 2, 0)
    );
}

/// Each batch of reads appended to the chain writes a new version of the chain head's row once
/// (its move), not twice: on PostgreSQL the head is locked by a `SELECT … FOR UPDATE`, which
/// leaves no version behind. Every version is one more for vacuum to clear, and the row is
/// written once per batch on every server, so under load its dead versions pile up between
/// vacuums and each lock has more of them to walk. The chain still verifies.
async fn a_chained_batch_writes_the_chain_head_once(b: Backend) {
    use diesel::prelude::*;
    use hamkke_persistence::audit::{self, AuditAction, AuditCtx, AuditEntry};
    use hamkke_persistence::conn::DbConn;
    #[derive(QueryableByName)]
    struct Updated {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let app = TestApp::new(b).await;
    let before = app.audit_report().await;
    let sizes = [1, 3, 2];
    // This transaction's updates of the head's row (PostgreSQL counts, with them, those of
    // earlier transactions on the connection that it has not reported yet: hence the difference).
    let updated = |c: &mut DbConn| -> QueryResult<Option<i64>> {
        Ok(match c {
            DbConn::Pg(pg) => Some(
                diesel::sql_query(
                    "SELECT pg_stat_get_xact_tuples_updated('audit_chain_head'::regclass) AS n",
                )
                .get_result::<Updated>(pg)?
                .n,
            ),
            DbConn::Sqlite(_) => None,
        })
    };
    let (before_batches, after_batches) = app
        .db
        .run(move |c| {
            // In one transaction on PostgreSQL, where the count is the transaction's; on SQLite
            // the writer's transaction is never nested (it begins IMMEDIATE).
            let batches = |c: &mut DbConn| {
                let before = updated(c)?;
                for (k, n) in sizes.into_iter().enumerate() {
                    let ctx = AuditCtx::default();
                    let (written, events) = audit::deferring(|| {
                        (0..n).try_for_each(|i| {
                            let id = Some(format!("{k}-{i}"));
                            audit::record(c, &ctx, AuditEntry::new(AuditAction::View, "case", id))
                        })
                    });
                    written?;
                    audit::append(c, &events.iter().collect::<Vec<_>>(), true)?;
                }
                Ok((before, updated(c)?))
            };
            match c {
                DbConn::Pg(_) => c.transaction(batches),
                DbConn::Sqlite(_) => batches(c),
            }
        })
        .await
        .unwrap();
    if let (Some(before), Some(after)) = (before_batches, after_batches) {
        assert_eq!(
            after - before,
            sizes.len() as i64,
            "versions of the chain head"
        );
    }
    let report = app.audit_report().await;
    assert_eq!(report.first_broken_seq, None, "{report:?}");
    assert_eq!(report.checked, before.checked + 6);
}

async fn audit_events_cannot_be_changed_and_tampering_is_detected(b: Backend) {
    let app = TestApp::new(b).await;
    District::create(&app).await;
    assert_eq!(app.audit_report().await.first_broken_seq, None);
    let db = app.db.inner().clone();
    let backend = b;
    let outcome = actix_web::web::block(move || {
        let mut conn = db.get().unwrap();
        let update = conn
            .batch_execute("UPDATE audit_events SET details = '{\"x\":1}' WHERE chain_seq = 2")
            .is_err();
        let delete = conn
            .batch_execute("DELETE FROM audit_events WHERE chain_seq = 2")
            .is_err();
        // Bypass the guard as only a database superuser could, to prove `verify` notices.
        let bypass = match backend {
            Backend::Postgres => {
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_guard_rows; \
                 UPDATE audit_events SET details = '{\"x\":1}' WHERE chain_seq = 2;"
            }
            Backend::Sqlite => {
                "DROP TRIGGER audit_events_seal_only; \
                 UPDATE audit_events SET details = '{\"x\":1}' WHERE chain_seq = 2;"
            }
        };
        conn.batch_execute(bypass).unwrap();
        (update, delete)
    })
    .await
    .unwrap();
    assert_eq!(outcome, (true, true), "UPDATE and DELETE must be rejected");
    let report = app.audit_report().await;
    assert_eq!(report.first_broken_seq, Some(2), "{report:?}");
}

/// On PostgreSQL the server should run as a role that owns nothing (see README): through such
/// a role the trail cannot be changed, emptied or unguarded. SQLite has no roles; its triggers
/// are checked the same way through the application's connection.
async fn the_app_role_cannot_change_the_trail(b: Backend) {
    let app = TestApp::new(b).await;
    District::create(&app).await;
    assert_eq!(app.audit_report().await.first_broken_seq, None);
    let db = app.db.inner().clone();
    let refused = actix_web::web::block(move || {
        let mut conn = db.get().unwrap();
        let role = format!("hamkke_app_{}", uuid::Uuid::now_v7().simple());
        if b == Backend::Postgres {
            conn.batch_execute(&format!(
                "CREATE ROLE {role} NOLOGIN; \
                 GRANT USAGE ON SCHEMA public TO {role}; \
                 GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; \
                 GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}; \
                 SET ROLE {role};"
            ))
            .unwrap();
            // The role can do its work: read and append.
            conn.batch_execute("SELECT count(*) FROM audit_events")
                .unwrap();
        }
        let mut attempts = vec![
            "UPDATE audit_events SET details = '{}' WHERE chain_seq = 2",
            "UPDATE audit_events SET chain_seq = NULL WHERE chain_seq = 2",
            "DELETE FROM audit_events WHERE chain_seq = 2",
            "UPDATE audit_chain_anchor SET purged_through_seq = 2",
            "DELETE FROM audit_chain_anchor",
        ];
        if b == Backend::Postgres {
            attempts.extend([
                "TRUNCATE audit_events",
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_guard_rows",
                "DROP TRIGGER audit_events_guard_rows ON audit_events",
            ]);
        }
        let refused: Vec<bool> = attempts
            .iter()
            .map(|sql| conn.batch_execute(sql).is_err())
            .collect();
        if b == Backend::Postgres {
            conn.batch_execute(&format!(
                "RESET ROLE; DROP OWNED BY {role}; DROP ROLE {role};"
            ))
            .unwrap();
        }
        attempts.into_iter().zip(refused).collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (sql, was_refused) in refused {
        assert!(was_refused, "{sql} was allowed");
    }
    assert_eq!(app.audit_report().await.first_broken_seq, None);
}

both!(
    audit_chain_is_continuous_and_verifiable,
    concurrent_writes_and_sealers_keep_one_chain,
    concurrent_chained_appends_keep_one_chain,
    a_chained_batch_writes_the_chain_head_once,
    audit_events_cannot_be_changed_and_tampering_is_detected,
    the_app_role_cannot_change_the_trail,
);

async fn auditors_read_their_district_and_verify_the_chain(b: Backend) {
    let app = TestApp::new(b).await;
    let w = crate::support::World::create(&app).await;
    app.user("auditor", &w.d.office, "auditor").await;
    let auditor = app.login("auditor", PASSWORD).await;
    app.get(
        &format!("/api/v1/organizations/{}", w.d.other_office),
        Some(&w.dong),
    )
    .await;
    hamkke_http::sealer::seal_all(&app.db).await;
    let page = app
        .get("/api/v1/audit-events?limit=5", Some(&auditor))
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 5);
    let mut seen = 5;
    let mut cursor = page.body["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let next = app
            .get(
                &format!("/api/v1/audit-events?limit=5&cursor={c}"),
                Some(&auditor),
            )
            .await;
        seen += next.body["items"].as_array().unwrap().len();
        cursor = next.body["next_cursor"].as_str().map(str::to_owned);
    }
    let denied = app
        .get("/api/v1/audit-events?action=denied", Some(&auditor))
        .await;
    assert!(denied.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action"] == "denied"));
    assert_eq!(
        denied.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        denied.text
    );
    // The far district's logins are not the auditor's business; the system administrator sees all.
    let far_events = app
        .get("/api/v1/audit-events?limit=200", Some(&app.admin_token))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .len();
    assert!(far_events > seen, "admin {far_events} vs auditor {seen}");
    app.get("/api/v1/audit-events", Some(&w.dong))
        .await
        .assert_problem(403, "forbidden");
    let v = app.get("/api/v1/audit-events/verify", Some(&auditor)).await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.body["ok"], true);
    assert!(v.body["checked"].as_i64().unwrap() > 10);
    // Tamper with one sealed row as a superuser would: verify names that exact event.
    let db = app.db.inner().clone();
    let tampered: i64 = actix_web::web::block(move || {
        use diesel::prelude::*;
        let mut conn = db.get().unwrap();
        let id: i64 = hamkke_persistence::schema::audit_events::table
            .filter(hamkke_persistence::schema::audit_events::chain_seq.eq(3))
            .select(hamkke_persistence::schema::audit_events::id)
            .first(&mut *conn)
            .unwrap();
        let bypass = match b {
            Backend::Postgres => format!("ALTER TABLE audit_events DISABLE TRIGGER audit_events_guard_rows; UPDATE audit_events SET ip = '1.2.3.4' WHERE id = {id};"),
            Backend::Sqlite => format!("DROP TRIGGER audit_events_seal_only; UPDATE audit_events SET ip = '1.2.3.4' WHERE id = {id};"),
        };
        conn.batch_execute(&bypass).unwrap();
        id
    })
    .await
    .unwrap();
    let v = app
        .get("/api/v1/audit-events/verify", Some(&app.admin_token))
        .await;
    assert_eq!(v.body["ok"], false, "{}", v.text);
    assert_eq!(v.body["first_broken_id"], tampered);
}

both!(auditors_read_their_district_and_verify_the_chain);

/// Reads of personal data are audited in the same transaction: when the audit write fails,
/// the read fails and shows nothing.
async fn a_read_whose_audit_write_fails_returns_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let w = crate::support::World::create(&app).await;
    let person = app.person(&w.dong, "감사실패", "1950-01-01", None).await;
    let resource = app
        .post_resource(&w.dong, json!({ "name": "쌀", "category": "food", "funding": "public", "unit": "포",
            "duplicate_policy": { "subject": "person", "scope": "resource", "window": { "kind": "days", "days": 30 }, "max_count": 1, "action": "block" } }))
        .await;
    let allocation = app
        .post("/api/v1/allocations", Some(&w.dong), json!({ "resource_id": resource.body["id"], "person_id": person, "granted_on": "2026-11-01", "quantity": 1 }))
        .await;
    let allocation = allocation.body["id"].as_str().unwrap().to_owned();
    // The provider's read shows the recipient, so it is audited with the person.
    let r = app
        .get(&format!("/api/v1/allocations/{allocation}"), Some(&w.dong))
        .await;
    assert_eq!(r.body["person_id"], person.as_str(), "{}", r.text);
    let views = app.audit_events("view").await;
    assert!(views.iter().any(|e| e.resource_type == "allocation"
        && e.person_id.map(|p| p.0.to_string()) == Some(person.clone())));

    let db = app.db.inner().clone();
    actix_web::web::block(move || {
        let mut conn = db.get().unwrap();
        conn.batch_execute(match b {
            Backend::Postgres => {
                "CREATE FUNCTION fail_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit store down'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events FOR EACH ROW \
                 WHEN (NEW.resource_type IN ('person', 'allocation')) EXECUTE FUNCTION fail_audit();"
            }
            Backend::Sqlite => {
                "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events \
                 WHEN NEW.resource_type IN ('person', 'allocation') \
                 BEGIN SELECT RAISE(ABORT, 'audit store down'); END;"
            }
        })
        .unwrap();
    })
    .await
    .unwrap();
    for path in [
        format!("/api/v1/persons/{person}"),
        format!("/api/v1/allocations/{allocation}"),
        format!("/api/v1/allocations?person_id={person}"),
    ] {
        // Its batch failed in the group-commit writer: 503, and nothing of the read.
        let r = app.get(&path, Some(&w.dong)).await;
        r.assert_problem(503, "unavailable");
        assert!(
            !r.text.contains("감사실패") && !r.text.contains(&person),
            "{path}: {}",
            r.text
        );
    }
    // The writer outlives a failed batch: once the store takes events again, reads answer.
    let db = app.db.inner().clone();
    actix_web::web::block(move || {
        let mut conn = db.get().unwrap();
        conn.batch_execute("DROP TRIGGER fail_audit ON audit_events")
            .or_else(|_| conn.batch_execute("DROP TRIGGER fail_audit"))
            .unwrap();
    })
    .await
    .unwrap();
    let r = app
        .get(&format!("/api/v1/persons/{person}"), Some(&w.dong))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let report = app.audit_report().await;
    assert_eq!(report.first_broken_seq, None, "{report:?}");
}

both!(a_read_whose_audit_write_fails_returns_nothing);

/// Both ways of the group-commit writer keep every read in the chain: chained as they are
/// written (the default: nothing left for the sealer), or written plain and chained by the
/// sealer; and with the writer off, each read writes its own event as before.
async fn reads_reach_the_chain_whichever_way_the_writer_runs(b: Backend) {
    for (chain, enabled) in [(true, true), (false, true), (true, false)] {
        let app = TestApp::with_config(b, |c| {
            c.audit_batch.chain = chain;
            c.audit_batch.enabled = enabled;
        })
        .await;
        let w = World::create(&app).await;
        let p = app.person(&w.dong, "체인확인", "1950-01-01", None).await;
        let case = app.case(&w.dong, &p).await;
        hamkke_http::sealer::seal_all(&app.db).await;
        let path = format!("/api/v1/cases/{case}");
        let reads: Vec<_> = (0..20).map(|_| app.get(&path, Some(&w.dong))).collect();
        for r in futures_util::future::join_all(reads).await {
            assert_eq!(r.status, 200, "{}", r.text);
        }
        let unsealed = app
            .db
            .run(|c| {
                use diesel::prelude::*;
                use hamkke_persistence::schema::audit_events::dsl as a;
                Ok(a::audit_events
                    .filter(a::chain_seq.is_null())
                    .count()
                    .get_result::<i64>(c)?)
            })
            .await
            .unwrap();
        let views = app.audit_events("view").await;
        let case_views = views
            .iter()
            .filter(|e| e.resource_type == "case" && e.resource_id.as_deref() == Some(&case))
            .count();
        assert_eq!(case_views, 20, "chain={chain} enabled={enabled}");
        if chain && enabled {
            assert_eq!(unsealed, 0, "chained as written");
        } else {
            assert_eq!(
                unsealed, 20,
                "left for the sealer (chain={chain} enabled={enabled})"
            );
        }
        let report = app.audit_report().await;
        assert_eq!(
            (report.first_broken_seq, report.unsealed),
            (None, 0),
            "{report:?}"
        );
    }
}

both!(reads_reach_the_chain_whichever_way_the_writer_runs);

/// The group commits on the requests' own threads (whichever read leads a batch writes it on its
/// own connection while the others give theirs back) or on the writer's thread (the reads give
/// theirs back and await it): forty reads at once on a pool of one or two connections all
/// answer, each after its own event is in the chain, and no event is written twice — whether
/// the reads run on the blocking pool or on their worker (`HAMKKE_DB_INLINE_READS`), or on
/// one or two read lanes that commit their reads' events together (`HAMKKE_AUDIT_READ_LANES`).
async fn forty_reads_at_once_on_a_small_pool_each_answer_after_their_event(b: Backend) {
    // Both writers on both backends: the reads' leaders, and the writer's own thread; each
    // with the reads on the blocking pool and on their worker.
    let settings = [(1, false), (2, false), (1, true), (2, true)]
        .into_iter()
        .flat_map(|(pool, own)| [(pool, own, false, Some(0)), (pool, own, true, Some(0))])
        .chain([
            (1, false, false, Some(1)),
            (2, false, false, None),
            (3, false, false, Some(2)),
        ]);
    for (pool, own_thread, inline, lanes) in settings {
        let app = TestApp::with_config(b, |c| {
            c.db_pool_size = pool;
            c.audit_batch.own_thread = Some(own_thread);
            c.db_inline_reads = Some(inline);
            c.audit_batch.lanes = lanes;
        })
        .await;
        let w = World::create(&app).await;
        let p = app.person(&w.dong, "묶음기록", "1951-02-03", None).await;
        let case = app.case(&w.dong, &p).await;
        let path = format!("/api/v1/cases/{case}");
        let reads: Vec<_> = (0..40).map(|_| app.get(&path, Some(&w.dong))).collect();
        for r in futures_util::future::join_all(reads).await {
            assert_eq!(
                r.status, 200,
                "pool {pool}, own thread {own_thread}, inline {inline}, lanes {lanes:?}: {}",
                r.text
            );
        }
        let views = app.audit_events("view").await;
        let mut ids: Vec<_> = views
            .iter()
            .filter(|e| e.resource_type == "case" && e.resource_id.as_deref() == Some(&case))
            .map(|e| e.event_id.0)
            .collect();
        assert_eq!(
            ids.len(),
            40,
            "pool {pool}, own thread {own_thread}, inline {inline}, lanes {lanes:?}"
        );
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            40,
            "pool {pool}: an event written twice ({own_thread}, inline {inline}, lanes {lanes:?})"
        );
        let report = app.audit_report().await;
        assert_eq!(
            (report.first_broken_seq, report.unsealed),
            (None, 0),
            "pool {pool}, own thread {own_thread}, inline {inline}, lanes {lanes:?}: {report:?}"
        );
    }
}

both!(forty_reads_at_once_on_a_small_pool_each_answer_after_their_event);
