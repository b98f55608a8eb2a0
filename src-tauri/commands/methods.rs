//! What adding a method takes of the device: copying a setup key, handing the `otpauth://`
//! link to an authenticator app, and what a confirmation means here (a notification; the
//! session, when it finished a sign-in). Listing, adding and confirming are the screens'
//! (ui/js/setup.js), through `api_request`.

use tauri::{AppHandle, Runtime, State};
use twostep_api::Confirmed;

use crate::error::{AppError, AppResult};
use crate::notify;
use crate::session;
use crate::state::{AppState, Server};
use crate::views::ConfirmedView;

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

/// A passkey made (`create`) or used (`get`) in the system browser, for a webview without
/// WebAuthn (`browser_passkey`): the ceremony's options as the server gave them to the screen,
/// the credential as the browser made it, for the screen to send on with this app's session.
#[tauri::command]
pub async fn passkey_in_browser<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    ceremony: crate::browser_passkey::Ceremony,
    options: serde_json::Value,
) -> AppResult<serde_json::Value> {
    use crate::browser_passkey::{credential_of, page_url};
    use crate::browser_sign_in::{new_state, Loopback};
    let server = state.server().await?;
    let listening = Loopback::bind().await?;
    let back = new_state();
    let page = page_url(
        &server.url,
        ceremony,
        &options,
        &listening.redirect_uri,
        &back,
    );
    crate::links::open_in_browser(&app, &page)?;
    let fields = listening
        .answer(&back, "credential")
        .await
        .ok_or(AppError::BrowserPasskey)?;
    credential_of(
        fields.get("credential").map(|c| c.as_str()),
        fields.get("error").map(|e| e.as_str()),
    )
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
