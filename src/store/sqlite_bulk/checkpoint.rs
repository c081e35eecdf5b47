//! WAL checkpoints on a thread of their own while an import writes.
//!
//! In WAL mode every page a transaction writes is appended to the WAL and later copied into
//! the database file by a checkpoint. Left to SQLite, that checkpoint runs inside the COMMIT
//! that crosses `wal_autocheckpoint`, on the import writer's thread, which is the pipeline's
//! bottleneck: about an eighth of its time went to copying pages. Here the writer turns
//! automatic checkpoints off and a [`Checkpointer`] copies committed frames on a connection
//! of its own, with PASSIVE checkpoints that never block the writer nor wait for it.
//!
//! The WAL only starts over from its beginning when a write transaction begins after a
//! checkpoint has copied every frame. So that it stays bounded, once a pass reports more
//! than [`RESTART_FRAMES`] frames the writer waits once, before a later transaction, for a
//! pass that covers its last commit (one batch worth of frames; the pass before it already
//! copied the rest while the writer worked).
//!
//! Crash safety is SQLite's own: a checkpoint copies only committed frames and a kill in the
//! middle of one is repaired from the WAL on the next open. If the checkpoint connection
//! cannot be opened or a pass fails, the writer turns its automatic checkpoints back on.

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// WAL length (in 4 KiB pages, 64 MiB) past which the writer lets a checkpoint catch up so
/// that the WAL starts over; what the writer's own `wal_autocheckpoint` is set to otherwise.
pub(super) const RESTART_FRAMES: i64 = 16_384;

/// How a [`Checkpointer`] paces itself.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pacing {
    /// WAL frames past which the WAL is made to start over.
    pub(super) restart_frames: i64,
    /// Least time between two passes while nobody waits for one: each pass syncs the WAL
    /// and the database file, and a page rewritten by many batches (an index page, the last
    /// page of a table) is copied once per pass. The WAL can outgrow `restart_frames` by
    /// what the writer commits in this time.
    pub(super) pass_interval: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            restart_frames: RESTART_FRAMES,
            pass_interval: Duration::from_millis(200),
        }
    }
}

/// Longest the writer waits for a pass before going on without the WAL restart.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// Commits before the writer tries again when a pass could not copy every frame (another
/// connection was still reading an older state of the WAL).
const RETRY_COMMITS: u64 = 16;

#[derive(Debug, Default)]
struct State {
    /// Commits the writer has reported.
    commits: u64,
    /// `commits` as it was when the last finished pass started.
    copied_through: u64,
    /// WAL frames, as the last pass found them.
    log_frames: i64,
    /// The last pass copied every frame it found.
    caught_up: bool,
    /// `commits` when the WAL was found too long, until the writer has let it start over.
    restart_after: Option<u64>,
    /// A pass is wanted now, not at the next interval.
    urgent: bool,
    /// Times the writer began a transaction on a fully copied WAL, which starts it over.
    restarts: u64,
    /// The checkpoint thread is gone (failed, or never started): the writer checkpoints.
    off: bool,
    stop: bool,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled to the checkpoint thread: a commit, an urgent request or the stop.
    work: Condvar,
    /// Signalled by the checkpoint thread after each pass.
    pass_done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The checkpoint thread of one SQLite store's import writer.
#[derive(Debug)]
pub(super) struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    pacing: Pacing,
}

impl Checkpointer {
    /// Start checkpointing the database at `path` on a thread of its own. When that is not
    /// possible the checkpointer is off and [`Checkpointer::is_off`] says so.
    pub(super) fn start(path: &Path, pacing: Pacing) -> Self {
        let shared = Arc::new(Shared::default());
        let thread = match super::connect(path) {
            Ok(conn) => {
                let for_thread = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name("sqlite-checkpoint".into())
                    .spawn(move || run(&conn, &for_thread, pacing.pass_interval))
                    .ok()
            }
            Err(e) => {
                tracing::debug!(error = %e, "No checkpoint connection; the writer checkpoints.");
                None
            }
        };
        if thread.is_none() {
            shared.lock().off = true;
        }
        Checkpointer {
            shared,
            thread,
            pacing,
        }
    }

    /// The checkpoint thread is not running: the writer must checkpoint by itself.
    pub(super) fn is_off(&self) -> bool {
        self.shared.lock().off
    }

    /// How many times the writer was let begin on a fully copied WAL.
    #[cfg(test)]
    pub(super) fn restarts(&self) -> u64 {
        self.shared.lock().restarts
    }

    /// The writer committed a transaction.
    pub(super) fn after_commit(&self) {
        let mut s = self.shared.lock();
        s.commits += 1;
        if s.restart_after.is_none() && s.log_frames >= self.pacing.restart_frames {
            s.restart_after = Some(s.commits);
            s.urgent = true;
        }
        drop(s);
        self.shared.work.notify_one();
    }

    /// The writer is about to begin a transaction. When the WAL is due to start over and the
    /// writer has committed since that was found, wait for a pass that covers the last
    /// commit, so that the transaction begins on a fully copied WAL and restarts it.
    pub(super) fn before_begin(&self) {
        let mut s = self.shared.lock();
        let Some(after) = s.restart_after else {
            return;
        };
        if s.off || s.commits <= after {
            return;
        }
        let target = s.commits;
        s.urgent = true;
        self.shared.work.notify_one();
        let deadline = Instant::now() + MAX_WAIT;
        while !s.off && s.copied_through < target {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = self
                .shared
                .pass_done
                .wait_timeout(s, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        if s.copied_through >= target && s.caught_up {
            // This transaction starts the WAL over; the next pass will count it afresh.
            s.log_frames = 0;
            s.restart_after = None;
            s.restarts += 1;
        } else {
            s.restart_after = Some(s.commits + RETRY_COMMITS);
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.work.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The checkpoint thread: a pass after commits, at most every `interval` unless one is
/// urgent; one last pass when stopped with commits left uncopied.
fn run(conn: &Connection, shared: &Shared, interval: Duration) {
    let mut last_pass: Option<Instant> = None;
    loop {
        let mut s = shared.lock();
        let target = loop {
            let pending = s.commits > s.copied_through;
            if s.stop {
                if pending {
                    break s.commits;
                }
                return;
            }
            let due = last_pass.is_none_or(|t| t.elapsed() >= interval);
            if pending && (s.urgent || due) {
                break s.commits;
            }
            s = match (pending, last_pass) {
                (true, Some(t)) => {
                    let left = interval.saturating_sub(t.elapsed());
                    shared
                        .work
                        .wait_timeout(s, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                _ => shared.work.wait(s).unwrap_or_else(|p| p.into_inner()),
            };
        };
        s.urgent = false;
        drop(s);
        let outcome = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        });
        last_pass = Some(Instant::now());
        let mut s = shared.lock();
        match outcome {
            Ok((busy, log, copied)) => {
                s.copied_through = target;
                s.log_frames = log;
                s.caught_up = busy == 0 && copied == log;
            }
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; the writer checkpoints now.");
                s.off = true;
            }
        }
        let off = s.off;
        drop(s);
        shared.pass_done.notify_all();
        if off {
            return;
        }
    }
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
