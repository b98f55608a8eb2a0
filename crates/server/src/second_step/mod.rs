//! The second step, one engine for a sign-in's challenge and a method being added: what a typed
//! code matches (an authenticator's time step, or a code that was sent) and the claim on it,
//! atomic, so that of two requests with one code exactly one wins. `signin::verify` and
//! `enroll::confirm` count the attempt on what they are about and act on the outcome; the
//! state of that (open, expired, locked) is `twostep_core::attempts`.

pub(crate) mod codes;
pub(crate) mod day_pass;
mod outcome;
pub(crate) mod passkey;
pub(crate) mod recovery_codes;

pub(crate) use outcome::{new_challenge, replace_session, second_step_failed, session_after};

use chrono::{DateTime, Utc};
use twostep_core::method::totp;
use twostep_core::secret::OneTimeCode;

use crate::clock::unix;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;
use codes::Scope;

/// What the typed code is checked against.
pub enum Against<'a> {
    /// An authenticator app: its sealed secret (sealed for `owner`) and the last step accepted.
    /// `method_id`: where the step is claimed (a method); none for a method being added, whose
    /// confirmation is the claim.
    Totp {
        sealed: &'a [u8],
        owner: &'a str,
        last_step: Option<u64>,
        method_id: Option<&'a str>,
    },
    /// The codes sent for `scope` (to `method_id`, for a sign-in).
    Codes {
        scope: Scope<'a>,
        method_id: Option<&'a str>,
    },
    /// A passkey's answer (the browser's assertion) to a ceremony `send` began for this
    /// challenge and method.
    Passkey {
        challenge_id: &'a str,
        method_id: &'a str,
        answer: &'a serde_json::Value,
    },
}

/// The outcome: whether the code was right (and claimed by this request), for an
/// authenticator the time step it matched, and until when what matched is good (the code's
/// expiry, or the end of the step's window): judged again when the attempt is written.
pub struct Outcome {
    pub won: bool,
    pub step: Option<u64>,
    pub valid_until: Option<DateTime<Utc>>,
    /// A passkey answered right but for its counter: a copy of it may exist.
    pub copied_passkey: bool,
}

impl Outcome {
    fn lost() -> Self {
        Outcome {
            won: false,
            step: None,
            valid_until: None,
            copied_passkey: false,
        }
    }
}

/// The end of the window in which an authenticator's code for `step` is accepted (±1 step).
pub fn step_valid_until(step: u64) -> DateTime<Utc> {
    let period = twostep_core::totp::TotpParams::STANDARD.period;
    let end = (step + totp::SKEW_STEPS + 1).saturating_mul(period);
    DateTime::from_timestamp(i64::try_from(end).unwrap_or(i64::MAX), 0)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// What expired while a right code's attempt waited for the database's writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// The challenge (or the enrollment) it answers.
    Scope,
    /// The code itself (sent codes last 10 minutes; an authenticator's step its window).
    Code,
}

/// Whether a right code, checked with the time read at the request's start, is still good
/// at `now` (read when its attempt is written): a request that waited for the database's
/// writer past the code's or the challenge's expiry does not get in.
pub fn still_valid(
    outcome: &Outcome,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Expired> {
    if now >= expires_at {
        return Err(Expired::Scope);
    }
    match outcome.valid_until {
        Some(until) if now >= until => Err(Expired::Code),
        _ => Ok(()),
    }
}

/// Checks `typed` and claims what it matches, inside the attempt's transaction.
pub async fn check_and_claim(
    tx: &mut sqlx::AnyConnection,
    st: &AppState,
    against: &Against<'_>,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    match *against {
        Against::Totp {
            sealed,
            owner,
            last_step,
            method_id,
        } => {
            let Some(step) = totp_step(st, sealed, owner, last_step, typed, now)? else {
                return Ok(Outcome::lost());
            };
            let won = match method_id {
                // A step once accepted is never accepted again.
                Some(id) => store::methods::claim_totp_step(&mut *tx, id, step, now).await?,
                None => true,
            };
            Ok(Outcome {
                won,
                step: Some(step),
                valid_until: Some(step_valid_until(step)),
                copied_passkey: false,
            })
        }
        Against::Codes { scope, method_id } => {
            let (won, valid_until) =
                match codes::find_match(&mut *tx, st, scope, method_id, typed, now).await? {
                    Some((code_id, expires)) => (
                        codes::consume(&mut *tx, &code_id, now).await?,
                        Some(expires),
                    ),
                    None => (false, None),
                };
            Ok(Outcome {
                won,
                step: None,
                valid_until,
                copied_passkey: false,
            })
        }
        Against::Passkey {
            challenge_id,
            method_id,
            answer,
        } => passkey_outcome(tx, st, challenge_id, method_id, answer, now).await,
    }
}

/// A passkey's answer: the ceremony it answers is spent, and checked against the passkey as
/// stored now; passing stores the passkey back with its counter moved on. An answer that is
/// no assertion, or answers no open ceremony (a replay), is a wrong answer like a wrong code.
async fn passkey_outcome(
    tx: &mut sqlx::AnyConnection,
    st: &AppState,
    challenge_id: &str,
    method_id: &str,
    answer: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    let rp = passkey::relying_party(st)?;
    let Ok(assertion) = passkey::read_assertion(answer) else {
        return Ok(Outcome::lost());
    };
    let which = store::ceremonies::Which::SecondStep {
        challenge_id,
        method_id,
        nonce: &assertion.nonce,
    };
    let Some(begun) = store::ceremonies::claim(&mut *tx, &which, now).await? else {
        return Ok(Outcome::lost());
    };
    let Some(stored) = store::methods::passkey(&mut *tx, method_id).await? else {
        return Ok(Outcome::lost());
    };
    let was = stored.sign_count();
    let begun_with = passkey::Begun::SecondStep(&begun.state);
    match passkey::check(&rp, &assertion, begun_with, &stored.credential, was)? {
        passkey::Checked::Passed(now_stored) => {
            let won = store::methods::passkey_used(
                &mut *tx,
                method_id,
                &now_stored.credential,
                was,
                now_stored.sign_count,
                now,
            )
            .await?;
            Ok(Outcome {
                won,
                ..Outcome::lost()
            })
        }
        passkey::Checked::Refused => Ok(Outcome::lost()),
        passkey::Checked::Copied => Ok(Outcome {
            copied_passkey: true,
            ..Outcome::lost()
        }),
    }
}

/// The time step an authenticator's code matches now (after `last_step`), if any: no I/O.
fn totp_step(
    st: &AppState,
    sealed: &[u8],
    owner: &str,
    last_step: Option<u64>,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> Result<Option<u64>, ApiError> {
    let secret = st.keys.open(owner, sealed)?;
    Ok(totp::check(&secret, typed.expose(), unix(now), last_step))
}
