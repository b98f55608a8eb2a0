//! Enrollments: a method being added, until its first code confirms it.

use chrono::{DateTime, Duration, Utc};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};
use twostep_core::code::CodeRules;
use twostep_core::Kind;

use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

#[derive(Debug, Clone, FromRow)]
pub struct EnrollmentRow {
    pub kind: String,
    pub address: Option<String>,
    pub secret_sealed: Option<Vec<u8>>,
    pub expires_at: i64,
    /// Attempts claimed so far: every wrong code, and at most one right one.
    pub wrong_attempts: i64,
    pub confirmed_at: Option<i64>,
}

impl EnrollmentRow {
    pub fn kind(&self) -> Result<Kind, ApiError> {
        self.kind
            .parse()
            .map_err(|e: twostep_core::CoreError| ApiError::internal(e.to_string()))
    }

    pub fn refusal(&self, now: DateTime<Utc>, rules: &CodeRules) -> Option<ApiError> {
        if self.confirmed_at.is_some() || from_ms(self.expires_at) <= now {
            Some(ApiError::EnrollmentExpired)
        } else if rules.is_locked(u32::try_from(self.wrong_attempts).unwrap_or(u32::MAX)) {
            Some(ApiError::ChallengeLocked)
        } else {
            None
        }
    }
}

pub struct NewEnrollment<'a> {
    pub id: &'a str,
    pub person_id: &'a str,
    pub kind: Kind,
    pub address: Option<&'a str>,
    pub secret_sealed: Option<&'a [u8]>,
    pub expires_at: DateTime<Utc>,
}

/// Inserts the enrollment unless the person already started `max` in the window: the INSERT
/// is the count, so a burst of "add a method" starts exactly `max`. False when refused.
pub async fn insert_within_window(
    db: impl SqliteExecutor<'_>,
    e: &NewEnrollment<'_>,
    now: DateTime<Utc>,
    window: Duration,
    max: u32,
) -> Result<bool, ApiError> {
    let r = sqlx::query(
        "INSERT INTO enrollments (id, person_id, kind, address, secret_sealed, created_at, expires_at) \
         SELECT ?, ?, ?, ?, ?, ?, ? \
         WHERE (SELECT COUNT(*) FROM enrollments WHERE person_id = ? AND created_at > ?) < ?",
    )
    .bind(e.id)
    .bind(e.person_id)
    .bind(e.kind.as_str())
    .bind(e.address)
    .bind(e.secret_sealed)
    .bind(to_ms(now))
    .bind(to_ms(e.expires_at))
    .bind(e.person_id)
    .bind(to_ms(now - window))
    .bind(i64::from(max))
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Seconds until the person's oldest enrollment in the window leaves it.
pub async fn window_retry_after(
    db: impl SqliteExecutor<'_>,
    person_id: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<u64, ApiError> {
    let oldest: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(created_at) FROM enrollments WHERE person_id = ? AND created_at > ?",
    )
    .bind(person_id)
    .bind(to_ms(now - window))
    .fetch_one(db)
    .await?;
    let until = oldest.map_or(now, from_ms) + window;
    Ok(twostep_core::code::seconds_until(now, until) as u64)
}

pub async fn get(
    db: impl SqliteExecutor<'_>,
    id: &str,
    person_id: &str,
) -> Result<Option<EnrollmentRow>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT kind, address, secret_sealed, expires_at, wrong_attempts, confirmed_at \
         FROM enrollments WHERE id = ? AND person_id = ?",
    )
    .bind(id)
    .bind(person_id)
    .fetch_optional(db)
    .await?)
}

/// Counts one attempt at confirming, before the code is checked: the attempts claimed so
/// far, or why none can be made.
pub async fn claim_attempt(
    tx: &mut SqliteConnection,
    id: &str,
    person_id: &str,
    now: DateTime<Utc>,
    rules: &CodeRules,
) -> Result<u32, ApiError> {
    let claimed: Option<i64> = sqlx::query_scalar(
        "UPDATE enrollments SET wrong_attempts = wrong_attempts + 1 \
         WHERE id = ? AND person_id = ? AND confirmed_at IS NULL AND expires_at > ? \
           AND wrong_attempts < ? \
         RETURNING wrong_attempts",
    )
    .bind(id)
    .bind(person_id)
    .bind(to_ms(now))
    .bind(i64::from(rules.max_wrong))
    .fetch_optional(&mut *tx)
    .await?;
    match claimed {
        Some(n) => Ok(u32::try_from(n).unwrap_or(u32::MAX)),
        None => Err(get(&mut *tx, id, person_id)
            .await?
            .and_then(|e| e.refusal(now, rules))
            .unwrap_or(ApiError::NotFound("That enrollment"))),
    }
}

/// Marks the enrollment confirmed; false if another request confirmed it first.
pub async fn confirm(
    db: impl SqliteExecutor<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let r = sqlx::query(
        "UPDATE enrollments SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL",
    )
    .bind(to_ms(now))
    .bind(id)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}
