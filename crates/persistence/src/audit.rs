//! The audit trail: append-only, hash-chained.
//!
//! Events of changes are inserted unsealed inside the transaction of the change they record (no
//! audit, no data). One sealer (`seal_pending`, run by a single background task) takes unsealed
//! rows in id order, gives each the next chain position and
//! `hash = SHA-256(prev_hash || canonical(event))`.
//!
//! Events of reads are collected while the read runs (`deferring`) and handed to the server's
//! one group-commit writer, which appends a whole batch of them already chained
//! (`append_sealed`: one multi-row INSERT in one transaction holding the chain head — or, on
//! PostgreSQL when the head is still where the writer left it, one statement that moves it
//! conditionally and inserts: `append_at`); the request answers only after its batch
//! committed. Requests never touch the chain head.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};
use crate::kept::kept;
use crate::lists::in_ids;
use crate::schema::{audit_chain_anchor, audit_chain_head, audit_events};
use crate::types::{to_db, DbUuid};

/// What kind of access an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    View,
    Create,
    Update,
    Delete,
    Export,
    Login,
    Logout,
    Denied,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Export => "export",
            Self::Login => "login",
            Self::Logout => "logout",
            Self::Denied => "denied",
        }
    }
}

/// Who acts and from where: built once per request.
#[derive(Debug, Clone, Default)]
pub struct AuditCtx {
    pub user_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub role: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The purpose the caller declared (`X-Access-Purpose`), recorded with personal-data reads.
    pub purpose: Option<String>,
    /// The request's `Idempotency-Key` (user, key): a change recorded under it marks the key
    /// committed in the same transaction.
    pub idempotency: Option<(Uuid, String)>,
    /// The request only reads (GET, or the duplicate check): its view and export events go to
    /// the group-commit writer.
    pub read_only: bool,
}

impl AuditCtx {
    /// The context of a server job (no caller): `job:<name>` as its request id.
    pub fn job(name: &str) -> Self {
        Self {
            request_id: Some(format!("job:{name}")),
            ..Default::default()
        }
    }
}

/// One event to record. `details` must never hold personal data, passwords or tokens.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub action: AuditAction,
    pub resource_type: &'static str,
    pub resource_id: Option<String>,
    pub person_id: Option<Uuid>,
    pub purpose: Option<String>,
    pub details: Option<Value>,
}

impl AuditEntry {
    pub fn new(
        action: AuditAction,
        resource_type: &'static str,
        resource_id: Option<String>,
    ) -> Self {
        Self {
            action,
            resource_type,
            resource_id,
            person_id: None,
            purpose: None,
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
struct NewEventRow {
    event_id: DbUuid,
    occurred_at: NaiveDateTime,
    actor_user_id: Option<DbUuid>,
    actor_org_id: Option<DbUuid>,
    actor_role: Option<String>,
    action: String,
    resource_type: String,
    resource_id: Option<String>,
    person_id: Option<DbUuid>,
    purpose: Option<String>,
    ip: Option<String>,
    request_id: Option<String>,
    details: Option<String>,
}

/// A stored event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRecord {
    pub id: i64,
    pub event_id: DbUuid,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<DbUuid>,
    pub actor_org_id: Option<DbUuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub person_id: Option<DbUuid>,
    pub purpose: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub details: Option<String>,
    pub chain_seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

thread_local! {
    /// The read events of the request running on this thread, while `deferring` runs.
    static DEFERRED: std::cell::RefCell<Option<Vec<NewEventRow>>> =
        const { std::cell::RefCell::new(None) };
}

/// A read's event, recorded but not yet written: for the group-commit writer.
#[derive(Debug)]
pub struct PendingEvent(NewEventRow);

/// Runs `f` (a request that only reads) collecting the events of the reads it records instead
/// of writing them; returns them with `f`'s result. While it runs, `write_tx` on SQLite begins
/// a deferred transaction, so a read takes no write lock.
pub fn deferring<T>(f: impl FnOnce() -> T) -> (T, Vec<PendingEvent>) {
    /// Ends the collection however `f` ends (a panic included), so that the thread's next
    /// request never collects into this one's list.
    struct Collecting;
    impl Drop for Collecting {
        fn drop(&mut self) {
            let _ = DEFERRED.try_with(|d| d.borrow_mut().take());
        }
    }
    DEFERRED.with(|d| *d.borrow_mut() = Some(Vec::new()));
    let guard = Collecting;
    let out = f();
    let events = DEFERRED.with(|d| d.borrow_mut().take()).unwrap_or_default();
    drop(guard);
    (out, events.into_iter().map(PendingEvent).collect())
}

/// Whether this thread is running a read whose events are deferred.
pub fn deferring_now() -> bool {
    DEFERRED.with(|d| d.borrow().is_some())
}

/// Appends an event in the caller's transaction. A change made under an `Idempotency-Key`
/// also marks the key committed, atomically with the change. In a deferred read (`deferring`),
/// a view or export is collected for the group-commit writer instead.
pub fn record(conn: &mut DbConn, ctx: &AuditCtx, entry: AuditEntry) -> RepoResult<()> {
    if matches!(entry.action, AuditAction::View | AuditAction::Export) {
        let row = DEFERRED.with(|d| match d.borrow_mut().as_mut() {
            Some(list) => {
                list.push(new_row(ctx, entry));
                None
            }
            None => Some(entry),
        });
        let Some(entry) = row else {
            return Ok(());
        };
        return insert_one(conn, ctx, entry);
    }
    insert_one(conn, ctx, entry)
}

fn insert_one(conn: &mut DbConn, ctx: &AuditCtx, entry: AuditEntry) -> RepoResult<()> {
    if let Some((user, key)) = &ctx.idempotency {
        if matches!(
            entry.action,
            AuditAction::Create | AuditAction::Update | AuditAction::Delete
        ) {
            let resource = entry
                .resource_id
                .as_ref()
                .map(|id| format!("{}/{id}", entry.resource_type));
            crate::repo::idempotency::mark_committed(conn, *user, key, resource)?;
        }
    }
    diesel::insert_into(audit_events::table)
        .values(&new_row(ctx, entry))
        .execute(conn)?;
    Ok(())
}

/// Records several events in one transaction (e.g. one per person a listing shows); in a
/// deferred read they all go to the group-commit writer.
pub fn record_many(conn: &mut DbConn, ctx: &AuditCtx, entries: Vec<AuditEntry>) -> RepoResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    if deferring_now() {
        return entries
            .into_iter()
            .try_for_each(|entry| record(conn, ctx, entry));
    }
    crate::uow::system(conn, "audit_chain", |conn| {
        entries
            .into_iter()
            .try_for_each(|entry| record(conn, ctx, entry))
    })
}

fn new_row(ctx: &AuditCtx, entry: AuditEntry) -> NewEventRow {
    NewEventRow {
        event_id: Uuid::now_v7().into(),
        occurred_at: to_db(hamkke_domain::now()),
        actor_user_id: ctx.user_id.map(Into::into),
        actor_org_id: ctx.org_id.map(Into::into),
        actor_role: ctx.role.clone(),
        action: entry.action.as_str().to_owned(),
        resource_type: entry.resource_type.to_owned(),
        resource_id: entry.resource_id,
        person_id: entry.person_id.map(Into::into),
        purpose: entry.purpose.or_else(|| {
            if entry.person_id.is_some() || matches!(entry.action, AuditAction::Export) {
                ctx.purpose.clone()
            } else {
                None
            }
        }),
        ip: ctx.ip.clone(),
        request_id: ctx.request_id.clone(),
        details: entry.details.map(|d| d.to_string()),
    }
}

/// The columns every event has, in the order `bind_event` binds them.
const EVENT_COLUMNS: &str = "event_id, occurred_at, actor_user_id, actor_org_id, actor_role, \
    action, resource_type, resource_id, person_id, purpose, ip, request_id, details";

/// Columns of one appended, chained event.
const APPEND_COLUMNS: usize = 16;

type EventInsert = diesel::query_builder::BoxedSqlQuery<
    'static,
    crate::conn::MultiBackend,
    diesel::query_builder::SqlQuery,
>;

/// `(…), (…)` for `rows` rows of `cols` parameters: `$n` on PostgreSQL, `?` on SQLite.
fn value_rows(pg: bool, rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|i| {
            let cells: Vec<String> = (1..=cols)
                .map(|c| {
                    if pg {
                        format!("${}", i * cols + c)
                    } else {
                        "?".to_owned()
                    }
                })
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds an event's `EVENT_COLUMNS`.
fn bind_event(q: EventInsert, e: &NewEventRow) -> EventInsert {
    use crate::types::sql::Uuid as SqlUuid;
    use diesel::sql_types::{Nullable, Text, Timestamp};
    q.bind::<SqlUuid, _>(e.event_id)
        .bind::<Timestamp, _>(e.occurred_at)
        .bind::<Nullable<SqlUuid>, _>(e.actor_user_id)
        .bind::<Nullable<SqlUuid>, _>(e.actor_org_id)
        .bind::<Nullable<Text>, _>(e.actor_role.clone())
        .bind::<Text, _>(e.action.clone())
        .bind::<Text, _>(e.resource_type.clone())
        .bind::<Nullable<Text>, _>(e.resource_id.clone())
        .bind::<Nullable<SqlUuid>, _>(e.person_id)
        .bind::<Nullable<Text>, _>(e.purpose.clone())
        .bind::<Nullable<Text>, _>(e.ip.clone())
        .bind::<Nullable<Text>, _>(e.request_id.clone())
        .bind::<Nullable<Text>, _>(e.details.clone())
}

/// The fields of an event that its hash covers, borrowed from a stored event or a pending one
/// (`hashed!`), with its chain position. Serialised it is the canonical form: the fields are
/// declared in the order of their names, as the chain has always been hashed (sorted keys,
/// times as `%Y-%m-%dT%H:%M:%S%.6fZ`), and nothing is copied to hash a pending event.
#[derive(serde::Serialize)]
struct Hashed<'a> {
    action: &'a str,
    actor_org_id: Option<Uuid>,
    actor_role: Option<&'a str>,
    actor_user_id: Option<Uuid>,
    chain_seq: i64,
    details: Option<&'a str>,
    event_id: Uuid,
    ip: Option<&'a str>,
    #[serde(serialize_with = "utc_micros")]
    occurred_at: NaiveDateTime,
    person_id: Option<Uuid>,
    purpose: Option<&'a str>,
    request_id: Option<&'a str>,
    resource_id: Option<&'a str>,
    resource_type: &'a str,
}

/// `Hashed` of an `AuditRecord` or a `NewEventRow` (the same field names) at chain position `seq`.
macro_rules! hashed {
    ($e:expr, $seq:expr) => {{
        let e = $e;
        Hashed {
            action: &e.action,
            actor_org_id: e.actor_org_id.map(|u| u.0),
            actor_role: e.actor_role.as_deref(),
            actor_user_id: e.actor_user_id.map(|u| u.0),
            chain_seq: $seq,
            details: e.details.as_deref(),
            event_id: e.event_id.0,
            ip: e.ip.as_deref(),
            occurred_at: e.occurred_at,
            person_id: e.person_id.map(|u| u.0),
            purpose: e.purpose.as_deref(),
            request_id: e.request_id.as_deref(),
            resource_id: e.resource_id.as_deref(),
            resource_type: &e.resource_type,
        }
    }};
}

fn utc_micros<S: serde::Serializer>(at: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

/// Appends read events in one multi-row INSERT, kept prepared per batch size (see
/// `insert_rows`). `chained`: in one transaction that takes the chain head, gives each event
/// the next position and its hash and moves the head (the sealer then has nothing of them to
/// do); otherwise as one statement of its own, unsealed, for the sealer (`seal_pending`) like
/// the events of changes.
pub fn append(conn: &mut DbConn, events: &[&PendingEvent], chained: bool) -> RepoResult<()> {
    append_from(conn, events, chained, &mut ChainHead::default())
}

/// Where an appender last left the chain's head. On PostgreSQL its next chained batch is
/// appended after it in one statement of its own (`append_at`) — no `BEGIN`, lock, move or
/// `COMMIT` round trips — as long as nobody else (a sealer, another server) moved the head
/// meanwhile; unknown until its first batch, and again after a failed one.
#[derive(Debug, Default)]
pub struct ChainHead(Option<(i64, String)>);

/// [`append`] by an appender that remembers where it left the chain's head (`head`: the
/// group-commit writer's).
pub fn append_from(
    conn: &mut DbConn,
    events: &[&PendingEvent],
    chained: bool,
    head: &mut ChainHead,
) -> RepoResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    if chained {
        if matches!(conn, DbConn::Pg(_)) && append_at(conn, events, head)? {
            return Ok(());
        }
        return append_sealed(conn, events, head);
    }
    let pg = matches!(conn, DbConn::Pg(_));
    let sql = format!(
        "INSERT INTO audit_events ({EVENT_COLUMNS}) VALUES {}",
        value_rows(pg, events.len(), 13)
    );
    let mut q = diesel::sql_query(sql).into_boxed();
    for PendingEvent(e) in events.iter().copied() {
        q = bind_event(q, e);
    }
    insert_rows(conn, q, events.len())
}

/// The events chained after `(seq, prev)`, bound to `q` as the rows of a multi-row INSERT;
/// with the position and hash of the last.
fn chain_rows(
    mut q: EventInsert,
    events: &[&PendingEvent],
    (mut seq, mut prev): (i64, String),
) -> (EventInsert, i64, String) {
    use diesel::sql_types::{BigInt, Text};
    for PendingEvent(e) in events.iter().copied() {
        seq += 1;
        let hash = chain_hash(&prev, &hashed!(e, seq));
        q = bind_event(q, e)
            .bind::<BigInt, _>(seq)
            .bind::<Text, _>(std::mem::replace(&mut prev, hash.clone()))
            .bind::<Text, _>(hash);
    }
    (q, seq, prev)
}

/// The chained form of `append`: the events enter the hash chain as they are written, in one
/// transaction holding the chain head's lock; `head` is left where the batch left it.
fn append_sealed(
    conn: &mut DbConn,
    events: &[&PendingEvent],
    head: &mut ChainHead,
) -> RepoResult<()> {
    let moved = crate::uow::system(conn, "audit_chain", |conn| {
        let from = lock_chain_head(conn)?;
        let sql = format!(
            "INSERT INTO audit_events ({EVENT_COLUMNS}, chain_seq, prev_hash, hash) VALUES {}",
            value_rows(matches!(conn, DbConn::Pg(_)), events.len(), APPEND_COLUMNS)
        );
        let (q, seq, prev) = chain_rows(diesel::sql_query(sql).into_boxed(), events, from);
        insert_rows(conn, q, events.len())?;
        move_chain_head(conn, seq, &prev)?;
        Ok::<_, RepoError>((seq, prev))
    })?;
    head.0 = Some(moved);
    Ok(())
}

/// On PostgreSQL, appends `events` after `head` in one statement: the head moves only if it
/// is still where this appender left it (a conditional update, which waits for any appender
/// holding its lock and then sees what that one wrote), and the events are inserted only if
/// it moved, in the statement's own transaction. `false`, with nothing written, when the head
/// is unknown or somebody else moved it.
fn append_at(
    conn: &mut DbConn,
    events: &[&PendingEvent],
    head: &mut ChainHead,
) -> RepoResult<bool> {
    use diesel::sql_types::{BigInt, Text};
    let Some(from) = head.0.take() else {
        return Ok(false);
    };
    let params = events.len() * APPEND_COLUMNS;
    let sql = format!(
        "WITH head AS (UPDATE audit_chain_head SET last_seq = ${}, last_hash = ${} \
         WHERE id = 1 AND last_seq = ${} AND last_hash = ${} RETURNING last_seq) \
         INSERT INTO audit_events ({EVENT_COLUMNS}, chain_seq, prev_hash, hash) \
         SELECT v.* FROM (VALUES {}) AS v CROSS JOIN head",
        params + 1,
        params + 2,
        params + 3,
        params + 4,
        value_rows(true, events.len(), APPEND_COLUMNS)
    );
    let (q, seq, prev) = chain_rows(diesel::sql_query(sql).into_boxed(), events, from.clone());
    let q = q
        .bind::<BigInt, _>(seq)
        .bind::<Text, _>(prev.clone())
        .bind::<BigInt, _>(from.0)
        .bind::<Text, _>(from.1);
    let inserted: Vec<Inserted> = kept(q.sql(" RETURNING id")).load(conn)?;
    match inserted.len() {
        0 => Ok(false),
        n if n == events.len() => {
            head.0 = Some((seq, prev));
            Ok(true)
        }
        n => {
            tracing::error!(
                expected = events.len(),
                inserted = n,
                "audit append inserted an unexpected number of rows"
            );
            Err(RepoError::Db(diesel::result::Error::RollbackTransaction))
        }
    }
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    #[allow(dead_code)]
    id: i64,
}

/// Runs a multi-row INSERT kept prepared: its text depends only on the number of rows, so a
/// connection compiles it once per batch size (loaded with `RETURNING id`, see `kept`), where
/// a raw statement was compiled for every batch.
fn insert_rows(conn: &mut DbConn, q: EventInsert, rows: usize) -> RepoResult<()> {
    let inserted: Vec<Inserted> = kept(q.sql(" RETURNING id")).load(conn)?;
    if inserted.len() != rows {
        tracing::error!(
            expected = rows,
            inserted = inserted.len(),
            "audit append inserted an unexpected number of rows"
        );
        return Err(RepoError::Db(diesel::result::Error::RollbackTransaction));
    }
    Ok(())
}

fn chain_hash(prev: &str, e: &Hashed<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    // Strings, numbers and uuids always serialise, and hashing never fails to write.
    let _ = serde_json::to_writer(&mut h, e);
    hex::encode(h.finalize())
}

/// Seals up to `batch` unsealed events in one transaction; returns how many.
pub fn seal_pending(conn: &mut DbConn, batch: i64) -> RepoResult<usize> {
    // A cheap read first, so an idle server does not take the write lock every tick.
    let pending: bool = diesel::select(diesel::dsl::exists(
        audit_events::table.filter(audit_events::chain_seq.is_null()),
    ))
    .get_result(conn)?;
    if !pending {
        return Ok(0);
    }
    crate::uow::system(conn, "audit_chain", |conn| {
        let (mut seq, mut prev) = lock_chain_head(conn)?;
        let pending: Vec<AuditRecord> = audit_events::table
            .filter(audit_events::chain_seq.is_null())
            .order(audit_events::id.asc())
            .limit(batch)
            .select(AuditRecord::as_select())
            .load(conn)?;
        let mut sealed = Vec::with_capacity(pending.len());
        for e in &pending {
            seq += 1;
            let hash = chain_hash(&prev, &hashed!(e, seq));
            sealed.push((e.id, seq, prev.clone(), hash.clone()));
            prev = hash;
        }
        write_seals(conn, &sealed)?;
        if !pending.is_empty() {
            move_chain_head(conn, seq, &prev)?;
        }
        Ok(pending.len())
    })
}

/// Writes a batch of seals in one set-based UPDATE (one round trip, not one per event).
fn write_seals(conn: &mut DbConn, sealed: &[(i64, i64, String, String)]) -> RepoResult<()> {
    use diesel::sql_types::{BigInt, Text};
    if sealed.is_empty() {
        return Ok(());
    }
    let sql = match conn {
        DbConn::Pg(_) => {
            let values: Vec<String> = (0..sealed.len())
                .map(|i| format!("(${}::bigint, ${}::bigint, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4))
                .collect();
            format!(
                "UPDATE audit_events AS a SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash \
                 FROM (VALUES {}) AS v(id, seq, prev, hash) WHERE a.id = v.id",
                values.join(", ")
            )
        }
        DbConn::Sqlite(_) => format!(
            "UPDATE audit_events SET chain_seq = v.column2, prev_hash = v.column3, hash = v.column4 \
             FROM (VALUES {}) AS v WHERE audit_events.id = v.column1",
            vec!["(?, ?, ?, ?)"; sealed.len()].join(", ")
        ),
    };
    let mut q = diesel::sql_query(sql).into_boxed();
    for (id, seq, prev, hash) in sealed {
        q = q
            .bind::<BigInt, _>(*id)
            .bind::<BigInt, _>(*seq)
            .bind::<Text, _>(prev.clone())
            .bind::<Text, _>(hash.clone());
    }
    let n = q.execute(conn)?;
    if n != sealed.len() {
        tracing::error!(
            expected = sealed.len(),
            updated = n,
            "audit sealing updated an unexpected number of rows"
        );
        return Err(RepoError::Db(diesel::result::Error::RollbackTransaction));
    }
    Ok(())
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Sealed events checked.
    pub checked: i64,
    /// The first chain position whose link or hash does not hold, if any.
    pub first_broken_seq: Option<i64>,
    /// The id of the event at that position (absent when the position itself is missing).
    pub first_broken_id: Option<i64>,
    /// Events still waiting for the sealer.
    pub unsealed: i64,
}

/// Walks the sealed chain by position and recomputes every hash.
pub fn verify(conn: &mut DbConn) -> RepoResult<ChainReport> {
    // Retention may have purged the start of the chain: it continues from the anchor.
    let (purged_through, anchor_hash): (i64, String) = audit_chain_anchor::table
        .find(1)
        .select((
            audit_chain_anchor::purged_through_seq,
            audit_chain_anchor::anchor_hash,
        ))
        .first(conn)?;
    let mut prev = anchor_hash;
    let mut expected = purged_through + 1;
    let mut checked = 0i64;
    loop {
        let page: Vec<AuditRecord> = audit_events::table
            .filter(audit_events::chain_seq.ge(expected))
            .order(audit_events::chain_seq.asc())
            .limit(1000)
            .select(AuditRecord::as_select())
            .load(conn)?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            let ok = e.chain_seq == Some(expected)
                && e.prev_hash.as_deref() == Some(prev.as_str())
                && e.hash.as_deref() == Some(chain_hash(&prev, &hashed!(e, expected)).as_str());
            if !ok {
                let unsealed = count_unsealed(conn)?;
                return Ok(ChainReport {
                    checked,
                    first_broken_seq: Some(expected),
                    first_broken_id: (e.chain_seq == Some(expected)).then_some(e.id),
                    unsealed,
                });
            }
            prev = e.hash.clone().unwrap_or_default();
            expected += 1;
            checked += 1;
        }
    }
    let head: (i64, String) = audit_chain_head::table
        .find(1)
        .select((audit_chain_head::last_seq, audit_chain_head::last_hash))
        .first(conn)?;
    let first_broken_seq = (head != (expected - 1, prev)).then_some(expected);
    Ok(ChainReport {
        checked,
        first_broken_seq,
        first_broken_id: None,
        unsealed: count_unsealed(conn)?,
    })
}

fn count_unsealed(conn: &mut DbConn) -> RepoResult<i64> {
    Ok(audit_events::table
        .filter(audit_events::chain_seq.is_null())
        .count()
        .get_result(conn)?)
}

/// The newest events, optionally of one action, newest first.
pub fn latest(conn: &mut DbConn, action: Option<&str>, limit: i64) -> RepoResult<Vec<AuditRecord>> {
    let mut q = audit_events::table
        .select(AuditRecord::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(a) = action {
        q = q.filter(audit_events::action.eq(a.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// Filters of the audit listing.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_user_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    /// Records merged into `person_id`: their events belong to its access log too.
    pub merged_person_ids: Vec<Uuid>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Only events of these organizations (an auditor's district); `None` for all.
    pub orgs: Option<Vec<Uuid>>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

/// Audit events in recording order, filtered.
pub fn list(conn: &mut DbConn, f: &AuditFilter) -> RepoResult<Vec<AuditRecord>> {
    let mut q = audit_events::table
        .select(AuditRecord::as_select())
        .order(audit_events::id.asc())
        .limit(f.limit)
        .into_boxed();
    if let Some(u) = f.actor_user_id {
        q = q.filter(audit_events::actor_user_id.eq(DbUuid(u)));
    }
    if let Some(o) = f.org_id {
        q = q.filter(audit_events::actor_org_id.eq(DbUuid(o)));
    }
    if let Some(p) = f.person_id {
        if f.merged_person_ids.is_empty() {
            q = q.filter(audit_events::person_id.eq(DbUuid(p)));
        } else {
            let mut all: Vec<DbUuid> = f.merged_person_ids.iter().copied().map(DbUuid).collect();
            all.push(DbUuid(p));
            q = q.filter(in_ids(audit_events::person_id, all));
        }
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_events::action.eq(a.clone()));
    }
    if let Some(r) = &f.resource_type {
        q = q.filter(audit_events::resource_type.eq(r.clone()));
    }
    if let Some(t) = f.from {
        q = q.filter(audit_events::occurred_at.ge(t));
    }
    if let Some(t) = f.to {
        q = q.filter(audit_events::occurred_at.lt(t));
    }
    if let Some(orgs) = &f.orgs {
        q = q.filter(in_ids(
            audit_events::actor_org_id,
            orgs.iter().copied().map(DbUuid).collect::<Vec<_>>(),
        ));
    }
    if let Some(after) = f.after_id {
        q = q.filter(audit_events::id.gt(after));
    }
    Ok(q.load(conn)?)
}

/// Takes the chain head's row lock and reads it, in one statement: whoever appends to the
/// chain (the read writer, a sealer, on any server) waits here for the one before it. Runs once
/// per batch of reads, kept prepared on both backends. On PostgreSQL a `SELECT … FOR UPDATE`:
/// the lock leaves no new version of the row behind (an `UPDATE` would, one more per batch for
/// vacuum to clear). On SQLite an `UPDATE`, which takes the database's write lock should the
/// transaction not hold it yet.
fn lock_chain_head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    match conn {
        DbConn::Pg(c) => audit_chain_head::table
            .find(1)
            .select((audit_chain_head::last_seq, audit_chain_head::last_hash))
            .for_update()
            .get_result(c),
        DbConn::Sqlite(_) => kept(
            diesel::update(audit_chain_head::table.find(1))
                .set(audit_chain_head::last_seq.eq(audit_chain_head::last_seq))
                .returning((audit_chain_head::last_seq, audit_chain_head::last_hash)),
        )
        .get_result(conn),
    }
}

/// Moves the chain head to the last event appended (kept prepared, as `lock_chain_head`).
fn move_chain_head(conn: &mut DbConn, seq: i64, hash: &str) -> QueryResult<i64> {
    kept(
        diesel::update(audit_chain_head::table.find(1))
            .set((
                audit_chain_head::last_seq.eq(seq),
                audit_chain_head::last_hash.eq(hash),
            ))
            .returning(audit_chain_head::last_seq),
    )
    .get_result(conn)
}

#[cfg(test)]
mod deferring_tests {
    use super::*;

    #[test]
    fn a_panicking_read_leaves_no_collection_behind() {
        let caught = std::panic::catch_unwind(|| deferring(|| panic!("the read failed")));
        assert!(caught.is_err());
        assert!(
            !deferring_now(),
            "the next request on this thread writes its own events"
        );
        let ((), events) = deferring(|| assert!(deferring_now()));
        assert!(events.is_empty());
        assert!(!deferring_now());
    }
}

#[cfg(test)]
#[path = "audit_append_tests.rs"]
mod append_tests;
