//! Sign-in challenges: the second step after a right password.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};
use twostep_core::code::CodeRules;

use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

#[derive(Debug, Clone, FromRow)]
pub struct ChallengeRow {
    pub person_id: String,
    pub device_name: Option<String>,
    pub expires_at: i64,
    /// Attempts claimed so far: every wrong code, and at most one right one (which spends it).
    pub wrong_attempts: i64,
    pub spent_at: Option<i64>,
}

impl ChallengeRow {
    /// Why this challenge can take no (more) attempts at `now`, if it cannot.
    pub fn refusal(&self, now: DateTime<Utc>, rules: &CodeRules) -> Option<ApiError> {
        if self.spent_at.is_some() || from_ms(self.expires_at) <= now {
            Some(ApiError::ChallengeExpired)
        } else if rules.is_locked(u32::try_from(self.wrong_attempts).unwrap_or(u32::MAX)) {
            Some(ApiError::ChallengeLocked)
        } else {
            None
        }
    }
}

pub async fn insert(
    db: impl SqliteExecutor<'_>,
    id: &str,
    person_id: &str,
    device_name: Option<&str>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO challenges (id, person_id, device_name, created_at, expires_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(person_id)
    .bind(device_name)
    .bind(to_ms(now))
    .bind(to_ms(expires_at))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl SqliteExecutor<'_>, id: &str) -> Result<Option<ChallengeRow>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT person_id, device_name, expires_at, wrong_attempts, spent_at \
         FROM challenges WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// Counts one attempt at a code, before the code is checked: the attempts claimed so far, or
/// the reason no attempt can be made (spent, expired, or too many wrong codes already).
pub async fn claim_attempt(
    tx: &mut SqliteConnection,
    id: &str,
    now: DateTime<Utc>,
    rules: &CodeRules,
) -> Result<u32, ApiError> {
    let claimed: Option<i64> = sqlx::query_scalar(
        "UPDATE challenges SET wrong_attempts = wrong_attempts + 1 \
         WHERE id = ? AND spent_at IS NULL AND expires_at > ? AND wrong_attempts < ? \
         RETURNING wrong_attempts",
    )
    .bind(id)
    .bind(to_ms(now))
    .bind(i64::from(rules.max_wrong))
    .fetch_optional(&mut *tx)
    .await?;
    match claimed {
        Some(n) => Ok(u32::try_from(n).unwrap_or(u32::MAX)),
        None => Err(get(&mut *tx, id)
            .await?
            .and_then(|c| c.refusal(now, rules))
            .unwrap_or(ApiError::NotFound("That sign-in"))),
    }
}

/// Spends the challenge and every code sent for it; false if it was already spent.
pub async fn spend(
    tx: &mut SqliteConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let spent = sqlx::query("UPDATE challenges SET spent_at = ? WHERE id = ? AND spent_at IS NULL")
        .bind(to_ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE codes SET used_at = ? WHERE challenge_id = ? AND used_at IS NULL")
        .bind(to_ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(spent.rows_affected() == 1)
}
