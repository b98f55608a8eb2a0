//! Retention: every server deletes, every few minutes, what no rule needs any more, so that
//! neither time nor a flood of failed sign-ins can fill the disk. Each table is swept in
//! bounded batches (`store::retention`), one short transaction each, with a pause between
//! them so sign-ins waiting for the writer go first. Several servers on one PostgreSQL may
//! sweep at once: a row deleted twice is deleted once.
//!
//! How far back each kind of row is kept, and why:
//! - codes, challenges and methods being added: until they expired and no limit counts them
//!   any more (the hourly caps on code messages, the enrollments per password window count
//!   rows by when they were made);
//! - setup, session, password and freeze tokens, reset requests: until they expire;
//! - failed passwords: for the password window (the per-email limit counts them);
//! - known devices: 90 days after their last sign-in, the person's newest one always kept
//!   (a sign-in from a device unseen in 90 days is announced anyway);
//! - messages sent or given up on: 30 days;
//! - the audit trail: `audit.retention_days`.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::retention::{sweep_batch, Sweep};

/// Rows per DELETE: a batch takes milliseconds, so the write lock is never held long.
pub const BATCH: u32 = 500;
/// Between two batches of one pass: writers waiting for the lock get it first.
const PAUSE: StdDuration = StdDuration::from_millis(5);
/// The first pass, this long after start (not at once: start-up has enough to do).
const FIRST_AFTER: StdDuration = StdDuration::from_secs(30);
/// Devices not signed in from for this long are forgotten (sessions' "new device" horizon).
pub const KNOWN_DEVICE_DAYS: i64 = 90;
/// Messages sent or given up on are kept this long (delivery questions come within days).
pub const OUTBOX_DAYS: i64 = 30;
/// One-day passes are kept this long after they expire: the monthly cap counts a calendar
/// month of the center's time zone, which 40 days cover anywhere.
pub const DAY_PASS_DAYS: i64 = 40;

/// Rows deleted by one pass, per table (in `Sweep::ALL`'s order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    pub rows: Vec<(&'static str, u64)>,
}

impl Swept {
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    /// Rows deleted from `table`.
    pub fn of(&self, table: &str) -> u64 {
        self.rows
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }
}

/// Rows of `sweep` made (or expired, or last used) before this are deleted.
fn cutoff(st: &AppState, sweep: Sweep, now: DateTime<Utc>) -> DateTime<Utc> {
    let limits = &st.cfg.limits;
    let password_window = Duration::seconds(limits.password_window_secs);
    // The longest window a limit counts codes or enrollments in.
    let counted = Duration::seconds(st.cfg.codes.message_window_secs).max(password_window);
    match sweep {
        Sweep::Codes | Sweep::Challenges | Sweep::Enrollments | Sweep::PasswordLinks => {
            now - counted
        }
        // No limit counts ceremonies: they go once they expire.
        Sweep::Ceremonies
        | Sweep::AppCodes
        | Sweep::Tokens
        | Sweep::FreezeTokens
        | Sweep::ResetRequests
        | Sweep::PasswordTokens
        | Sweep::RememberedDevices => now,
        Sweep::PasswordAttempts => now - password_window,
        Sweep::KnownDevices => now - Duration::days(KNOWN_DEVICE_DAYS),
        Sweep::Outbox => now - Duration::days(OUTBOX_DAYS),
        Sweep::DayPasses => now - Duration::days(DAY_PASS_DAYS),
        Sweep::Audit => now - Duration::days(i64::from(st.cfg.audit.retention_days)),
    }
}

/// One pass over every table, at the server's clock's now. A table that fails is logged and
/// the others are still swept; the first error is returned after all were tried.
pub async fn run_once(st: &AppState) -> Result<Swept, ApiError> {
    pass(st, &|| false).await
}

/// `run_once`, ending early (between two batches) once `stopping` says so.
async fn pass(st: &AppState, stopping: &(dyn Fn() -> bool + Sync)) -> Result<Swept, ApiError> {
    let now = st.now();
    let mut swept = Swept::default();
    let mut first_error = None;
    for sweep in Sweep::ALL {
        let before = cutoff(st, sweep, now);
        let mut deleted = 0;
        while !stopping() {
            match sweep_batch(&st.db, sweep, before, BATCH).await {
                Ok(n) => {
                    deleted += n;
                    if n < u64::from(BATCH) {
                        break;
                    }
                    tokio::time::sleep(PAUSE).await;
                }
                Err(e) => {
                    tracing::warn!(table = sweep.table(), error = %e, "retention: a batch failed");
                    first_error.get_or_insert(e);
                    break;
                }
            }
        }
        swept.rows.push((sweep.table(), deleted));
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(swept),
    }
}

/// The periodic task of a running server.
pub struct Retention {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Retention {
    /// A pass shortly after start, then one every `retention.interval_secs`.
    pub fn start(st: AppState) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let every = StdDuration::from_secs(st.cfg.retention.interval_secs.max(1));
        let task = tokio::spawn(async move {
            let mut wait = FIRST_AFTER.min(every);
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopped.changed() => return,
                }
                // Stopping waits for the batch in progress, never for the whole pass.
                let stopping = || *stopped.borrow();
                match pass(&st, &stopping).await {
                    Ok(swept) if swept.total() > 0 => {
                        tracing::info!(rows = swept.total(), detail = ?swept.rows, "retention: deleted");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "retention: the pass did not finish"),
                }
                wait = every;
            }
        });
        Self { stop, task }
    }

    /// Ends the task (after the batch in progress, if any).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "retention: the task ended abnormally");
        }
    }
}
