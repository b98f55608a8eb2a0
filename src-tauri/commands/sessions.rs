//! The session's heartbeat on a shared device. (The person's sessions and ending them are the
//! API's own, forwarded by `api_request`.)

use tauri::State;

use crate::error::AppResult;
use crate::session;
use crate::state::AppState;

/// The window's heartbeat while someone is signed in: `active` when the person used the window
/// since the last one. On a shared classroom device a session unused for the idle time ends,
/// here and on the server: `true` then, and the window shows the sign-in screen.
#[tauri::command]
pub async fn session_alive(state: State<'_, AppState>, active: bool) -> AppResult<bool> {
    // Idle first: a tap after the idle time must not bring the last person's session back.
    if session::end_if_idle(&state).await? {
        return Ok(true);
    }
    if active {
        session::touch(&state).await;
    }
    Ok(false)
}
