//! Whose password this is: the one check of an email and password, counted before the hash,
//! shared by a sign-in, a fresh sign-in and a password change.

use chrono::Duration;
use zeroize::Zeroizing;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, attempts, AuditAction, AuditReason, Event, PersonRow};

/// The person whose email and password these are. The attempt is counted first (unknown
/// emails alike: the same answer, the same writes), and given back when the password is right.
pub(crate) async fn password_holder(
    st: &AppState,
    email: &str,
    password: Zeroizing<String>,
) -> Result<PersonRow, ApiError> {
    let now = st.now();
    let limits = &st.cfg.limits;
    let email_key = email.trim().to_lowercase();
    // A place in the hashing queue first: a flood is turned away before it costs anything.
    let slot = st.passwords.admit()?;
    let window = Duration::seconds(limits.password_window_secs);
    let Some(attempt) =
        attempts::claim(&st.db, &email_key, now, window, limits.password_failures).await?
    else {
        return Err(ApiError::TooManyAttempts {
            retry_after: attempts::retry_after(st.db.read(), &email_key, now, window).await?,
        });
    };
    let person = store::people::by_email(st.db.read(), &email_key).await?;
    let ok = slot
        .verify(person.as_ref().map(|p| p.password_hash.clone()), password)
        .await?;
    match person {
        Some(p) if ok => {
            attempts::give_back(st.db.write(), attempt).await?;
            Ok(p)
        }
        other => {
            attempts::prune(st.db.write(), now, window).await?;
            match &other {
                Some(p) => {
                    Event::about(p, AuditAction::SignInFailed)
                        .detail("wrong password")
                        .reason(AuditReason::WrongPassword)
                        .record(st.db.write(), now)
                        .await?
                }
                // Recorded for an unknown email too (outside any center, so no administrator
                // sees it), but counted on one row per window: a flood of made-up emails must
                // not fill the disk. A write all the same, so the answer takes as long.
                None => store::audit::count_unknown_sign_in_failure(&st.db, now, window).await?,
            }
            Err(ApiError::InvalidCredentials)
        }
    }
}
