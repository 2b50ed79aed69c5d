//! Idempotency-Key: replay, reuse with another request, concurrent duplicates, expiry.

use actix_web::http::Method;
use diesel::prelude::*;
use hamkke_persistence::repo::idempotency::{self, Claim};
use hamkke_persistence::schema::idempotency_keys;
use serde_json::{json, Value};

use crate::support::{Backend, Resp, TestApp, World};

async fn post_with_key(app: &TestApp, token: &str, key: &str, path: &str, body: Value) -> Resp {
    app.send(
        TestApp::req(Method::POST, path, Some(token))
            .insert_header(("Idempotency-Key", key))
            .set_json(body),
    )
    .await
}

async fn persons_named(app: &TestApp, token: &str, name: &str) -> usize {
    let r = app
        .get(
            &format!("/api/v1/persons?q={}", urlencoding(name)),
            Some(token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().unwrap().len()
}

fn urlencoding(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn a_retry_with_the_same_key_replays_the_first_response(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let body = json!({ "name": "한멱등", "birth_date": "1950-05-05" });
    let first = post_with_key(&app, &w.dong, "key-1", "/api/v1/persons", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert!(first.header("idempotent-replayed").is_none());
    let again = post_with_key(&app, &w.dong, "key-1", "/api/v1/persons", body.clone()).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("content-type"), first.header("content-type"));
    assert_eq!(persons_named(&app, &w.dong, "한멱등").await, 1);

    // The same key with another body is refused and changes nothing.
    let other = json!({ "name": "한멱등", "birth_date": "1951-05-05" });
    post_with_key(&app, &w.dong, "key-1", "/api/v1/persons", other.clone())
        .await
        .assert_problem(422, "idempotency_key_reused");
    // … as is the same key on another path.
    post_with_key(
        &app,
        &w.dong,
        "key-1",
        "/api/v1/households",
        json!({ "address": "서울" }),
    )
    .await
    .assert_problem(422, "idempotency_key_reused");
    assert_eq!(persons_named(&app, &w.dong, "한멱등").await, 1);

    // Keys belong to their user: another user's identical key is a new request.
    let theirs = post_with_key(&app, &w.welfare, "key-1", "/api/v1/persons", other).await;
    assert_eq!(theirs.status, 201, "{}", theirs.text);
    assert!(theirs.header("idempotent-replayed").is_none());

    // Refusals are replayed too (a final answer), but an unauthenticated call is not stored.
    let bad = json!({ "name": "", "birth_date": "1950-05-05" });
    let refused = post_with_key(&app, &w.dong, "key-2", "/api/v1/persons", bad.clone()).await;
    refused.assert_problem(400, "validation_failed");
    let refused_again = post_with_key(&app, &w.dong, "key-2", "/api/v1/persons", bad).await;
    refused_again.assert_problem(400, "validation_failed");
    assert_eq!(refused_again.header("idempotent-replayed"), Some("true"));
    app.send(
        TestApp::req(Method::POST, "/api/v1/persons", None)
            .insert_header(("Idempotency-Key", "key-3"))
            .set_json(json!({ "name": "x", "birth_date": "1950-05-05" })),
    )
    .await
    .assert_problem(401, "missing_token");

    // A key must be sane.
    let long = "k".repeat(256);
    let r = post_with_key(&app, &w.dong, &long, "/api/v1/persons", body.clone()).await;
    r.assert_problem(400, "validation_failed");
    assert_eq!(
        r.field_errors(),
        vec![("Idempotency-Key".to_owned(), "invalid_format".to_owned())]
    );
}

async fn concurrent_duplicates_run_once(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let body = json!({ "name": "동시요청", "birth_date": "1960-01-01", "rrn": "600101-1234567" });
    let attempts =
        (0..8).map(|_| post_with_key(&app, &w.dong, "same", "/api/v1/persons", body.clone()));
    let results = futures_util::future::join_all(attempts).await;
    let mut created = 0;
    for r in &results {
        match r.status.as_u16() {
            201 if r.header("idempotent-replayed").is_none() => created += 1,
            201 => {}
            409 => r.assert_problem(409, "idempotency_key_in_progress"),
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(created, 1, "exactly one request ran");
    assert_eq!(persons_named(&app, &w.dong, "동시요청").await, 1);

    // While the first request runs, a duplicate gets 409 (claimed, not yet stored).
    let user = uuid::Uuid::now_v7();
    let (first, second) = app
        .db
        .run(move |c| {
            let first = idempotency::claim(c, user, "k", "fp", 60, "t1")?;
            let second = idempotency::claim(c, user, "k", "fp", 60, "t1")?;
            Ok((first, second))
        })
        .await
        .unwrap();
    assert_eq!((first, second), (Claim::New, Claim::InProgress));
}

async fn keys_expire_after_a_day(b: Backend) {
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let r = post_with_key(
        &app,
        &w.dong,
        "daily",
        "/api/v1/households",
        json!({ "address": "서울 마포구 1" }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // 25 hours later the key is free again, for any request.
    app.db
        .run(|c| {
            let past = (chrono::Utc::now() - chrono::Duration::hours(25)).naive_utc();
            diesel::update(idempotency_keys::table)
                .set(idempotency_keys::created_at.eq(past))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let r = post_with_key(
        &app,
        &w.dong,
        "daily",
        "/api/v1/households",
        json!({ "address": "서울 마포구 2" }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.header("idempotent-replayed").is_none());
    let purged = app.db.run(idempotency::purge_expired).await.unwrap();
    assert_eq!(purged, 0, "the fresh claim is kept");
}

/// A key costs one index lookup however many keys are stored; expired keys of other users
/// are left to the hourly purge, not read by a request.
async fn a_key_is_one_index_lookup(b: Backend) {
    let app = TestApp::new(b).await;
    let plan = app
        .db
        .run(|c| {
            // Enough stored keys that a scan would cost more than the index (and fresh
            // statistics, so the planner knows it).
            let old = (chrono::Utc::now() - chrono::Duration::hours(30))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            for chunk in 0..10 {
                let rows: Vec<String> = (0..500)
                    .map(|i| format!("('{}', 'k{chunk}-{i}', 'f', '{old}')", uuid::Uuid::now_v7()))
                    .collect();
                diesel::sql_query(format!(
                    "INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, created_at) VALUES {}",
                    rows.join(", ")
                ))
                .execute(c)?;
            }
            diesel::sql_query("ANALYZE").execute(c)?;
            idempotency::lookup_plan(c, uuid::Uuid::now_v7(), "k1-1")
        })
        .await
        .unwrap();
    let indexed = plan.contains("Index")
        || plan.contains("USING PRIMARY KEY")
        || plan.contains("USING INDEX");
    assert!(
        indexed && !plan.contains("Seq Scan") && !plan.starts_with("SCAN"),
        "{plan}"
    );
    // A claim leaves others' expired keys to the purge job, which takes them all.
    let me = uuid::Uuid::now_v7();
    let claim = app
        .db
        .run(move |c| idempotency::claim(c, me, "k", "f", 60, "t"))
        .await
        .unwrap();
    assert_eq!(claim, Claim::New);
    let purged = app.db.run(idempotency::purge_expired).await.unwrap();
    assert_eq!(purged, 5000);
}

/// A response too large to keep is not stored; its retry answers with what the first request
/// created (303 to it), and nothing is created twice.
async fn large_responses_are_not_kept(b: Backend) {
    let app = TestApp::with_config(b, |c| c.idempotency_kept_max_bytes = 64).await;
    let w = World::create(&app).await;
    let body = json!({ "address": "서울 마포구 큰응답로 1" });
    let first = post_with_key(&app, &w.dong, "big", "/api/v1/households", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let stored: Option<String> = app
        .db
        .run(|c| {
            Ok(idempotency_keys::table
                .select(idempotency_keys::response)
                .first::<Option<String>>(c)?)
        })
        .await
        .unwrap();
    assert!(stored.is_none(), "the response was not kept");
    let retry = post_with_key(&app, &w.dong, "big", "/api/v1/households", body).await;
    assert_eq!(retry.status, 303, "{}", retry.text);
    assert_eq!(retry.body["code"], "idempotent_request_committed");
    let id = first.body["id"].as_str().unwrap();
    assert!(
        retry.header("location").unwrap().ends_with(id),
        "{:?}",
        retry.header("location")
    );
}

/// A request whose change committed but whose answer was lost (its connection went down after
/// the commit, so it answered 503) gives its key back without forgetting the commit: the retry
/// answers with what committed, at once, and never runs the change again.
async fn a_released_key_keeps_what_committed(b: Backend) {
    let app = TestApp::new(b).await;
    let user = uuid::Uuid::now_v7();
    let answers = app
        .db
        .run(move |c| {
            assert_eq!(
                idempotency::claim(c, user, "lost", "fp", 60, "a")?,
                Claim::New
            );
            idempotency::mark_committed(c, user, "lost", Some("person/p1".into()))?;
            idempotency::release(c, user, "lost", "a")?;
            let after_commit = idempotency::claim(c, user, "lost", "fp", 60, "b")?;
            // Nothing committed: the key is free again for the retry.
            assert_eq!(
                idempotency::claim(c, user, "free", "fp", 60, "c")?,
                Claim::New
            );
            idempotency::release(c, user, "free", "c")?;
            let nothing_committed = idempotency::claim(c, user, "free", "fp", 60, "d")?;
            // Another request's claim is not given back by a release that is not its own.
            idempotency::release(c, user, "free", "c")?;
            let still_held = idempotency::claim(c, user, "free", "fp", 60, "e")?;
            Ok((after_commit, nothing_committed, still_held))
        })
        .await
        .unwrap();
    assert_eq!(
        answers,
        (
            Claim::Committed {
                resource: Some("person/p1".into())
            },
            Claim::New,
            Claim::InProgress
        )
    );
}

/// A change that committed but whose answer could not be kept (the database went away just
/// after the commit) is still answered with its 201, and a retry is told what committed at
/// once instead of waiting out the key's lease.
async fn an_answer_that_cannot_be_kept_is_still_given(b: Backend) {
    use diesel::connection::SimpleConnection;
    let app = TestApp::new(b).await;
    let w = World::create(&app).await;
    let db = app.db.inner().clone();
    actix_web::web::block(move || {
        db.get().unwrap().batch_execute(match b {
            Backend::Postgres => {
                "CREATE FUNCTION no_keeping() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'store down'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER no_keeping BEFORE UPDATE ON idempotency_keys FOR EACH ROW \
                 WHEN (NEW.status_code IS NOT NULL) EXECUTE FUNCTION no_keeping();"
            }
            Backend::Sqlite => {
                "CREATE TRIGGER no_keeping BEFORE UPDATE ON idempotency_keys \
                 WHEN NEW.status_code IS NOT NULL BEGIN SELECT RAISE(ABORT, 'store down'); END;"
            }
        })
    })
    .await
    .unwrap()
    .unwrap();
    let body = json!({ "address": "서울 마포구 보관 실패" });
    let r = post_with_key(&app, &w.dong, "unkept", "/api/v1/households", body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let retry = post_with_key(&app, &w.dong, "unkept", "/api/v1/households", body).await;
    assert_eq!(retry.status, 303, "{}", retry.text);
    assert_eq!(retry.body["code"], "idempotent_request_committed");
    assert_eq!(
        retry.header("location"),
        Some(format!("/api/v1/households/{}", r.body["id"].as_str().unwrap()).as_str())
    );
}

/// A key given back while a retry claims it (a release landing late, after a failover) never
/// makes the retry fail: it claims the key anew or is told to retry — never a 404 or a 500.
async fn claims_racing_releases_always_answer(b: Backend) {
    let app = TestApp::new(b).await;
    let user = uuid::Uuid::now_v7();
    let db = app.db.inner().clone();
    let outcomes = actix_web::web::block(move || {
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let db = db.clone();
                std::thread::spawn(move || {
                    let mut seen = Vec::new();
                    for i in 0..150 {
                        let token = format!("{t}-{i}");
                        let mut conn = db.get().expect("connection");
                        match idempotency::claim(&mut conn, user, "contended", "fp", 60, &token) {
                            Ok(Claim::New) => {
                                idempotency::release(&mut conn, user, "contended", &token)
                                    .expect("release");
                                seen.push("new");
                            }
                            Ok(Claim::InProgress) => seen.push("in_progress"),
                            Ok(other) => panic!("unexpected {other:?}"),
                            Err(e) => panic!("a claim failed: {e:?}"),
                        }
                    }
                    seen
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().expect("no claim failed"))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert_eq!(outcomes.len(), 8 * 150);
    assert!(outcomes.contains(&"new"));
}

both!(
    claims_racing_releases_always_answer,
    an_answer_that_cannot_be_kept_is_still_given,
    a_released_key_keeps_what_committed,
    a_retry_with_the_same_key_replays_the_first_response,
    concurrent_duplicates_run_once,
    keys_expire_after_a_day,
    a_key_is_one_index_lookup,
    large_responses_are_not_kept,
);
