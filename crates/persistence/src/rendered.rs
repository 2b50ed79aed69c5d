//! An expression diesel does not walk to learn whether it renders anything.
//!
//! diesel renders a tuple (a select clause) by first asking each element whether it renders
//! nothing at all (`QueryFragment::is_noop`, by default a whole walk of the element) and then
//! walking it; a tuple inside a tuple is walked once more for each level, and in each of the
//! passes a statement takes on every execution (may it be cached, its SQL, its bound values).
//! For the correlated `EXISTS` columns of a person read (`repo::access::fact_columns`) that
//! was a tenth of the read lane's time in the case read's profile (bench/RESULTS.md, #33).
//! [`Rendered`] renders what it wraps and answers "not empty" without a walk: only for
//! expressions that always render SQL (a subquery, a column).

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::QueryResult;

/// `T`, known to render SQL: see the module's documentation.
#[derive(Debug, Clone, Copy)]
pub struct Rendered<T>(pub T);

impl<T: Expression> Expression for Rendered<T> {
    type SqlType = T::SqlType;
}

impl<T: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for Rendered<T> where Self: Expression {}

impl<T: SelectableExpression<QS>, QS> SelectableExpression<QS> for Rendered<T> where
    Self: AppearsOnTable<QS>
{
}

impl<T: ValidGrouping<GB>, GB> ValidGrouping<GB> for Rendered<T> {
    type IsAggregate = T::IsAggregate;
}

/// The same SQL as `T`'s: the same identity in the statement cache.
impl<T: QueryId> QueryId for Rendered<T> {
    type QueryId = T::QueryId;
    const HAS_STATIC_QUERY_ID: bool = T::HAS_STATIC_QUERY_ID;
}

impl<T: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for Rendered<T> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }

    fn is_noop(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{case_members, persons};
    use diesel::pg::Pg;
    use diesel::sqlite::Sqlite;
    use diesel::{debug_query, ExpressionMethods, QueryDsl};

    /// The same statement, bound values included, with and without the wrapper, on both
    /// backends.
    #[test]
    fn a_rendered_expression_renders_as_what_it_wraps() {
        let inner = || {
            diesel::dsl::exists(
                case_members::table
                    .filter(case_members::person_id.eq(persons::id))
                    .filter(case_members::case_id.ne(persons::id))
                    .select(case_members::case_id),
            )
        };
        let plain = persons::table.select((persons::name, (persons::id, inner())));
        let wrapped =
            persons::table.select((persons::name, Rendered((persons::id, Rendered(inner())))));
        assert_eq!(
            debug_query::<Pg, _>(&plain).to_string(),
            debug_query::<Pg, _>(&wrapped).to_string()
        );
        assert_eq!(
            debug_query::<Sqlite, _>(&plain).to_string(),
            debug_query::<Sqlite, _>(&wrapped).to_string()
        );
    }
}
