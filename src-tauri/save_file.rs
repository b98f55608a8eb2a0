//! A file the person chooses through the system's "Save" dialog (recovery codes, the audit
//! trail), written readable by its owner only. On desktops the dialog comes from rfd, the crate
//! under Tauri's dialog plugin, without the plugin (which brings the file-system plugin, their
//! commands and permissions, none of which the page may use); phones keep the plugin.

use std::io::Write;
use std::path::Path;

use tauri::{AppHandle, Runtime};
#[cfg(mobile)]
use tauri_plugin_dialog::DialogExt;

use crate::error::{AppError, AppResult};

/// Asks where to save `text` (suggesting `name`, else `fallback`; `filter`: its name and
/// extensions) and writes it there: whether it was saved (false when the dialog was closed).
pub async fn save_as<R: Runtime>(
    app: AppHandle<R>,
    name: &str,
    fallback: &str,
    filter: (&str, &[&str]),
    text: &str,
) -> AppResult<bool> {
    // The webview suggests the name: only what a file name needs.
    let name: String = name
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        .take(80)
        .collect();
    let name = if name.is_empty() {
        fallback.to_owned()
    } else {
        name
    };
    let (label, extensions) = (
        filter.0.to_owned(),
        filter
            .1
            .to_vec()
            .iter()
            .map(|e| (*e).to_owned())
            .collect::<Vec<_>>(),
    );
    let Some(path) = choose(app, name, label, extensions).await? else {
        return Ok(false);
    };
    write(&path, text)?;
    Ok(true)
}

/// The path the person chose in the "Save" dialog, or `None` when they closed it.
async fn choose<R: Runtime>(
    app: AppHandle<R>,
    name: String,
    label: String,
    extensions: Vec<String>,
) -> AppResult<Option<std::path::PathBuf>> {
    #[cfg(desktop)]
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        // Asked for on the main thread, as the plugin asks (rfd builds GTK's dialog in its main
        // loop); the answer is awaited here.
        app.run_on_main_thread(move || {
            let dialog = rfd::AsyncFileDialog::new()
                .set_file_name(name)
                .add_filter(label, &extensions)
                .save_file();
            let _ = tx.send(dialog);
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let dialog = rx
            .await
            .map_err(|_| AppError::Internal("the Save dialog did not open".into()))?;
        Ok(dialog.await.map(|file| file.path().to_path_buf()))
    }
    #[cfg(mobile)]
    {
        let chosen = tauri::async_runtime::spawn_blocking(move || {
            let exts: Vec<&str> = extensions.iter().map(String::as_str).collect();
            app.dialog()
                .file()
                .set_file_name(name)
                .add_filter(label, &exts)
                .blocking_save_file()
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        chosen
            .map(|c| {
                c.into_path()
                    .map_err(|e| AppError::Internal(format!("not a file on this device: {e}")))
            })
            .transpose()
    }
}

/// Writes `text` to `path`, replacing it, readable by its owner only.
pub fn write(path: &Path, text: &str) -> AppResult<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| AppError::Internal(format!("could not write {}: {e}", path.display())))?;
    // An existing file chosen in the dialog keeps its mode otherwise.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| {
                AppError::Internal(format!("could not protect {}: {e}", path.display()))
            })?;
    }
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| AppError::Internal(format!("could not write {}: {e}", path.display())))
}
