//! The SQLite write-ahead log copied back into the database file (a checkpoint) from a
//! connection of its own, off the writer's path.
//!
//! By default the connection that commits does it, every 1,000 pages of log, with an fsync,
//! while every other writer waits: on the second step's hot path that was an eighth of the
//! writer's time, and each one a stall. Here a task checkpoints every 100 ms in PASSIVE mode,
//! which neither waits for nor blocks readers or the writer; the writer's own automatic
//! checkpoint is left only as a backstop, at ten times the default. When the server stops,
//! closing the last connection checkpoints what is left.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{AnyPool, Executor};

const EVERY: Duration = Duration::from_millis(100);

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
        while !pool.is_closed() {
            tokio::time::sleep(EVERY).await;
            if let Err(e) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                if !pool.is_closed() {
                    tracing::warn!(error = %e, "the database's log could not be checkpointed");
                }
            }
        }
    });
    Arc::new(Checkpointer(task.abort_handle()))
}
