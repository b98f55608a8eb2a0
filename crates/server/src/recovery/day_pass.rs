//! Signing in with a one-day pass (an administrator's, read out to a staff member without her
//! phone today): a second step like a recovery code, counted on the challenge and on the
//! person in the attempt's one transaction, the pass compared in constant time and spent in a
//! single conditional write (of a burst with the same pass, exactly one signs in).

use subtle::ConstantTimeEq;
use twostep_api as api;
use twostep_core::day_pass::DayPass;

use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::{self, day_passes, people, AuditAction, AuditReason, Event};

/// `POST /challenges/{id}/day-pass`.
/// `presented`: the hash of the request's bearer token (see `signin::verify`).
pub async fn sign_in(
    st: &AppState,
    challenge_id: &str,
    req: api::DayPassRequest,
    presented: Option<&[u8]>,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    // A first look, for a clear error; the attempt itself is claimed below.
    let (challenge, person) = super::flow::first_look(st, challenge_id, presented, now).await?;
    // Not a pass at all (wrong length, a character outside the alphabet): a wrong attempt.
    let typed = DayPass::parse(&req.pass);

    let mut tx = st.db.begin().await?;
    // The person's row first, as issuing a pass takes it (one lock order on PostgreSQL).
    people::lock(&mut tx, &person.id).await?;
    let won = match (
        &typed,
        day_passes::live_of(&mut *tx, &person.id, now).await?,
    ) {
        (Some(pass), Some(live)) => {
            let hash = st.keys.hash_day_pass(&person.id, pass);
            bool::from(hash.as_slice().ct_eq(live.pass_hash.as_slice()))
                && day_passes::spend(&mut *tx, &live.id, now).await?
        }
        _ => false,
    };
    let wrong = Event::about(&person, AuditAction::CodeFailed)
        .detail("wrong one-day pass")
        .reason(AuditReason::WrongDayPass);
    let (mut tx, session) =
        super::flow::judged(st, tx, (challenge_id, &challenge), &person, won, wrong, now).await?;
    notices::send(&mut tx, st, &person, Notice::DayPassUsed, &[], now).await?;
    Event::about(&person, AuditAction::DayPassUsed)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    Ok(api::LoginResponse::Done {
        session,
        person: store::person_view(&st.db, &person).await?,
    })
}
