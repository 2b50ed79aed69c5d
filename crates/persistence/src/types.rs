//! SQL types the shared (multi-backend) connection needs beyond diesel's common subset:
//! UUIDs (native `uuid` on PostgreSQL, text on SQLite); plus time helpers.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::HasSqlType;
use diesel::sqlite::Sqlite;
use std::io::Write;

use crate::conn::{MultiBackend, MultiRawValue};

/// The SQL types of this crate, for `table!` and `sql_query` binds.
pub mod sql {
    /// A UUID: `uuid` on PostgreSQL, `TEXT` on SQLite.
    #[derive(
        Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
    )]
    #[diesel(postgres_type(name = "uuid"))]
    #[diesel(sqlite_type(name = "Text"))]
    pub struct Uuid;
}

/// A `uuid::Uuid` that diesel can move through every backend.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = sql::Uuid)]
pub struct DbUuid(pub uuid::Uuid);

impl From<uuid::Uuid> for DbUuid {
    fn from(u: uuid::Uuid) -> Self {
        Self(u)
    }
}

impl From<DbUuid> for uuid::Uuid {
    fn from(u: DbUuid) -> Self {
        u.0
    }
}

impl ToSql<sql::Uuid, Pg> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<sql::Uuid, Pg> for DbUuid {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Self(uuid::Uuid::from_slice(bytes.as_bytes())?))
    }
}

impl ToSql<sql::Uuid, Sqlite> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<sql::Uuid, Sqlite> for DbUuid {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(bytes)?;
        Ok(Self(uuid::Uuid::parse_str(&text)?))
    }
}

impl HasSqlType<sql::Uuid> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<sql::Uuid>(lookup)
    }
}

impl FromSql<sql::Uuid, MultiBackend> for DbUuid {
    fn from_sql(bytes: MultiRawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, sql::Uuid>()
    }
}

impl ToSql<sql::Uuid, MultiBackend> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((sql::Uuid, self));
        Ok(IsNull::No)
    }
}

/// A UTC instant as stored: `timestamp` without zone, microsecond precision.
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// A stored timestamp back to UTC.
pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A text column holding one of a domain enum's codes, decoded without allocating on
/// PostgreSQL (reports decode a million of them).
pub trait Code: Sized {
    fn from_code(code: &str) -> Option<Self>;
}

impl Code for hamkke_domain::allocation::Category {
    fn from_code(code: &str) -> Option<Self> {
        Self::parse(code)
    }
}

impl Code for hamkke_domain::allocation::AllocationStatus {
    fn from_code(code: &str) -> Option<Self> {
        Self::parse(code)
    }
}

/// A domain code read from a `TEXT` column (`Code`).
#[derive(Debug, Clone, Copy, diesel::FromSqlRow)]
pub struct DbCode<T>(pub T);

fn code<T: Code>(text: &str) -> deserialize::Result<DbCode<T>> {
    T::from_code(text)
        .map(DbCode)
        .ok_or_else(|| "an unknown code".into())
}

impl<T: Code> FromSql<diesel::sql_types::Text, Pg> for DbCode<T> {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        code(std::str::from_utf8(bytes.as_bytes())?)
    }
}

impl<T: Code> FromSql<diesel::sql_types::Text, Sqlite> for DbCode<T> {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        code(&<String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(bytes)?)
    }
}

impl<T: Code> FromSql<diesel::sql_types::Text, MultiBackend> for DbCode<T> {
    fn from_sql(bytes: MultiRawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, diesel::sql_types::Text>()
    }
}
