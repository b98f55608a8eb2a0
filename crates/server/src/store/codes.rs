//! Emailed and texted codes, stored as keyed hashes bound to the challenge or enrollment they
//! were sent for. Sending one is a single conditional INSERT that holds every cap at once.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, FromRow};

use super::{count, Backend, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// What a code is good for: exactly one challenge or one enrollment.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Challenge(&'a str),
    Enrollment(&'a str),
}

impl Scope<'_> {
    pub fn id(&self) -> &str {
        match self {
            Scope::Challenge(id) | Scope::Enrollment(id) => id,
        }
    }

    fn column(self) -> &'static str {
        match self {
            Scope::Challenge(_) => "challenge_id",
            Scope::Enrollment(_) => "enrollment_id",
        }
    }

    /// The table of what the code is for, and the condition that it is not done yet.
    fn open_in(self) -> (&'static str, &'static str) {
        match self {
            Scope::Challenge(_) => ("challenges", "spent_at IS NULL"),
            Scope::Enrollment(_) => ("enrollments", "confirmed_at IS NULL"),
        }
    }
}

pub struct NewCode<'a> {
    pub id: &'a str,
    pub scope: Scope<'a>,
    /// The method, for a sign-in; `None` for an enrollment.
    pub method_id: Option<&'a str>,
    pub person_id: &'a str,
    pub sent_to: &'a str,
    pub code_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
}

/// The caps a new code must fit under, as of `now`.
pub struct Caps {
    pub now: DateTime<Utc>,
    /// No code to the same method since then (the resend cooldown).
    pub cooldown_start: DateTime<Utc>,
    pub max_outstanding: u32,
    /// The challenge or enrollment takes no more attempts after this many.
    pub max_wrong: u32,
    /// The hourly caps count codes since then.
    pub window_start: DateTime<Utc>,
    pub per_person: u32,
    pub per_address: u32,
    /// Of `per_address`, codes for methods being added (`None` for a sign-in code).
    pub per_address_enrolling: Option<u32>,
}

/// Locks the destination address until the transaction ends: its hourly cap counts codes of
/// any person (PostgreSQL; on SQLite the transaction holds the one write lock). Take it after
/// the person's lock, never before.
pub async fn lock_address(tx: &mut AnyConnection, address: &str) -> Result<(), ApiError> {
    if Backend::of(tx) == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(2, hashtext($1))")
            .bind(address)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Inserts the code if the challenge or enrollment is still open and every cap has room:
/// false when refused. Lock the person, then the address, first (their hourly caps).
pub async fn insert_within_caps(
    tx: &mut AnyConnection,
    c: &NewCode<'_>,
    caps: &Caps,
) -> Result<bool, ApiError> {
    let col = c.scope.column();
    let (table, not_done) = c.scope.open_in();
    let r = sqlx::query(&format!(
        "INSERT INTO codes (id, {col}, method_id, person_id, sent_to, code_hash, created_at, expires_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
         WHERE EXISTS (SELECT 1 FROM {table} WHERE id = $2 AND {not_done} AND expires_at > $7 AND wrong_attempts < $9) \
           AND (SELECT COUNT(*) FROM codes WHERE {col} = $2 AND used_at IS NULL AND expires_at > $7) < $10 \
           AND NOT EXISTS (SELECT 1 FROM codes WHERE {col} = $2 AND COALESCE(method_id, '') = COALESCE($3, '') AND created_at > $11) \
           AND (SELECT COUNT(*) FROM codes WHERE person_id = $4 AND created_at > $12) < $13 \
           AND (SELECT COUNT(*) FROM codes WHERE sent_to = $5 AND created_at > $12) < $14 \
           AND (SELECT COUNT(*) FROM codes WHERE sent_to = $5 AND enrollment_id IS NOT NULL AND created_at > $12) < $15"
    ))
    .bind(c.id)
    .bind(c.scope.id())
    .bind(c.method_id)
    .bind(c.person_id)
    .bind(c.sent_to)
    .bind(c.code_hash)
    .bind(to_ms(caps.now))
    .bind(to_ms(c.expires_at))
    .bind(count(caps.max_wrong))
    .bind(count(caps.max_outstanding))
    .bind(to_ms(caps.cooldown_start))
    .bind(to_ms(caps.window_start))
    .bind(count(caps.per_person))
    .bind(count(caps.per_address))
    .bind(caps.per_address_enrolling.map_or(i64::MAX, count))
    .execute(&mut *tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The codes sent before, that bear on sending another (to tell why one was refused).
pub struct SentTimes {
    pub last_to_method: Option<DateTime<Utc>>,
    pub outstanding: Vec<DateTime<Utc>>,
    pub to_person: Vec<DateTime<Utc>>,
    pub to_address: Vec<DateTime<Utc>>,
    pub enrolling_to_address: Vec<DateTime<Utc>>,
}

pub async fn sent_times(
    tx: &mut AnyConnection,
    c: &NewCode<'_>,
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
) -> Result<SentTimes, ApiError> {
    let col = c.scope.column();
    let last: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT MAX(created_at) FROM codes WHERE {col} = $1 AND COALESCE(method_id, '') = COALESCE($2, '')"
    ))
    .bind(c.scope.id())
    .bind(c.method_id)
    .fetch_one(&mut *tx)
    .await?;
    let outstanding: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT created_at FROM codes WHERE {col} = $1 AND used_at IS NULL AND expires_at > $2"
    ))
    .bind(c.scope.id())
    .bind(to_ms(now))
    .fetch_all(&mut *tx)
    .await?;
    let to_person: Vec<i64> =
        sqlx::query_scalar("SELECT created_at FROM codes WHERE person_id = $1 AND created_at > $2")
            .bind(c.person_id)
            .bind(to_ms(window_start))
            .fetch_all(&mut *tx)
            .await?;
    let to_address: Vec<i64> =
        sqlx::query_scalar("SELECT created_at FROM codes WHERE sent_to = $1 AND created_at > $2")
            .bind(c.sent_to)
            .bind(to_ms(window_start))
            .fetch_all(&mut *tx)
            .await?;
    let enrolling: Vec<i64> = sqlx::query_scalar(
        "SELECT created_at FROM codes WHERE sent_to = $1 AND enrollment_id IS NOT NULL AND created_at > $2",
    )
    .bind(c.sent_to)
    .bind(to_ms(window_start))
    .fetch_all(&mut *tx)
    .await?;
    let times = |v: Vec<i64>| v.into_iter().map(from_ms).collect::<Vec<_>>();
    Ok(SentTimes {
        last_to_method: last.map(from_ms),
        outstanding: times(outstanding),
        to_person: times(to_person),
        to_address: times(to_address),
        enrolling_to_address: times(enrolling),
    })
}

#[derive(FromRow)]
pub struct Candidate {
    pub id: String,
    pub code_hash: Vec<u8>,
    /// Unix milliseconds.
    pub expires_at: i64,
}

/// The live, unused codes of `scope` sent to `method_id`, to compare with what was typed.
pub async fn live<'c>(
    db: impl Exec<'c>,
    scope: Scope<'_>,
    method_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<Candidate>, ApiError> {
    let col = scope.column();
    Ok(sqlx::query_as(&format!(
        "SELECT id, code_hash, expires_at FROM codes \
         WHERE {col} = $1 AND COALESCE(method_id, '') = COALESCE($2, '') \
           AND used_at IS NULL AND expires_at > $3"
    ))
    .bind(scope.id())
    .bind(method_id)
    .bind(to_ms(now))
    .fetch_all(db)
    .await?)
}

/// Marks a code used; false if another request used it first.
pub async fn consume<'c>(
    db: impl Exec<'c>,
    code_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let r = sqlx::query("UPDATE codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(to_ms(now))
        .bind(code_id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}
