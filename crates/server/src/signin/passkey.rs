//! Passkeys at sign-in: as the second step of a challenge (the browser's request, through
//! `send`), and alone, without the password. A passkey that verified its user (`uv`) is two
//! factors in one: something the person has, unlocked by something they know or are. Signing
//! in with one alone goes through every rule a password sign-in does: the center's policy,
//! freeze, disabled accounts, the second-step lock, the new-device notice and the audit.

use chrono::Duration;
use twostep_api as api;
use twostep_core::lockout::LockState;
use twostep_core::Kind;

use super::flow::password_change_required;
use crate::auth;
use crate::error::ApiError;
use crate::second_step::passkey::{self, Begun, Checked, Started};
use crate::second_step::second_step_failed;
use crate::state::AppState;
use crate::store::ceremonies::{self, NewCeremony, Purpose, Which};
use crate::store::challenges::ChallengeRow;
use crate::store::devices::Device;
use crate::store::{self, new_id, people, AuditAction, AuditReason, Event, MethodRow, PersonRow};

/// `send` for a passkey method: the browser's request for this one passkey, as a ceremony of
/// the challenge (it lasts as long as the challenge).
pub(super) async fn second_step_request(
    st: &AppState,
    person: &PersonRow,
    challenge_id: &str,
    challenge: &ChallengeRow,
    m: &MethodRow,
) -> Result<api::PasskeyRequest, ApiError> {
    let rp = passkey::relying_party(st)?;
    let stored = store::methods::passkey(st.db.read(), &m.id)
        .await?
        .ok_or(ApiError::NotFound("That verification method"))?;
    let Started {
        options,
        nonce,
        state,
    } = passkey::start_authentication(&rp, &stored.credential)?;
    ceremonies::insert(
        st.db.write(),
        &NewCeremony {
            id: &new_id(),
            purpose: Purpose::SecondStep,
            person_id: Some(&person.id),
            challenge_id: Some(challenge_id),
            method_id: Some(&m.id),
            name: None,
            nonce: &nonce,
            state: &state,
            expires_at: challenge.expires_at,
        },
        st.now(),
    )
    .await?;
    Ok(api::PasskeyRequest {
        method_id: Some(m.id.clone()),
        ceremony_id: None,
        options,
        expires_at: challenge.expires_at,
    })
}

/// `POST /login/passkey`: a ceremony for whichever passkey the browser offers. Whose it is
/// is known only from the answer, so the center's policy is applied then.
pub async fn begin(st: &AppState) -> Result<api::PasskeyRequest, ApiError> {
    let rp = passkey::relying_party(st)?;
    let Started {
        options,
        nonce,
        state,
    } = passkey::start_discoverable(&rp)?;
    let now = st.now();
    let id = new_id();
    let expires_at = now + Duration::seconds(st.cfg.limits.challenge_ttl_secs);
    ceremonies::insert(
        st.db.write(),
        &NewCeremony {
            id: &id,
            purpose: Purpose::SignIn,
            person_id: None,
            challenge_id: None,
            method_id: None,
            name: None,
            nonce: &nonce,
            state: &state,
            expires_at,
        },
        now,
    )
    .await?;
    Ok(api::PasskeyRequest {
        method_id: None,
        ceremony_id: Some(id),
        options,
        expires_at,
    })
}

/// `POST /login/passkey/{ceremony_id}`: the answer, and this device's session.
pub async fn finish(
    st: &AppState,
    ceremony_id: &str,
    req: api::PasskeyAnswer,
    device_hash: Option<Vec<u8>>,
) -> Result<api::LoginResponse, ApiError> {
    let device = Device {
        name: auth::device_label(req.device_name.as_deref()),
        hash: device_hash,
    };
    let signed_in = Then::Session(&device);
    match answered(st, ceremony_id, &req.credential, signed_in).await? {
        Passed::Session(done) => Ok(*done),
        Passed::AppCode(_) => Err(ApiError::internal("a session was asked for")),
    }
}

/// What a passkey signing in alone earns.
pub(super) enum Then<'a> {
    /// A session for the device that answered.
    Session(&'a Device),
    /// A one-time code for a native app's loopback address (RFC 8252): the app, not this
    /// browser, gets the session (`app::exchange`).
    AppCode {
        redirect_uri: &'a str,
        code_challenge: &'a str,
    },
}

pub(super) enum Passed {
    Session(Box<api::LoginResponse>),
    /// The code (to hand the app once).
    AppCode(zeroize::Zeroizing<String>),
}

/// A passkey's answer to a sign-in alone, judged as a password sign-in is. Every refusal
/// before the passkey is known to be right says the same (`passkey_failed`): an unknown
/// passkey, another person's handle, a spent or expired ceremony and a bad signature are not
/// told apart.
pub(super) async fn answered(
    st: &AppState,
    ceremony_id: &str,
    credential: &serde_json::Value,
    then: Then<'_>,
) -> Result<Passed, ApiError> {
    let failed = || ApiError::PasskeyFailed {
        attempts_left: None,
    };
    let rp = passkey::relying_party(st)?;
    let assertion = passkey::read_assertion(credential)?;
    let now = st.now();
    let lock_rules = st.cfg.limits.lock_rules();

    // A first look, to refuse what the rules refuse before anything is spent.
    let stored = store::methods::passkey_by_credential(st.db.read(), &assertion.credential_id)
        .await?
        .ok_or_else(failed)?;
    let handle_matches = match (&assertion.handle, &stored.handle) {
        (Some(said), Some(known)) => said.to_string() == *known,
        _ => false,
    };
    if !handle_matches {
        return Err(failed());
    }
    let person = people::by_id(st.db.read(), &stored.person_id)
        .await?
        .ok_or_else(failed)?;
    let policy = store::centers::policy(st.db.read(), &person.center_id).await?;

    // One write transaction: the ceremony is spent and the attempt counted on the person
    // whatever the outcome; a refusal keeps both.
    let mut tx = st.db.begin().await?;
    let which = Which::SignIn {
        id: ceremony_id,
        nonce: &assertion.nonce,
    };
    let Some(begun) = ceremonies::claim(&mut *tx, &which, now).await? else {
        return Err(failed());
    };
    // Judged as at `POST /login` once the passkey is known to be theirs: only someone holding
    // it learns the account is frozen, disabled or locked, or that the center said no.
    let was = stored.sign_count();
    let checked = passkey::check(
        &rp,
        &assertion,
        Begun::SignIn(&begun.state),
        &stored.credential,
        was,
    )?;
    let passed = matches!(checked, Checked::Passed(_));
    let Some(failures) =
        people::record_second_step(&mut tx, &person.id, passed, now, &lock_rules, false).await?
    else {
        tx.commit().await?;
        return Err(locked(&person, st, now));
    };
    let now_stored = match checked {
        Checked::Passed(now_stored) => now_stored,
        Checked::Refused | Checked::Copied => {
            let hint = store::methods::of(&mut *tx, &person.id, &stored.method_id)
                .await?
                .map(|m| m.hint())
                .unwrap_or_default();
            let mut event = Event::about(&person, AuditAction::CodeFailed)
                .detail(Kind::Passkey.label())
                .kind(Kind::Passkey)
                .hint(&hint)
                .reason(AuditReason::PasskeyAlone);
            if matches!(checked, Checked::Copied) {
                let notice = crate::delivery::templates::Notice::PasskeyCopied { hint: &hint };
                crate::notices::send(&mut tx, st, &person, notice, &[], now).await?;
                event = event.reason(AuditReason::PasskeyMayBeCopied);
            }
            // Counted as a failed second step, with the locks and notices that brings.
            let refused = second_step_failed(st, tx, &person, event, failures, 0, None).await?;
            return Err(match refused {
                ApiError::InvalidCode { .. } => failed(),
                other => other,
            });
        }
    };
    if person.frozen {
        return Err(ApiError::AccountFrozen);
    }
    if person.disabled {
        return Err(ApiError::AccountDisabled);
    }
    if !policy.passkey_sign_in {
        return Err(ApiError::PasskeySignInOff);
    }
    if !policy.allowed_for(&person.roles).contains(&Kind::Passkey) {
        return Err(twostep_core::RuleError::KindNotAllowed.into());
    }
    if person.must_change_password {
        drop(tx);
        let device = match then {
            Then::Session(device) => device.clone(),
            Then::AppCode { .. } => Device {
                name: None,
                hash: None,
            },
        };
        return Err(password_change_required(st, &person, &device).await);
    }
    if !store::methods::passkey_used(
        &mut *tx,
        &stored.method_id,
        &now_stored.credential,
        was,
        now_stored.sign_count,
        now,
    )
    .await?
    {
        return Err(failed());
    }
    Event::about(&person, AuditAction::SignInPassed)
        .detail("signed in with a passkey alone")
        .kind(Kind::Passkey)
        .reason(AuditReason::PasskeyAlone)
        .record(&mut *tx, now)
        .await?;
    match then {
        Then::Session(device) => {
            let session = crate::auth::session::begin(&mut tx, st, &person, device, now).await?;
            tx.commit().await?;
            Ok(Passed::Session(Box::new(api::LoginResponse::Done {
                session,
                person: store::person_view(&st.db, &person).await?,
            })))
        }
        Then::AppCode {
            redirect_uri,
            code_challenge,
        } => {
            let (code, hash) = crate::crypto::new_token();
            let new = store::app_codes::NewAppCode {
                hash: &hash,
                person_id: &person.id,
                code_challenge,
                redirect_uri,
                expires_at: now + Duration::seconds(super::app::CODE_TTL_SECS),
            };
            store::app_codes::insert(&mut *tx, &new, now).await?;
            tx.commit().await?;
            Ok(Passed::AppCode(code))
        }
    }
}

/// The refusal of a person whose second step is locked: for a while, or until a reset or a
/// recovery code (which a password sign-in leads to).
fn locked(person: &PersonRow, st: &AppState, now: chrono::DateTime<chrono::Utc>) -> ApiError {
    match person.lock_state(&st.cfg.limits.lock_rules(), now) {
        LockState::Until(until) => ApiError::TooManyAttempts {
            retry_after: twostep_core::code::seconds_until(now, until) as u64,
        },
        _ => ApiError::TwoStepLocked { challenge_id: None },
    }
}
