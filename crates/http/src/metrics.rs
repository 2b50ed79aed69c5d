//! Prometheus metrics: requests by route and status, latency, pool usage, catalogue cache.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use hamkke_persistence::PoolStats;

/// The registry and the series the server keeps.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    pool_max: IntGauge,
    catalogue: IntCounterVec,
}

impl Metrics {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new_custom(Some("hamkke".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by method and route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )?;
        let pool_max = IntGauge::new("db_pool_max_connections", "Database pool size limit")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        let catalogue = IntCounterVec::new(
            Opts::new(
                "catalogue_cache_lookups_total",
                "Resource catalogue lookups of requests that saw a catalogue version, by result",
            ),
            &["result"],
        )?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(catalogue.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            pool,
            pool_max,
            catalogue,
        })
    }

    /// Counts one finished request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    /// The text exposition, with pool gauges refreshed.
    pub fn render(&self, pool: PoolStats) -> String {
        self.pool
            .with_label_values(&["idle"])
            .set(i64::from(pool.idle));
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(pool.connections.saturating_sub(pool.idle)));
        self.pool_max.set(i64::from(pool.max));
        let (hits, misses) = hamkke_persistence::catalogue::lookups();
        for (result, now) in [("hit", hits), ("miss", misses)] {
            let counter = self.catalogue.with_label_values(&[result]);
            counter.inc_by(now.saturating_sub(counter.get()));
        }
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
