//! Failed passwords per email. Each sign-in claims an attempt before its password is hashed:
//! the claim is one conditional INSERT, so a burst of sign-ins for one email gets exactly as
//! many hashes as the limit allows, from one server or several on this database. A sign-in
//! whose password turns out right gives its attempt back.

use chrono::{DateTime, Duration, Utc};
use sqlx::SqliteExecutor;

use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// The id of the claimed attempt, or `None` when `max` attempts are already in the window.
pub async fn claim(
    db: impl SqliteExecutor<'_>,
    email: &str,
    now: DateTime<Utc>,
    window: Duration,
    max: u32,
) -> Result<Option<i64>, ApiError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO password_attempts (email, at) SELECT ?, ? \
         WHERE (SELECT COUNT(*) FROM password_attempts WHERE email = ? AND at > ?) < ? \
         RETURNING id",
    )
    .bind(email)
    .bind(to_ms(now))
    .bind(email)
    .bind(to_ms(now - window))
    .bind(i64::from(max))
    .fetch_optional(db)
    .await?)
}

/// Seconds until the oldest attempt in the window leaves it.
pub async fn retry_after(
    db: impl SqliteExecutor<'_>,
    email: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<u64, ApiError> {
    let oldest: Option<i64> =
        sqlx::query_scalar("SELECT MIN(at) FROM password_attempts WHERE email = ? AND at > ?")
            .bind(email)
            .bind(to_ms(now - window))
            .fetch_one(db)
            .await?;
    let until = oldest.map_or(now, from_ms) + window;
    Ok(twostep_core::code::seconds_until(now, until) as u64)
}

/// The password was right: this attempt was not a failure.
pub async fn give_back(db: impl SqliteExecutor<'_>, id: i64) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM password_attempts WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Attempts older than the window no longer count: keep the table small.
pub async fn prune(
    db: impl SqliteExecutor<'_>,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM password_attempts WHERE at <= ?")
        .bind(to_ms(now - window))
        .execute(db)
        .await?;
    Ok(())
}
