//! Sign-in challenges: the second step after a right password.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, FromRow};
use twostep_core::code::CodeRules;

use super::{count, unsigned, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct ChallengeRow {
    pub person_id: String,
    pub device_name: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// Attempts claimed so far: every wrong code, and at most one right one (which spends it).
    pub attempts: u32,
    pub spent: bool,
}

#[derive(FromRow)]
struct Stored {
    person_id: String,
    device_name: Option<String>,
    expires_at: i64,
    wrong_attempts: i64,
    spent_at: Option<i64>,
}

impl From<Stored> for ChallengeRow {
    fn from(s: Stored) -> Self {
        Self {
            person_id: s.person_id,
            device_name: s.device_name,
            expires_at: from_ms(s.expires_at),
            attempts: unsigned(s.wrong_attempts),
            spent: s.spent_at.is_some(),
        }
    }
}

impl ChallengeRow {
    /// Why this challenge can take no (more) attempts at `now`, if it cannot.
    pub fn refusal(&self, now: DateTime<Utc>, rules: &CodeRules) -> Option<ApiError> {
        if self.spent || self.expires_at <= now {
            Some(ApiError::ChallengeExpired)
        } else if rules.is_locked(self.attempts) {
            Some(ApiError::ChallengeLocked)
        } else {
            None
        }
    }
}

pub async fn insert<'c>(
    db: impl Exec<'c>,
    id: &str,
    person_id: &str,
    device_name: Option<&str>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO challenges (id, person_id, device_name, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
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

pub async fn get<'c>(db: impl Exec<'c>, id: &str) -> Result<Option<ChallengeRow>, ApiError> {
    let s: Option<Stored> = sqlx::query_as(
        "SELECT person_id, device_name, expires_at, wrong_attempts, spent_at \
         FROM challenges WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(s.map(ChallengeRow::from))
}

/// Counts one attempt at a code, before the code is checked: the attempts claimed so far, or
/// the reason no attempt can be made (spent, expired, or too many wrong codes already).
pub async fn claim_attempt(
    tx: &mut AnyConnection,
    id: &str,
    now: DateTime<Utc>,
    rules: &CodeRules,
) -> Result<u32, ApiError> {
    let claimed: Option<i64> = sqlx::query_scalar(
        "UPDATE challenges SET wrong_attempts = wrong_attempts + 1 \
         WHERE id = $1 AND spent_at IS NULL AND expires_at > $2 AND wrong_attempts < $3 \
         RETURNING wrong_attempts",
    )
    .bind(id)
    .bind(to_ms(now))
    .bind(count(rules.max_wrong))
    .fetch_optional(&mut *tx)
    .await?;
    match claimed {
        Some(n) => Ok(unsigned(n)),
        None => Err(get(&mut *tx, id)
            .await?
            .and_then(|c| c.refusal(now, rules))
            .unwrap_or(ApiError::NotFound("That sign-in"))),
    }
}

/// Spends the challenge and every code sent for it; false if it was already spent.
pub async fn spend(tx: &mut AnyConnection, id: &str, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let spent =
        sqlx::query("UPDATE challenges SET spent_at = $1 WHERE id = $2 AND spent_at IS NULL")
            .bind(to_ms(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    sqlx::query("UPDATE codes SET used_at = $1 WHERE challenge_id = $2 AND used_at IS NULL")
        .bind(to_ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(spent.rows_affected() == 1)
}

/// Every challenge of the person (an administrator's reset); their codes go with them.
pub async fn delete_all_of<'c>(db: impl Exec<'c>, person_id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM challenges WHERE person_id = $1")
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}
