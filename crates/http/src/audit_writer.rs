//! The group-commit audit writer: requests that only read hand their audit events to a
//! group, whose **leader** — the first request that finds no batch being committed — appends
//! whatever is queued as one chained multi-row INSERT in one transaction, on its own
//! connection and its own thread; the other requests of the batch (its followers) give their
//! connection back to the pool and wait until that batch committed. No request answers before
//! its event is durable; none passes its work to another thread. Fail-closed: when a batch
//! fails, every request in it answers 503 and shows nothing.
//!
//! On PostgreSQL a batch whose writer last left the chain's head, with nobody moving it since
//! (no sealer, no other server), is one statement of its own: the head's conditional move and
//! the INSERT together (`audit::append_from`); otherwise the transaction that locks the head.
//!
//! A batch closes when it holds `max_events` events or `wait` has passed since its leader took
//! the lead; with `wait` zero (the default) it takes exactly what queued up while the previous
//! batch was committing, so a lone request waits for nothing but its own insert.
//!
//! On PostgreSQL, by default, the reads do not come here at all: the read lanes run them and
//! commit their events together (`crate::read_lanes`, `BatchSettings::lanes`); the leaders
//! remain for `HAMKKE_AUDIT_READ_LANES=0`.
//!
//! On the embedded SQLite the batches are written by one thread of the writer's own instead
//! (`own_thread`), the requests awaiting their batch on the async worker: there a request's
//! database work is only microseconds of CPU, and waking each follower's blocking thread cost
//! more than the hand-off (measured in bench/RESULTS.md: 10–13 % more checks and case reads
//! per second with the thread on SQLite; on PostgreSQL the leaders served as many case reads
//! and 13 % more checks).

use std::collections::{HashMap, VecDeque};
use std::sync::{mpsc, Condvar, Mutex};
use std::time::{Duration, Instant};

use hamkke_persistence::audit::{self, ChainHead, PendingEvent};
use hamkke_persistence::conn::{Backend, PooledConn};
use hamkke_persistence::Db;
use tokio::sync::oneshot;

use crate::read_lanes::ReadLanes;

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
    /// Batches written by a thread of the writer's own rather than by the requests' leaders
    /// (`HAMKKE_AUDIT_WRITER_THREAD`); unset: on SQLite only.
    pub own_thread: Option<bool>,
    /// Reads run by this many read lanes, each committing the events of the reads it ran
    /// together (`HAMKKE_AUDIT_READ_LANES`, [`crate::read_lanes`]); 0: by the leaders or the
    /// writer's thread. Unset: on PostgreSQL half the pool's connections (at least one), on
    /// SQLite none. Never all of the pool's connections when it has more than one, so that
    /// changes, reports and exports find one.
    pub lanes: Option<usize>,
    /// Reads a lane runs before it commits their events and answers them
    /// (`HAMKKE_AUDIT_LANE_BATCH`, 1–1000): each read of a batch waits for the batch's others to
    /// run, so a long batch is a long wait for its first read. Measured (bench/RESULTS.md): with
    /// 256 a burst of queued checks fed ever longer batches (open-loop p99 1.5 s in one of three
    /// runs); 16 keeps the gain of committing together.
    pub lane_batch: usize,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            chain: true,
            max_events: 256,
            wait: Duration::ZERO,
            own_thread: None,
            lanes: None,
            lane_batch: 16,
        }
    }
}

/// One request's events in the queue, by ticket.
struct Job {
    ticket: u64,
    events: Vec<PendingEvent>,
}

#[derive(Default)]
struct Queue {
    next_ticket: u64,
    waiting: VecDeque<Job>,
    /// A leader is committing a batch.
    leading: bool,
    /// Outcomes of committed or failed batches, by ticket, until their follower takes them.
    outcomes: HashMap<u64, bool>,
}

/// Where requests that only read append their audit events.
pub enum AuditWriter {
    /// Each batch written by the first of its requests, on that request's thread.
    Leaders(Box<Group>),
    /// Each batch written by the writer's thread; the requests await it.
    Thread(mpsc::Sender<ThreadJob>),
    /// Reads run, and their batches written, by the read lanes; the requests await them.
    Lanes(ReadLanes),
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Leaders(g) => f
                .debug_struct("AuditWriter::Leaders")
                .field("settings", &g.settings)
                .finish_non_exhaustive(),
            Self::Thread(_) => f.write_str("AuditWriter::Thread"),
            Self::Lanes(lanes) => lanes.fmt(f),
        }
    }
}

impl AuditWriter {
    /// The writer `settings` ask for on `db`'s backend; with its own thread, the thread ends
    /// when the writer is dropped.
    pub fn start(db: Db, settings: BatchSettings) -> std::io::Result<Self> {
        let sqlite = db.backend() == Backend::Sqlite;
        let pool = usize::try_from(db.stats().max).unwrap_or(1);
        let lanes = settings
            .lanes
            .unwrap_or(if sqlite { 0 } else { (pool / 2).max(1) })
            .min(pool.saturating_sub(1).max(1));
        if lanes > 0 && settings.own_thread != Some(true) {
            let lanes = ReadLanes::start(&db, lanes, settings.lane_batch, settings.chain)?;
            return Ok(Self::Lanes(lanes));
        }
        if !settings.own_thread.unwrap_or(sqlite) {
            return Ok(Self::Leaders(Box::new(Group {
                db,
                settings,
                queue: Mutex::new(Queue::default()),
                turn: Condvar::new(),
                head: Mutex::new(ChainHead::default()),
            })));
        }
        let (queue, jobs) = mpsc::channel::<ThreadJob>();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || write_on_own_thread(&db, &jobs, settings))?;
        Ok(Self::Thread(queue))
    }
}

/// One request's events sent to the writer's thread, and where its outcome goes.
pub struct ThreadJob {
    events: Vec<PendingEvent>,
    done: oneshot::Sender<bool>,
}

/// Sends `events` to the writer's thread; the receiver answers true once they are committed.
pub fn send(queue: &mpsc::Sender<ThreadJob>, events: Vec<PendingEvent>) -> oneshot::Receiver<bool> {
    let (done, committed) = oneshot::channel();
    // A writer thread that ended drops the sender: the receiver then answers an error (503).
    let _ = queue.send(ThreadJob { events, done });
    committed
}

/// The writer's thread: batches whatever is queued (up to `max_events`, waiting at most `wait`
/// after the first), appends it on a connection of the pool, tells each request how it went.
fn write_on_own_thread(db: &Db, jobs: &mpsc::Receiver<ThreadJob>, settings: BatchSettings) {
    let max = settings.max_events.clamp(1, 1000);
    let mut head = ChainHead::default();
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        let mut count = batch[0].events.len();
        let deadline = Instant::now() + settings.wait;
        while count < max {
            let next = match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => jobs.recv_timeout(left).ok(),
                _ => jobs.try_recv().ok(),
            };
            let Some(job) = next else { break };
            count += job.events.len();
            batch.push(job);
        }
        let events: Vec<&PendingEvent> = batch.iter().flat_map(|j| j.events.iter()).collect();
        let committed = append_events(db, &mut None, &events, settings.chain, &mut head);
        for job in batch {
            let _ = job.done.send(committed);
        }
    }
}

/// Appends `events` on `conn`, or on a connection of the pool when there is none; false (and
/// logged) when that fails.
fn append_events(
    db: &Db,
    conn: &mut Option<PooledConn>,
    events: &[&PendingEvent],
    chain: bool,
    head: &mut ChainHead,
) -> bool {
    if conn.is_none() {
        match db.get() {
            Ok(c) => *conn = Some(c),
            Err(e) => {
                tracing::error!(error = %e, "audit batch found no connection; its requests answer 503");
                return false;
            }
        }
    }
    let Some(conn) = conn.as_mut() else {
        return false;
    };
    match audit::append_from(conn, events, chain, head) {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, events = events.len(), "audit batch failed; its requests answer 503");
            false
        }
    }
}

/// The requests' group: a batch's leader writes it on its own thread and connection.
pub struct Group {
    db: Db,
    settings: BatchSettings,
    queue: Mutex<Queue>,
    turn: Condvar,
    /// Where the last batch left the chain's head (one leader at a time takes it).
    head: Mutex<ChainHead>,
}

impl Group {
    /// Appends `events` with whatever else is queued; true once they are committed. Blocks the
    /// calling (database) thread: `conn`, the request's connection, writes the batch when this
    /// request leads, and goes back to the pool while it follows.
    pub fn write(&self, conn: PooledConn, events: Vec<PendingEvent>) -> bool {
        let mut conn = Some(conn);
        let mut queue = self.lock();
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiting.push_back(Job { ticket, events });
        loop {
            if let Some(outcome) = queue.outcomes.remove(&ticket) {
                return outcome;
            }
            if queue.leading {
                // A follower: its connection serves others meanwhile.
                drop(conn.take());
                queue = self
                    .turn
                    .wait(queue)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                continue;
            }
            queue.leading = true;
            drop(queue);
            if !self.settings.wait.is_zero() {
                std::thread::sleep(self.settings.wait);
            }
            let batch = self.take_batch();
            let committed = self.append(&mut conn, &batch);
            queue = self.lock();
            queue.leading = false;
            for job in &batch {
                queue.outcomes.insert(job.ticket, committed);
            }
            self.turn.notify_all();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The jobs at the front of the queue, up to `max_events` events (at least one job).
    fn take_batch(&self) -> Vec<Job> {
        let max = self.settings.max_events.clamp(1, 1000);
        let mut queue = self.lock();
        let mut batch = Vec::new();
        let mut count = 0;
        while let Some(job) = queue.waiting.front() {
            if !batch.is_empty() && count + job.events.len() > max {
                break;
            }
            count += job.events.len();
            batch.extend(queue.waiting.pop_front());
        }
        batch
    }

    /// Writes `batch` on `conn` (or a connection of the pool when this leader had given its own
    /// back while it followed).
    fn append(&self, conn: &mut Option<PooledConn>, batch: &[Job]) -> bool {
        let events: Vec<&PendingEvent> = batch.iter().flat_map(|j| j.events.iter()).collect();
        let mut head = self
            .head
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        append_events(&self.db, conn, &events, self.settings.chain, &mut head)
    }
}
