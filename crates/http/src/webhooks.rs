//! Outbound webhooks: the rules for where they may go (no server-side request forgery), the
//! Standard Webhooks signature, and the delivery worker that sends what the outbox queued.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use hamkke_persistence::crypto::PersonKeys;
use hamkke_persistence::repo::webhooks::{self, Due};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use crate::db::DbHandle;
use crate::error::ApiError;

/// Where webhooks may go and how hard delivery tries.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Hosts that may be called over plain `http` (`HAMKKE_WEBHOOK_ALLOW_HTTP`): `host:port`,
    /// or `host` for port 80 only.
    pub allow_http: Vec<String>,
    /// Hosts allowed even though they resolve to special-purpose addresses
    /// (`HAMKKE_WEBHOOK_ALLOW_HOSTS`): `host:port`, or `host` for the scheme's default port only.
    pub allow_hosts: Vec<String>,
    /// After how long a failing delivery is given up and its subscription disabled.
    pub give_up_secs: i64,
    /// The first retry delay; it doubles with every attempt (with jitter), at most an hour.
    pub retry_base_ms: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_http: Vec::new(),
            allow_hosts: Vec::new(),
            give_up_secs: 24 * 3600,
            retry_base_ms: 5_000,
        }
    }
}

fn refused(reason: &str) -> ApiError {
    ApiError::field("url", "not_allowed", reason.to_owned())
}

/// Addresses no webhook may reach unless its host is explicitly allowed: every block of IANA's
/// special-purpose registries (the `iprfc` snapshot: private, loopback, link-local, shared,
/// benchmarking, reserved `240.0.0.0/4`, `192.0.0.0/24`, IPv4-mapped, NAT64 `64:ff9b::/96`,
/// 6to4 `2002::/16`, Teredo, …), multicast, and the deprecated IPv6 blocks the registry no
/// longer lists (site-local `fec0::/10`, IPv4-compatible `::/96`).
fn internal(ip: IpAddr) -> bool {
    if iprfc::RFC6890.contains(&ip) || ip.is_multicast() || ip.is_unspecified() {
        return true;
    }
    match ip {
        IpAddr::V4(_) => false,
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            (seg[0] & 0xffc0) == 0xfec0 || seg[..6].iter().all(|s| *s == 0)
        }
    }
}

/// Whether `host` on `port` is on an allow-list: an entry `host:port` allows that port, a bare
/// `host` only the scheme's default port.
fn allowed(list: &[String], host: &str, port: u16, default_port: u16) -> bool {
    list.iter().any(|entry| {
        let (h, p) = match entry.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') && p.chars().all(|c| c.is_ascii_digit()) => {
                (h.trim_matches(['[', ']']), p.parse::<u16>().ok())
            }
            _ => (entry.trim_matches(['[', ']']), Some(default_port)),
        };
        h.eq_ignore_ascii_case(host) && p == Some(port)
    })
}

/// Checks a webhook URL: `https` (plain `http` only to allowed hosts), and a host that does not
/// resolve to internal addresses unless allowed. Resolves the host (blocking: call from the
/// blocking pool).
pub fn check_url(raw: &str, cfg: &WebhookSettings) -> Result<url::Url, ApiError> {
    let url = url::Url::parse(raw).map_err(|_| refused("not a valid URL"))?;
    let host = url
        .host_str()
        .ok_or_else(|| refused("the URL has no host"))?
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    let default_port = if url.scheme() == "http" { 80 } else { 443 };
    let port = url.port().unwrap_or(default_port);
    match url.scheme() {
        "https" => {}
        "http" if allowed(&cfg.allow_http, &host, port, default_port) => {}
        _ => return Err(refused("webhooks go to https URLs")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("credentials in the URL are not accepted"));
    }
    if allowed(&cfg.allow_hosts, &host, port, default_port) {
        return Ok(url);
    }
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|_| refused("the host does not resolve"))?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() || addrs.into_iter().any(internal) {
        return Err(refused(
            "the host resolves to a private, loopback or link-local address",
        ));
    }
    Ok(url)
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// The Standard Webhooks signature of a message: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` under the secret's bytes.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The delay before attempt `attempts + 1`: doubling from the base, at most an hour, with
/// ±25 % jitter so failing receivers are not hit in lockstep.
fn backoff(attempts: i32, base_ms: u64) -> chrono::Duration {
    let exp = base_ms.saturating_mul(1u64 << attempts.clamp(0, 20));
    let capped = exp.min(3_600_000) as f64;
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    chrono::Duration::milliseconds((capped * jitter) as i64)
}

/// Sends one delivery; `Ok(status)` on a 2xx answer.
async fn send(
    due: &Due,
    secret: &str,
    cfg: &WebhookSettings,
) -> Result<u16, (Option<u16>, String)> {
    let url = {
        let (raw, cfg) = (due.url.clone(), cfg.clone());
        // The host is checked again at sending time: DNS may have changed since.
        actix_web::web::block(move || check_url(&raw, &cfg))
            .await
            .map_err(|_| (None, "blocked".to_owned()))?
            .map_err(|_| (None, "the URL is no longer allowed".to_owned()))?
    };
    let ts = Utc::now().timestamp();
    let id = due.event_id.to_string();
    let signature =
        sign(secret, &id, ts, &due.payload).ok_or((None, "the secret is unusable".to_owned()))?;
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .disable_redirects()
        .finish();
    let res = client
        .post(url.as_str())
        .insert_header(("content-type", "application/json"))
        .insert_header(("webhook-id", id.as_str()))
        .insert_header(("webhook-timestamp", ts.to_string()))
        .insert_header(("webhook-signature", signature))
        .insert_header(("user-agent", "hamkke-webhooks/1"))
        .send_body(due.payload.clone())
        .await
        .map_err(|e| (None, format!("request failed: {e}")))?;
    let status = res.status().as_u16();
    if res.status().is_success() {
        Ok(status)
    } else {
        Err((Some(status), format!("answered {status}")))
    }
}

/// Sends every delivery that is due (the oldest pending one of each subscription, at most 50
/// subscriptions a round, longest waiting first); returns how many succeeded. Failures are
/// rescheduled with back-off, or given up after the give-up period (the subscription is then
/// disabled and its admins told).
pub async fn deliver_due(db: &DbHandle, keys: &PersonKeys, cfg: &WebhookSettings) -> usize {
    let due = match db.run(|c| webhooks::due(c, 50)).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = ?e, "webhook deliveries could not be loaded");
            return 0;
        }
    };
    // Sent side by side: a receiver that hangs until the timeout delays no other.
    let sent = futures_util::future::join_all(
        due.into_iter().map(|item| deliver_one(db, keys, cfg, item)),
    )
    .await;
    sent.into_iter().filter(|ok| *ok).count()
}

/// Sends one delivery and records what came of it; whether it was delivered.
async fn deliver_one(db: &DbHandle, keys: &PersonKeys, cfg: &WebhookSettings, item: Due) -> bool {
    let secret = keys
        .open(&item.secret_sealed)
        .and_then(|b| String::from_utf8(b).ok());
    let outcome = match &secret {
        Some(secret) => send(&item, secret, cfg).await,
        None => Err((None, "the secret cannot be opened".to_owned())),
    };
    let id = item.delivery_id;
    let delivered = outcome.is_ok();
    let result = match outcome {
        Ok(status) => db.run(move |c| webhooks::delivered(c, id, status)).await,
        Err((status, error)) => {
            let age = Utc::now() - item.created_at;
            if age.num_seconds() >= cfg.give_up_secs {
                tracing::warn!(subscription = %item.subscription_id, "webhook given up; subscription disabled");
                db.run(move |c| webhooks::give_up(c, &item, &error)).await
            } else {
                let next = Utc::now() + backoff(item.attempts, cfg.retry_base_ms);
                db.run(move |c| webhooks::failed(c, id, status, &error, next))
                    .await
            }
        }
    };
    if let Err(e) = result {
        tracing::warn!(error = ?e, "a webhook delivery could not be recorded");
    }
    delivered
}

/// Runs the delivery worker every `every` until the task is dropped.
pub fn spawn(
    db: DbHandle,
    keys: std::sync::Arc<PersonKeys>,
    cfg: WebhookSettings,
    every: Duration,
) -> actix_web::rt::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        loop {
            deliver_due(&db, &keys, &cfg).await;
            actix_web::rt::time::sleep(every).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_and_plain_http_are_refused() {
        let cfg = WebhookSettings::default();
        for url in [
            "http://example.org/hook",
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[fd00::1]/hook",
            "https://192.168.0.10/hook",
            "https://user:pw@example.org/hook",
            "ftp://example.org/",
            // Special-purpose ranges beyond the private ones.
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::ffff:a9fe:a9fe]/hook",
            "https://[::127.0.0.1]/hook",
            "https://[64:ff9b::a9fe:a9fe]/hook",
            "https://[2002:a9fe:a9fe::1]/hook",
            "https://[fec0::1]/hook",
            "https://[2001::1]/hook",
            "https://192.0.0.1/hook",
            "https://198.18.0.1/hook",
            "https://240.0.0.1/hook",
            "https://100.64.0.1/hook",
            "https://0.0.0.0/hook",
            "https://224.0.0.1/hook",
            "https://[ff02::1]/hook",
        ] {
            assert!(check_url(url, &cfg).is_err(), "{url}");
        }
        let allowed = WebhookSettings {
            allow_http: vec!["127.0.0.1:9000".into()],
            allow_hosts: vec!["127.0.0.1:9000".into(), "hooks.internal".into()],
            ..WebhookSettings::default()
        };
        assert!(check_url("http://127.0.0.1:9000/hook", &allowed).is_ok());
        // An allowed host only on its configured port.
        assert!(check_url("http://127.0.0.1:6379/hook", &allowed).is_err());
        assert!(check_url("https://127.0.0.1:22/hook", &allowed).is_err());
        assert!(check_url("https://hooks.internal/hook", &allowed).is_ok());
        assert!(check_url("https://hooks.internal:8080/hook", &allowed).is_err());
        assert!(check_url("https://8.8.8.8/hook", &cfg).is_ok());
        assert!(check_url("https://[2a00:1450::1]/hook", &cfg).is_ok());
    }

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            sig.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert!(new_secret().starts_with("whsec_"));
        assert!(backoff(30, 5000) <= chrono::Duration::milliseconds(4_500_000));
    }
}
