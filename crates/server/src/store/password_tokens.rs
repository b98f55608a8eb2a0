//! Password tokens: after an administrator unfreezes an account, the next right password earns
//! one of these instead of a sign-in. It is good only for choosing a new password
//! (`PUT /me/password`), once, for as long as a challenge; stored by its SHA-256.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::Exec;
use crate::clock::to_ms;
use crate::error::ApiError;

/// The sign-in a password token continues once the new password is set.
#[derive(Debug, Clone, FromRow)]
pub struct PasswordTokenRow {
    pub person_id: String,
    pub device_name: Option<String>,
    pub device_hash: Option<Vec<u8>>,
}

pub struct NewPasswordToken<'a> {
    pub hash: &'a [u8],
    pub person_id: &'a str,
    pub device_name: Option<&'a str>,
    pub device_hash: Option<&'a [u8]>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert<'c>(
    db: impl Exec<'c>,
    t: &NewPasswordToken<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO password_tokens (hash, person_id, device_name, device_hash, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(t.hash)
    .bind(t.person_id)
    .bind(t.device_name)
    .bind(t.device_hash)
    .bind(to_ms(now))
    .bind(to_ms(t.expires_at))
    .execute(db)
    .await?;
    Ok(())
}

/// The token's sign-in, if the token can still be used (a look, nothing spent).
pub async fn get<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<PasswordTokenRow>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT person_id, device_name, device_hash FROM password_tokens \
         WHERE hash = $1 AND spent_at IS NULL AND expires_at > $2",
    )
    .bind(hash)
    .bind(to_ms(now))
    .fetch_optional(db)
    .await?)
}

/// Spends the token: its sign-in if this request spent it, none if it was spent already (a
/// race lost), expired or unknown.
pub async fn spend<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<PasswordTokenRow>, ApiError> {
    Ok(sqlx::query_as(
        "UPDATE password_tokens SET spent_at = $2 \
         WHERE hash = $1 AND spent_at IS NULL AND expires_at > $2 \
         RETURNING person_id, device_name, device_hash",
    )
    .bind(hash)
    .bind(to_ms(now))
    .fetch_optional(db)
    .await?)
}

/// Every unspent token of the person ends (a new password chosen, a freeze).
pub async fn spend_all_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE password_tokens SET spent_at = $2 WHERE person_id = $1 AND spent_at IS NULL",
    )
    .bind(person_id)
    .bind(to_ms(now))
    .execute(db)
    .await?;
    Ok(())
}
