//! "Don't ask for a code on this device for N days": the remember token a second step may earn
//! (`verify` with `remember`), and a password sign-in from that device that skips the second
//! step with it (`Twostep-Remember`, or a browser's cookie).
//!
//! A token is 256 random bits, stored as its SHA-256, bound to the person and to the device
//! id's hash; it lasts the person's `remember_days` (the strictest of their roles', 0 for an
//! administrator or a shared account: never offered, never honoured). At a sign-in it only
//! stands in for the second step: the password, the locks, freeze and disabled are judged
//! first, exactly as without it; and it is honoured only while the kind of method that earned
//! it is one the person may still sign in with (a floor raised above it, or its kind switched
//! off, ends its use), and while the center's days (perhaps lowered since) still cover it.
//! Anything else falls back to the second step, silently: no answer tells a wrong token from
//! an expired one, or from none.

use chrono::{DateTime, Duration, Utc};
use twostep_api as api;
use twostep_core::Kind;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::devices::Device;
use crate::store::remembered::{self, NewRemembered};
use crate::store::{self, new_id, AuditAction, AuditReason, Event, PersonRow, Tx};

/// For how many days the person's own device may be remembered now (0: not offered).
pub(super) async fn days_for<'c>(
    db: impl store::Exec<'c>,
    person: &PersonRow,
) -> Result<u32, ApiError> {
    let days = remembered::days_of(db, &person.center_id).await?;
    Ok(days.for_person(&person.roles, person.shared))
}

/// After a passed second step with `remember` asked: the device remembered, its token and end
/// in `session`, when the person may be and the device has an id (otherwise the request is
/// ignored, as the checkbox was never offered).
pub(super) async fn remember_device(
    tx: &mut Tx,
    person: &PersonRow,
    device: &Device,
    kind: Kind,
    session: &mut api::Session,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(device_hash) = device.hash.as_deref() else {
        return Ok(());
    };
    let days = days_for(&mut **tx, person).await?;
    if days == 0 {
        return Ok(());
    }
    let (token, hash) = crate::crypto::new_token();
    let expires_at = now + Duration::days(i64::from(days));
    let new = NewRemembered {
        id: &new_id(),
        hash: &hash,
        person_id: &person.id,
        device_hash,
        device_name: device.name.as_deref(),
        kind,
        expires_at,
    };
    remembered::insert(tx, &new, now).await?;
    Event::about(person, AuditAction::DeviceRemembered)
        .detail(&format!("for {days} days"))
        .kind(kind)
        .record(&mut **tx, now)
        .await?;
    session.remember_token = Some(token.to_string());
    session.remembered_until = Some(expires_at);
    Ok(())
}

/// The kind whose second step a remember token stands in for, if the token is good for this
/// person on this device now and may still skip the second step; `None` otherwise.
pub(super) async fn honoured(
    st: &AppState,
    person: &PersonRow,
    device: &Device,
    token_hash: &[u8],
    allowed: &[Kind],
) -> Result<Option<Kind>, ApiError> {
    let Some(device_hash) = device.hash.as_deref() else {
        return Ok(None);
    };
    let now = st.now();
    let Some(row) = remembered::find(st.db.read(), token_hash, device_hash, now).await? else {
        return Ok(None);
    };
    if row.person_id != person.id || !allowed.contains(&row.kind) {
        return Ok(None);
    }
    let days = days_for(st.db.read(), person).await?;
    if row.created_at + Duration::days(i64::from(days)) <= now {
        return Ok(None);
    }
    Ok(Some(row.kind))
}

/// The session of a sign-in whose second step a remembered device stood in for: audited as a
/// second step passed for that reason, and the new-sign-in notice (if the device is news) says
/// no code was asked.
pub(super) async fn sign_in(
    st: &AppState,
    person: &PersonRow,
    device: &Device,
    kind: Kind,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let session = crate::auth::session::begin_remembered(&mut tx, st, person, device, now).await?;
    Event::about(person, AuditAction::SecondStepPassed)
        .detail("no code asked: this device is remembered")
        .kind(kind)
        .reason(AuditReason::RememberedDevice)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    Ok(api::LoginResponse::Done {
        session,
        person: store::person_view(&st.db, person).await?,
    })
}
