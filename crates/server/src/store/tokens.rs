//! Session and setup tokens, stored by the SHA-256 of the token (never the token).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::batch::Statement;
use super::devices::Device;
use super::{flag, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    Setup,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Setup => "setup",
        }
    }
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub kind: TokenKind,
    pub person_id: String,
    pub device: Device,
    /// When it was issued: right after a second step, or a password for a person without
    /// methods (every sign-in and every fresh sign-in issues a new session).
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// For a setup token: whether `skip-setup` may use it.
    pub skippable: bool,
    pub spent: bool,
}

#[derive(FromRow)]
struct Stored {
    kind: String,
    person_id: String,
    device_name: Option<String>,
    device_hash: Option<Vec<u8>>,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    skippable: i64,
    spent_at: Option<i64>,
}

pub async fn get<'c>(db: impl Exec<'c>, hash: &[u8]) -> Result<Option<TokenRow>, ApiError> {
    let s: Option<Stored> = sqlx::query_as(
        "SELECT kind, person_id, device_name, device_hash, created_at, last_seen_at, expires_at, \
           skippable, spent_at \
         FROM tokens WHERE hash = $1",
    )
    .bind(hash)
    .fetch_optional(db)
    .await?;
    Ok(s.map(|s| TokenRow {
        kind: if s.kind == "session" {
            TokenKind::Session
        } else {
            TokenKind::Setup
        },
        person_id: s.person_id,
        device: Device {
            name: s.device_name,
            hash: s.device_hash,
        },
        created_at: from_ms(s.created_at),
        last_seen_at: from_ms(s.last_seen_at),
        expires_at: from_ms(s.expires_at),
        skippable: s.skippable != 0,
        spent: s.spent_at.is_some(),
    }))
}

pub struct NewToken<'a> {
    pub hash: &'a [u8],
    pub kind: TokenKind,
    pub person_id: &'a str,
    pub device: &'a Device,
    pub expires_at: DateTime<Utc>,
    pub skippable: bool,
}

pub async fn insert<'c>(
    db: impl Exec<'c>,
    t: &NewToken<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    insert_statement(t, now).execute(db).await?;
    Ok(())
}

/// `insert` for a batch (its values copied: the token's hash is the caller's for a moment).
pub fn insert_statement(t: &NewToken<'_>, now: DateTime<Utc>) -> Statement<'static> {
    Statement::new(
        "INSERT INTO tokens (hash, kind, person_id, device_name, created_at, last_seen_at, \
         expires_at, skippable, public_id, device_hash) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9)",
    )
    .bind(t.hash.to_vec())
    .bind(t.kind.as_str())
    .bind(t.person_id.to_owned())
    .bind(t.device.name.clone())
    .bind(to_ms(now))
    .bind(to_ms(t.expires_at))
    .bind(flag(t.skippable))
    // A random id people can see and name a session by; it opens nothing.
    .bind(super::new_id())
    .bind(t.device.hash.clone())
}

/// The session was used now.
pub async fn touch<'c>(db: impl Exec<'c>, hash: &[u8], now: DateTime<Utc>) -> Result<(), ApiError> {
    sqlx::query("UPDATE tokens SET last_seen_at = $1 WHERE hash = $2")
        .bind(to_ms(now))
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Spends a setup token; false if it was already spent (a race lost).
pub async fn spend_setup<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let r = sqlx::query(
        "UPDATE tokens SET spent_at = $1 \
         WHERE hash = $2 AND kind = 'setup' AND spent_at IS NULL AND expires_at > $1",
    )
    .bind(to_ms(now))
    .bind(hash)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Spends every setup token of the person (a session is being issued to them), in a batch.
pub fn spend_setups_of_statement(person_id: &str, now: DateTime<Utc>) -> Statement<'_> {
    Statement::new(
        "UPDATE tokens SET spent_at = $1 WHERE person_id = $2 AND kind = 'setup' AND spent_at IS NULL",
    )
    .bind(to_ms(now))
    .bind(person_id)
}

/// Revokes one token (a sign-out, or the session a fresh sign-in replaces): whether it was
/// still there.
pub async fn delete<'c>(db: impl Exec<'c>, hash: &[u8]) -> Result<bool, ApiError> {
    let r = sqlx::query("DELETE FROM tokens WHERE hash = $1")
        .bind(hash)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A session as its person sees it in "Where you're signed in".
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub public_id: String,
    pub hash: Vec<u8>,
    pub device_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct StoredSession {
    public_id: String,
    hash: Vec<u8>,
    device_name: Option<String>,
    created_at: i64,
    last_seen_at: i64,
}

/// The person's sessions still good at `now` (not expired, not idle since `idle_since`),
/// most recently used first.
pub async fn sessions_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<Vec<SessionRow>, ApiError> {
    let rows: Vec<StoredSession> = sqlx::query_as(
        "SELECT public_id, hash, device_name, created_at, last_seen_at FROM tokens \
         WHERE person_id = $1 AND kind = 'session' AND public_id IS NOT NULL \
           AND expires_at > $2 AND last_seen_at > $3 \
         ORDER BY last_seen_at DESC, created_at DESC",
    )
    .bind(person_id)
    .bind(to_ms(now))
    .bind(to_ms(idle_since))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionRow {
            public_id: r.public_id,
            hash: r.hash,
            device_name: r.device_name,
            created_at: from_ms(r.created_at),
            last_seen_at: from_ms(r.last_seen_at),
        })
        .collect())
}

/// Ends the person's session named `public_id`: its token's hash, or `None` when the person
/// has no such session (another person's id included).
pub async fn delete_session<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    public_id: &str,
) -> Result<Option<Vec<u8>>, ApiError> {
    let hash: Option<Vec<u8>> = sqlx::query_scalar(
        "DELETE FROM tokens WHERE person_id = $1 AND public_id = $2 AND kind = 'session' \
         RETURNING hash",
    )
    .bind(person_id)
    .bind(public_id)
    .fetch_optional(db)
    .await?;
    Ok(hash)
}

/// Revokes every token of the person but `keep` (a password change ends the other sessions).
pub async fn delete_others_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    keep: &[u8],
) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM tokens WHERE person_id = $1 AND hash <> $2")
        .bind(person_id)
        .bind(keep)
        .execute(db)
        .await?;
    Ok(())
}

/// Revokes every token of the person (an administrator's reset).
pub async fn delete_all_of<'c>(db: impl Exec<'c>, person_id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM tokens WHERE person_id = $1")
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}
