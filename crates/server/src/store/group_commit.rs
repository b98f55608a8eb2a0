//! SQLite's conditional writes, committed in groups by one writer task.
//!
//! `Db::write_if` runs a batch in a write transaction and keeps it only if its results say so
//! (the second step's plain case: every claim won). On SQLite every transaction waits for the
//! one writer, so a transaction of its own costs each of them three trips to the writer's
//! thread (begin and batch, commit, and handing the connection on), with the others waiting
//! through all three. Here one task takes the batches as they come and runs each in a
//! savepoint of one transaction: a kept one is released into it, any other rolled back to its
//! savepoint, and the whole group committed once (up to `GROUP` batches, or as many as are
//! waiting). Each batch is then one trip, its savepoint's end travelling with the next one.
//! Nobody hears that their batch was kept before the group's commit has succeeded; if the
//! commit or any batch after the first fails, the whole group is rolled back and every kept
//! batch of it is told so (a statement failing is a fault: the store's batches do not).
//!
//! The transaction sees each batch after the ones before it, exactly as if each had been a
//! transaction of its own in that order. Other writers take the writer connection between
//! groups, through the pool as ever.
//!
//! A request gone before its batch runs (its client hung up) is skipped, and one that waited
//! longer than the pool's own limit (another process holding the write lock) is answered 503
//! without running, as a flow waiting for the writer connection is.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use super::batch::{Batch, Results};
use crate::error::ApiError;

/// The most batches in one group: a batch waits for the group's commit, so this bounds how
/// long the last one waits for the first.
const GROUP: usize = 16;

/// How long a batch may wait to be run (the writer pool's acquire timeout).
const WAIT: Duration = Duration::from_secs(10);

/// Whether a batch's results are to be kept.
pub type Keep = Box<dyn FnOnce(&Results) -> bool + Send>;

/// The results of a kept batch, or none if it was rolled back.
type Reply = oneshot::Sender<Result<Option<Results>, ApiError>>;

pub(super) struct Job {
    batch: Batch<'static>,
    keep: Keep,
    reply: Reply,
    deadline: Instant,
}

/// Where to send batches; the task ends when every sender is gone.
#[derive(Clone)]
pub(super) struct GroupWriter(mpsc::Sender<Job>);

impl GroupWriter {
    /// The task runs on a thread of its own: woken by the writer connection's thread, it goes
    /// on at once instead of queueing behind the requests on the server's runtime (the group
    /// is waiting for it). It ends when every sender is gone.
    pub(super) fn start(write: AnyPool) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel(1024);
        // The runtime is made on its own thread (a runtime dropped inside another panics).
        let (started, start) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("twostep-writer".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => {
                        let _ = started.send(Ok(()));
                        runtime.block_on(run(write, rx));
                    }
                    Err(e) => {
                        let _ = started.send(Err(e));
                    }
                }
            })?;
        start
            .recv()
            .map_err(|_| std::io::Error::other("the writer thread did not start"))??;
        Ok(GroupWriter(tx))
    }

    /// `Db::write_if` on SQLite. `Stopped` gives the batch back if the task is gone.
    pub(super) async fn write_if(
        &self,
        batch: Batch<'_>,
        keep: Keep,
    ) -> Result<Result<Option<Results>, ApiError>, Stopped> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            batch: batch.into_owned(),
            keep,
            reply,
            deadline: Instant::now() + WAIT,
        };
        if let Err(mpsc::error::SendError(job)) = self.0.send(job).await {
            return Err(Stopped(job.batch, job.keep));
        }
        // Every job is answered: run, skipped as too late, or failed with its group.
        Ok(answer
            .await
            .unwrap_or_else(|_| Err(ApiError::internal("the database's writer has stopped"))))
    }
}

/// The writer task is gone: the batch and its check, to be run another way.
pub struct Stopped(pub Batch<'static>, pub Keep);

async fn run(write: AnyPool, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        commit_group(&write, first, &mut jobs).await;
    }
}

/// How the last savepoint stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    /// No transaction yet.
    NotBegun,
    Kept,
    Discarded,
}

impl Last {
    /// What the next batch's trip starts with.
    fn lead(self) -> &'static [&'static str] {
        match self {
            Last::NotBegun => &["BEGIN IMMEDIATE", "SAVEPOINT batch"],
            Last::Kept => &["RELEASE batch", "SAVEPOINT batch"],
            Last::Discarded => &["ROLLBACK TO batch", "RELEASE batch", "SAVEPOINT batch"],
        }
    }

    /// The group's last trip.
    fn end(self) -> &'static str {
        match self {
            Last::NotBegun => "",
            Last::Kept => "RELEASE batch;\nCOMMIT",
            Last::Discarded => "ROLLBACK TO batch;\nRELEASE batch;\nCOMMIT",
        }
    }
}

/// The writer connection while a group holds it: unless the group ended cleanly (committed,
/// or rolled back), it is closed rather than handed back, and closing rolls back.
struct Held {
    conn: PoolConnection<Any>,
    clean: bool,
}

impl Drop for Held {
    fn drop(&mut self) {
        if !self.clean {
            self.conn.close_on_drop();
        }
    }
}

/// Runs `first` and the batches that arrive meanwhile (up to `GROUP`) in one transaction.
async fn commit_group(write: &AnyPool, first: Job, jobs: &mut mpsc::Receiver<Job>) {
    let mut next = Some(first);
    let mut taken = 1;
    let mut held: Option<Held> = None;
    let mut kept: Vec<(Reply, Results)> = Vec::new();
    let mut last = Last::NotBegun;
    while let Some(job) = next.take() {
        if taken < GROUP {
            next = jobs.try_recv().ok();
            taken += usize::from(next.is_some());
        }
        if job.reply.is_closed() {
            continue;
        }
        if Instant::now() > job.deadline {
            let _ = job.reply.send(Err(ApiError::ServerBusy { retry_after: 1 }));
            continue;
        }
        let h = match &mut held {
            Some(h) => h,
            None => {
                let until = tokio::time::Instant::from_std(job.deadline);
                match tokio::time::timeout_at(until, write.acquire()).await {
                    Ok(Ok(conn)) => held.insert(Held { conn, clean: true }),
                    Ok(Err(e)) => {
                        let _ = job.reply.send(Err(e.into()));
                        continue;
                    }
                    Err(_) => {
                        let _ = job.reply.send(Err(ApiError::ServerBusy { retry_after: 1 }));
                        continue;
                    }
                }
            }
        };
        h.clean = false;
        let ran = job.batch.run_after(&mut h.conn, last.lead()).await;
        let ran = ran.and_then(|results| {
            catch_unwind(AssertUnwindSafe(|| (job.keep)(&results)))
                .map(|keep| (keep, results))
                .map_err(|_| ApiError::internal("a batch's check failed"))
        });
        match ran {
            Ok((true, results)) => {
                kept.push((job.reply, results));
                last = Last::Kept;
            }
            Ok((false, _)) => {
                let _ = job.reply.send(Ok(None));
                last = Last::Discarded;
            }
            Err(e) => {
                let _ = job.reply.send(Err(e));
                // Where the transaction stands is not certain: all of it goes back, and the
                // connection with it unless the rollback is sure.
                h.clean = h.conn.execute("ROLLBACK").await.is_ok();
                fail(kept.drain(..), "a batch of its group failed");
                last = Last::NotBegun;
            }
        }
    }
    let Some(mut h) = held else { return };
    if last == Last::NotBegun {
        return;
    }
    match h.conn.execute(last.end()).await {
        Ok(_) => {
            h.clean = true;
            for (reply, results) in kept {
                let _ = reply.send(Ok(Some(results)));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "a group of batches could not be committed");
            fail(kept, "its group could not be committed");
        }
    }
}

/// Tells the kept batches of a group that failed.
fn fail(kept: impl IntoIterator<Item = (Reply, Results)>, why: &str) {
    for (reply, _) in kept {
        let _ = reply.send(Err(ApiError::internal(format!(
            "a batch was rolled back: {why}"
        ))));
    }
}
