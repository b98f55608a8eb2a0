//! The demo inbox: what the embedded demo server "sent", for trying the app with no mailbox.

use tauri::{AppHandle, Runtime, State};
use twostep_api::Outbox;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[tauri::command]
pub async fn demo_inbox(state: State<'_, AppState>) -> AppResult<Outbox> {
    let server = state.server().await?;
    if !server.demo {
        return Err(AppError::NoDemo);
    }
    server
        .client
        .dev_outbox(None)
        .await
        .map_err(|e| AppError::from_client(e, &server.url))
}

/// A "This wasn't me" link of the demo inbox, opened in the system browser as it would be from
/// a mail app. Only the demo server's own freeze pages: this opens nothing else.
#[tauri::command]
pub async fn demo_open_link<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
) -> AppResult<()> {
    let server = state.server().await?;
    let prefix = format!("{}/freeze/", server.url.trim_end_matches('/'));
    let token_ok = url.strip_prefix(&prefix).is_some_and(|t| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    if !server.demo || !token_ok {
        return Err(AppError::NoDemo);
    }
    crate::links::open_in_browser(&app, &url)
}
