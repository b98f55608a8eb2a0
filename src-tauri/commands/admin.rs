//! What of administration only the device does: saving the audit trail's CSV through the
//! system's Save dialog. The screens themselves (ui/js/admin*.js) call the API through
//! `api_request`; the server checks the role.

use tauri::{AppHandle, Runtime};

use crate::error::{AppError, AppResult};
use crate::save_file;

/// The largest audit trail saved (the screens stop at `MAX_ROWS` rows, ui/js/csv.js).
const LARGEST_CSV: usize = 256 * 1024 * 1024;

/// "Export CSV": the text the screen wrote (ui/js/csv.js, the one writer for both shells)
/// into the file the person picks in the system's Save dialog.
#[tauri::command]
pub async fn save_audit_csv<R: Runtime>(
    app: AppHandle<R>,
    file_name: String,
    text: String,
) -> AppResult<bool> {
    if text.is_empty() || text.len() > LARGEST_CSV {
        return Err(AppError::Internal("not an audit trail to export".into()));
    }
    save_file::save_as(app, &file_name, "audit-trail.csv", ("CSV", &["csv"]), &text).await
}
