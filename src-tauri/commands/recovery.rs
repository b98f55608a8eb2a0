//! Recovery codes: how many are left, a new set (a fresh sign-in), and keeping them (Copy,
//! Save to a file). The codes pass through the webview only to be shown, this once.

use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use twostep_api::{RecoveryCodes, RecoveryCodesSummary};

use crate::error::{AppError, AppResult};
use crate::recovery_file;
use crate::session;
use crate::state::AppState;

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
    super::vault::copy_then_clear(&app, text.trim().to_owned())
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
    let name: String = file_name
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        .take(80)
        .collect();
    let chosen = tauri::async_runtime::spawn_blocking(move || {
        app.dialog()
            .file()
            .set_file_name(if name.is_empty() {
                "recovery-codes.txt".into()
            } else {
                name
            })
            .add_filter("Text", &["txt"])
            .blocking_save_file()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(chosen) = chosen else {
        return Ok(false);
    };
    let path = chosen
        .into_path()
        .map_err(|e| AppError::Internal(format!("not a file on this device: {e}")))?;
    recovery_file::write(&path, &text)?;
    Ok(true)
}
