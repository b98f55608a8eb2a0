//! The per-person second-step lock: consecutive failed second steps, counted before each check.

use chrono::{DateTime, Utc};
use sqlx::{SqliteConnection, SqliteExecutor};
use twostep_core::lockout::{LockRules, LockState};

use crate::clock::to_ms;
use crate::error::ApiError;

/// Counts one second-step attempt for the person, before it is checked: the consecutive
/// failures including this one, or `None` when the person's second step is locked now.
pub async fn claim_second_step(
    tx: &mut SqliteConnection,
    person_id: &str,
    now: DateTime<Utc>,
    rules: &LockRules,
) -> Result<Option<u32>, ApiError> {
    let n: Option<i64> = sqlx::query_scalar(
        "UPDATE people SET failed_second_steps = failed_second_steps + 1 \
         WHERE id = ? AND failed_second_steps < ? \
           AND (second_step_locked_until IS NULL OR second_step_locked_until <= ?) \
         RETURNING failed_second_steps",
    )
    .bind(person_id)
    .bind(i64::from(rules.locked_for_good_at))
    .bind(to_ms(now))
    .fetch_optional(&mut *tx)
    .await?;
    Ok(n.map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
}

/// Starts a lock. A lock for good needs no time: the count itself holds it.
pub async fn lock_second_step(
    db: impl SqliteExecutor<'_>,
    person_id: &str,
    lock: LockState,
) -> Result<(), ApiError> {
    if let LockState::Until(until) = lock {
        sqlx::query("UPDATE people SET second_step_locked_until = ? WHERE id = ?")
            .bind(to_ms(until))
            .bind(person_id)
            .execute(db)
            .await?;
    }
    Ok(())
}

/// A successful second step (or an administrator's reset): the count starts again.
pub async fn second_step_passed(
    db: impl SqliteExecutor<'_>,
    person_id: &str,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE people SET failed_second_steps = 0, second_step_locked_until = NULL WHERE id = ?",
    )
    .bind(person_id)
    .execute(db)
    .await?;
    Ok(())
}
