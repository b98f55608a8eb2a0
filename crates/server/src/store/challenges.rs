//! Sign-in challenges: the second step after a right password.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, FromRow};
use twostep_core::code::CodeRules;

use twostep_core::attempts::{attempt_state, AttemptState};

use super::batch::Statement;
use super::centers::{self, Center};
use super::devices::Device;
use super::{count, flag, methods, people, unsigned, Exec, MethodRow, PersonRow};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct ChallengeRow {
    pub person_id: String,
    /// The device the sign-in comes from: its session will be for it.
    pub device: Device,
    pub expires_at: DateTime<Utc>,
    /// Attempts claimed so far: every wrong code, and at most one right one (which spends it).
    pub attempts: u32,
    pub spent: bool,
    /// For a fresh sign-in: the hash of the session it refreshes, which must be presented to
    /// answer it and which passing it revokes.
    pub reauth_of: Option<Vec<u8>>,
}

#[derive(FromRow)]
struct Stored {
    person_id: String,
    device_name: Option<String>,
    device_hash: Option<Vec<u8>>,
    expires_at: i64,
    wrong_attempts: i64,
    spent_at: Option<i64>,
    reauth_of: Option<Vec<u8>>,
}

impl From<Stored> for ChallengeRow {
    fn from(s: Stored) -> Self {
        Self {
            person_id: s.person_id,
            device: Device {
                name: s.device_name,
                hash: s.device_hash,
            },
            expires_at: from_ms(s.expires_at),
            attempts: unsigned(s.wrong_attempts),
            spent: s.spent_at.is_some(),
            reauth_of: s.reauth_of,
        }
    }
}

impl ChallengeRow {
    /// Why this challenge can take no (more) attempts at `now`, if it cannot.
    pub fn refusal(&self, now: DateTime<Utc>, rules: &CodeRules) -> Option<ApiError> {
        match attempt_state(self.spent, self.expires_at, self.attempts, now, rules) {
            AttemptState::Open => None,
            AttemptState::Expired => Some(ApiError::ChallengeExpired),
            AttemptState::Locked => Some(ApiError::ChallengeLocked),
        }
    }

    /// A fresh sign-in's challenge is answered only with the session it refreshes presented
    /// (`presented`: the hash of the request's bearer token); a sign-in's, with none needed.
    pub fn check_caller(&self, presented: Option<&[u8]>) -> Result<(), ApiError> {
        use subtle::ConstantTimeEq;
        match (&self.reauth_of, presented) {
            (None, _) => Ok(()),
            (Some(own), Some(p)) if bool::from(own.as_slice().ct_eq(p)) => Ok(()),
            (Some(_), _) => Err(ApiError::Unauthenticated),
        }
    }
}

/// A challenge with what answering it needs: its person, their center, and the method named.
pub struct ChallengeContext {
    pub challenge: ChallengeRow,
    pub person: PersonRow,
    pub center: Center,
    /// The method named in the request, if it is the person's.
    pub method: Option<MethodRow>,
}

/// One read for all of a challenge's context (a sign-in's second step is the hot path).
pub async fn context<'c>(
    db: impl Exec<'c>,
    id: &str,
    method_id: &str,
) -> Result<Option<ChallengeContext>, ApiError> {
    let row: Option<ContextRow> = sqlx::query_as(&format!(
        "SELECT c.person_id, c.device_name, c.device_hash, c.expires_at, c.wrong_attempts, \
                c.spent_at, \
                c.reauth_of, {}, {}, {} \
         FROM challenges c JOIN people p ON p.id = c.person_id \
           JOIN centers ce ON ce.id = p.center_id \
           LEFT JOIN methods m ON m.id = $2 AND m.person_id = c.person_id \
         WHERE c.id = $1",
        people::PREFIXED_COLUMNS,
        centers::CENTER_COLUMNS,
        methods::PREFIXED_COLUMNS
    ))
    .bind(id)
    .bind(method_id)
    .fetch_optional(db)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(ChallengeContext {
        challenge: ChallengeRow::from(Stored {
            person_id: r.person_id,
            device_name: r.device_name,
            device_hash: r.device_hash,
            expires_at: r.expires_at,
            wrong_attempts: r.wrong_attempts,
            spent_at: r.spent_at,
            reauth_of: r.reauth_of,
        }),
        person: r.person.into(),
        center: r.center.into(),
        method: r.method.into_method()?,
    }))
}

#[derive(FromRow)]
struct ContextRow {
    person_id: String,
    device_name: Option<String>,
    device_hash: Option<Vec<u8>>,
    expires_at: i64,
    wrong_attempts: i64,
    spent_at: Option<i64>,
    reauth_of: Option<Vec<u8>>,
    #[sqlx(flatten)]
    person: people::Prefixed,
    #[sqlx(flatten)]
    center: centers::StoredCenter,
    #[sqlx(flatten)]
    method: methods::Prefixed,
}

/// A new challenge; `reauth_of`: the session a fresh sign-in refreshes.
pub async fn insert<'c>(
    db: impl Exec<'c>,
    id: &str,
    person_id: &str,
    device: &Device,
    reauth_of: Option<&[u8]>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO challenges (id, person_id, device_name, reauth_of, created_at, expires_at, \
         device_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(person_id)
    .bind(device.name.as_deref())
    .bind(reauth_of)
    .bind(to_ms(now))
    .bind(to_ms(expires_at))
    .bind(device.hash.as_deref())
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get<'c>(db: impl Exec<'c>, id: &str) -> Result<Option<ChallengeRow>, ApiError> {
    let s: Option<Stored> = sqlx::query_as(
        "SELECT person_id, device_name, device_hash, expires_at, wrong_attempts, spent_at, \
         reauth_of FROM challenges WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(s.map(ChallengeRow::from))
}

/// Counts one attempt at a code, and spends the challenge when the attempt `won` (in the same
/// statement): the attempts claimed so far, or the reason no attempt can be made (spent,
/// expired, or too many wrong codes already). Within the attempt's transaction, so a refusal
/// undoes whatever the attempt claimed.
pub async fn claim_attempt(
    tx: &mut AnyConnection,
    id: &str,
    now: DateTime<Utc>,
    rules: &CodeRules,
    won: bool,
) -> Result<u32, ApiError> {
    let claimed = claim_attempt_statement(id, now, rules, won)
        .fetch_scalar(&mut *tx)
        .await?;
    match claimed {
        Some(n) => Ok(unsigned(n)),
        None => Err(get(&mut *tx, id)
            .await?
            .and_then(|c| c.refusal(now, rules))
            .unwrap_or(ApiError::NotFound("That sign-in"))),
    }
}

/// `claim_attempt` for a batch: it returns the attempts claimed, or no row when refused.
pub fn claim_attempt_statement<'a>(
    id: &'a str,
    now: DateTime<Utc>,
    rules: &CodeRules,
    won: bool,
) -> Statement<'a> {
    Statement::new(
        "UPDATE challenges SET wrong_attempts = wrong_attempts + 1, \
           spent_at = CASE WHEN $4 = 1 THEN $2 ELSE NULL END \
         WHERE id = $1 AND spent_at IS NULL AND expires_at > $2 AND wrong_attempts < $3 \
         RETURNING wrong_attempts",
    )
    .bind(id)
    .bind(to_ms(now))
    .bind(count(rules.max_wrong))
    .bind(flag(won))
}

/// Every challenge of the person (an administrator's reset); their codes go with them.
pub async fn delete_all_of<'c>(db: impl Exec<'c>, person_id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM challenges WHERE person_id = $1")
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}
