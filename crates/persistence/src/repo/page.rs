//! Keyset pagination over time-ordered (v7) ids.

use uuid::Uuid;

/// One page of a listing and the id to continue after, if there is more.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<Uuid>,
}

/// The order of a listing whose items have names (users, organizations). The cursor stays the
/// last item's id: a page by name continues after that item's (name, id).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Oldest first (ids are time-ordered).
    #[default]
    Created,
    /// By name, then oldest first.
    Name,
}

/// Where a listing starts and how much it returns.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub after: Option<Uuid>,
    pub limit: i64,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` loaded items.
    pub fn from_overfetch(mut items: Vec<T>, limit: i64, id: impl Fn(&T) -> Uuid) -> Self {
        let more = items.len() as i64 > limit;
        items.truncate(limit.max(0) as usize);
        let next_after = if more { items.last().map(id) } else { None };
        Self { items, next_after }
    }
}
