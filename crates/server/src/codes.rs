//! Emailed and texted codes: sending one for a challenge or an enrollment, and finding the one
//! a person typed. The limits hold in the database, so two server processes share them.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::OsRng;
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};
use subtle::ConstantTimeEq;
use twostep_core::code::{SendRefusal, SentBefore};
use twostep_core::secret::OneTimeCode;

use crate::clock::{from_ms, to_ms};
use crate::delivery::{self, templates, Channel};
use crate::error::{ApiError, CodesCap};
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

    /// The table of what the code is for, and the condition that it is not done yet.
    fn open_in(self) -> (&'static str, &'static str) {
        match self {
            Scope::Challenge(_) => ("challenges", "spent_at IS NULL"),
            Scope::Enrollment(_) => ("enrollments", "confirmed_at IS NULL"),
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

/// A code to send: for what, to whom, where.
#[derive(Debug, Clone, Copy)]
pub struct CodeFor<'a> {
    pub scope: Scope<'a>,
    pub person_id: &'a str,
    /// The method, for a sign-in; `None` for an enrollment (not a method yet).
    pub method_id: Option<&'a str>,
    pub channel: Channel,
    pub address: &'a str,
}

/// Sends a new code, inside the caller's transaction (commit, then `courier.wake()`). Earlier
/// codes stay valid. Every limit on sending is a condition of the INSERT itself, so a burst
/// cannot slip past any: the challenge or enrollment still open, the cooldown per method, the
/// codes outstanding, and the hourly caps per person and per destination address (of which
/// codes for a method being added may use only part). The message is queued with the code
/// and never leaves after the code expires.
pub async fn send(
    tx: &mut SqliteConnection,
    st: &AppState,
    c: &CodeFor<'_>,
    now: DateTime<Utc>,
) -> Result<Sent, ApiError> {
    let rules = &st.cfg.codes;
    let code = OneTimeCode::generate(&mut OsRng, rules.digits);
    let hash = st.keys.hash_code(c.scope.id(), code.expose());
    let col = c.scope.column();
    let expires_at = rules.expires_at(now);
    let cooldown_start = now - Duration::seconds(rules.resend_cooldown_secs);
    let window_start = rules.message_window_start(now);

    let (table, not_done) = c.scope.open_in();
    let enrolling_cap = match c.scope {
        Scope::Enrollment(_) => i64::from(rules.per_address_enrolling),
        Scope::Challenge(_) => i64::MAX,
    };
    let inserted = sqlx::query(&format!(
        "INSERT INTO codes (id, {col}, method_id, person_id, sent_to, code_hash, created_at, expires_at) \
         SELECT ?, ?, ?, ?, ?, ?, ?, ? \
         WHERE EXISTS (SELECT 1 FROM {table} WHERE id = ? AND {not_done} AND expires_at > ? AND wrong_attempts < ?) \
           AND (SELECT COUNT(*) FROM codes WHERE {col} = ? AND used_at IS NULL AND expires_at > ?) < ? \
           AND NOT EXISTS (SELECT 1 FROM codes WHERE {col} = ? AND method_id IS ? AND created_at > ?) \
           AND (SELECT COUNT(*) FROM codes WHERE person_id = ? AND created_at > ?) < ? \
           AND (SELECT COUNT(*) FROM codes WHERE sent_to = ? AND created_at > ?) < ? \
           AND (SELECT COUNT(*) FROM codes WHERE sent_to = ? AND enrollment_id IS NOT NULL AND created_at > ?) < ?"
    ))
    .bind(new_id())
    .bind(c.scope.id())
    .bind(c.method_id)
    .bind(c.person_id)
    .bind(c.address)
    .bind(&hash)
    .bind(to_ms(now))
    .bind(to_ms(expires_at))
    .bind(c.scope.id())
    .bind(to_ms(now))
    .bind(i64::from(rules.max_wrong))
    .bind(c.scope.id())
    .bind(to_ms(now))
    .bind(i64::from(rules.max_outstanding))
    .bind(c.scope.id())
    .bind(c.method_id)
    .bind(to_ms(cooldown_start))
    .bind(c.person_id)
    .bind(to_ms(window_start))
    .bind(i64::from(rules.per_person))
    .bind(c.address)
    .bind(to_ms(window_start))
    .bind(i64::from(rules.per_address))
    .bind(c.address)
    .bind(to_ms(window_start))
    .bind(enrolling_cap)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(refusal(tx, st, c, now).await?);
    }
    let minutes = rules.ttl_secs / 60;
    delivery::queue(
        &mut *tx,
        now,
        &templates::code(
            &st.cfg.subjects(),
            c.channel,
            c.address,
            code.expose(),
            minutes,
        )
        .for_person(c.person_id)
        .expiring(expires_at),
    )
    .await?;
    Ok(Sent {
        expires_at,
        resend_after: rules.resend_after(now),
    })
}

/// Why the INSERT above refused, in the domain's words, with the wait.
async fn refusal(
    tx: &mut SqliteConnection,
    st: &AppState,
    c: &CodeFor<'_>,
    now: DateTime<Utc>,
) -> Result<ApiError, ApiError> {
    let col = c.scope.column();
    let rules = &st.cfg.codes;
    // Done meanwhile (signed in, locked, expired): say so, as verify would.
    let done = match c.scope {
        Scope::Challenge(id) => crate::store::challenges::get(&mut *tx, id)
            .await?
            .map(|ch| ch.refusal(now, rules)),
        Scope::Enrollment(id) => crate::store::enrollments::get(&mut *tx, id, c.person_id)
            .await?
            .map(|e| e.refusal(now, rules)),
    };
    match done {
        Some(None) => {}
        Some(Some(refused)) => return Ok(refused),
        None => return Ok(ApiError::NotFound("That sign-in")),
    }
    let window_start = to_ms(rules.message_window_start(now));
    let last: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT MAX(created_at) FROM codes WHERE {col} = ? AND method_id IS ?"
    ))
    .bind(c.scope.id())
    .bind(c.method_id)
    .fetch_one(&mut *tx)
    .await?;
    let outstanding: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT created_at FROM codes WHERE {col} = ? AND used_at IS NULL AND expires_at > ?"
    ))
    .bind(c.scope.id())
    .bind(to_ms(now))
    .fetch_all(&mut *tx)
    .await?;
    let to_person: Vec<i64> =
        sqlx::query_scalar("SELECT created_at FROM codes WHERE person_id = ? AND created_at > ?")
            .bind(c.person_id)
            .bind(window_start)
            .fetch_all(&mut *tx)
            .await?;
    let to_address: Vec<i64> =
        sqlx::query_scalar("SELECT created_at FROM codes WHERE sent_to = ? AND created_at > ?")
            .bind(c.address)
            .bind(window_start)
            .fetch_all(&mut *tx)
            .await?;
    let enrolling: Vec<i64> = sqlx::query_scalar(
        "SELECT created_at FROM codes WHERE sent_to = ? AND enrollment_id IS NOT NULL AND created_at > ?",
    )
    .bind(c.address)
    .bind(window_start)
    .fetch_all(&mut *tx)
    .await?;
    let ms = |v: Vec<i64>| v.into_iter().map(from_ms).collect::<Vec<_>>();
    let (outstanding, to_person, to_address) = (ms(outstanding), ms(to_person), ms(to_address));
    let enrolling = ms(enrolling);
    let sent = SentBefore {
        last_to_method: last.map(from_ms),
        outstanding: &outstanding,
        to_person: &to_person,
        to_address: &to_address,
        enrolling_to_address: matches!(c.scope, Scope::Enrollment(_)).then_some(&enrolling[..]),
    };
    Ok(match rules.check_send(now, &sent) {
        Err(SendRefusal::ResendTooSoon { retry_after }) => ApiError::ResendTooSoon {
            retry_after: retry_after as u64,
        },
        Err(SendRefusal::TooManyCodes { retry_after }) => ApiError::TooManyCodes {
            retry_after: retry_after as u64,
            why: CodesCap::Outstanding,
        },
        Err(SendRefusal::HourlyCap { retry_after }) => ApiError::TooManyCodes {
            retry_after: retry_after as u64,
            why: CodesCap::Hourly,
        },
        // The database refused and the rules do not say why: not expected, but never a send.
        Ok(()) => ApiError::ResendTooSoon { retry_after: 1 },
    })
}

#[derive(FromRow)]
struct Candidate {
    id: String,
    code_hash: Vec<u8>,
}

/// The id of the live, unused code of `scope` (sent to `method_id`) that equals `typed`.
/// Every candidate is compared in constant time.
pub async fn find_match(
    db: impl SqliteExecutor<'_>,
    st: &AppState,
    scope: Scope<'_>,
    method_id: Option<&str>,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    let col = scope.column();
    let candidates: Vec<Candidate> = sqlx::query_as(&format!(
        "SELECT id, code_hash FROM codes \
         WHERE {col} = ? AND method_id IS ? AND used_at IS NULL AND expires_at > ?"
    ))
    .bind(scope.id())
    .bind(method_id)
    .bind(to_ms(now))
    .fetch_all(db)
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
