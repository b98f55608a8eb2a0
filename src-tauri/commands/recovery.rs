//! Recovery codes: how many are left, a new set (a fresh sign-in), and keeping them (Copy,
//! Save to a file). The codes pass through the webview only to be shown, this once.

use tauri::{AppHandle, Runtime, State};
use twostep_api::{RecoveryCodes, RecoveryCodesSummary};

use crate::error::AppResult;
use crate::session;
use crate::state::AppState;
use crate::{recovery_file, save_file};

#[tauri::command]
pub async fn recovery_codes_status(state: State<'_, AppState>) -> AppResult<RecoveryCodesSummary> {
    session::call(
        &state,
        |c, t| async move { c.recovery_codes(t.expose()).await },
    )
    .await
}

/// A new set: every earlier code stops working.
#[tauri::command]
pub async fn make_recovery_codes(state: State<'_, AppState>) -> AppResult<RecoveryCodes> {
    session::call(&state, |c, t| async move {
        c.new_recovery_codes(t.expose()).await
    })
    .await
}

/// Copy: the codes, one per line (the clipboard is cleared after a minute, like any secret).
#[tauri::command]
pub async fn copy_recovery_codes<R: Runtime>(
    app: AppHandle<R>,
    codes: Vec<String>,
) -> AppResult<()> {
    let text = recovery_file::text("", &codes)?;
    crate::clipboard::copy_then_clear(&app, text.trim().to_owned())
}

/// Save to a file, through the system's "Save" dialog: whether the person saved them (false
/// when they closed the dialog).
#[tauri::command]
pub async fn save_recovery_codes<R: Runtime>(
    app: AppHandle<R>,
    heading: String,
    file_name: String,
    codes: Vec<String>,
) -> AppResult<bool> {
    let text = recovery_file::text(&heading, &codes)?;
    save_file::save_as(
        app,
        &file_name,
        "recovery-codes.txt",
        ("Text", &["txt"]),
        &text,
    )
    .await
}
