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
//! commit fails, every batch of the group is told so, and nothing of it stays.
//!
//! The transaction sees each batch after the ones before it, exactly as if each had been a
//! transaction of its own in that order. Other writers take the writer connection between
//! groups, through the pool as ever.

use sqlx::{AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use super::batch::{Batch, Results};
use crate::error::ApiError;

/// The most batches in one group: a batch waits for the group's commit, so this bounds how
/// long the last one waits for the first.
const GROUP: usize = 16;

/// Whether a batch's results are to be kept.
pub type Keep = Box<dyn FnOnce(&Results) -> bool + Send>;

/// The results of a kept batch, or none if it was rolled back.
type Reply = oneshot::Sender<Result<Option<Results>, ApiError>>;

pub(super) struct Job {
    batch: Batch<'static>,
    keep: Keep,
    reply: Reply,
}

/// Where to send batches; the task ends when every sender is gone.
#[derive(Clone)]
pub(super) struct GroupWriter(mpsc::Sender<Job>);

impl GroupWriter {
    pub(super) fn start(write: AnyPool) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(run(write, rx));
        GroupWriter(tx)
    }

    pub(super) async fn write_if(
        &self,
        batch: Batch<'_>,
        keep: Keep,
    ) -> Result<Option<Results>, ApiError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            batch: batch.into_owned(),
            keep,
            reply,
        };
        let stopped = || ApiError::internal("the database's writer has stopped");
        self.0.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

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

/// Runs `first` and the batches that arrive meanwhile (up to `GROUP`) in one transaction.
async fn commit_group(write: &AnyPool, first: Job, jobs: &mut mpsc::Receiver<Job>) {
    let mut conn = match write.acquire().await {
        Ok(conn) => conn,
        Err(e) => {
            let _ = first.reply.send(Err(e.into()));
            return;
        }
    };
    let mut kept: Vec<(Reply, Results)> = Vec::new();
    let mut last = Last::NotBegun;
    let mut next = Some(first);
    let mut taken = 1;
    while let Some(job) = next.take() {
        match job.batch.run_after(&mut conn, last.lead()).await {
            Ok(results) => {
                if (job.keep)(&results) {
                    kept.push((job.reply, results));
                    last = Last::Kept;
                } else {
                    let _ = job.reply.send(Ok(None));
                    last = Last::Discarded;
                }
            }
            Err(e) => {
                let _ = job.reply.send(Err(e));
                if last == Last::NotBegun {
                    // The transaction may or may not have begun: end it if it did.
                    let _ = conn.execute("ROLLBACK").await;
                } else {
                    // A statement failed part way: its savepoint goes back.
                    last = Last::Discarded;
                }
            }
        }
        if taken < GROUP {
            next = jobs.try_recv().ok();
            taken += usize::from(next.is_some());
        }
    }
    if last == Last::NotBegun {
        return;
    }
    match conn.execute(last.end()).await {
        Ok(_) => {
            for (reply, results) in kept {
                let _ = reply.send(Ok(Some(results)));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "a group of batches could not be committed");
            for (reply, _) in kept {
                let _ = reply.send(Err(ApiError::internal(format!(
                    "a group of batches could not be committed: {e}"
                ))));
            }
            // Closing the connection rolls back whatever is still open.
            conn.close_on_drop();
        }
    }
}
