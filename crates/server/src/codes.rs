//! Emailed and texted codes: sending one for a challenge or an enrollment, and finding the one
//! a person typed. The limits hold in the database, so two server processes share them.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::OsRng;
use sqlx::{FromRow, SqliteExecutor};
use subtle::ConstantTimeEq;
use twostep_core::code::SendRefusal;
use twostep_core::secret::OneTimeCode;

use crate::clock::{from_ms, to_ms};
use crate::delivery::{self, templates, Channel};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::new_id;

/// What a code is good for: exactly one challenge or one enrollment.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Challenge(&'a str),
    Enrollment(&'a str),
}

impl Scope<'_> {
    fn column(self) -> &'static str {
        match self {
            Scope::Challenge(_) => "challenge_id",
            Scope::Enrollment(_) => "enrollment_id",
        }
    }

    fn id(&self) -> &str {
        match self {
            Scope::Challenge(id) | Scope::Enrollment(id) => id,
        }
    }
}

pub struct Sent {
    pub expires_at: DateTime<Utc>,
    pub resend_after: DateTime<Utc>,
}

/// Sends a new code to `address`. Earlier codes stay valid. The cooldown (per method) and the
/// cap on outstanding codes are checked by the INSERT itself, so concurrent sends cannot both
/// slip past them; the message is queued in the same transaction.
pub async fn send(
    st: &AppState,
    scope: Scope<'_>,
    person_id: &str,
    method_id: Option<&str>,
    channel: Channel,
    address: &str,
) -> Result<Sent, ApiError> {
    let rules = &st.cfg.codes;
    let now = st.now();
    let code = OneTimeCode::generate(&mut OsRng, rules.digits);
    let hash = st.keys.hash_code(scope.id(), code.expose());
    let col = scope.column();
    let expires_at = rules.expires_at(now);
    let cooldown_start = now - Duration::seconds(rules.resend_cooldown_secs);

    let mut tx = st.db.begin().await?;
    let inserted = sqlx::query(&format!(
        "INSERT INTO codes (id, {col}, method_id, code_hash, created_at, expires_at) \
         SELECT ?, ?, ?, ?, ?, ? \
         WHERE (SELECT COUNT(*) FROM codes WHERE {col} = ? AND used_at IS NULL AND expires_at > ?) < ? \
           AND NOT EXISTS (SELECT 1 FROM codes WHERE {col} = ? AND method_id IS ? AND created_at > ?)"
    ))
    .bind(new_id())
    .bind(scope.id())
    .bind(method_id)
    .bind(&hash)
    .bind(to_ms(now))
    .bind(to_ms(expires_at))
    .bind(scope.id())
    .bind(to_ms(now))
    .bind(i64::from(rules.max_outstanding))
    .bind(scope.id())
    .bind(method_id)
    .bind(to_ms(cooldown_start))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        tx.rollback().await?;
        return Err(refusal(st, scope, method_id, now).await?);
    }
    let minutes = rules.ttl_secs / 60;
    delivery::queue(
        &mut *tx,
        now,
        &templates::code(&st.cfg.subjects(), channel, address, code.expose(), minutes)
            .for_person(person_id),
    )
    .await?;
    tx.commit().await?;
    st.courier.wake();
    Ok(Sent {
        expires_at,
        resend_after: rules.resend_after(now),
    })
}

/// Why the INSERT above refused, in the domain's words, with the wait.
async fn refusal(
    st: &AppState,
    scope: Scope<'_>,
    method_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ApiError, ApiError> {
    let col = scope.column();
    let last: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT MAX(created_at) FROM codes WHERE {col} = ? AND method_id IS ?"
    ))
    .bind(scope.id())
    .bind(method_id)
    .fetch_one(&st.db)
    .await?;
    let outstanding: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT created_at FROM codes WHERE {col} = ? AND used_at IS NULL AND expires_at > ?"
    ))
    .bind(scope.id())
    .bind(to_ms(now))
    .fetch_all(&st.db)
    .await?;
    let outstanding: Vec<_> = outstanding.into_iter().map(from_ms).collect();
    Ok(
        match st
            .cfg
            .codes
            .check_send(now, last.map(from_ms), &outstanding)
        {
            Err(SendRefusal::ResendTooSoon { retry_after }) => ApiError::ResendTooSoon {
                retry_after: retry_after as u64,
            },
            Err(SendRefusal::TooManyCodes { retry_after }) => ApiError::TooManyCodes {
                retry_after: retry_after as u64,
            },
            // Another request changed things in between: ask to retry shortly.
            Ok(()) => ApiError::ResendTooSoon { retry_after: 1 },
        },
    )
}

#[derive(FromRow)]
struct Candidate {
    id: String,
    code_hash: Vec<u8>,
}

/// The id of the live, unused code of `scope` (sent to `method_id`) that equals `typed`.
/// Every candidate is compared in constant time.
pub async fn find_match(
    st: &AppState,
    scope: Scope<'_>,
    method_id: Option<&str>,
    typed: &OneTimeCode,
) -> Result<Option<String>, ApiError> {
    let col = scope.column();
    let candidates: Vec<Candidate> = sqlx::query_as(&format!(
        "SELECT id, code_hash FROM codes \
         WHERE {col} = ? AND method_id IS ? AND used_at IS NULL AND expires_at > ?"
    ))
    .bind(scope.id())
    .bind(method_id)
    .bind(to_ms(st.now()))
    .fetch_all(&st.db)
    .await?;
    let typed_hash = st.keys.hash_code(scope.id(), typed.expose());
    let mut found = None;
    for c in candidates {
        if bool::from(c.code_hash.ct_eq(&typed_hash)) && found.is_none() {
            found = Some(c.id);
        }
    }
    Ok(found)
}

/// Marks a code used; false if another request used it first.
pub async fn consume(
    db: impl SqliteExecutor<'_>,
    code_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let r = sqlx::query("UPDATE codes SET used_at = ? WHERE id = ? AND used_at IS NULL")
        .bind(to_ms(now))
        .bind(code_id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}
