//! What of signing in only the device does: sign-out (the keyring forgets the session even
//! when the server can't be reached), the profile shown, and the device's name. The sign-in's
//! steps themselves are the screens' (ui/js/signin.js), through `api_request`.

use tauri::State;
use twostep_api::Role;

use crate::error::{AppError, AppResult};
use crate::session;
use crate::state::AppState;
use crate::views::{DeviceView, MeView};

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

/// Which device this is, as the person sees it in "Where you're signed in" and in the new
/// sign-in notice (and administrators in the audit trail): the computer's name and system,
/// which only the app can know. The screens word it in the person's language.
pub(crate) fn device() -> DeviceView {
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
    let named = !host.is_empty() && host != "localhost";
    DeviceView {
        host: named.then_some(host),
        os,
    }
}

/// "Sign in with a passkey" in the app, whose webview has no WebAuthn: the system browser
/// signs in with the passkey and hands this app a one-time code on its loopback address
/// (`browser_sign_in`); the app exchanges it, with its PKCE verifier, for its own session,
/// which begins here as every sign-in's does. The answer is the sign-in's, without its token.
#[tauri::command]
pub async fn sign_in_in_browser<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    device_name: Option<String>,
) -> AppResult<serde_json::Value> {
    use crate::browser_sign_in::{authorize_url, Loopback, Pkce};
    let server = state.server().await?;
    let pkce = Pkce::new();
    let back = Loopback::bind().await?;
    let redirect_uri = back.redirect_uri.clone();
    crate::links::open_in_browser(&app, &authorize_url(&server.url, &pkce, &redirect_uri))?;
    let code = back.code(&pkce.state).await?;
    let exchange = twostep_api::TokenRequest {
        code: code.to_string(),
        code_verifier: pkce.verifier.to_string(),
        redirect_uri,
        device_name,
    };
    let answer = server
        .client
        .app_token(&exchange)
        .await
        .map_err(|e| AppError::from_client(e, &server.url))?;
    let mut answer = serde_json::to_value(answer)
        .map_err(|e| AppError::Internal(format!("a sign-in's answer: {e}")))?;
    super::api::keep_credentials(&state, &server, &mut answer).await?;
    super::api::strip_tokens(&mut answer);
    Ok(answer)
}
