//! "Where you're signed in": the person's sessions, and ending them.

use tauri::State;
use twostep_api::Sessions;

use crate::error::AppResult;
use crate::session::{self, check_id};
use crate::state::AppState;

#[tauri::command]
pub async fn my_sessions(state: State<'_, AppState>) -> AppResult<Sessions> {
    session::call(&state, |c, t| async move { c.sessions(t.expose()).await }).await
}

#[tauri::command]
pub async fn end_session(state: State<'_, AppState>, session_id: String) -> AppResult<()> {
    let id = check_id(&session_id)?.to_owned();
    session::call(&state, |c, t| async move {
        c.end_session(t.expose(), &id).await
    })
    .await
}

#[tauri::command]
pub async fn end_other_sessions(state: State<'_, AppState>) -> AppResult<()> {
    session::call(&state, |c, t| async move {
        c.end_other_sessions(t.expose()).await
    })
    .await
}

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
