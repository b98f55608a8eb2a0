//! Failed passwords per email. Each sign-in claims an attempt before its password is hashed:
//! a burst of sign-ins for one email gets exactly as many hashes as the limit allows, from one
//! server or several. A sign-in whose password turns out right gives its attempt back.

use chrono::{DateTime, Duration, Utc};

use super::{count, Backend, Db, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// The id of the claimed attempt, or `None` when `max` attempts are already in the window.
/// The count and the insert are one transaction; on PostgreSQL it first takes a lock on the
/// email (there may be no row to lock: the email may belong to nobody).
pub async fn claim(
    db: &Db,
    email: &str,
    now: DateTime<Utc>,
    window: Duration,
    max: u32,
) -> Result<Option<i64>, ApiError> {
    let mut tx = db.begin().await?;
    if db.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(1, hashtext($1))")
            .bind(email)
            .execute(&mut *tx)
            .await?;
    }
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO password_attempts (email, at) SELECT $1, $2 \
         WHERE (SELECT COUNT(*) FROM password_attempts WHERE email = $1 AND at > $3) < $4 \
         RETURNING id",
    )
    .bind(email)
    .bind(to_ms(now))
    .bind(to_ms(now - window))
    .bind(count(max))
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Seconds until the oldest attempt in the window leaves it.
pub async fn retry_after<'c>(
    db: impl Exec<'c>,
    email: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<u64, ApiError> {
    let oldest: Option<i64> =
        sqlx::query_scalar("SELECT MIN(at) FROM password_attempts WHERE email = $1 AND at > $2")
            .bind(email)
            .bind(to_ms(now - window))
            .fetch_one(db)
            .await?;
    let until = oldest.map_or(now, from_ms) + window;
    Ok(twostep_core::code::seconds_until(now, until) as u64)
}

/// The password was right: this attempt was not a failure.
pub async fn give_back<'c>(db: impl Exec<'c>, id: i64) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM password_attempts WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Attempts older than the window no longer count: keep the table small.
pub async fn prune<'c>(
    db: impl Exec<'c>,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM password_attempts WHERE at <= $1")
        .bind(to_ms(now - window))
        .execute(db)
        .await?;
    Ok(())
}
