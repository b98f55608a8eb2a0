//! Recovery codes, as keyed hashes bound to their person. Spending one is a single conditional
//! UPDATE: of two requests with the same code, exactly one changes the row.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{new_id, unsigned, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// What `GET /me/recovery-codes` tells: how many are left, and when the set was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub remaining: u32,
    pub created_at: Option<DateTime<Utc>>,
}

/// Replaces the person's set with `hashes`: every earlier code stops working. Inside the
/// transaction that shows the new codes, so a failure leaves the old set whole.
pub async fn replace(
    tx: &mut sqlx::AnyConnection,
    person_id: &str,
    hashes: &[Vec<u8>],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    delete_all_of(&mut *tx, person_id).await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (id, person_id, code_hash, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(new_id())
        .bind(person_id)
        .bind(hash.as_slice())
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Spends the code whose hash is `hash`, if it is the person's and unused: whether this
/// request spent it.
pub async fn spend<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 \
         WHERE person_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(person_id)
    .bind(hash)
    .bind(to_ms(now))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(FromRow)]
struct Stored {
    remaining: i64,
    created_at: Option<i64>,
}

pub async fn summary<'c>(db: impl Exec<'c>, person_id: &str) -> Result<Summary, ApiError> {
    let s: Stored = sqlx::query_as(
        "SELECT COUNT(*) - COUNT(used_at) AS remaining, MAX(created_at) AS created_at \
         FROM recovery_codes WHERE person_id = $1",
    )
    .bind(person_id)
    .fetch_one(db)
    .await?;
    Ok(Summary {
        remaining: unsigned(s.remaining),
        created_at: s.created_at.map(from_ms),
    })
}

/// Every code of the person (an administrator's reset: a fresh start has no old way in).
pub async fn delete_all_of<'c>(db: impl Exec<'c>, person_id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM recovery_codes WHERE person_id = $1")
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}
