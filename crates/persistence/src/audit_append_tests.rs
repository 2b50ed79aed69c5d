//! The audit append's statements kept prepared, and the chain they make (tests of `audit`).

use super::*;

/// `n` read events, as a request's deferred read leaves them.
fn reads(conn: &mut DbConn, n: usize) -> Vec<PendingEvent> {
    let ctx = AuditCtx::job("append-test");
    let ((), events) = deferring(|| {
        for i in 0..n {
            let entry = AuditEntry::new(AuditAction::View, "case", Some(i.to_string()));
            record(conn, &ctx, entry).unwrap();
        }
    });
    events
}

/// A batch of read events is written through statements the connection keeps: the chain
/// head's lock and move once, the multi-row INSERT once per batch size, so a batch of a
/// size seen before compiles nothing (diesel compiled all three afresh for every batch).
/// The chain the batches make verifies, and unchained events are sealed into it after them.
#[test]
fn batches_reuse_their_statements_and_keep_the_chain() {
    let mut db = crate::test_db::CachingDb::new("append");
    let prepared = db.cached.clone();

    let first = reads(db.conn(), 2);
    append(db.conn(), &first.iter().collect::<Vec<_>>(), true).unwrap();
    let after_first = prepared.lock().unwrap().len();
    {
        let kept = prepared.lock().unwrap();
        let has = |start: &str| kept.iter().any(|sql| sql.starts_with(start));
        assert!(
            has("UPDATE `audit_chain_head` SET `last_seq` = `audit_chain_head`.`last_seq`")
                && has("INSERT INTO audit_events")
                && has("UPDATE `audit_chain_head` SET `last_seq` = ?, `last_hash` = ? WHERE"),
            "{kept:?}"
        );
    }
    let batches = |conn: &mut DbConn, sizes: &[usize]| {
        for &n in sizes {
            let batch = reads(conn, n);
            append(conn, &batch.iter().collect::<Vec<_>>(), true).unwrap();
        }
    };
    batches(db.conn(), &[3, 5, 1]);
    let after_sizes = prepared.lock().unwrap().len();
    assert!(
        after_sizes == after_first + 3
            && prepared.lock().unwrap()[after_first..]
                .iter()
                .all(|sql| sql.starts_with("INSERT INTO audit_events")),
        "one new statement per new batch size: {:?}",
        &prepared.lock().unwrap()[after_first..]
    );
    batches(db.conn(), &[2, 3, 5, 1]);
    assert_eq!(
        prepared.lock().unwrap()[after_sizes..],
        [] as [String; 0],
        "statements compiled again for batches of sizes seen before"
    );

    let unchained = reads(db.conn(), 4);
    append(db.conn(), &unchained.iter().collect::<Vec<_>>(), false).unwrap();
    assert_eq!(seal_pending(db.conn(), 100).unwrap(), 4);
    let report = verify(db.conn()).unwrap();
    assert_eq!(report.checked, 2 + 3 + 5 + 1 + 2 + 3 + 5 + 1 + 4);
    assert_eq!(report.first_broken_seq, None);
    assert_eq!(report.unsealed, 0);
}

/// The canonical form as the chain was first hashed: a `serde_json::Value` (keys sorted) built
/// from an owned record.
fn canonical_as_first_hashed(e: &AuditRecord, seq: i64) -> String {
    let id = |u: &Option<DbUuid>| u.map(|u| u.0.to_string());
    serde_json::json!({
        "chain_seq": seq,
        "event_id": e.event_id.0.to_string(),
        "occurred_at": e.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        "actor_user_id": id(&e.actor_user_id),
        "actor_org_id": id(&e.actor_org_id),
        "actor_role": e.actor_role,
        "action": e.action,
        "resource_type": e.resource_type,
        "resource_id": e.resource_id,
        "person_id": id(&e.person_id),
        "purpose": e.purpose,
        "ip": e.ip,
        "request_id": e.request_id,
        "details": e.details,
    })
    .to_string()
}

/// Hashing borrows the event's fields instead of building a JSON value of copies; the bytes
/// hashed must be the same as before, or every chain sealed before would stop verifying.
#[test]
fn the_borrowed_canonical_form_is_the_one_chains_were_hashed_with() {
    let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
    let text = |s: &str| Some(s.to_owned());
    let bare = AuditRecord {
        id: 1,
        event_id: DbUuid(Uuid::now_v7()),
        occurred_at: at("2026-12-06 00:00:00"),
        actor_user_id: None,
        actor_org_id: None,
        actor_role: None,
        action: "view".into(),
        resource_type: "case".into(),
        resource_id: None,
        person_id: None,
        purpose: None,
        ip: None,
        request_id: None,
        details: None,
        chain_seq: None,
        prev_hash: None,
        hash: None,
    };
    let full = AuditRecord {
        occurred_at: at("2026-02-28 23:59:59.123456"),
        actor_user_id: Some(DbUuid(Uuid::now_v7())),
        actor_org_id: Some(DbUuid(Uuid::now_v7())),
        actor_role: text("dong_worker"),
        action: "사례 조회 \"quoted\" \\ back".into(),
        resource_type: "case\u{0001}\n\t".into(),
        resource_id: text("홍길동 😀 </script>"),
        person_id: Some(DbUuid(Uuid::now_v7())),
        purpose: text("긴급지원 심사"),
        ip: text("::1"),
        request_id: text("req-\u{2028}-1"),
        details: text(r#"{"b":[1,2.5,null],"a":"é"}"#),
        ..bare.clone()
    };
    for (record, seq) in [(&bare, 1), (&full, 42), (&full, i64::MAX)] {
        let borrowed = serde_json::to_string(&hashed!(record, seq)).unwrap();
        assert_eq!(borrowed, canonical_as_first_hashed(record, seq));
        let mut h = Sha256::new();
        h.update(b"prev");
        h.update(borrowed.as_bytes());
        assert_eq!(
            chain_hash("prev", &hashed!(record, seq)),
            hex::encode(h.finalize())
        );
    }
}
