//! Secrets on the clipboard (a code, a setup key, recovery codes): taken off again after a
//! minute, or when the app quits, unless something else was copied since. Quitting matters
//! where a clipboard manager keeps what a program leaves behind.

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use zeroize::Zeroizing;

use crate::error::{AppError, AppResult};

/// The last secret this app put on the clipboard, until it is taken off.
#[derive(Default)]
pub struct Copied(std::sync::Mutex<Option<Zeroizing<String>>>);

impl Copied {
    fn set(&self, secret: Option<Zeroizing<String>>) {
        if let Ok(mut c) = self.0.lock() {
            *c = secret;
        }
    }

    // Only the desktop's quit takes it (a mobile app is not quit by its window).
    #[cfg(desktop)]
    fn take(&self) -> Option<Zeroizing<String>> {
        self.0.lock().ok().and_then(|mut c| c.take())
    }

    /// Forgets `secret` if it is still the last one copied.
    fn forget(&self, secret: &str) {
        if let Ok(mut c) = self.0.lock() {
            if c.as_ref().is_some_and(|s| s.as_str() == secret) {
                *c = None;
            }
        }
    }
}

/// How long a copied secret stays (60 s; a managed device may set `TWOSTEP_CLIPBOARD_CLEAR_SECS`
/// shorter).
fn clear_after() -> Duration {
    let secs = std::env::var("TWOSTEP_CLIPBOARD_CLEAR_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| (1..=60).contains(s))
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// Puts a secret on the clipboard and takes it off again after a minute, unless something
/// else was copied since.
pub fn copy_then_clear<R: Runtime>(app: &AppHandle<R>, secret: String) -> AppResult<()> {
    let secret = Zeroizing::new(secret);
    // Marked as a secret: clipboard managers that honour it keep it out of their history.
    app.clipboard()
        .write_secret(secret.as_str())
        .map_err(|e| AppError::Internal(format!("the clipboard refused the text: {e}")))?;
    if let Some(copied) = app.try_state::<Copied>() {
        copied.set(Some(secret.clone()));
    }
    let app = app.clone();
    let after = clear_after();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(after).await;
        // Reading the clipboard may wait on its owner: not on an async thread.
        let _ = tauri::async_runtime::spawn_blocking(move || {
            clear_if_still(&app, &secret);
            if let Some(copied) = app.try_state::<Copied>() {
                copied.forget(&secret);
            }
        })
        .await;
    });
    Ok(())
}

/// When the app quits: the last secret it copied (in the last minute) leaves the clipboard if
/// it is still there. Whether it was. The check uses a clipboard connection of its own (the
/// plugin's is being closed, and must not be held up) on a thread given a second: reading can
/// wait on the clipboard's owner, which may be this app's own window, blocked here.
#[cfg(desktop)]
pub fn clear_at_quit<R: Runtime>(app: &AppHandle<R>) -> bool {
    let Some(secret) = app.try_state::<Copied>().and_then(|c| c.take()) else {
        return false;
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let cleared = arboard::Clipboard::new().is_ok_and(|mut clipboard| {
            let still = clipboard
                .get_text()
                .is_ok_and(|now| Zeroizing::new(now).as_str() == secret.as_str());
            still && clipboard.set_text(String::new()).is_ok()
        });
        let _ = tx.send(cleared);
    });
    rx.recv_timeout(Duration::from_secs(1)).unwrap_or(false)
}

/// A mobile app is not quit by its window: the timer alone clears the clipboard there.
#[cfg(mobile)]
pub fn clear_at_quit<R: Runtime>(_app: &AppHandle<R>) -> bool {
    false
}

fn clear_if_still<R: Runtime>(app: &AppHandle<R>, secret: &str) -> bool {
    let still = app
        .clipboard()
        .read_text()
        .ok()
        .is_some_and(|now| Zeroizing::new(now).as_str() == secret);
    if still {
        let _ = app.clipboard().write_text(String::new());
    }
    still
}
