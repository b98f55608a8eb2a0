//! Starting and ending a session on this device: the token goes to the keyring, the email to
//! the settings (so the token can be found at the next start), and both go on sign-out or 401.

use std::future::Future;

use twostep_api::{Person, Role, Session};
use twostep_client::{Client, ClientError};

use crate::error::{AppError, AppResult};
use crate::secret::Token;
use crate::state::{AppState, Flow, Server, Signed};
use crate::views::MeView;

/// The keyring key of a server: the demo's port changes at every start, its data does not.
pub fn server_key(server: &Server) -> &str {
    if server.demo {
        "embedded-demo"
    } else {
        &server.url
    }
}

/// The profile shown first: staff when the person has it, else guardian.
pub fn default_profile(person: &Person) -> Option<Role> {
    [Role::Staff, Role::Guardian]
        .into_iter()
        .find(|r| person.roles.contains(r))
}

pub fn me_view(signed: &Signed, keyring_warning: Option<String>) -> Option<MeView> {
    signed.person.clone().map(|person| MeView {
        person,
        profile: signed.profile,
        keyring_warning,
        recovered: false,
    })
}

/// A session was issued: keep it (keyring + settings) and show the signed-in app.
pub async fn begin(
    state: &AppState,
    server: &Server,
    session: Session,
    person: Person,
) -> AppResult<MeView> {
    let recovered = session.recovered;
    let token = Token::new(session.token);
    let email = person.email.clone();
    // A shared classroom device never keeps a session for the next person to find.
    let shared = on_shared_device(state).await;
    // "Don't ask for a code on this device": never kept on a shared device (which never asks
    // for one either). A keyring that refuses it only means a code next time.
    if let (Some(remember), false) = (session.remember_token, shared) {
        let kept = state
            .tokens
            .save_remember(server_key(server), &email, &Token::new(remember));
        if let Err(e) = kept {
            tracing::warn!("keyring: the remembered device was not kept: {e}");
        }
    }
    let keyring_warning = if shared {
        None
    } else {
        state
            .tokens
            .save(server_key(server), &email, &token)
            .err()
            .map(|e| e.to_string())
    };
    if let Some(w) = &keyring_warning {
        tracing::warn!("keyring: {w}");
    }
    // A fresh sign-in ("Confirm it's you") replaces the session of the same person: the
    // profile shown stays as it was.
    let profile = {
        let inner = state.inner.lock().await;
        inner
            .signed
            .as_ref()
            .filter(|s| s.email == email)
            .and_then(|s| s.profile)
            .filter(|p| person.roles.contains(p))
    };
    let signed = Signed {
        email: email.clone(),
        token,
        profile: profile.or_else(|| default_profile(&person)),
        person: Some(person),
        signed_at: Some(state.authenticator.now_secs()),
    };
    let mut view = me_view(&signed, keyring_warning).ok_or(AppError::SignedOut)?;
    view.recovered = recovered;
    {
        let mut inner = state.inner.lock().await;
        inner.flow = Flow::Idle;
        inner.signed = Some(signed);
        inner.settings.signed_in_email = (!shared).then_some(email);
        inner.last_used = state.authenticator.now_secs();
    }
    state.save_settings().await?;
    Ok(view)
}

/// The device became shared: the session of whoever is signed in leaves the keyring (it goes
/// on in memory until sign-out or the idle time).
pub async fn unremember(state: &AppState) -> AppResult<()> {
    let (server, email) = {
        let mut inner = state.inner.lock().await;
        let email = inner
            .signed
            .as_ref()
            .map(|s| s.email.clone())
            .or_else(|| inner.settings.signed_in_email.clone());
        inner.settings.signed_in_email = None;
        (inner.server.clone(), email)
    };
    if let (Some(server), Some(email)) = (server, email) {
        state.tokens.remove(server_key(&server), &email)?;
        // Nor is a shared device a remembered one.
        state.tokens.remove_remember(server_key(&server), &email)?;
    }
    state.save_settings().await
}

/// What a sign-in from this device sends as `Twostep-Remember`: the token kept for `email` on
/// `server`, never on a shared device.
pub async fn remember_token(state: &AppState, server: &Server, email: &str) -> Option<Token> {
    if on_shared_device(state).await {
        return None;
    }
    state
        .tokens
        .load_remember(server_key(server), email)
        .ok()
        .flatten()
}

/// Ends the session here and, when it can be reached, on the server.
pub async fn end(state: &AppState) -> AppResult<()> {
    if let Ok((server, token)) = state.session().await {
        if let Err(e) = server.client.logout(token.expose()).await {
            tracing::info!("sign-out not confirmed by the server: {e}");
        }
    }
    forget(state).await
}

/// How recent a sign-in on this device must be for what only a center administrator who is
/// here may do (turning shared mode off after the device PIN was reset).
pub const FRESH_SIGN_IN_SECS: i64 = 5 * 60;

/// Someone signed in on this device as an administrator of the center within the last
/// `FRESH_SIGN_IN_SECS`, by a full sign-in or a fresh one; the role is asked of the server now
/// (`GET /me`), not taken from what the app remembers. `refusal`: the error otherwise.
pub async fn fresh_admin_here(state: &AppState, refusal: fn() -> AppError) -> AppResult<()> {
    let now = state.authenticator.now_secs();
    let fresh = {
        let inner = state.inner.lock().await;
        inner
            .signed
            .as_ref()
            .and_then(|s| s.signed_at)
            .is_some_and(|at| (0..=FRESH_SIGN_IN_SECS).contains(&(now - at)))
    };
    if !fresh {
        return Err(refusal());
    }
    let person = match call(state, |c, t| async move { c.me(t.expose()).await }).await {
        Ok(p) => p,
        Err(AppError::SignedOut) => return Err(refusal()),
        Err(e) => return Err(e),
    };
    if person.roles.contains(&Role::Admin) {
        Ok(())
    } else {
        Err(refusal())
    }
}

/// Whether this is a shared classroom device (the authenticator's setting; fails closed).
pub async fn on_shared_device(state: &AppState) -> bool {
    state.authenticator.is_shared().await
}

/// The session was used now.
pub async fn touch(state: &AppState) {
    let now = state.authenticator.now_secs();
    state.inner.lock().await.last_used = now;
}

/// On a shared device, a session unused for the idle time ends, here and on the server:
/// whether it just ended.
pub async fn end_if_idle(state: &AppState) -> AppResult<bool> {
    if !on_shared_device(state).await {
        return Ok(false);
    }
    let minutes = state.authenticator.idle_minutes().await;
    let now = state.authenticator.now_secs();
    let idle = {
        let inner = state.inner.lock().await;
        let unused = now - inner.last_used;
        // A clock set back by more than a minute ends the session too (it can't be trusted).
        inner.signed.is_some() && (unused >= i64::from(minutes) * 60 || unused < -60)
    };
    if !idle {
        return Ok(false);
    }
    end(state).await?;
    Ok(true)
}

/// Forget the session on this device (the server is told separately, when it can be).
pub async fn forget(state: &AppState) -> AppResult<()> {
    let (server, signed) = {
        let mut inner = state.inner.lock().await;
        inner.flow = Flow::Idle;
        inner.settings.signed_in_email = None;
        (inner.server.clone(), inner.signed.take())
    };
    if let (Some(server), Some(signed)) = (server, signed) {
        state.tokens.remove(server_key(&server), &signed.email)?;
    }
    state.save_settings().await
}

/// Restore a remembered session from the keyring (at start, or after choosing a server);
/// never on a shared device, where a remembered one is forgotten instead.
pub async fn restore(state: &AppState) -> AppResult<()> {
    let shared = on_shared_device(state).await;
    let mut inner = state.inner.lock().await;
    let (Some(server), Some(email)) =
        (inner.server.clone(), inner.settings.signed_in_email.clone())
    else {
        return Ok(());
    };
    if inner.signed.is_some() {
        return Ok(());
    }
    if shared {
        inner.settings.signed_in_email = None;
        drop(inner);
        state.tokens.remove(server_key(&server), &email)?;
        return state.save_settings().await;
    }
    if let Some(token) = state.tokens.load(server_key(&server), &email)? {
        inner.signed = Some(Signed {
            email,
            token,
            person: None,
            profile: None,
            signed_at: None,
        });
    }
    Ok(())
}

/// Calls the server with the session token; a 401 ends the session on this device.
pub async fn call<T, F, Fut>(state: &AppState, f: F) -> AppResult<T>
where
    F: FnOnce(Client, Token) -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    if end_if_idle(state).await? {
        return Err(AppError::SignedOut);
    }
    let (server, token) = state.session().await?;
    touch(state).await;
    match f(server.client.clone(), token.clone()).await {
        Ok(v) => Ok(v),
        Err(e) => {
            let e = AppError::from_client(e, &server.url);
            if e.is_unauthenticated() {
                forget_if_current(state, &token).await?;
                return Err(AppError::SignedOut);
            }
            Err(e)
        }
    }
}

/// The server refused `token`: the session ends here, if it is still this device's (a fresh
/// sign-in may have replaced it meanwhile, and the new one must not go with the old).
pub async fn forget_if_current(state: &AppState, token: &Token) -> AppResult<()> {
    let still_current = state
        .session()
        .await
        .is_ok_and(|(_, now)| now.expose() == token.expose());
    if still_current {
        forget(state).await?;
    }
    Ok(())
}

/// Ids go into URL paths: only the server's own id characters are let through.
pub fn check_id(id: &str) -> AppResult<&str> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(id)
    } else {
        Err(AppError::Server {
            code: "not_found".into(),
            message: "That item no longer exists. Go back and try again.".into(),
            status: 404,
            attempts_left: None,
            retry_after: None,
            challenge_id: None,
            weakness: None,
        })
    }
}
