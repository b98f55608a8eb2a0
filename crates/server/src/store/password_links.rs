//! Emailed links to choose a password: "Forgot password?" and an administrator's invitation.
//! Stored by the SHA-256 of their token; used once; a new password spends every other link of
//! the person.

use chrono::{DateTime, Utc};

use super::Exec;
use crate::clock::to_ms;
use crate::error::ApiError;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reset,
    Invitation,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Invitation => "invitation",
        }
    }
}

pub async fn insert<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    person_id: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO password_links (hash, person_id, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(person_id)
    .bind(purpose.as_str())
    .bind(to_ms(now))
    .bind(to_ms(expires_at))
    .execute(db)
    .await?;
    Ok(())
}

/// How many links of `purpose` the person was sent since `since` (a cap on the emails).
pub async fn sent_since<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    purpose: Purpose,
    since: DateTime<Utc>,
) -> Result<u32, ApiError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM password_links WHERE person_id = $1 AND purpose = $2 \
         AND created_at > $3",
    )
    .bind(person_id)
    .bind(purpose.as_str())
    .bind(to_ms(since))
    .fetch_one(db)
    .await?;
    Ok(super::unsigned(n))
}

/// Whose an open link is (a first look; `claim` spends it).
pub async fn open<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    Ok(sqlx::query_scalar(
        "SELECT person_id FROM password_links WHERE hash = $1 AND purpose = $2 \
         AND used_at IS NULL AND expires_at > $3",
    )
    .bind(hash)
    .bind(purpose.as_str())
    .bind(to_ms(now))
    .fetch_optional(db)
    .await?)
}

/// Spends an open link: of two uses at once, one gets its person.
pub async fn claim<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    Ok(sqlx::query_scalar(
        "UPDATE password_links SET used_at = $1 WHERE hash = $2 AND purpose = $3 \
         AND used_at IS NULL AND expires_at > $1 RETURNING person_id",
    )
    .bind(to_ms(now))
    .bind(hash)
    .bind(purpose.as_str())
    .fetch_optional(db)
    .await?)
}

/// Spends every open link of the person (a new password was chosen).
pub async fn spend_all_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE password_links SET used_at = $1 WHERE person_id = $2 AND used_at IS NULL")
        .bind(to_ms(now))
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}
