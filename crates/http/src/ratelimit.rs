//! The IETF rate-limit headers (draft-ietf-httpapi-ratelimit-headers): a rate-limited operation
//! notes the caller's budget on its request, and `middleware::observe` sends it on the answer,
//! refused or not: `RateLimit-Policy: "search";q=60;w=60` (quota and window in seconds) and
//! `RateLimit: "search";r=59;t=1` (requests left and seconds until the quota is whole again).

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpMessage, HttpRequest};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;

/// A keyed limiter that reports what is left of a key's budget.
pub type Limiter<K> = governor::DefaultKeyedRateLimiter<K, StateInformationMiddleware>;

/// What is left of a caller's budget under one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The policy's name, as the headers show it (`search`, `login`).
    pub policy: &'static str,
    /// Requests allowed per window.
    pub quota: u32,
    pub window_secs: u64,
    pub remaining: u32,
    /// Seconds until the whole quota is available again.
    pub reset_secs: u64,
}

impl Budget {
    /// Keeps this budget for the answer to `req`; of several, the one with the fewest
    /// requests left (the limit the caller meets first).
    pub fn note(self, req: &HttpRequest) {
        let mut ext = req.extensions_mut();
        if ext
            .get::<Budget>()
            .is_none_or(|b| self.remaining < b.remaining)
        {
            ext.insert(self);
        }
    }

    fn headers(&self) -> [(HeaderName, String); 2] {
        [
            (
                HeaderName::from_static("ratelimit-policy"),
                format!(
                    "\"{}\";q={};w={}",
                    self.policy, self.quota, self.window_secs
                ),
            ),
            (
                HeaderName::from_static("ratelimit"),
                format!(
                    "\"{}\";r={};t={}",
                    self.policy, self.remaining, self.reset_secs
                ),
            ),
        ]
    }

    /// Sets the two headers.
    pub fn write(&self, headers: &mut HeaderMap) {
        for (name, value) in self.headers() {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
    }
}

/// Takes one request from `key`'s budget in `limiter` under `policy` (a window of
/// `window_secs`), notes the budget on `req`, and answers 429 with the seconds to wait when
/// none is left.
pub fn take<K: std::hash::Hash + Eq + Clone>(
    req: &HttpRequest,
    policy: &'static str,
    window_secs: u64,
    limiter: &Limiter<K>,
    key: &K,
) -> Result<(), crate::error::ApiError> {
    let (quota, remaining, wait) = match limiter.check_key(key) {
        Ok(s) => (s.quota(), s.remaining_burst_capacity(), None),
        Err(not_until) => {
            let wait = not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1);
            (not_until.quota(), 0, Some(wait))
        }
    };
    let burst = quota.burst_size().get();
    let used = f64::from(burst - remaining.min(burst));
    Budget {
        policy,
        quota: burst,
        window_secs,
        remaining,
        reset_secs: (used * quota.replenish_interval().as_secs_f64()).ceil() as u64,
    }
    .note(req);
    match wait {
        None => Ok(()),
        Some(retry_after_secs) => Err(crate::error::ApiError::TooManyRequests { retry_after_secs }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_follow_the_draft() {
        let b = Budget {
            policy: "search",
            quota: 60,
            window_secs: 60,
            remaining: 59,
            reset_secs: 1,
        };
        let mut h = HeaderMap::new();
        b.write(&mut h);
        assert_eq!(h.get("ratelimit-policy").unwrap(), "\"search\";q=60;w=60");
        assert_eq!(h.get("ratelimit").unwrap(), "\"search\";r=59;t=1");
    }
}
