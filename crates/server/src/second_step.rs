//! The second step, one engine for a sign-in's challenge and a method being added: what a typed
//! code matches (an authenticator's time step, or a code that was sent) and the claim on it,
//! atomic, so that of two requests with one code exactly one wins. `signin::verify` and
//! `enroll::confirm` count the attempt on what they are about and act on the outcome; the
//! state of that (open, expired, locked) is `twostep_core::attempts`.

use chrono::{DateTime, Utc};
use twostep_api as api;
use twostep_core::method::totp;
use twostep_core::secret::OneTimeCode;
use twostep_core::Kind;

use crate::codes::{self, Scope};
use crate::error::ApiError;
use crate::sessions;
use crate::signin::unix;
use crate::state::AppState;
use crate::store::batch::{Batch, Results};
use crate::store::challenges::ChallengeContext;
use crate::store::{self, challenges, methods, people, AuditAction, Event, MethodRow};

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
}

/// The outcome: whether the code was right (and claimed by this request), for an
/// authenticator the time step it matched, and until when what matched is good (the code's
/// expiry, or the end of the step's window): judged again when the attempt is written.
pub struct Outcome {
    pub won: bool,
    pub step: Option<u64>,
    pub valid_until: Option<DateTime<Utc>>,
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
                return Ok(Outcome {
                    won: false,
                    step: None,
                    valid_until: None,
                });
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
            })
        }
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

/// The plain case of a sign-in's second step, in one trip to the database: a right
/// authenticator code on a challenge that takes attempts, from a person neither locked, frozen
/// nor disabled, on a first sign-in (not a fresh one) from a device that is no news to them.
/// The step, the attempt and the person's count are claimed, the session issued and the event
/// recorded by one batch, kept only if every claim won and the sign-in is plain (on SQLite
/// committed with others in a group: `store::group_commit`). Anything else is `None`, with
/// nothing kept: `verify` then goes the careful way, statement by statement, which decides and
/// words every other outcome (a race lost, a lock begun meanwhile, a frozen account, a notice
/// of a new device). The answer's Person is read in the same batch.
pub async fn pass_sign_in_at_once(
    st: &AppState,
    ctx: &ChallengeContext,
    challenge_id: &str,
    method: &MethodRow,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> Result<Option<api::LoginResponse>, ApiError> {
    let person = &ctx.person;
    let (Kind::Totp, Some(sealed), None) = (
        method.kind,
        method.secret_sealed.as_deref(),
        &ctx.challenge.reauth_of,
    ) else {
        return Ok(None);
    };
    let Some(step) = totp_step(st, sealed, &person.id, method.last_step, typed, now)? else {
        return Ok(None);
    };
    let lock_rules = st.cfg.limits.lock_rules();
    let mut batch = Batch::new();
    let step_won = batch.push(methods::claim_totp_step_statement(&method.id, step, now)?);
    let attempt = batch.push(challenges::claim_attempt_statement(
        challenge_id,
        now,
        &st.cfg.codes,
        true,
    ));
    let counted = batch.push(people::record_second_step_statement(
        &person.id,
        true,
        now,
        &lock_rules,
        false,
    ));
    let device = &ctx.challenge.device;
    let session = sessions::begin_in(&mut batch, st.db.backend(), st, person, device, now);
    batch.push(
        Event::about(person, AuditAction::SecondStepPassed)
            .detail(Kind::Totp.label())
            .kind(Kind::Totp)
            .statement(now),
    );
    let view = batch.push(methods::of_person_with_recovery_statement(&person.id));
    let facts = session.facts();
    // The code is judged again at the writer, whose turn may come after it expired.
    let deadline = ctx.challenge.expires_at.min(step_valid_until(step));
    let clock = st.clock.clone();
    let keep = Box::new(move |ran: &Results| {
        clock.now() < deadline
            && ran.affected(step_won) == 1
            && ran.scalar(attempt).is_ok_and(|n| n.is_some())
            && ran.scalar(counted).is_ok_and(|n| n.is_some())
            && sessions::is_plain(ran, facts, now)
    });
    let Some(ran) = st.db.write_if(batch, keep).await? else {
        return Ok(None);
    };
    let (methods, recovery_left) = methods::with_recovery_from_rows(ran.rows(view))?;
    Ok(Some(api::LoginResponse::Done {
        session: session.into_session(),
        person: store::person_view_of(person, &ctx.center, &methods, recovery_left),
    }))
}
