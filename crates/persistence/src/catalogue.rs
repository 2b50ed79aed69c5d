//! A per-process cache of the resource catalogue as the duplicate check and the ledger read it
//! (a resource with its benefit type, by resource id), and of the names views show for
//! organizations and users (by id).
//!
//! Every change to `resources` or `benefit_types`, and every rename or removal of an
//! organization or a user, moves `catalogue_version` (database triggers, so nothing can forget
//! it), and a request reads that version together with its
//! session, in its first statement. An entry is used only by a request that saw the very
//! version it was cached under, so no request — on this server or any other sharing the
//! database — ever uses a resource or policy older than the catalogue it started under. A
//! request that has not seen a version (no scope, or its session was loaded elsewhere) reads
//! the database as before.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

use hamkke_domain::allocation::Resource;
use hamkke_domain::benefit::BenefitType;
use uuid::Uuid;

/// Entries kept per database before the cache starts over (a district has a few hundred).
const MAX_ENTRIES: usize = 4096;

/// The catalogue version a request saw: (database, version).
pub type Seen = (String, i64);

/// Entries by key, each database's valid for one version.
struct VersionedCache<V> {
    databases: HashMap<String, (i64, HashMap<Uuid, V>)>,
}

impl<V: Clone> VersionedCache<V> {
    fn new() -> Self {
        Self {
            databases: HashMap::new(),
        }
    }

    /// The entry for `id` if it was cached under exactly the version the request saw.
    fn get(&self, (database, version): &Seen, id: Uuid) -> Option<V> {
        let (cached, entries) = self.databases.get(database)?;
        (cached == version).then(|| entries.get(&id).cloned())?
    }

    /// Keeps what a request read under the version it saw. A newer version starts the
    /// database's cache over; an older one (a request that began before a change) keeps
    /// nothing.
    fn put(&mut self, (database, version): &Seen, id: Uuid, value: V) {
        let (cached, entries) = self
            .databases
            .entry(database.clone())
            .or_insert_with(|| (*version, HashMap::new()));
        if *version > *cached || entries.len() >= MAX_ENTRIES {
            *cached = (*version).max(*cached);
            entries.clear();
        }
        if version == cached {
            entries.insert(id, value);
        }
    }
}

static HITS: AtomicU64 = AtomicU64::new(0);
static MISSES: AtomicU64 = AtomicU64::new(0);

/// Lookups of this process so far: (served from the cache, read from the database), for
/// `/metrics`.
pub fn lookups() -> (u64, u64) {
    (HITS.load(Ordering::Relaxed), MISSES.load(Ordering::Relaxed))
}

static CACHE: LazyLock<Mutex<VersionedCache<(Resource, BenefitType)>>> =
    LazyLock::new(|| Mutex::new(VersionedCache::new()));

/// Which names [`names`] and [`put_names`] are about.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Named {
    Organization,
    User,
}

static ORG_NAMES: LazyLock<Mutex<VersionedCache<String>>> =
    LazyLock::new(|| Mutex::new(VersionedCache::new()));
static USER_NAMES: LazyLock<Mutex<VersionedCache<String>>> =
    LazyLock::new(|| Mutex::new(VersionedCache::new()));

fn name_cache(kind: Named) -> &'static Mutex<VersionedCache<String>> {
    match kind {
        Named::Organization => &ORG_NAMES,
        Named::User => &USER_NAMES,
    }
}

thread_local! {
    /// `None`: no request scope on this thread; `Some(None)`: a scope that has not seen a
    /// version yet.
    static SEEN: RefCell<Option<Option<Seen>>> = const { RefCell::new(None) };
}

/// The version seen within one request's database work on this thread; forgotten when dropped
/// (also when the work panics), so no later work on the thread can use it.
pub struct Scope(());

impl Scope {
    pub fn begin() -> Self {
        SEEN.with(|s| *s.borrow_mut() = Some(None));
        Scope(())
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        SEEN.with(|s| *s.borrow_mut() = None);
    }
}

/// Records the version the request's first statement read; ignored outside a scope.
pub(crate) fn observe(seen: Option<Seen>) {
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_some() {
            *s = Some(seen);
        }
    });
}

fn seen() -> Option<Seen> {
    SEEN.with(|s| s.borrow().clone().flatten())
}

/// The cached resource and benefit type, if the request saw a version the cache holds.
pub(crate) fn get(id: Uuid) -> Option<(Resource, BenefitType)> {
    let seen = seen()?;
    let found = CACHE.lock().ok()?.get(&seen, id);
    let counter = if found.is_some() { &HITS } else { &MISSES };
    counter.fetch_add(1, Ordering::Relaxed);
    found
}

/// Keeps a resource and benefit type read from the database under the version seen.
pub(crate) fn put(id: Uuid, entry: &(Resource, BenefitType)) {
    let Some(seen) = seen() else {
        return;
    };
    if let Ok(mut cache) = CACHE.lock() {
        cache.put(&seen, id, entry.clone());
    }
}

/// The cached names of `ids`, and the ids the request must read (all of them when it saw no
/// version).
pub(crate) fn names(
    kind: Named,
    ids: impl IntoIterator<Item = Uuid>,
) -> (HashMap<Uuid, String>, Vec<Uuid>) {
    let ids = ids.into_iter();
    let (Some(seen), Ok(cache)) = (seen(), name_cache(kind).lock()) else {
        return (HashMap::new(), ids.collect());
    };
    let mut found = HashMap::new();
    let mut missing = Vec::new();
    for id in ids {
        match cache.get(&seen, id) {
            Some(name) => {
                found.insert(id, name);
            }
            None => missing.push(id),
        }
    }
    (found, missing)
}

/// Keeps names read from the database under the version seen.
pub(crate) fn put_names<'a>(kind: Named, read: impl IntoIterator<Item = (&'a Uuid, &'a String)>) {
    let Some(seen) = seen() else {
        return;
    };
    if let Ok(mut cache) = name_cache(kind).lock() {
        for (id, name) in read {
            cache.put(&seen, *id, name.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_the_version_it_was_read_under() {
        let mut cache = VersionedCache::new();
        let id = Uuid::now_v7();
        let (v7, v8) = (("db".to_owned(), 7), ("db".to_owned(), 8));
        assert_eq!(cache.get(&v7, id), None);
        cache.put(&v7, id, "active");
        assert_eq!(cache.get(&v7, id), Some("active"));
        assert_eq!(
            cache.get(&v8, id),
            None,
            "a newer catalogue is not served older entries"
        );
        cache.put(&v8, id, "retired");
        assert_eq!(cache.get(&v8, id), Some("retired"));
        assert_eq!(
            cache.get(&v7, id),
            None,
            "an older request reads the database"
        );
        cache.put(&v7, id, "active");
        assert_eq!(cache.get(&v8, id), Some("retired"), "and keeps nothing");
        assert_eq!(cache.get(&("other".to_owned(), 8), id), None);
    }

    #[test]
    fn a_version_is_seen_only_inside_its_scope() {
        observe(Some(("db".into(), 1)));
        assert_eq!(seen(), None, "no scope: nothing is recorded");
        {
            let _scope = Scope::begin();
            assert_eq!(seen(), None);
            observe(Some(("db".into(), 2)));
            assert_eq!(seen(), Some(("db".into(), 2)));
        }
        assert_eq!(seen(), None);
        let result = std::panic::catch_unwind(|| {
            let _scope = Scope::begin();
            observe(Some(("db".into(), 3)));
            panic!("the work failed");
        });
        assert!(result.is_err());
        assert_eq!(seen(), None, "a panicking request leaves no version behind");
    }
}
