//! Two-person resets and one-day passes: a request by one administrator, waiting for a
//! different one.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::Exec;
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// What a request waits to do: reset the person's 2-Step Verification, or issue them a
/// one-day pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Reset,
    DayPass,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::DayPass => "day_pass",
        }
    }
}

pub struct ResetRequestRow {
    pub id: String,
    pub kind: RequestKind,
    pub center_id: String,
    pub person_id: String,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub approved: bool,
}

#[derive(FromRow)]
struct Stored {
    id: String,
    kind: String,
    center_id: String,
    person_id: String,
    requested_by: String,
    created_at: i64,
    expires_at: i64,
    approved_at: Option<i64>,
}

impl From<Stored> for ResetRequestRow {
    fn from(s: Stored) -> Self {
        Self {
            id: s.id,
            // The database allows only these two words.
            kind: if s.kind == "day_pass" {
                RequestKind::DayPass
            } else {
                RequestKind::Reset
            },
            center_id: s.center_id,
            person_id: s.person_id,
            requested_by: s.requested_by,
            created_at: from_ms(s.created_at),
            expires_at: from_ms(s.expires_at),
            approved: s.approved_at.is_some(),
        }
    }
}

const COLUMNS: &str =
    "id, kind, center_id, person_id, requested_by, created_at, expires_at, approved_at";

/// Forgets the person's request that waited past its expiry (one may wait at a time).
pub async fn delete_expired_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "DELETE FROM reset_requests WHERE person_id = $1 AND approved_at IS NULL \
         AND expires_at <= $2",
    )
    .bind(person_id)
    .bind(to_ms(now))
    .execute(db)
    .await?;
    Ok(())
}

/// Drops the request waiting for the person (their reset was done another way).
pub async fn delete_pending_of<'c>(db: impl Exec<'c>, person_id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM reset_requests WHERE person_id = $1 AND approved_at IS NULL")
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A new request, unless one of its kind already waits for the person: true if this one was
/// made.
pub async fn insert<'c>(db: impl Exec<'c>, r: &ResetRequestRow) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "INSERT INTO reset_requests (id, center_id, person_id, requested_by, created_at, \
         expires_at, kind) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (person_id, kind) WHERE approved_at IS NULL DO NOTHING",
    )
    .bind(&r.id)
    .bind(&r.center_id)
    .bind(&r.person_id)
    .bind(&r.requested_by)
    .bind(to_ms(r.created_at))
    .bind(to_ms(r.expires_at))
    .bind(r.kind.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The request of `kind` waiting for the person, if any (expired or not).
pub async fn pending_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    kind: RequestKind,
) -> Result<Option<ResetRequestRow>, ApiError> {
    let row: Option<Stored> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM reset_requests WHERE person_id = $1 AND approved_at IS NULL \
         AND kind = $2"
    ))
    .bind(person_id)
    .bind(kind.as_str())
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn by_id<'c>(db: impl Exec<'c>, id: &str) -> Result<Option<ResetRequestRow>, ApiError> {
    let row: Option<Stored> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM reset_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

/// The center's requests still waiting and not expired, oldest first.
pub async fn pending_in_center<'c>(
    db: impl Exec<'c>,
    center_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ResetRequestRow>, ApiError> {
    let rows: Vec<Stored> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM reset_requests WHERE center_id = $1 AND approved_at IS NULL \
         AND expires_at > $2 ORDER BY created_at"
    ))
    .bind(center_id)
    .bind(to_ms(now))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Approves the request if it still waits, has not expired and `approver` did not ask for it:
/// one conditional write, so two approvals at once reset once. True if this one approved it.
pub async fn approve<'c>(
    db: impl Exec<'c>,
    id: &str,
    approver: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE reset_requests SET approved_by = $1, approved_at = $2 \
         WHERE id = $3 AND approved_at IS NULL AND expires_at > $2 AND requested_by <> $1",
    )
    .bind(approver)
    .bind(to_ms(now))
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
