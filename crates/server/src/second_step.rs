//! The second step, one engine for a sign-in's challenge and a method being added: what a typed
//! code matches (an authenticator's time step, or a code that was sent) and the claim on it,
//! atomic, so that of two requests with one code exactly one wins. `signin::verify` and
//! `enroll::confirm` count the attempt on what they are about and act on the outcome; the
//! state of that (open, expired, locked) is `twostep_core::attempts`.

use chrono::{DateTime, Utc};
use twostep_core::method::totp;
use twostep_core::secret::OneTimeCode;

use crate::codes::{self, Scope};
use crate::error::ApiError;
use crate::signin::unix;
use crate::state::AppState;
use crate::store;

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

/// The outcome: whether the code was right (and claimed by this request), and for an
/// authenticator the time step it matched.
pub struct Outcome {
    pub won: bool,
    pub step: Option<u64>,
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
            let secret = st.keys.open(owner, sealed)?;
            let Some(step) = totp::check(&secret, typed.expose(), unix(now), last_step) else {
                return Ok(Outcome {
                    won: false,
                    step: None,
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
            })
        }
        Against::Codes { scope, method_id } => {
            let won = match codes::find_match(&mut *tx, st, scope, method_id, typed, now).await? {
                Some(code_id) => codes::consume(&mut *tx, &code_id, now).await?,
                None => false,
            };
            Ok(Outcome { won, step: None })
        }
    }
}
