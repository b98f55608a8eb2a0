//! What a second step's outcome does, whichever way it was answered (a code, a recovery code):
//! the session a passed challenge earns, the count and lock a failed one begins, and a new
//! challenge when the old one is spent.

use chrono::{Duration, Utc};
use twostep_api as api;
use twostep_core::lockout::LockState;

use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::challenges::{self, ChallengeRow};
use crate::store::devices::Device;
use crate::store::{self, new_id, people, AuditAction, AuditReason, Event, PersonRow, Tx};

/// A fresh sign-in passed: the session it refreshed is revoked (it must still be there) and a
/// new one issued (ASVS 5.0 7.2.4).
pub(crate) async fn replace_session(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    old: &[u8],
    device: &Device,
) -> Result<api::Session, ApiError> {
    if !store::tokens::delete(&mut **tx, old).await? {
        return Err(ApiError::Unauthenticated);
    }
    crate::auth::session::begin(tx, st, person, device, st.now()).await
}

/// The session a passed challenge earns: a new one, which replaces the refreshed session for
/// a fresh sign-in's challenge.
pub(crate) async fn session_after(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    challenge: &ChallengeRow,
) -> Result<api::Session, ApiError> {
    let device = &challenge.device;
    match &challenge.reauth_of {
        Some(old) => replace_session(tx, st, person, old, device).await,
        None => crate::auth::session::begin(tx, st, person, device, st.now()).await,
    }
}

/// A new challenge for the person, good for `challenge_ttl_secs` (`reauth_of`: the session a
/// fresh sign-in refreshes): its id and when it expires.
pub(crate) async fn new_challenge<'c>(
    db: impl store::Exec<'c>,
    st: &AppState,
    person_id: &str,
    device: &Device,
    reauth_of: Option<&[u8]>,
) -> Result<(String, chrono::DateTime<Utc>), ApiError> {
    let now = st.now();
    let id = new_id();
    let expires_at = now + Duration::seconds(st.cfg.limits.challenge_ttl_secs);
    challenges::insert(db, &id, person_id, device, reauth_of, now, expires_at).await?;
    Ok((id, expires_at))
}

/// A wrong code or recovery code, counted: `failed` is recorded, and the lock that the count
/// `failures` begins (if any) with its notice; the error the person gets. `at`: the challenge
/// answered, none for a passkey signing in alone (then `attempts` is 0).
pub(crate) async fn second_step_failed(
    st: &AppState,
    mut tx: store::Tx,
    person: &PersonRow,
    failed: Event<'_>,
    failures: u32,
    attempts: u32,
    at: Option<(&str, &ChallengeRow)>,
) -> Result<ApiError, ApiError> {
    let now = st.now();
    let lock_rules = st.cfg.limits.lock_rules();
    failed.record(&mut *tx, now).await?;
    if let Some(lock) = lock_rules.lock_after(failures, now) {
        people::lock_second_step(&mut *tx, &person.id, lock).await?;
        let (detail, reason, notice) = match lock {
            LockState::ForGood => (
                "locked until an administrator resets 2-Step Verification",
                AuditReason::LockedUntilReset,
                Some(Notice::SecondStepLockedForGood),
            ),
            _ => (
                "too many failed second steps",
                AuditReason::TooManyFailedSecondSteps,
                lock_rules
                    .is_first_lock(failures)
                    .then_some(Notice::SecondStepLocked),
            ),
        };
        Event::about(person, AuditAction::PersonLocked)
            .detail(detail)
            .reason(reason)
            .record(&mut *tx, now)
            .await?;
        if let Some(notice) = notice {
            notices::send(&mut tx, st, person, notice, &[], now).await?;
        }
        let refused = match lock {
            // The way on is a recovery code: on this challenge while it takes attempts, else
            // on a new one (made in this transaction, for the same session if a fresh sign-in).
            LockState::ForGood => {
                let id = match at {
                    Some((_, challenge)) if st.cfg.codes.is_locked(attempts) => {
                        let device = &challenge.device;
                        let reauth_of = challenge.reauth_of.as_deref();
                        let made = new_challenge(&mut *tx, st, &person.id, device, reauth_of);
                        Some(made.await?.0)
                    }
                    Some((challenge_id, _)) => Some(challenge_id.to_owned()),
                    // A passkey alone: the way on is a password sign-in, then a recovery code.
                    None => None,
                };
                ApiError::TwoStepLocked { challenge_id: id }
            }
            _ => ApiError::ChallengeLocked,
        };
        tx.commit().await?;
        return Ok(refused);
    }
    if st.cfg.codes.is_locked(attempts) {
        Event::about(person, AuditAction::ChallengeLocked)
            .detail("too many wrong codes")
            .reason(AuditReason::TooManyWrongCodes)
            .record(&mut *tx, now)
            .await?;
    }
    tx.commit().await?;
    Ok(ApiError::InvalidCode {
        attempts_left: st.cfg.codes.attempts_left(attempts),
    })
}
