//! Recovery codes: keeping them (Copy, Save to a file), what only a device does. How many are
//! left and a new set are the API's own (`api_request`). The codes pass through the webview
//! only to be shown, this once.

use tauri::{AppHandle, Runtime};

use crate::error::AppResult;
use crate::{recovery_file, save_file};

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
