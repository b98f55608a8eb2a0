//! The SQLite write-ahead log copied back into the database file (a checkpoint) from a
//! connection of its own, off the writer's path.
//!
//! By default the connection that commits does it, every 1,000 pages of log, with an fsync,
//! while every other writer waits: on the second step's hot path that was an eighth of the
//! writer's time, and each one a stall. Here a task checkpoints in PASSIVE mode (every 10 ms
//! while writes come in, every 100 ms while none do), which neither waits for nor blocks
//! readers or the writer; the writer's own automatic checkpoint is left only as a backstop,
//! at sixteen times the default. A log the writer never
//! finds wholly copied back (under steady load it always has some new frames) never starts
//! over and only grows: past `RESTART_AT` frames the task checkpoints in RESTART mode, which
//! holds the writer for the moment it takes to copy the last frames and wait for the readers,
//! so that the next write starts the log from its beginning (TRUNCATE, emptying the file too,
//! measured worse: a log file grown again block by block). Its connection waits at most 50 ms
//! for the write lock or for readers: a restart that cannot have them at once is tried again
//! later, and never holds the writer up behind a long read. When the server stops, closing
//! the last connection checkpoints what is left.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{AnyPool, Executor, Row};

/// How often while the log has frames: often enough that it is often wholly copied back
/// between two writes, when the writer starts it over by itself without waiting for anyone.
const BUSY_EVERY: Duration = Duration::from_millis(10);
/// How often while the log is empty.
const IDLE_EVERY: Duration = Duration::from_millis(100);

/// Frames of log (4 KiB pages) past which the log is made to start over: 32 MiB.
const RESTART_AT: i64 = 8_000;

/// Stops the task when the last `Db` holding it goes.
pub(super) struct Checkpointer(tokio::task::AbortHandle);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts checkpointing through `pool` (its own connection) until it is closed.
pub(super) fn start(pool: AnyPool) -> Arc<Checkpointer> {
    let task = tokio::spawn(async move {
        let mut every = IDLE_EVERY;
        // The log's length at the last look, and when it was last made to start over (a
        // restart takes effect at the next write: until then the length stays).
        let (mut seen, mut restarted) = (0, None);
        while !pool.is_closed() {
            tokio::time::sleep(every).await;
            // One row: whether it was blocked, the frames in the log, the frames copied back.
            let passive = pool.fetch_one("PRAGMA wal_checkpoint(PASSIVE)").await;
            let frames =
                passive.and_then(|row| Ok((row.try_get::<i64, _>(1)?, row.try_get::<i64, _>(2)?)));
            // The log grew, or could not all be copied: writes are coming in.
            every = match frames {
                Ok((log, copied)) if log != seen || log > copied => BUSY_EVERY,
                _ => IDLE_EVERY,
            };
            if let Ok((log, _)) = frames {
                seen = log;
            }
            let done = match frames {
                Ok((log, _)) if log >= RESTART_AT && restarted != Some(log) => {
                    // Its first column says whether it was blocked (then: again, later).
                    let r = pool.fetch_one("PRAGMA wal_checkpoint(RESTART)").await;
                    let blocked = r.as_ref().map(|row| row.try_get::<i64, _>(0));
                    restarted = matches!(blocked, Ok(Ok(0))).then_some(log);
                    r.map(drop)
                }
                other => other.map(drop),
            };
            if let Err(e) = done {
                if !pool.is_closed() {
                    tracing::warn!(error = %e, "the database's log could not be checkpointed");
                }
            }
        }
    });
    Arc::new(Checkpointer(task.abort_handle()))
}
