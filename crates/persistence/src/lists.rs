//! `column IN (list)` in statements the connection prepares once per shape.
//!
//! diesel's `eq_any(values)` renders one placeholder per value and marks the statement unsafe
//! to cache, because its SQL text changes with the list's length. On SQLite the statement is
//! then compiled afresh on every execution: in the profile of the embedded case read a quarter
//! of the server's time was `sqlite3_prepare`, for the scope filters' district lists and the
//! names' id lists (bench/RESULTS.md). Here the list is padded to the next power of two by
//! repeating its last value — the same set, so the same rows — and the statement is cached by
//! its SQL text: at most eleven shapes per query for lists of up to 1,024 values (a longer
//! list is bound as it is and its statement not kept, as diesel does). A repeated
//! value changes no result (`IN` tests membership) and costs one more bound value. `eq_any` stays for subqueries, whose SQL text does not change.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{is_nullable, Bool, HasSqlType, MaybeNullableType, SqlType, Text};
use diesel::QueryResult;

use crate::types::{sql, DbUuid};

/// `column IN (values)`: see the module's documentation.
#[derive(Debug, Clone)]
pub struct InList<C, ST, T> {
    column: C,
    values: Vec<T>,
    /// `NOT IN`.
    negated: bool,
    sql_type: PhantomData<ST>,
}

/// `column IN (ids)` on a UUID column.
pub type InIds<C> = InList<C, sql::Uuid, DbUuid>;

/// `column IN (values)` on a text column.
pub type InTexts<C> = InList<C, Text, String>;

impl<C, ST, T> InList<C, ST, T> {
    fn new<I>(column: C, values: I, negated: bool) -> Self
    where
        I: IntoIterator,
        I::Item: Into<T>,
    {
        InList {
            column,
            values: values.into_iter().map(Into::into).collect(),
            negated,
            sql_type: PhantomData,
        }
    }
}

/// `column IN (ids)` for a UUID column (no ids: false).
pub fn in_ids<C>(column: C, ids: impl IntoIterator<Item = impl Into<DbUuid>>) -> InIds<C> {
    InList::new(column, ids, false)
}

/// `column NOT IN (ids)` for a UUID column (no ids: true).
pub fn not_in_ids<C>(column: C, ids: impl IntoIterator<Item = impl Into<DbUuid>>) -> InIds<C> {
    InList::new(column, ids, true)
}

/// `column IN (values)` for a text column (no values: false).
pub fn in_texts<C>(column: C, values: impl IntoIterator<Item = impl Into<String>>) -> InTexts<C> {
    InList::new(column, values, false)
}

/// `column NOT IN (values)` for a text column (no values: true).
pub fn not_in_texts<C>(
    column: C,
    values: impl IntoIterator<Item = impl Into<String>>,
) -> InTexts<C> {
    InList::new(column, values, true)
}

impl<C, ST, T> Expression for InList<C, ST, T>
where
    C: Expression,
    C::SqlType: SqlType,
    is_nullable::IsSqlTypeNullable<C::SqlType>: MaybeNullableType<Bool>,
{
    type SqlType = is_nullable::MaybeNullable<is_nullable::IsSqlTypeNullable<C::SqlType>, Bool>;
}

impl<C, ST, T, GB> ValidGrouping<GB> for InList<C, ST, T>
where
    C: ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C, ST, T, QS> AppearsOnTable<QS> for InList<C, ST, T>
where
    C: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<C, ST, T, QS> SelectableExpression<QS> for InList<C, ST, T>
where
    C: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}

/// Lists up to this length are padded and their statements kept (eleven shapes at most).
const PADDED_UP_TO: usize = 1024;

/// No static identity: the statement is cached by its SQL text, which names the padded length.
impl<C, ST, T> QueryId for InList<C, ST, T> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, ST, T, DB> QueryFragment<DB> for InList<C, ST, T>
where
    DB: Backend + HasSqlType<ST>,
    C: QueryFragment<DB>,
    T: ToSql<ST, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let Some(last) = self.values.last() else {
            out.push_sql(if self.negated { "1=1" } else { "1=0" });
            return Ok(());
        };
        let len = self.values.len();
        let slots = if len <= PADDED_UP_TO {
            len.next_power_of_two()
        } else {
            // A long list (a report's or a retention run's chunk beyond the bound) is bound as
            // it is and not kept: no doubling towards the backends' limits on bound values,
            // no cache entry per length.
            out.unsafe_to_cache_prepared();
            len
        };
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(if self.negated { " NOT IN (" } else { " IN (" });
        for i in 0..slots {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_bind_param::<ST, T>(self.values.get(i).unwrap_or(last))?;
        }
        out.push_sql(")");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::persons;
    use diesel::debug_query;
    use diesel::sqlite::Sqlite;

    fn sql_of<E: QueryFragment<Sqlite>>(e: &E) -> String {
        debug_query::<Sqlite, _>(e).to_string()
    }

    #[test]
    fn a_list_is_padded_to_the_next_power_of_two_with_its_last_value() {
        let three = in_texts(persons::district_code, ["a", "b", "c"]);
        let sql = sql_of(&three);
        assert!(
            sql.starts_with("`persons`.`district_code` IN (?, ?, ?, ?)"),
            "{sql}"
        );
        assert!(sql.contains(r#"["a", "b", "c", "c"]"#), "{sql}");
        let one = sql_of(&in_texts(persons::district_code, ["a"]));
        assert!(one.starts_with("`persons`.`district_code` IN (?)"), "{one}");
        let not = sql_of(&not_in_texts(persons::district_code, ["a", "b"]));
        assert!(
            not.starts_with("`persons`.`district_code` NOT IN (?, ?)"),
            "{not}"
        );
        assert!(sql_of(&not_in_ids(persons::id, Vec::<DbUuid>::new())).starts_with("1=1"));
    }

    /// The statements SQLite prepares into the connection's cache while `run` runs.
    fn cached_while(run: impl FnOnce(&mut diesel::SqliteConnection)) -> Vec<String> {
        use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
        use diesel::Connection;
        use std::sync::{Arc, Mutex};
        let cached = Arc::new(Mutex::new(Vec::new()));
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute("CREATE TABLE persons (id TEXT PRIMARY KEY, district_code TEXT)")
            .unwrap();
        let seen = cached.clone();
        let record = move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_string());
            }
        };
        conn.set_instrumentation(Box::new(record) as Box<dyn Instrumentation>);
        run(&mut conn);
        let cached = cached.lock().unwrap().clone();
        cached
    }

    #[test]
    fn lists_of_one_shape_are_prepared_once() {
        use diesel::prelude::*;
        let ids: Vec<DbUuid> = (0..4).map(|_| DbUuid(uuid::Uuid::now_v7())).collect();
        let lists = cached_while(|conn| {
            for n in [3, 4, 3, 4] {
                persons::table
                    .filter(in_ids(persons::id, ids[..n].iter().copied()))
                    .select(persons::id)
                    .load::<DbUuid>(conn)
                    .unwrap();
            }
        });
        assert_eq!(
            lists.len(),
            1,
            "one statement for lists of 3 and 4: {lists:?}"
        );
        // What this module is for: diesel's own list is never cached on SQLite.
        let diesel = cached_while(|conn| {
            persons::table
                .filter(persons::id.eq_any(ids.clone()))
                .select(persons::id)
                .load::<DbUuid>(conn)
                .unwrap();
        });
        assert!(diesel.is_empty(), "{diesel:?}");
    }

    #[test]
    fn a_list_longer_than_the_bound_is_neither_padded_nor_kept() {
        let ids: Vec<DbUuid> = (0..=PADDED_UP_TO)
            .map(|_| DbUuid(uuid::Uuid::now_v7()))
            .collect();
        let long = in_ids(persons::id, ids);
        assert!(!long.is_safe_to_cache_prepared(&Sqlite).unwrap_or(true));
        let sql = sql_of(&long);
        assert_eq!(sql.matches('?').count(), PADDED_UP_TO + 1);
    }

    #[test]
    fn an_empty_list_is_false_and_safe_to_cache() {
        let none = in_ids(persons::id, Vec::<DbUuid>::new());
        assert!(sql_of(&none).starts_with("1=0"));
        let lists = [
            in_ids(persons::id, Vec::<DbUuid>::new()),
            in_ids(persons::id, [DbUuid(uuid::Uuid::nil())]),
        ];
        for list in &lists {
            assert!(
                list.is_safe_to_cache_prepared(&Sqlite).unwrap_or(false),
                "a list must not make its statement uncacheable"
            );
        }
    }
}
