//! A native app's one-time codes (RFC 8252): issued to the app's loopback address after a
//! sign-in in the system browser, exchanged once, with the PKCE verifier, for a session.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::Exec;
use crate::clock::to_ms;
use crate::error::ApiError;

pub struct NewAppCode<'a> {
    /// SHA-256 of the code: the code itself is only ever in the redirect.
    pub hash: &'a [u8],
    pub person_id: &'a str,
    pub code_challenge: &'a str,
    pub redirect_uri: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert<'c>(
    db: impl Exec<'c>,
    c: &NewAppCode<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO app_codes (hash, person_id, code_challenge, redirect_uri, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.hash)
    .bind(c.person_id)
    .bind(c.code_challenge)
    .bind(c.redirect_uri)
    .bind(to_ms(now))
    .bind(to_ms(c.expires_at))
    .execute(db)
    .await?;
    Ok(())
}

/// A code claimed: whose it is and what its exchange must match.
#[derive(Debug, FromRow)]
pub struct Claimed {
    pub person_id: String,
    pub code_challenge: String,
    pub redirect_uri: String,
}

/// Spends the code if it is unused and unexpired: of two exchanges at once, one gets it. A
/// wrong verifier or address spends it too (RFC 6749 §10.5: a code is tried once).
pub async fn claim<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Claimed>, ApiError> {
    Ok(sqlx::query_as(
        "UPDATE app_codes SET used_at = $1 WHERE hash = $2 AND used_at IS NULL \
         AND expires_at > $1 RETURNING person_id, code_challenge, redirect_uri",
    )
    .bind(to_ms(now))
    .bind(hash)
    .fetch_optional(db)
    .await?)
}
