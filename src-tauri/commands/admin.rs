//! What of administration only the device does: saving the audit trail's CSV through the
//! system's Save dialog. The screens themselves (ui/js/admin*.js) call the API through
//! `api_request`; the server checks the role.

use tauri::{AppHandle, Runtime};

use crate::error::AppResult;
use crate::{audit_csv, save_file};

#[tauri::command]
pub async fn save_audit_csv<R: Runtime>(
    app: AppHandle<R>,
    file_name: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
) -> AppResult<bool> {
    let text = audit_csv::text(&header, &rows)?;
    save_file::save_as(app, &file_name, "audit-trail.csv", ("CSV", &["csv"]), &text).await
}
