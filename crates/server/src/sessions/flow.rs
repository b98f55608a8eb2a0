//! Sessions people can see and end (API.md "Sessions"), and the notice of a sign-in from a
//! device the person has not used in 90 days.

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
