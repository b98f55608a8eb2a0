//! The database after a simulated week of failed sign-ins for random unknown emails, with
//! retention running: what a flood of made-up emails leaves on disk.
//!
//! `cargo bench -p twostep-server --bench retention_week` prints, on SQLite and (when Debian's
//! `postgresql` is installed) on PostgreSQL:
//! - the database's size at the start and at the end of each simulated day (SQLite: the file
//!   with its log, and the pages in use; PostgreSQL: `pg_database_size`);
//! - the rows the flood left: audit rows and the attempts they count, password attempts;
//! - what the same week would have left with one audit row per failure and no retention, from
//!   the measured size of such a row;
//! - the same, projected to a flood at this machine's Argon2id rate (the most failed sign-ins
//!   it can answer: each one is a hash).
//!
//! The week is simulated on the server's clock (a `ManualClock`): every 5 minutes of it,
//! `RETENTION_WEEK_PER_STEP` failed sign-ins (default 150, one every 2 s) and a retention pass.
//! Each failed sign-in makes the writes the sign-in flow makes for an unknown email
//! (`signin::password_holder`): an attempt claimed, the old ones pruned, the failure counted
//! in the audit trail; its password hash writes nothing and is left out, so that a week fits in
//! minutes. A benchmark prints figures and asserts nothing.

#![allow(clippy::unwrap_used)]

mod common;
use common::argon2_rate;

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use twostep_server::store::{attempts, audit, AuditAction, Backend, Event};
use twostep_server::{retention, AppState, Config, ManualClock};

/// Simulated days of a full run (`cargo bench`); a smoke run (`cargo test --all-targets`)
/// simulates one, lightly, on SQLite only.
const DAYS: i64 = 7;
const STEP_SECS: i64 = 300;
/// Sign-ins in flight at once.
const CONCURRENCY: usize = 8;

fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// The database's size: (on disk, in use). SQLite: the file and its log, and the pages not
/// free; PostgreSQL: `pg_database_size` both (dead rows count until vacuumed).
async fn size(st: &AppState) -> (u64, u64) {
    let db = st.db.read();
    match st.db.backend() {
        Backend::Sqlite => {
            let path = st.cfg.db_path();
            let file = |p: std::path::PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
            let mut wal = path.clone().into_os_string();
            wal.push("-wal");
            let on_disk = file(path) + file(wal.into());
            let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                .fetch_one(db)
                .await
                .unwrap();
            let free: i64 = sqlx::query_scalar("PRAGMA freelist_count")
                .fetch_one(db)
                .await
                .unwrap();
            let page: i64 = sqlx::query_scalar("PRAGMA page_size")
                .fetch_one(db)
                .await
                .unwrap();
            (on_disk, ((pages - free) * page) as u64)
        }
        Backend::Postgres => {
            let n: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(db)
                .await
                .unwrap();
            (n as u64, n as u64)
        }
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// (audit rows of unknown emails, the failures they count, password attempts)
async fn rows(st: &AppState) -> (i64, i64, i64) {
    let (audit_rows, counted): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(occurrences), 0) AS BIGINT) FROM audit \
         WHERE center_id IS NULL AND person_id IS NULL AND action = 'sign_in_failed'",
    )
    .fetch_one(st.db.read())
    .await
    .unwrap();
    let attempts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_attempts")
        .fetch_one(st.db.read())
        .await
        .unwrap();
    (audit_rows, counted, attempts)
}

/// One failed sign-in for a made-up email, at `now`: the writes of the sign-in flow.
async fn failed_sign_in(st: &AppState, n: u64, now: DateTime<Utc>) {
    let limits = &st.cfg.limits;
    let window = Duration::seconds(limits.password_window_secs);
    let email = format!("{:016x}{n}@flood.example", rand::random::<u64>());
    let claimed = attempts::claim(&st.db, &email, now, window, limits.password_failures)
        .await
        .unwrap();
    assert!(claimed.is_some(), "a new email is never over its limit");
    attempts::prune(st.db.write(), now, window).await.unwrap();
    audit::count_unknown_sign_in_failure(&st.db, now, window)
        .await
        .unwrap();
}

/// Bytes one row of each kind takes, measured by adding `n` of them in a scratch transaction
/// that is rolled back: (an audit row of the old kind, one per failure; a password attempt).
async fn bytes_per_row(st: &AppState, now: DateTime<Utc>) -> (f64, f64) {
    let n = 20_000;
    let mut per_row = Vec::new();
    for table in ["audit", "password_attempts"] {
        let before = size(st).await.1;
        let mut tx = st.db.begin().await.unwrap();
        for i in 0..n {
            if table == "audit" {
                Event::new(AuditAction::SignInFailed)
                    .detail("wrong password")
                    .record(&mut *tx, now)
                    .await
                    .unwrap();
            } else {
                sqlx::query("INSERT INTO password_attempts (email, at) VALUES ($1, $2)")
                    .bind(format!("{:016x}{i}@flood.example", rand::random::<u64>()))
                    .bind(now.timestamp_millis())
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
        }
        tx.commit().await.unwrap();
        if st.db.backend() == Backend::Postgres {
            sqlx::query(&format!("ANALYZE {table}"))
                .execute(st.db.write())
                .await
                .unwrap();
        }
        let after = size(st).await.1;
        per_row.push(after.saturating_sub(before) as f64 / f64::from(n));
        // Out again, so that the next measure starts from the week's end.
        let what = if table == "audit" {
            "DELETE FROM audit WHERE center_id IS NULL AND occurrences = 1 AND at = $1"
        } else {
            "DELETE FROM password_attempts WHERE at = $1"
        };
        sqlx::query(what)
            .bind(now.timestamp_millis())
            .execute(st.db.write())
            .await
            .unwrap();
    }
    (per_row[0], per_row[1])
}

async fn week(label: &str, database_url: Option<String>, days: i64, per_step: u64, hash_rate: f64) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        data: dir.path().to_path_buf(),
        key_file: Some(dir.path().join("server.key")),
        database_url,
        ..Config::default()
    };
    let clock = Arc::new(ManualClock::new(start_time()));
    let st = twostep_server::build_state(cfg, clock.clone())
        .await
        .unwrap();
    println!("\n{label}: {days} simulated days, {per_step} failed sign-ins every {STEP_SECS} s");
    let (disk, used) = size(&st).await;
    println!("  start: {} on disk, {} in use", mib(disk), mib(used));
    let wall = Instant::now();
    let steps_per_day = 24 * 3600 / STEP_SECS;
    let mut n = 0u64;
    let mut swept = 0u64;
    for day in 1..=days {
        for _ in 0..steps_per_day {
            // The step's sign-ins, spread over its 5 minutes, CONCURRENCY at a time.
            let gap = Duration::milliseconds(STEP_SECS * 1000 / per_step.max(1) as i64);
            let mut left = per_step;
            while left > 0 {
                let burst = left.min(CONCURRENCY as u64);
                let now = twostep_server::Clock::now(clock.as_ref());
                let tasks: Vec<_> = (0..burst)
                    .map(|i| {
                        let st = st.clone();
                        tokio::spawn(async move { failed_sign_in(&st, n + i, now).await })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                n += burst;
                left -= burst;
                clock.advance(gap * burst as i32);
            }
            swept += retention::run_once(&st).await.unwrap().total();
        }
        let (disk, used) = size(&st).await;
        let (audit_rows, counted, attempts) = rows(&st).await;
        println!(
            "  day {day}: {} on disk, {} in use; {audit_rows} audit rows counting {counted} \
             failures, {attempts} password attempts kept ({:.0} s so far)",
            mib(disk),
            mib(used),
            wall.elapsed().as_secs_f64()
        );
    }
    println!("  {n} failed sign-ins in all; retention deleted {swept} rows");
    let now = twostep_server::Clock::now(clock.as_ref());
    let (_, used) = size(&st).await;
    let (audit_bytes, attempt_bytes) = bytes_per_row(&st, now).await;
    let window = st.cfg.limits.password_window_secs as f64;
    println!(
        "  one audit row per failure (before) takes {audit_bytes:.0} B; a password attempt \
         {attempt_bytes:.0} B"
    );
    println!(
        "  the same week with one audit row per failure and no retention: +{} ({n} rows)",
        mib((audit_bytes * n as f64) as u64)
    );
    let week_secs = (days * 24 * 3600) as f64;
    println!(
        "  at this machine's Argon2id rate ({hash_rate:.0} failed sign-ins/s, all week): \
         before +{} per week, growing; now about {} (the attempts of one {:.0}-minute \
         password window, {:.0} rows, and {} audit rows a week), flat",
        mib((audit_bytes * hash_rate * week_secs) as u64),
        mib(used + (attempt_bytes * hash_rate * window) as u64),
        window / 60.0,
        hash_rate * window,
        week_secs / window
    );
    st.courier.stop();
    st.db.close().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this once, briefly, as a
    // smoke run (a debug build's figures mean nothing).
    let full = std::env::args().any(|a| a == "--bench");
    let per_step: u64 = std::env::var("RETENTION_WEEK_PER_STEP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 150 } else { 2 });
    let days = if full { DAYS } else { 1 };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let hash_rate = argon2_rate(cores, if full { 3.0 } else { 1.0 });
    println!("Argon2id (19 MiB, 2 passes) on {cores} cores: {hash_rate:.0} hashes/s");
    week("SQLite", None, days, per_step, hash_rate).await;
    if full
        && std::env::var("RETENTION_WEEK_SQLITE_ONLY").is_err()
        && std::path::Path::new("/usr/lib/postgresql").exists()
    {
        let url = twostep_testkit::postgres::cluster().new_database();
        week(
            "PostgreSQL (a local cluster)",
            Some(url),
            days,
            per_step,
            hash_rate,
        )
        .await;
    }
}
