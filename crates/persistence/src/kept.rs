//! Statements kept prepared that diesel would compile afresh each time.
//!
//! diesel never keeps an `UPDATE` in a connection's statement cache: a changeset may leave out
//! its `None` fields, so one Rust type can render several statements. A statement without a
//! static identity is cached by its SQL text and bind types, so each rendering is an entry of
//! its own and keeping it is safe; `kept` says so for one statement. Meant for statements run
//! on every request or batch, whose shapes are few (the audit chain head's), not for one
//! whose text grows with its input.
//!
//! Run a kept statement with `get_result` or `load` (an UPDATE with `RETURNING`): `execute`
//! hands the connection a reference, and diesel's forwarding of a reference asks the wrapped
//! UPDATE, which answers no (the test shows both).

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;
use diesel::RunQueryDsl;

/// A statement the connection keeps prepared (see the module).
#[derive(Debug, Clone, Copy)]
pub struct Kept<Q>(Q);

/// Keeps `statement` prepared on the connection that runs it.
pub fn kept<Q>(statement: Q) -> Kept<Q> {
    Kept(statement)
}

/// No static identity: cached by SQL text, as the statement it wraps would be.
impl<Q> QueryId for Kept<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for Kept<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: Query> Query for Kept<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Kept<Q> {}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use std::sync::{Arc, Mutex};

    diesel::table! {
        heads (id) {
            id -> Integer,
            n -> BigInt,
        }
    }

    /// diesel's own UPDATE is never kept; the same UPDATE `kept` and loaded enters the cache
    /// once and is reused; `execute`d, it is not.
    #[test]
    fn an_update_kept_is_prepared_once() {
        let cached = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = cached.clone();
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute("CREATE TABLE heads (id INTEGER PRIMARY KEY, n BIGINT); INSERT INTO heads VALUES (1, 0)")
            .unwrap();
        conn.set_instrumentation(Box::new(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_owned());
            }
        }) as Box<dyn Instrumentation>);
        for n in 1..=3_i64 {
            diesel::update(heads::table.find(1))
                .set(heads::n.eq(n))
                .execute(&mut conn)
                .unwrap();
        }
        assert!(cached.lock().unwrap().is_empty());
        for n in 4..=6_i64 {
            let back: i64 = kept(
                diesel::update(heads::table.find(1))
                    .set(heads::n.eq(n))
                    .returning(heads::n),
            )
            .get_result(&mut conn)
            .unwrap();
            assert_eq!(back, n);
        }
        let kept_by_load = cached.lock().unwrap().clone();
        assert_eq!(kept_by_load.len(), 1, "{kept_by_load:?}");
        assert!(
            kept_by_load[0].starts_with("UPDATE `heads` SET `n` = ?"),
            "{kept_by_load:?}"
        );
        kept(diesel::update(heads::table.find(1)).set(heads::n.eq(7_i64)))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(
            cached.lock().unwrap().len(),
            1,
            "executed by reference, an UPDATE is not kept (see the module)"
        );
    }
}
