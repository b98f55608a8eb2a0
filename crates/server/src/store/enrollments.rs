//! Enrollments: a method being added, until its first code confirms it.

use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, FromRow};
use twostep_core::code::CodeRules;
use twostep_core::Kind;

use twostep_core::attempts::{attempt_state, AttemptState};

use super::{count, flag, unsigned, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct EnrollmentRow {
    pub kind: Kind,
    pub address: Option<String>,
    pub secret_sealed: Option<Vec<u8>>,
    pub expires_at: DateTime<Utc>,
    /// Attempts claimed so far: every wrong code, and at most one right one.
    pub attempts: u32,
    pub confirmed: bool,
}

#[derive(FromRow)]
struct Stored {
    kind: String,
    address: Option<String>,
    secret_sealed: Option<Vec<u8>>,
    expires_at: i64,
    wrong_attempts: i64,
    confirmed_at: Option<i64>,
}

impl TryFrom<Stored> for EnrollmentRow {
    type Error = ApiError;
    fn try_from(s: Stored) -> Result<Self, ApiError> {
        Ok(Self {
            kind: s
                .kind
                .parse()
                .map_err(|e: twostep_core::RuleError| ApiError::internal(e.to_string()))?,
            address: s.address,
            secret_sealed: s.secret_sealed,
            expires_at: from_ms(s.expires_at),
            attempts: unsigned(s.wrong_attempts),
            confirmed: s.confirmed_at.is_some(),
        })
    }
}

impl EnrollmentRow {
    pub fn refusal(&self, now: DateTime<Utc>, rules: &CodeRules) -> Option<ApiError> {
        match attempt_state(self.confirmed, self.expires_at, self.attempts, now, rules) {
            AttemptState::Open => None,
            AttemptState::Expired => Some(ApiError::EnrollmentExpired),
            AttemptState::Locked => Some(ApiError::ChallengeLocked),
        }
    }
}

pub struct NewEnrollment<'a> {
    pub id: &'a str,
    pub person_id: &'a str,
    pub kind: Kind,
    pub address: Option<&'a str>,
    pub secret_sealed: Option<&'a [u8]>,
    pub expires_at: DateTime<Utc>,
}

/// Inserts the enrollment unless the person already started `max` in the window: the INSERT
/// is the count (lock the person first), so a burst of "add a method" starts exactly `max`.
/// False when refused.
pub async fn insert_within_window(
    tx: &mut AnyConnection,
    e: &NewEnrollment<'_>,
    now: DateTime<Utc>,
    window: Duration,
    max: u32,
) -> Result<bool, ApiError> {
    let r = sqlx::query(
        "INSERT INTO enrollments (id, person_id, kind, address, secret_sealed, created_at, expires_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7 \
         WHERE (SELECT COUNT(*) FROM enrollments WHERE person_id = $2 AND created_at > $8) < $9",
    )
    .bind(e.id)
    .bind(e.person_id)
    .bind(e.kind.as_str())
    .bind(e.address)
    .bind(e.secret_sealed)
    .bind(to_ms(now))
    .bind(to_ms(e.expires_at))
    .bind(to_ms(now - window))
    .bind(count(max))
    .execute(&mut *tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Seconds until the person's oldest enrollment in the window leaves it.
pub async fn window_retry_after<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<u64, ApiError> {
    let oldest: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(created_at) FROM enrollments WHERE person_id = $1 AND created_at > $2",
    )
    .bind(person_id)
    .bind(to_ms(now - window))
    .fetch_one(db)
    .await?;
    let until = oldest.map_or(now, from_ms) + window;
    Ok(twostep_core::code::seconds_until(now, until) as u64)
}

pub async fn get<'c>(
    db: impl Exec<'c>,
    id: &str,
    person_id: &str,
) -> Result<Option<EnrollmentRow>, ApiError> {
    let s: Option<Stored> = sqlx::query_as(
        "SELECT kind, address, secret_sealed, expires_at, wrong_attempts, confirmed_at \
         FROM enrollments WHERE id = $1 AND person_id = $2",
    )
    .bind(id)
    .bind(person_id)
    .fetch_optional(db)
    .await?;
    s.map(EnrollmentRow::try_from).transpose()
}

/// Counts one attempt at confirming, and confirms the enrollment when the attempt `won` (in
/// the same statement): the attempts claimed so far, or why none can be made. Within the
/// attempt's transaction, so a refusal undoes whatever the attempt claimed.
pub async fn claim_attempt(
    tx: &mut AnyConnection,
    id: &str,
    person_id: &str,
    now: DateTime<Utc>,
    rules: &CodeRules,
    won: bool,
) -> Result<u32, ApiError> {
    let claimed: Option<i64> = sqlx::query_scalar(
        "UPDATE enrollments SET wrong_attempts = wrong_attempts + 1, \
           confirmed_at = CASE WHEN $5 = 1 THEN $3 ELSE NULL END \
         WHERE id = $1 AND person_id = $2 AND confirmed_at IS NULL AND expires_at > $3 \
           AND wrong_attempts < $4 \
         RETURNING wrong_attempts",
    )
    .bind(id)
    .bind(person_id)
    .bind(to_ms(now))
    .bind(count(rules.max_wrong))
    .bind(flag(won))
    .fetch_optional(&mut *tx)
    .await?;
    match claimed {
        Some(n) => Ok(unsigned(n)),
        None => Err(get(&mut *tx, id, person_id)
            .await?
            .and_then(|e| e.refusal(now, rules))
            .unwrap_or(ApiError::NotFound("That enrollment"))),
    }
}

/// Every enrollment of the person (an administrator's reset); their codes go with them.
pub async fn delete_all_of<'c>(db: impl Exec<'c>, person_id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM enrollments WHERE person_id = $1")
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}
