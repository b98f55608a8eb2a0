//! Recovery codes (API.md "Recovery codes"): a set made with the first method and on request,
//! and signing in with one when the phone is gone. They are not a method: the at-least-one
//! rule counts methods only.
//!
//! Using one is a second step like any other: counted on the challenge and on the person in
//! the attempt's one transaction, the code itself spent in a single conditional write (of a
//! burst with the same code, exactly one signs in). A right one also opens a person whose
//! second step is locked for good; a timed lock stops it like any code.

use twostep_api as api;
use twostep_core::lockout::LockState;
use twostep_core::recovery::RecoveryCode;

use crate::auth::Principal;
use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::second_step::recovery_codes::new_set;
use crate::state::AppState;
use crate::store::{self, challenges, people, recovery_codes, AuditAction, AuditReason, Event};

/// `GET /me/recovery-codes`.
pub async fn summary(st: &AppState, p: &Principal) -> Result<api::RecoveryCodesSummary, ApiError> {
    let s = recovery_codes::summary(st.db.read(), &p.person.id).await?;
    Ok(api::RecoveryCodesSummary {
        remaining: s.remaining,
        created_at: s.created_at,
    })
}

/// `POST /me/recovery-codes`: a new set; every earlier code stops working, and the person is
/// told on every address.
pub async fn regenerate(st: &AppState, p: &Principal) -> Result<api::RecoveryCodes, ApiError> {
    let now = st.now();
    p.require_fresh(now, &st.cfg.limits)?;
    let person = &p.person;
    let mut tx = st.db.begin().await?;
    people::lock(&mut tx, &person.id).await?;
    let codes = new_set(&mut tx, st, &person.id, now).await?;
    notices::send(&mut tx, st, person, Notice::RecoveryCodesReplaced, &[], now).await?;
    Event::by_self(person, AuditAction::RecoveryCodesMade)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    Ok(api::RecoveryCodes {
        codes,
        created_at: now,
    })
}

/// A second step that stands in for a method (a recovery code, a one-day pass), before its
/// attempt: the challenge is there, the caller's, still open, and its person not locked for a
/// while (a lock for good is what these open). A clear error otherwise; the attempt itself is
/// claimed in the caller's transaction.
pub(super) async fn first_look(
    st: &AppState,
    challenge_id: &str,
    presented: Option<&[u8]>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(challenges::ChallengeRow, store::PersonRow), ApiError> {
    let challenge = challenges::get(st.db.read(), challenge_id)
        .await?
        .ok_or(ApiError::NotFound("That sign-in"))?;
    challenge.check_caller(presented)?;
    if let Some(refused) = challenge.refusal(now, &st.cfg.codes) {
        return Err(refused);
    }
    let person = people::by_id(st.db.read(), &challenge.person_id)
        .await?
        .ok_or(ApiError::ChallengeExpired)?;
    if let LockState::Until(_) = person.lock_state(&st.cfg.limits.lock_rules(), now) {
        return Err(ApiError::ChallengeLocked);
    }
    Ok((challenge, person))
}

/// The attempt of a code that stands in for a method (`won`: it was right and is spent now),
/// in `tx`: counted on the challenge and on the person, where it opens a lock for good too (a
/// timed lock stops it like any code). A wrong one is answered as any wrong second step (with
/// `wrong` audited); a right one, on a challenge still open now that the writer is ours (it may
/// have come after the expiry), gets the session, `tx` still open for the caller's notice.
pub(super) async fn judged(
    st: &AppState,
    mut tx: store::Tx,
    (challenge_id, challenge): (&str, &challenges::ChallengeRow),
    person: &store::PersonRow,
    won: bool,
    wrong: Event<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(store::Tx, api::Session), ApiError> {
    let attempts =
        challenges::claim_attempt(&mut tx, challenge_id, now, &st.cfg.codes, won).await?;
    let Some(failures) = people::record_second_step(
        &mut tx,
        &person.id,
        won,
        now,
        &st.cfg.limits.lock_rules(),
        true,
    )
    .await?
    else {
        return Err(ApiError::ChallengeLocked);
    };
    if !won {
        let at = Some((challenge_id, challenge));
        return Err(crate::second_step::second_step_failed(
            st, tx, person, wrong, failures, attempts, at,
        )
        .await?);
    }
    if st.now() >= challenge.expires_at {
        return Err(ApiError::ChallengeExpired);
    }
    let session = crate::second_step::session_after(&mut tx, st, person, challenge).await?;
    Ok((tx, session))
}

/// `POST /challenges/{id}/recover`.
/// `presented`: the hash of the request's bearer token (see `signin::verify`).
pub async fn recover(
    st: &AppState,
    challenge_id: &str,
    req: api::RecoverRequest,
    presented: Option<&[u8]>,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    // A first look, for a clear error; the attempt itself is claimed below.
    let (challenge, person) = first_look(st, challenge_id, presented, now).await?;
    // Not a recovery code at all (wrong length, a letter outside base32): a wrong attempt.
    let typed = RecoveryCode::parse(&req.recovery_code);

    let mut tx = st.db.begin().await?;
    // The person's row first, as new codes and a first method take it (PostgreSQL: one lock
    // order, no deadlock between using a code and replacing the set).
    people::lock(&mut tx, &person.id).await?;
    let won = match &typed {
        Some(code) => {
            let hash = st.keys.hash_recovery_code(&person.id, code);
            recovery_codes::spend(&mut *tx, &person.id, &hash, now).await?
        }
        None => false,
    };
    let wrong = Event::about(&person, AuditAction::CodeFailed)
        .detail("wrong recovery code")
        .reason(AuditReason::WrongRecoveryCode);
    let (mut tx, mut session) =
        judged(st, tx, (challenge_id, &challenge), &person, won, wrong, now).await?;
    session.recovered = true;
    let left = recovery_codes::summary(&mut *tx, &person.id)
        .await?
        .remaining;
    notices::send(
        &mut tx,
        st,
        &person,
        Notice::RecoveryCodeUsed { left },
        &[],
        now,
    )
    .await?;
    Event::about(&person, AuditAction::RecoveryCodeUsed)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    Ok(api::LoginResponse::Done {
        session,
        person: store::person_view(&st.db, &person).await?,
    })
}
