//! Sessions people can see and end (API.md "Sessions"), and the devices they had remembered
//! ("Forget this device").

use chrono::Duration;
use twostep_api as api;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, tokens, AuditAction, Event};

/// `GET /me/sessions`.
pub async fn list(st: &AppState, p: &Principal) -> Result<api::Sessions, ApiError> {
    let now = st.now();
    let idle_since = now - Duration::seconds(st.cfg.limits.session_idle_secs);
    let rows = tokens::sessions_of(st.db.read(), &p.person.id, now, idle_since).await?;
    let remembered = store::remembered::of_person(st.db.read(), &p.person.id, now).await?;
    Ok(api::Sessions {
        remembered: remembered
            .into_iter()
            .map(|r| api::RememberedDevice {
                current: p.device.hash.as_deref() == Some(r.device_hash.as_slice()),
                id: r.id,
                device_name: r.device_name,
                created_at: r.created_at,
                expires_at: r.expires_at,
            })
            .collect(),
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

/// `DELETE /me/remembered/{id}`, "Forget this device": its next password sign-in asks for the
/// second step again. Another person's id is as unknown as a made-up one.
pub async fn forget(st: &AppState, p: &Principal, id: &str) -> Result<(), ApiError> {
    let mut tx = st.db.begin().await?;
    if !store::remembered::forget(&mut *tx, &p.person.id, id).await? {
        return Err(ApiError::NotFound("That remembered device"));
    }
    Event::by_self(&p.person, AuditAction::DeviceForgotten)
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
    // Every remembered device too, this one's included: "sign out everywhere" leaves no
    // device that signs in on the password alone.
    store::remembered::end_all_of(&mut *tx, &p.person.id).await?;
    Event::by_self(&p.person, AuditAction::SignedOut)
        .detail("signed out everywhere else")
        .record(&mut *tx, st.now())
        .await?;
    tx.commit().await?;
    Ok(())
}
