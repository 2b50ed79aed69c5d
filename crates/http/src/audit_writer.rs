//! The group-commit audit writer: requests that only read hand their audit events to one
//! thread, which appends whatever is queued as one chained multi-row INSERT in one transaction
//! and only then lets those requests answer. Fail-closed: when a batch fails, every request in it
//! answers 503 and shows nothing.
//!
//! A batch closes when it holds `max_events` events or `wait` has passed since its first
//! request arrived; with `wait` zero (the default) it takes exactly what queued up while the
//! previous batch was committing, so a lone request waits for nothing but its own insert.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use hamkke_persistence::audit::{self, PendingEvent};
use hamkke_persistence::Db;
use tokio::sync::oneshot;

/// When a batch closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSettings {
    /// Off (`HAMKKE_AUDIT_GROUP_COMMIT=false`): every read writes its own event in its own
    /// transaction, as before the writer (for comparison, or as a fallback).
    pub enabled: bool,
    /// Chain the events as they are written (`HAMKKE_AUDIT_CHAIN_READS`): the batch takes the
    /// chain head in its transaction; otherwise it is one INSERT and the sealer chains it later.
    pub chain: bool,
    /// Events per batch at most (`HAMKKE_AUDIT_BATCH_MAX`, 1–1000).
    pub max_events: usize,
    /// How long a batch waits for more requests after its first (`HAMKKE_AUDIT_BATCH_WAIT_US`).
    pub wait: Duration,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            chain: true,
            max_events: 256,
            wait: Duration::ZERO,
        }
    }
}

struct Job {
    events: Vec<PendingEvent>,
    done: oneshot::Sender<bool>,
}

/// The handle requests send their events through.
#[derive(Debug)]
pub struct AuditWriter {
    queue: mpsc::Sender<Job>,
}

impl AuditWriter {
    /// Starts the writer thread; it ends when the last handle is dropped.
    pub fn start(db: Db, settings: BatchSettings) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || run(&db, &jobs, settings))?;
        Ok(Self { queue })
    }

    /// Appends `events` with whatever else is queued; true once they are committed.
    pub async fn write(&self, events: Vec<PendingEvent>) -> bool {
        let (done, committed) = oneshot::channel();
        if self.queue.send(Job { events, done }).is_err() {
            return false;
        }
        committed.await.unwrap_or(false)
    }
}

fn run(db: &Db, jobs: &mpsc::Receiver<Job>, settings: BatchSettings) {
    let max = settings.max_events.clamp(1, 1000);
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        let mut count = batch[0].events.len();
        let deadline = Instant::now() + settings.wait;
        while count < max {
            let next = match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => jobs.recv_timeout(left),
                _ => jobs.try_recv().map_err(|e| match e {
                    mpsc::TryRecvError::Empty => RecvTimeoutError::Timeout,
                    mpsc::TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                }),
            };
            match next {
                Ok(job) => {
                    count += job.events.len();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        let events: Vec<&PendingEvent> = batch.iter().flat_map(|j| j.events.iter()).collect();
        let committed = match db.get() {
            Ok(mut conn) => match audit::append(&mut conn, &events, settings.chain) {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!(error = %e, events = events.len(), "audit batch failed; its requests answer 503");
                    false
                }
            },
            Err(e) => {
                tracing::error!(error = %e, "audit batch found no connection; its requests answer 503");
                false
            }
        };
        for job in batch {
            let _ = job.done.send(committed);
        }
    }
}
