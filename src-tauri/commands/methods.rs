//! The person's verification methods: list, add (start, resend, confirm), delete, prefer.
//! Adding works with a session or, during a sign-in's setup, with the setup token.

use tauri::{AppHandle, Runtime, State};
use twostep_api::{AddMethodRequest, Confirmed, Delivery, MethodsResponse};

use crate::error::{AppError, AppResult};
use crate::notify;
use crate::session::{self, check_id};
use crate::state::{AppState, Server};
use crate::views::{ConfirmedView, EnrollmentView};

#[tauri::command]
pub async fn my_methods(state: State<'_, AppState>) -> AppResult<MethodsResponse> {
    let (server, token, during_setup) = state.enroll_token().await?;
    if during_setup {
        return server
            .client
            .methods(token.expose())
            .await
            .map_err(|e| AppError::from_client(e, &server.url));
    }
    session::call(&state, |c, t| async move { c.methods(t.expose()).await }).await
}

#[tauri::command]
pub async fn start_method<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: AddMethodRequest,
) -> AppResult<EnrollmentView> {
    let (server, token, _) = state.enroll_token().await?;
    let enrollment = server
        .client
        .add_method(token.expose(), &request)
        .await
        .map_err(|e| AppError::from_client(e, &server.url))?;
    let view = EnrollmentView::from_api(enrollment);
    if let EnrollmentView::Email { sent_to, .. } | EnrollmentView::Sms { sent_to, .. } = &view {
        notify::code_sent(&app, sent_to);
    }
    Ok(view)
}

/// "Copy key" on the authenticator app's setup screen: on a phone, pasting the key into the
/// authenticator app on the same phone is easier than scanning a code on its own screen.
/// Only a base32 key is copied (this is not a general clipboard), and it is cleared again.
#[tauri::command]
pub async fn copy_setup_key<R: Runtime>(app: AppHandle<R>, key: String) -> AppResult<()> {
    let key: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    let base32 = |c: char| c.is_ascii_uppercase() || ('2'..='7').contains(&c);
    if key.len() < 16 || key.len() > 128 || !key.chars().all(base32) {
        return Err(twostep_core::RuleError::InvalidSecret.into());
    }
    crate::clipboard::copy_then_clear(&app, key)
}

/// Whether "Open in authenticator app" can work here (an app handles `otpauth://` links).
#[tauri::command]
pub async fn authenticator_app_available() -> bool {
    crate::authenticator_link::available()
}

/// "Open in authenticator app": the setup's `otpauth://` link, to the app that handles it.
#[tauri::command]
pub async fn open_in_authenticator_app<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    uri: String,
) -> AppResult<()> {
    state.note_sent_link(&uri);
    crate::authenticator_link::open(&app, &uri)
}

#[tauri::command]
pub async fn resend_method_code<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    enrollment_id: String,
) -> AppResult<Delivery> {
    let (server, token, _) = state.enroll_token().await?;
    let delivery = server
        .client
        .resend_enrollment(token.expose(), check_id(&enrollment_id)?)
        .await
        .map_err(|e| AppError::from_client(e, &server.url))?;
    notify::code_sent(&app, &delivery.sent_to);
    Ok(delivery)
}

/// The code that proves the new method works. During setup this also finishes the sign-in.
#[tauri::command]
pub async fn confirm_method<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    enrollment_id: String,
    code: String,
) -> AppResult<ConfirmedView> {
    let (server, token, during_setup) = state.enroll_token().await?;
    let confirmed = server
        .client
        .confirm_enrollment(token.expose(), check_id(&enrollment_id)?, &code)
        .await
        .map_err(|e| AppError::from_client(e, &server.url))?;
    method_confirmed(&app, &state, &server, during_setup, confirmed).await
}

/// A method is confirmed: say so, and when it was confirmed with a setup token, the sign-in
/// it was part of is done (the session begins here).
pub(crate) async fn method_confirmed<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    server: &Server,
    during_setup: bool,
    confirmed: Confirmed,
) -> AppResult<ConfirmedView> {
    notify::method_added(app);
    let me = match (during_setup, confirmed.session, confirmed.person) {
        (true, Some(session), Some(person)) => {
            Some(session::begin(state, server, session, person).await?)
        }
        (true, Some(session), None) => {
            let person = server
                .client
                .me(&session.token)
                .await
                .map_err(|e| AppError::from_client(e, &server.url))?;
            Some(session::begin(state, server, session, person).await?)
        }
        _ => None,
    };
    Ok(ConfirmedView {
        method: confirmed.method,
        me,
        recovery_codes: confirmed.recovery_codes,
    })
}
