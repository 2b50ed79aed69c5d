//! Pieces shared by several DTOs.

use hamkke_persistence::repo::names::{Names, Wanted};
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`), so a PATCH
/// can clear a value.
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Declares a page of items: `{ "items": [...], "next_cursor": "..." | null }`.
#[macro_export]
macro_rules! page_of {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            pub fn from_page<T>(page: hamkke_persistence::repo::page::Page<T>) -> Self
            where
                $item: From<T>,
            {
                Self {
                    next_cursor: page.next_after.map($crate::extract::encode_cursor),
                    items: page.items.into_iter().map(Into::into).collect(),
                }
            }

            /// A page whose items carry the names of what they refer to.
            #[allow(dead_code)]
            pub fn named<T>(
                page: hamkke_persistence::repo::page::Page<T>,
                names: &hamkke_persistence::repo::names::Names,
            ) -> Self
            where
                $item: $crate::dto::common::FromNamed<T>,
            {
                Self {
                    next_cursor: page.next_after.map($crate::extract::encode_cursor),
                    items: page
                        .items
                        .into_iter()
                        .map(|i| $crate::dto::common::FromNamed::named(i, names))
                        .collect(),
                }
            }
        }
    };
}

/// What an object refers to by id: the organizations, users and persons whose names its view
/// shows beside the ids.
pub trait Refers {
    fn refers(&self, wanted: &mut Wanted);
}

impl<T: Refers> Refers for [T] {
    fn refers(&self, wanted: &mut Wanted) {
        for item in self {
            item.refers(wanted);
        }
    }
}

impl<T: Refers> Refers for Vec<T> {
    fn refers(&self, wanted: &mut Wanted) {
        self.as_slice().refers(wanted);
    }
}

impl<T: Refers> Refers for hamkke_persistence::repo::page::Page<T> {
    fn refers(&self, wanted: &mut Wanted) {
        self.items.refers(wanted);
    }
}

/// A view built from an object and the names it refers to.
pub trait FromNamed<T> {
    fn named(value: T, names: &Names) -> Self;
}

/// The names `items` refer to, loaded at once (a fixed number of statements for any page),
/// each person's as far as `actor` may see it.
pub fn names_of<T: Refers + ?Sized>(
    conn: &mut hamkke_persistence::DbConn,
    actor: &hamkke_domain::authz::Actor,
    items: &T,
) -> Result<Names, hamkke_persistence::RepoError> {
    let mut wanted = Wanted::default();
    items.refers(&mut wanted);
    wanted.load(conn, actor)
}

/// `value` with the names it refers to.
pub fn named<T: Refers>(
    conn: &mut hamkke_persistence::DbConn,
    actor: &hamkke_domain::authz::Actor,
    value: T,
) -> Result<(T, Names), hamkke_persistence::RepoError> {
    let names = names_of(conn, actor, &value)?;
    Ok((value, names))
}

/// Every item of a list as its view.
pub fn all_named<T, V: FromNamed<T>>((items, names): (Vec<T>, Names)) -> Vec<V> {
    named_each(items, &names)
}

/// Each item as its view, with names already loaded.
pub fn named_each<T, V: FromNamed<T>>(items: Vec<T>, names: &Names) -> Vec<V> {
    items.into_iter().map(|i| V::named(i, names)).collect()
}

/// The organizations and users event data names: keys ending in `org_id` or
/// `organization_id` (and `from`/`to` when `lead_pair`, as `lead_changed` has them) hold
/// organizations, keys ending in `user_id` or `user_ids` users.
pub fn data_refs(data: &serde_json::Value, lead_pair: bool) -> (Vec<Uuid>, Vec<Uuid>) {
    let (mut orgs, mut users) = (Vec::new(), Vec::new());
    let Some(data) = data.as_object() else {
        return (orgs, users);
    };
    let ids = |v: &serde_json::Value| -> Vec<Uuid> {
        match v {
            serde_json::Value::String(s) => Uuid::parse_str(s).into_iter().collect(),
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
                .collect(),
            _ => Vec::new(),
        }
    };
    for (key, value) in data {
        let lead = lead_pair && (key == "from" || key == "to");
        if lead || key.ends_with("org_id") || key.ends_with("organization_id") {
            orgs.extend(ids(value));
        } else if key.ends_with("user_id") || key.ends_with("user_ids") {
            users.extend(ids(value));
        }
    }
    (orgs, users)
}

/// An organization or worker that event data refers to, with its name.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NamedRef {
    pub id: Uuid,
    pub name: String,
}

/// The organizations and users `data` refers to, with their names, each once.
pub fn data_names(data: &serde_json::Value, lead_pair: bool, n: &Names) -> Vec<NamedRef> {
    let (orgs, users) = data_refs(data, lead_pair);
    let mut out: Vec<NamedRef> = Vec::new();
    let all = orgs
        .into_iter()
        .map(|o| (o, n.org(o)))
        .chain(users.into_iter().map(|u| (u, n.user(u))));
    for (id, name) in all {
        if !out.iter().any(|r| r.id == id) {
            out.push(NamedRef { id, name });
        }
    }
    out
}

/// A case named in a list: its number and its person as the caller may see them
/// (`case_no`, `person_name`, `person_name_masked`).
#[derive(Debug, Clone, Default)]
pub struct CaseShown {
    pub case_no: Option<String>,
    pub person: PersonShown,
}

impl CaseShown {
    pub fn of(names: &Names, id: Uuid) -> Self {
        match names.case(id) {
            Some(c) => Self {
                case_no: Some(c.case_no.clone()),
                person: PersonShown::of(names, c.person_id),
            },
            None => Self {
                case_no: None,
                person: PersonShown::of(names, Uuid::nil()),
            },
        }
    }
}

/// `{x}_name`, `{x}_birth_year` and `{x}_name_masked` of a person reference.
#[derive(Debug, Clone, Default)]
pub struct PersonShown {
    pub name: Option<String>,
    pub birth_year: Option<i32>,
    pub masked: bool,
}

impl PersonShown {
    pub fn of(names: &Names, id: Uuid) -> Self {
        match names.person(id) {
            Some(p) => Self {
                name: Some(p.name.clone()),
                birth_year: Some(p.birth_year),
                masked: p.masked,
            },
            None => Self {
                masked: true,
                ..Self::default()
            },
        }
    }
}

/// A name holds no invisible formatting: bidirectional controls or zero-width characters
/// (answered 400 `invalid_characters`).
pub fn plain_name(name: &str) -> Result<(), validator::ValidationError> {
    if hamkke_domain::text::is_unfit_name(name) {
        return Err(
            validator::ValidationError::new("invalid_characters").with_message(
                "may not contain bidirectional controls or zero-width characters".into(),
            ),
        );
    }
    Ok(())
}
