//! One-day passes, as keyed hashes bound to their person. One live pass per person (a partial
//! unique index); spending one is a single conditional UPDATE, so of a burst with the same
//! pass exactly one changes the row. Rows stay after a pass ends: the monthly cap counts them.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{unsigned, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

pub struct DayPassRow {
    pub id: String,
    pub center_id: String,
    pub person_id: String,
    pub pass_hash: Vec<u8>,
    pub issued_by: String,
    pub approved_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct Stored {
    id: String,
    center_id: String,
    person_id: String,
    pass_hash: Vec<u8>,
    issued_by: String,
    approved_by: Option<String>,
    created_at: i64,
    expires_at: i64,
}

impl From<Stored> for DayPassRow {
    fn from(s: Stored) -> Self {
        Self {
            id: s.id,
            center_id: s.center_id,
            person_id: s.person_id,
            pass_hash: s.pass_hash,
            issued_by: s.issued_by,
            approved_by: s.approved_by,
            created_at: from_ms(s.created_at),
            expires_at: from_ms(s.expires_at),
        }
    }
}

const COLUMNS: &str =
    "id, center_id, person_id, pass_hash, issued_by, approved_by, created_at, expires_at";

/// How a pass stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Used,
    Revoked,
    Expired,
    /// With the person's other credentials: a reset, a freeze, a disable.
    Ended,
}

impl Ended {
    fn as_str(self) -> &'static str {
        match self {
            Self::Used => "used",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::Ended => "ended",
        }
    }
}

/// Marks the person's pass that outlived its expiry as expired, so a new one may be issued.
pub async fn end_expired_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE day_passes SET ended_at = $2, ended_how = $3 \
         WHERE person_id = $1 AND ended_at IS NULL AND expires_at <= $2",
    )
    .bind(person_id)
    .bind(to_ms(now))
    .bind(Ended::Expired.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// Passes issued to the person since `since` (the start of the center's month), ended or not.
pub async fn issued_since<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    since: DateTime<Utc>,
) -> Result<u32, ApiError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM day_passes WHERE person_id = $1 AND created_at >= $2",
    )
    .bind(person_id)
    .bind(to_ms(since))
    .fetch_one(db)
    .await?;
    Ok(unsigned(n))
}

/// A new pass, unless the person has a live one: true if this one was made.
pub async fn insert<'c>(db: impl Exec<'c>, r: &DayPassRow) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "INSERT INTO day_passes (id, center_id, person_id, pass_hash, issued_by, approved_by, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (person_id) WHERE ended_at IS NULL DO NOTHING",
    )
    .bind(&r.id)
    .bind(&r.center_id)
    .bind(&r.person_id)
    .bind(r.pass_hash.as_slice())
    .bind(&r.issued_by)
    .bind(r.approved_by.as_deref())
    .bind(to_ms(r.created_at))
    .bind(to_ms(r.expires_at))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The person's pass that still works at `now`, if any.
pub async fn live_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<DayPassRow>, ApiError> {
    let row: Option<Stored> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM day_passes WHERE person_id = $1 AND ended_at IS NULL \
         AND expires_at > $2"
    ))
    .bind(person_id)
    .bind(to_ms(now))
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

/// Spends the pass `id` if it still works: whether this request spent it.
pub async fn spend<'c>(db: impl Exec<'c>, id: &str, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE day_passes SET ended_at = $2, ended_how = $3 \
         WHERE id = $1 AND ended_at IS NULL AND expires_at > $2",
    )
    .bind(id)
    .bind(to_ms(now))
    .bind(Ended::Used.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the person's pass that still works (`how`: revoked, or with their other
/// credentials): whether there was one.
pub async fn end_live_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    how: Ended,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE day_passes SET ended_at = $2, ended_how = $3 \
         WHERE person_id = $1 AND ended_at IS NULL AND expires_at > $2",
    )
    .bind(person_id)
    .bind(to_ms(now))
    .bind(how.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
