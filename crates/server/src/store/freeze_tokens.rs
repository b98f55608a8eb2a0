//! "This wasn't me" links: single-use tokens, stored by their SHA-256, good for 7 days.

use chrono::{DateTime, Utc};

use super::Exec;
use crate::clock::to_ms;
use crate::error::ApiError;

pub async fn insert<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    person_id: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO freeze_tokens (hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash)
    .bind(person_id)
    .bind(to_ms(now))
    .bind(to_ms(expires_at))
    .execute(db)
    .await?;
    Ok(())
}

/// The person a link still works for (unused, unexpired), without using it (a GET).
pub async fn person_of<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    Ok(sqlx::query_scalar(
        "SELECT person_id FROM freeze_tokens WHERE hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(hash)
    .bind(to_ms(now))
    .fetch_optional(db)
    .await?)
}

/// Uses the link, once: the person it was for, or `None` (used, expired or unknown).
pub async fn spend<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    Ok(sqlx::query_scalar(
        "UPDATE freeze_tokens SET used_at = $2 \
         WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING person_id",
    )
    .bind(hash)
    .bind(to_ms(now))
    .fetch_optional(db)
    .await?)
}

/// Spends every link of the person: a freeze (the links did their work) or an unfreeze (links
/// sent before it must not freeze the account again days later).
pub async fn spend_all_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE freeze_tokens SET used_at = $2 WHERE person_id = $1 AND used_at IS NULL")
        .bind(person_id)
        .bind(to_ms(now))
        .execute(db)
        .await?;
    Ok(())
}
