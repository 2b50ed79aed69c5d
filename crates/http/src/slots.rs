//! Heavy work that may run only so many at once, per server process: imports (a few in all)
//! and reports (one per user). Beyond that a request answers 429 at once instead of queueing
//! behind the others and holding connections the rest of the service needs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::error::ApiError;

/// Places for one kind of work: at most `total` at once, and `per_user` of one user.
#[derive(Debug)]
pub struct Slots {
    code: &'static str,
    detail: &'static str,
    total: usize,
    per_user: usize,
    running: Mutex<HashMap<Uuid, usize>>,
}

/// A place held until dropped.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    user: Uuid,
}

impl Slots {
    pub fn new(
        code: &'static str,
        detail: &'static str,
        total: usize,
        per_user: usize,
    ) -> Arc<Self> {
        Arc::new(Self {
            code,
            detail,
            total: total.max(1),
            per_user: per_user.max(1),
            running: Mutex::new(HashMap::new()),
        })
    }

    /// Takes a place for `user`, or answers 429 with the slots' code.
    pub fn take(self: &Arc<Self>, user: Uuid) -> Result<Slot, ApiError> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let all: usize = running.values().sum();
        let mine = running.get(&user).copied().unwrap_or(0);
        if all >= self.total || mine >= self.per_user {
            return Err(ApiError::Busy {
                code: self.code,
                detail: self.detail.into(),
                retry_after_secs: 5,
            });
        }
        *running.entry(user).or_default() += 1;
        Ok(Slot {
            slots: self.clone(),
            user,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = self.slots.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = running.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                running.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_limited_in_all_and_per_user_and_given_back() {
        let slots = Slots::new("busy", "busy", 2, 1);
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let first = slots.take(a).unwrap();
        assert!(slots.take(a).is_err(), "one per user");
        let _second = slots.take(b).unwrap();
        assert!(slots.take(c).is_err(), "two in all");
        drop(first);
        assert!(slots.take(c).is_ok());
    }
}
