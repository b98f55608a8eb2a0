//! Emailed and texted codes: sending one for a challenge or an enrollment, and finding the one
//! a person typed. The caps are conditions of the store's INSERT, so they hold across servers.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::OsRng;
use subtle::ConstantTimeEq;
use twostep_core::code::{SendRefusal, SentBefore};
use twostep_core::secret::OneTimeCode;
use twostep_core::Locale;

use crate::delivery::{self, templates, Channel};
use crate::error::{ApiError, CodesCap};
use crate::state::AppState;
use crate::store::codes::{self as stored, Caps, NewCode};
use crate::store::{self, new_id, Exec, Tx};

pub use crate::store::codes::Scope;

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
    /// The language of the message.
    pub locale: Locale,
}

/// Sends a new code, inside the caller's transaction (its commit wakes the courier). Earlier
/// codes stay valid. Every limit on sending is a condition of the INSERT itself, so a burst
/// cannot slip past any: the challenge or enrollment still open, the cooldown per method, the
/// codes outstanding, and the hourly caps per person and per destination address (of which
/// codes for a method being added may use only part). The message is queued with the code
/// and never leaves after the code expires.
pub async fn send(
    tx: &mut Tx,
    st: &AppState,
    c: &CodeFor<'_>,
    now: DateTime<Utc>,
) -> Result<Sent, ApiError> {
    let rules = &st.cfg.codes;
    let code = OneTimeCode::generate(&mut OsRng, rules.digits);
    let hash = st.keys.hash_code(c.scope.id(), code.expose());
    let expires_at = rules.expires_at(now);
    let id = new_id();
    let new = NewCode {
        id: &id,
        scope: c.scope,
        method_id: c.method_id,
        person_id: c.person_id,
        sent_to: c.address,
        code_hash: &hash,
        expires_at,
    };
    let caps = Caps {
        now,
        cooldown_start: now - Duration::seconds(rules.resend_cooldown_secs),
        max_outstanding: rules.max_outstanding,
        max_wrong: rules.max_wrong,
        window_start: rules.message_window_start(now),
        per_person: rules.per_person,
        per_address: rules.per_address,
        per_address_enrolling: matches!(c.scope, Scope::Enrollment(_))
            .then_some(rules.per_address_enrolling),
    };
    // The hourly caps count rows of the person and of the address: lock both, in that order.
    store::people::lock(tx, c.person_id).await?;
    stored::lock_address(tx, c.address).await?;
    if !stored::insert_within_caps(tx, &new, &caps).await? {
        return Err(refusal(tx, st, &new, now).await?);
    }
    let minutes = rules.ttl_secs / 60;
    delivery::queue(
        tx,
        now,
        &templates::code(
            &st.cfg.subjects(c.locale),
            c.channel,
            c.address,
            code.expose(),
            minutes,
            c.locale,
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

/// Why the INSERT refused, in the domain's words, with the wait.
async fn refusal(
    tx: &mut sqlx::AnyConnection,
    st: &AppState,
    c: &NewCode<'_>,
    now: DateTime<Utc>,
) -> Result<ApiError, ApiError> {
    let rules = &st.cfg.codes;
    // Done meanwhile (signed in, locked, expired): say so, as verify would.
    let done = match c.scope {
        Scope::Challenge(id) => store::challenges::get(&mut *tx, id)
            .await?
            .map(|ch| ch.refusal(now, rules)),
        Scope::Enrollment(id) => store::enrollments::get(&mut *tx, id, c.person_id)
            .await?
            .map(|e| e.refusal(now, rules)),
    };
    match done {
        Some(None) => {}
        Some(Some(refused)) => return Ok(refused),
        None => return Ok(ApiError::NotFound("That sign-in")),
    }
    let t = stored::sent_times(tx, c, now, rules.message_window_start(now)).await?;
    let sent = SentBefore {
        last_to_method: t.last_to_method,
        outstanding: &t.outstanding,
        to_person: &t.to_person,
        to_address: &t.to_address,
        enrolling_to_address: matches!(c.scope, Scope::Enrollment(_))
            .then_some(&t.enrolling_to_address[..]),
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

/// The id of the live, unused code of `scope` (sent to `method_id`) that equals `typed`.
/// Every candidate is compared in constant time.
pub async fn find_match<'c>(
    db: impl Exec<'c>,
    st: &AppState,
    scope: Scope<'_>,
    method_id: Option<&str>,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> Result<Option<(String, DateTime<Utc>)>, ApiError> {
    let candidates = stored::live(db, scope, method_id, now).await?;
    let typed_hash = st.keys.hash_code(scope.id(), typed.expose());
    let mut found = None;
    for c in candidates {
        if bool::from(c.code_hash.ct_eq(&typed_hash)) && found.is_none() {
            found = Some((c.id, crate::clock::from_ms(c.expires_at)));
        }
    }
    Ok(found)
}

/// Marks a code used; false if another request used it first.
pub async fn consume<'c>(
    db: impl Exec<'c>,
    code_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    stored::consume(db, code_id, now).await
}
