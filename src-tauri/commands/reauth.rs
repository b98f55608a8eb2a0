//! "Confirm it's you": a fresh sign-in in the middle of a change (the server answered
//! `reauth_required`). The password, then a code from one of the person's methods (or a
//! recovery code), on a challenge tied to this session; the new session it earns replaces the
//! old one here and in the keyring, and the UI retries the change. Also the password change.

use tauri::{AppHandle, Runtime, State};
use twostep_api::Delivery;
use twostep_client::Step;

use crate::error::{AppError, AppResult};
use crate::notify;
use crate::session::{self, check_id};
use crate::state::{AppState, Flow, Server};
use crate::views::StepView;

#[tauri::command]
pub async fn reauth_start<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    password: String,
) -> AppResult<StepView> {
    let step = match session::call(&state, |c, t| async move {
        c.reauth(t.expose(), &password).await
    })
    .await
    {
        Ok(step) => step,
        // Locked for good: only a recovery code goes on, on the challenge the 423 carries.
        Err(e) => {
            let Some(id) = e.locked_challenge() else {
                return Err(e);
            };
            state.inner.lock().await.flow = Flow::Reauth {
                challenge_id: id.to_owned(),
            };
            return Ok(StepView::Recover);
        }
    };
    match step {
        Step::Verify {
            challenge_id,
            expires_at,
            methods,
            preferred_method_id,
            code_sent,
        } => {
            if let Some(d) = &code_sent {
                notify::code_sent(&app, &d.sent_to);
            }
            state.inner.lock().await.flow = Flow::Reauth { challenge_id };
            Ok(StepView::Verify {
                methods,
                preferred_method_id,
                code_sent,
                expires_at,
            })
        }
        done @ Step::Done { .. } => renewed(&state, done).await,
        Step::Setup { .. } => Err(AppError::Internal(
            "unexpected answer to reauth: setup".into(),
        )),
    }
}

#[tauri::command]
pub async fn reauth_send<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    method_id: String,
) -> AppResult<Delivery> {
    let challenge_id = reauth_flow(&state).await?;
    let id = check_id(&method_id)?.to_owned();
    let delivery = session::call(&state, |c, t| async move {
        c.send_code_as(Some(t.expose()), &challenge_id, &id).await
    })
    .await?;
    notify::code_sent(&app, &delivery.sent_to);
    Ok(delivery)
}

#[tauri::command]
pub async fn reauth_verify(
    state: State<'_, AppState>,
    method_id: String,
    code: String,
) -> AppResult<StepView> {
    let challenge_id = reauth_flow(&state).await?;
    let id = check_id(&method_id)?.to_owned();
    let step = session::call(&state, |c, t| async move {
        c.verify_as(Some(t.expose()), &challenge_id, &id, &code)
            .await
    })
    .await;
    renewed(&state, state.follow_lock(step).await?).await
}

#[tauri::command]
pub async fn reauth_recover(state: State<'_, AppState>, code: String) -> AppResult<StepView> {
    let challenge_id = reauth_flow(&state).await?;
    let step = session::call(&state, |c, t| async move {
        c.recover_as(Some(t.expose()), &challenge_id, &code).await
    })
    .await;
    renewed(&state, state.follow_lock(step).await?).await
}

/// "Change password": the current one and the new one (the server says why a new one is weak).
#[tauri::command]
pub async fn change_password(
    state: State<'_, AppState>,
    current: String,
    new: String,
) -> AppResult<()> {
    session::call(&state, |c, t| async move {
        c.change_password(t.expose(), &current, &new).await
    })
    .await
}

/// The fresh sign-in passed: its new session replaces the old one (keyring included), and the
/// profile shown stays as it was.
async fn renewed(state: &AppState, step: Step) -> AppResult<StepView> {
    let Step::Done { session, person } = step else {
        return Err(AppError::Internal(
            "unexpected answer to a fresh sign-in".into(),
        ));
    };
    let (server, profile) = {
        let inner = state.inner.lock().await;
        let server: Server = inner.server.clone().ok_or(AppError::NoServer)?;
        (server, inner.signed.as_ref().and_then(|s| s.profile))
    };
    let mut me = session::begin(state, &server, session, person).await?;
    if let Some(p) = profile {
        if let Some(signed) = state.inner.lock().await.signed.as_mut() {
            signed.profile = Some(p);
        }
        me.profile = Some(p);
    }
    Ok(StepView::Done { me })
}

/// The fresh sign-in's challenge, while one is under way.
async fn reauth_flow(state: &AppState) -> AppResult<String> {
    match &state.inner.lock().await.flow {
        Flow::Reauth { challenge_id } => Ok(challenge_id.clone()),
        _ => Err(AppError::NoFlow),
    }
}
