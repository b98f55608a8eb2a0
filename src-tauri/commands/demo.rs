//! The demo inbox: what the embedded demo server "sent", for trying the app with no mailbox.

use tauri::State;
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
