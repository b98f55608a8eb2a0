//! Sessions people can see and end (API.md "Sessions"), and the notice of a sign-in from a
//! device the person has not used in 90 days.

use chrono::{DateTime, Duration, Utc};
use twostep_api as api;

use crate::auth::{self, Principal};
use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::{self, devices, tokens, AuditAction, Event, PersonRow};

/// A device unseen this long is new again.
const NEW_DEVICE_AFTER_DAYS: i64 = 90;
/// A known device's last sign-in is written at most this often: a sign-in from it is then
/// one read, not a read and a write (a day's error on 90 days).
const DEVICE_REFRESH_AFTER_HOURS: i64 = 24;

/// Issues a session in `tx` (the sign-in's transaction), records the device, and when it is
/// one the person has not signed in from in 90 days, tells them on every address. The very
/// first sign-in of a person is not news to them.
pub async fn begin(
    tx: &mut sqlx::AnyConnection,
    st: &AppState,
    person: &PersonRow,
    device: Option<&str>,
    now: DateTime<Utc>,
) -> Result<api::Session, ApiError> {
    // The person's row first (PostgreSQL): a freeze committing meanwhile waits, or is seen.
    store::people::lock(tx, &person.id).await?;
    let name = device.unwrap_or_default();
    let devices::SignInFacts {
        this_device,
        any_device,
        frozen,
        disabled,
    } = devices::facts(&mut *tx, &person.id, name).await?;
    if frozen {
        return Err(ApiError::AccountFrozen);
    }
    if disabled {
        return Err(ApiError::AccountDisabled);
    }
    let session = auth::issue_session(tx, &person.id, device, now, &st.cfg.limits).await?;
    let unseen = this_device.is_none_or(|t| now - t > Duration::days(NEW_DEVICE_AFTER_DAYS));
    if unseen && any_device.is_some() {
        let center = store::centers::get(&mut *tx, &person.center_id).await?;
        let when = now.format("%Y-%m-%d %H:%M UTC").to_string();
        let notice = Notice::NewSignIn {
            device: name,
            center: &center.name,
            when: &when,
        };
        notices::send(tx, st, person, notice, &[], now).await?;
    }
    if this_device.is_none_or(|t| now - t > Duration::hours(DEVICE_REFRESH_AFTER_HOURS)) {
        devices::signed_in(&mut *tx, &person.id, name, now).await?;
    }
    Ok(session)
}

/// `GET /me/sessions`.
pub async fn list(st: &AppState, p: &Principal) -> Result<api::Sessions, ApiError> {
    let now = st.now();
    let idle_since = now - Duration::seconds(st.cfg.limits.session_idle_secs);
    let rows = tokens::sessions_of(st.db.read(), &p.person.id, now, idle_since).await?;
    Ok(api::Sessions {
        sessions: rows
            .into_iter()
            .map(|r| api::SessionInfo {
                current: r.hash == p.token_hash,
                id: r.public_id,
                device_name: r.device_name,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
            })
            .collect(),
    })
}

/// `DELETE /me/sessions/{id}`: another person's id is as unknown as a made-up one.
pub async fn end(st: &AppState, p: &Principal, public_id: &str) -> Result<(), ApiError> {
    let mut tx = st.db.begin().await?;
    let Some(hash) = tokens::delete_session(&mut *tx, &p.person.id, public_id).await? else {
        return Err(ApiError::NotFound("That session"));
    };
    let detail = if hash == p.token_hash {
        "signed out"
    } else {
        "a session ended from another device"
    };
    Event::by_self(&p.person, AuditAction::SignedOut)
        .detail(detail)
        .record(&mut *tx, st.now())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /me/sessions/end-others`: every session but this one (setup tokens too).
pub async fn end_others(st: &AppState, p: &Principal) -> Result<(), ApiError> {
    let mut tx = st.db.begin().await?;
    // After any session being issued now (it takes the same lock), not before it.
    store::people::lock(&mut tx, &p.person.id).await?;
    tokens::delete_others_of(&mut *tx, &p.person.id, &p.token_hash).await?;
    Event::by_self(&p.person, AuditAction::SignedOut)
        .detail("signed out everywhere else")
        .record(&mut *tx, st.now())
        .await?;
    tx.commit().await?;
    Ok(())
}
