//! Read lanes: a few threads, each running requests that only read one after another on one
//! connection and committing the audit events of all the reads it ran since its last commit as
//! one batch before any of them answers.
//!
//! Without lanes a read passes from its HTTP worker to a thread of the blocking pool, waits
//! there for one of the pool's connections, and then for its audit batch's leader — three
//! wake-ups of sleeping threads besides the round trips to the database, each a context switch
//! on the core PostgreSQL shares (bench/RESULTS.md, #33). A lane that is busy takes the next
//! queued read without sleeping; the one hand-off left is the read's answer to its worker.
//!
//! A lane takes a connection of the server's pool for each batch and gives it back after;
//! there are fewer lanes than connections (`BatchSettings::lanes`), so changes, reports and
//! exports always find one. A batch ends when the queue is empty or it has run `max_jobs`
//! reads (`HAMKKE_AUDIT_LANE_BATCH`, 16); every read of the batch then answers — with what it
//! read once the batch's events are committed, or 503 and nothing shown when they are not
//! (fail-closed, as the other writers). A slow read holds its lane and the reads of its batch:
//! the reads that come here are single objects and bounded pages, while reports and exports
//! read on the report pool.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use hamkke_persistence::audit::{self, ChainHead, PendingEvent};
use hamkke_persistence::{Db, DbConn};

/// What a read hands back to its lane once it ran: its audit events, and how it answers once
/// the lane has appended its batch's events: whether they were committed, and the statements
/// the append ran (which a read that recorded events counts as its own).
pub struct Ran {
    pub events: Vec<PendingEvent>,
    pub answer: Box<dyn FnOnce(bool, u64) + Send>,
}

/// A read as a lane runs it: with the lane's connection, or `None` when the pool had none (the
/// read then answers 503 at once).
pub type Job = Box<dyn FnOnce(Option<&mut DbConn>) -> Ran + Send>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// The lanes' owner is gone: they finish what is queued and end.
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next queued read; when `wait`, sleeps until there is one (`None` once closed and
    /// empty), else `None` at once when the queue is empty.
    fn next(&self, wait: bool) -> Option<Job> {
        let mut queue = self.lock();
        loop {
            if let Some(job) = queue.jobs.pop_front() {
                return Some(job);
            }
            if !wait || queue.closed {
                return None;
            }
            queue = self
                .ready
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The lanes; dropping this ends their threads once the queue is empty.
pub struct ReadLanes {
    shared: Arc<Shared>,
    lanes: usize,
}

impl std::fmt::Debug for ReadLanes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadLanes")
            .field("lanes", &self.lanes)
            .finish_non_exhaustive()
    }
}

impl ReadLanes {
    /// Starts `lanes` threads reading on `db`, each batch at most `max_jobs` reads, the events
    /// chained as they are written when `chain`.
    pub fn start(db: &Db, lanes: usize, max_jobs: usize, chain: bool) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        // Made first, so that the lanes already started end if a later one cannot start.
        let started = Self {
            shared,
            lanes: lanes.max(1),
        };
        // One chain head for all lanes: where the last batch left it (`audit::append_from`).
        let head = Arc::new(Mutex::new(ChainHead::default()));
        for n in 0..started.lanes {
            let (shared, head, db) = (started.shared.clone(), head.clone(), db.clone());
            std::thread::Builder::new()
                .name(format!("read-lane-{n}"))
                .spawn(move || run_lane(&shared, &db, &head, max_jobs.max(1), chain))?;
        }
        Ok(started)
    }

    /// Queues `job` for the next free lane.
    pub fn submit(&self, job: Job) {
        self.shared.lock().jobs.push_back(job);
        self.shared.ready.notify_one();
    }
}

impl Drop for ReadLanes {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_all();
    }
}

/// One lane: a batch of reads on one connection, their events appended together, then their
/// answers; until the lanes are closed.
fn run_lane(shared: &Shared, db: &Db, head: &Mutex<ChainHead>, max_jobs: usize, chain: bool) {
    while let Some(first) = shared.next(true) {
        let mut conn = db.get().ok();
        let mut ran = Vec::new();
        let mut job = Some(first);
        while let Some(next) = job.take() {
            // A read that panics answers 500 (its answer is dropped with it); the lane goes on.
            if let Ok(done) = catch_unwind(AssertUnwindSafe(|| next(conn.as_deref_mut()))) {
                ran.push(done);
            }
            if ran.len() < max_jobs {
                job = shared.next(false);
            }
        }
        let events: Vec<&PendingEvent> = ran.iter().flat_map(|r| r.events.iter()).collect();
        let before = hamkke_persistence::conn::statements_on_this_thread();
        let committed = events.is_empty() || append(conn.as_deref_mut(), head, &events, chain);
        let appended = hamkke_persistence::conn::statements_on_this_thread().wrapping_sub(before);
        drop(conn);
        for done in ran {
            (done.answer)(committed, appended);
        }
    }
}

/// Appends a batch's events; false (and logged) when that fails.
fn append(
    conn: Option<&mut DbConn>,
    head: &Mutex<ChainHead>,
    events: &[&PendingEvent],
    chain: bool,
) -> bool {
    let Some(conn) = conn else {
        return false;
    };
    let mut head = head.lock().unwrap_or_else(PoisonError::into_inner);
    match audit::append_from(conn, events, chain, &mut head) {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, events = events.len(), "audit batch failed; its requests answer 503");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    /// A migrated SQLite database in the temporary directory (removed by the caller).
    fn database(name: &str) -> (Db, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("hamkke-{name}-{}.db", uuid::Uuid::now_v7()));
        let db = Db::connect_with(
            &format!("sqlite://{}", path.display()),
            2,
            Duration::from_secs(5),
            true,
        )
        .unwrap();
        hamkke_persistence::migrate::run(&mut db.get().unwrap()).unwrap();
        (db, path)
    }

    fn answering(to: mpsc::Sender<bool>) -> Ran {
        Ran {
            events: Vec::new(),
            answer: Box::new(move |committed, _| {
                let _ = to.send(committed);
            }),
        }
    }

    /// A read that panics answers nothing (its request answers 500) and the lane goes on with
    /// the next; dropping the lanes ends their threads, which give their connections back.
    #[test]
    fn a_read_that_panics_leaves_its_lane_running_and_dropping_the_lanes_ends_them() {
        let (db, path) = database("lanes");
        let lanes = ReadLanes::start(&db, 1, 16, true).unwrap();
        let (panicked, never) = mpsc::channel::<bool>();
        lanes.submit(Box::new(move |_| {
            let _answer = panicked;
            panic!("a read's own bug");
        }));
        let (next, answered) = mpsc::channel();
        lanes.submit(Box::new(move |conn| {
            assert!(conn.is_some(), "the lane has a connection");
            answering(next)
        }));
        let wait = Duration::from_secs(10);
        assert_eq!(
            never.recv_timeout(wait),
            Err(mpsc::RecvTimeoutError::Disconnected)
        );
        assert_eq!(answered.recv_timeout(wait), Ok(true));
        let shared = Arc::downgrade(&lanes.shared);
        drop(lanes);
        let ended = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            shared.upgrade().is_none()
        });
        assert!(ended, "a lane's thread outlived its owner");
        drop(db);
        let _ = std::fs::remove_file(&path);
    }

    /// A lane answers the reads of a batch before it runs more than `max_jobs` of them, however
    /// many are queued: the first read of a burst does not wait for the whole burst.
    #[test]
    fn a_lane_answers_every_max_jobs_reads() {
        let (db, path) = database("lane-batch");
        let lanes = ReadLanes::start(&db, 1, 2, true).unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (release, held) = mpsc::channel::<()>();
        let mut held = Some(held);
        let (all, answered) = mpsc::channel::<bool>();
        for n in 0..4 {
            let (log, all, held) = (log.clone(), all.clone(), held.take());
            lanes.submit(Box::new(move |_| {
                // The first read holds the lane until every read is queued.
                if let Some(held) = held {
                    let _ = held.recv_timeout(Duration::from_secs(10));
                }
                log.lock().unwrap().push(format!("run {n}"));
                Ran {
                    events: Vec::new(),
                    answer: Box::new(move |committed, _| {
                        log.lock().unwrap().push(format!("answer {n}"));
                        let _ = all.send(committed);
                    }),
                }
            }));
        }
        release.send(()).unwrap();
        for _ in 0..4 {
            assert_eq!(answered.recv_timeout(Duration::from_secs(10)), Ok(true));
        }
        let order = log.lock().unwrap().clone();
        assert_eq!(
            order,
            ["run 0", "run 1", "answer 0", "answer 1", "run 2", "run 3", "answer 2", "answer 3"]
        );
        drop(lanes);
        drop(db);
        let _ = std::fs::remove_file(&path);
    }
}
