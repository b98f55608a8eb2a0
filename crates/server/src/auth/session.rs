//! Issuing a session: the sign-in's device recorded, and the notice of a sign-in from a device
//! the person has not used in 90 days. Every way in (a sign-in, a fresh sign-in, a recovery
//! code, a first method set up) ends here.

use chrono::{DateTime, Duration, Utc};
use twostep_api as api;

use crate::auth;
use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::batch::{Batch, Results, Slot};
use crate::store::devices::{self, Device};
use crate::store::{self, Backend, PersonRow, Tx};

/// A device unseen this long is new again.
const NEW_DEVICE_AFTER_DAYS: i64 = 90;

/// A known device's last sign-in is written at most this often: a sign-in from it is then
/// one read, not a read and a write (a day's error on 90 days).
const DEVICE_REFRESH_AFTER_HOURS: i64 = 24;

/// Issues a session in `tx` (the sign-in's transaction), records the device, and when it is
/// one the person has not signed in from in 90 days, tells them on every address. The very
/// first sign-in of a person is not news to them.
pub async fn begin(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    device: &Device,
    now: DateTime<Utc>,
) -> Result<api::Session, ApiError> {
    let mut batch = Batch::new();
    let pending = begin_in(&mut batch, Backend::of(tx), st, person, device, now);
    let results = batch.run(tx).await?;
    pending.finish(&results, tx, st, person, now).await
}

/// `begin` for a sign-in whose second step a remembered device stood in for: the new-sign-in
/// notice, if the device is news, says that no code was asked.
pub async fn begin_remembered(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    device: &Device,
    now: DateTime<Utc>,
) -> Result<api::Session, ApiError> {
    let mut batch = Batch::new();
    let mut pending = begin_in(&mut batch, Backend::of(tx), st, person, device, now);
    pending.remembered = true;
    let results = batch.run(tx).await?;
    pending.finish(&results, tx, st, person, now).await
}

/// A session being issued in a batch, until the batch has run: the session, and where the
/// sign-in's facts (frozen, disabled, the devices) are among the results.
pub struct Pending<'a> {
    session: api::Session,
    facts: Slot,
    device: &'a Device,
    /// No code was asked: a remembered device stood in for the second step.
    remembered: bool,
}

/// `begin`, its statements added to `batch` (the flow's others may go with them): the person's
/// row locked (PostgreSQL: a freeze committing meanwhile waits, or is seen), the facts read,
/// the session issued, the device recorded (at most daily). `Pending::finish` refuses a
/// frozen or disabled account after it ran: the caller's transaction, which then holds a
/// session, must roll back, as every `?` on the error does.
pub fn begin_in<'a>(
    batch: &mut Batch<'a>,
    backend: Backend,
    st: &AppState,
    person: &'a PersonRow,
    device: &'a Device,
    now: DateTime<Utc>,
) -> Pending<'a> {
    if let Some(lock) = store::people::lock_statement(backend, &person.id) {
        batch.push(lock);
    }
    let facts = batch.push(devices::facts_statement(&person.id, device));
    let session = auth::issue_session_in(batch, &person.id, device, now, &st.cfg.limits);
    let refreshed_after = now - Duration::hours(DEVICE_REFRESH_AFTER_HOURS);
    batch.push(devices::signed_in_statement(
        &person.id,
        device,
        now,
        refreshed_after,
    ));
    Pending {
        session,
        facts,
        device,
        remembered: false,
    }
}

/// A device the person has not signed in from in 90 days is news, unless it is their very
/// first sign-in.
fn is_news(
    this_device: Option<DateTime<Utc>>,
    any_device: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let unseen = this_device.is_none_or(|t| now - t > Duration::days(NEW_DEVICE_AFTER_DAYS));
    unseen && any_device.is_some()
}

impl Pending<'_> {
    /// After the batch ran: the session, unless the account is frozen or disabled; a notice
    /// to the person if the device is new to them.
    pub async fn finish(
        self,
        results: &Results,
        tx: &mut Tx,
        st: &AppState,
        person: &PersonRow,
        now: DateTime<Utc>,
    ) -> Result<api::Session, ApiError> {
        let devices::SignInFacts {
            this_device,
            any_device,
            frozen,
            disabled,
        } = devices::SignInFacts::from_row(results.row(self.facts))?;
        if frozen {
            return Err(ApiError::AccountFrozen);
        }
        if disabled {
            return Err(ApiError::AccountDisabled);
        }
        if is_news(this_device, any_device, now) {
            let center = store::centers::get(&mut **tx, &person.center_id).await?;
            let when = now.format("%Y-%m-%d %H:%M UTC").to_string();
            let notice = Notice::NewSignIn {
                device: self.device.name.as_deref().unwrap_or_default(),
                center: &center.name,
                when: &when,
                remembered: self.remembered,
            };
            notices::send(tx, st, person, notice, &[], now).await?;
        }
        Ok(self.session)
    }
}
