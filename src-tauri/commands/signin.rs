//! Signing in: password, then a code (or setting up a method), then a session.

use tauri::{AppHandle, Runtime, State};
use twostep_api::{Delivery, Role};
use twostep_client::Step;

use crate::error::{AppError, AppResult};
use crate::notify;
use crate::secret::Token;
use crate::session::{self, check_id};
use crate::state::{AppState, Flow, Server};
use crate::views::{MeView, StepView};

#[tauri::command]
pub async fn sign_in<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    email: String,
    password: String,
) -> AppResult<StepView> {
    let server = state.server().await?;
    let device = device_name();
    let step = match server
        .client
        .login(email.trim(), &password, Some(&device))
        .await
    {
        Ok(step) => step,
        // Unfrozen since the last sign-in: the password may be known to whoever froze the
        // account out, so a new one comes first, on the token the 409 carries.
        Err(e) if e.code() == Some("password_change_required") && e.password_token().is_some() => {
            state.inner.lock().await.flow = Flow::NewPassword {
                token: Token::new(e.password_token().unwrap_or_default().to_owned()),
                email: email.trim().to_owned(),
            };
            return Ok(StepView::NewPassword);
        }
        // Locked for good: only a recovery code goes on, on the challenge the 423 carries.
        Err(e) if e.code() == Some("two_step_locked") && e.challenge_id().is_some() => {
            state.inner.lock().await.flow = Flow::Verify {
                challenge_id: e.challenge_id().unwrap_or_default().to_owned(),
                email: email.trim().to_owned(),
            };
            return Ok(StepView::Recover);
        }
        Err(e) => return Err(AppError::from_client(e, &server.url)),
    };
    next_step(&app, &state, &server, email.trim().to_owned(), step).await
}

/// "Choose a new password" after an unfreeze: the server judges it (a weak one answers
/// `weak_password` with why) and the sign-in goes on as after the password.
#[tauri::command]
pub async fn set_new_password<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    password: String,
) -> AppResult<StepView> {
    let (server, token, email) = {
        let inner = state.inner.lock().await;
        let server = inner.server.clone().ok_or(AppError::NoServer)?;
        match &inner.flow {
            Flow::NewPassword { token, email } => (server, token.clone(), email.clone()),
            _ => return Err(AppError::NoFlow),
        }
    };
    let step = server
        .client
        .set_new_password(token.expose(), &password)
        .await
        .map_err(|e| AppError::from_client(e, &server.url))?;
    next_step(&app, &state, &server, email, step).await
}

/// "Use a recovery code" on the code screen (or the only way on, when locked).
#[tauri::command]
pub async fn recover_sign_in(state: State<'_, AppState>, code: String) -> AppResult<StepView> {
    let (server, challenge_id) = verify_flow(&state).await?;
    let step = server
        .client
        .recover(&challenge_id, &code)
        .await
        .map_err(|e| AppError::from_client(e, &server.url));
    signed_in(&state, &server, state.follow_lock(step).await?, "recover").await
}

/// "Skip for now": only offered, and only accepted by the server, when setup is not required.
#[tauri::command]
pub async fn skip_setup(state: State<'_, AppState>) -> AppResult<StepView> {
    let (server, token) = {
        let inner = state.inner.lock().await;
        let server = inner.server.clone().ok_or(AppError::NoServer)?;
        match &inner.flow {
            Flow::Setup { token, .. } => (server, token.clone()),
            _ => return Err(AppError::NoFlow),
        }
    };
    let step = server
        .client
        .skip_setup(token.expose())
        .await
        .map_err(|e| AppError::from_client(e, &server.url))?;
    signed_in(&state, &server, step, "skip-setup").await
}

/// "Send code" / "Send new code" for the chosen method.
#[tauri::command]
pub async fn send_code<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    method_id: String,
) -> AppResult<Delivery> {
    let (server, challenge_id) = verify_flow(&state).await?;
    let delivery = server
        .client
        .send_code(&challenge_id, check_id(&method_id)?)
        .await
        .map_err(|e| AppError::from_client(e, &server.url))?;
    notify::code_sent(&app, &delivery.sent_to);
    Ok(delivery)
}

#[tauri::command]
pub async fn verify_code(
    state: State<'_, AppState>,
    method_id: String,
    code: String,
) -> AppResult<StepView> {
    let (server, challenge_id) = verify_flow(&state).await?;
    // Pasted "123 456" / "123-456" are sent as typed: the server reads them (OneTimeCode::from_input).
    let step = server
        .client
        .verify(&challenge_id, check_id(&method_id)?, &code)
        .await
        .map_err(|e| AppError::from_client(e, &server.url));
    signed_in(&state, &server, state.follow_lock(step).await?, "verify").await
}

/// The answer that can only be "done": its session begins.
async fn signed_in(
    state: &AppState,
    server: &Server,
    step: Step,
    call: &str,
) -> AppResult<StepView> {
    match step {
        Step::Done { session, person } => Ok(StepView::Done {
            me: session::begin(state, server, session, person).await?,
        }),
        other => Err(AppError::Internal(format!(
            "unexpected answer to {call}: {}",
            step_name(&other)
        ))),
    }
}

/// Sign out: the server revokes the token (when it can be reached), the keyring forgets it.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> AppResult<()> {
    session::end(&state).await
}

/// Staff or guardian, for a person who is both.
#[tauri::command]
pub async fn switch_profile(state: State<'_, AppState>, profile: Role) -> AppResult<MeView> {
    let mut inner = state.inner.lock().await;
    let signed = inner.signed.as_mut().ok_or(AppError::SignedOut)?;
    let person = signed.person.as_ref().ok_or(AppError::SignedOut)?;
    if profile == Role::Admin || !person.roles.contains(&profile) {
        return Err(AppError::NoSuchProfile(
            serde_json::to_value(profile)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ));
    }
    signed.profile = Some(profile);
    session::me_view(signed, None).ok_or(AppError::SignedOut)
}

async fn next_step<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    server: &Server,
    email: String,
    step: Step,
) -> AppResult<StepView> {
    match step {
        Step::Done { session, person } => Ok(StepView::Done {
            me: session::begin(state, server, session, person).await?,
        }),
        Step::Verify {
            challenge_id,
            expires_at,
            methods,
            preferred_method_id,
            code_sent,
        } => {
            if let Some(d) = &code_sent {
                notify::code_sent(app, &d.sent_to);
            }
            state.inner.lock().await.flow = Flow::Verify {
                challenge_id,
                email,
            };
            Ok(StepView::Verify {
                methods,
                preferred_method_id,
                code_sent,
                expires_at,
            })
        }
        Step::Setup {
            setup_token,
            required,
            allowed_kinds,
            email_prefill,
        } => {
            state.inner.lock().await.flow = Flow::Setup {
                token: Token::new(setup_token),
                email,
                required,
                allowed_kinds: allowed_kinds.clone(),
            };
            Ok(StepView::Setup {
                required,
                allowed_kinds,
                email_prefill,
            })
        }
    }
}

async fn verify_flow(state: &AppState) -> AppResult<(Server, String)> {
    let inner = state.inner.lock().await;
    let server = inner.server.clone().ok_or(AppError::NoServer)?;
    match &inner.flow {
        Flow::Verify { challenge_id, .. } => Ok((server, challenge_id.clone())),
        _ => Err(AppError::NoFlow),
    }
}

fn step_name(step: &Step) -> &'static str {
    match step {
        Step::Done { .. } => "done",
        Step::Verify { .. } => "verify",
        Step::Setup { .. } => "setup",
    }
}

/// Which device signed in, as the person sees it in "Where you're signed in" and in the new
/// sign-in notice (and administrators in the audit trail): the computer's name and system.
pub(crate) fn device_name() -> String {
    let os = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "macOS",
        "windows" => "Windows",
        "android" => "Android",
        "ios" => "iOS",
        other => other,
    };
    let host: String = gethostname::gethostname()
        .to_string_lossy()
        .chars()
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    // Phones call themselves "localhost": the system alone says more.
    if host.is_empty() || host == "localhost" {
        format!("Twostep app ({os})")
    } else {
        format!("Twostep on {host} ({os})")
    }
}
