//! Secrets on the clipboard (a code, a setup key, recovery codes): taken off again after a
//! minute, or when the app quits, unless something else was copied since. Quitting matters
//! where a clipboard manager keeps what a program leaves behind.

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};
#[cfg(mobile)]
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

/// The app's connection to the desktop's clipboard (arboard, the crate under Tauri's clipboard
/// plugin, without the plugin: the page never touches the clipboard, and the plugin's commands,
/// permissions and image support were 0.37 MiB of the installed app). Made when first used, and
/// held: on X11 and Wayland the app itself hands what it copied to whoever pastes, for
/// as long as the connection lives.
#[cfg(desktop)]
#[derive(Default)]
pub struct SystemClipboard(std::sync::Mutex<Held>);

#[cfg(desktop)]
#[derive(Default)]
enum Held {
    #[default]
    NotYet,
    Open(arboard::Clipboard),
    /// Let go at exit: a timer that fires after it opens no new connection.
    Released,
}

#[cfg(desktop)]
impl SystemClipboard {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut arboard::Clipboard) -> Result<T, arboard::Error>,
    ) -> AppResult<T> {
        let refused = |e: arboard::Error| AppError::Internal(format!("the clipboard refused: {e}"));
        let mut held = self
            .0
            .lock()
            .map_err(|_| AppError::Internal("the clipboard's lock was poisoned".into()))?;
        if matches!(*held, Held::NotYet) {
            *held = Held::Open(arboard::Clipboard::new().map_err(refused)?);
        }
        match &mut *held {
            Held::Open(clipboard) => f(clipboard).map_err(refused),
            _ => Err(AppError::Internal("the app is quitting".into())),
        }
    }

    /// At exit: lets go of the clipboard (arboard then offers what it still serves to the
    /// desktop's clipboard manager, as a program's exit does).
    pub fn release(&self) {
        if let Ok(mut held) = self.0.lock() {
            *held = Held::Released;
        }
    }
}

/// Puts `secret` on the clipboard, marked so that clipboard managers that honour the mark keep
/// it out of their history (Windows: out of its history and cloud clipboard too).
fn write_secret<R: Runtime>(app: &AppHandle<R>, secret: &str) -> AppResult<()> {
    #[cfg(desktop)]
    {
        #[cfg(target_os = "macos")]
        use arboard::SetExtApple as _;
        #[cfg(all(unix, not(target_os = "macos")))]
        use arboard::SetExtLinux as _;
        #[cfg(windows)]
        use arboard::SetExtWindows as _;
        let clipboard = app.state::<SystemClipboard>();
        clipboard.with(|c| {
            let set = c.set();
            #[cfg(windows)]
            let set = set.exclude_from_monitoring();
            #[cfg(not(windows))]
            let set = set.exclude_from_history();
            set.text(secret)
        })
    }
    #[cfg(mobile)]
    app.clipboard()
        .write_secret(secret)
        .map_err(|e| AppError::Internal(format!("the clipboard refused the text: {e}")))
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
    write_secret(app, secret.as_str())?;
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
/// it is still there. Whether it was. The check uses a clipboard handle of its own, not the
/// app's (which the 60 s timer may hold), on a thread given a second: reading can wait on the
/// clipboard's owner, which may be this app's own window, blocked here.
#[cfg(desktop)]
pub fn clear_at_quit<R: Runtime>(app: &AppHandle<R>) -> bool {
    let Some(secret) = app.try_state::<Copied>().and_then(|c| c.take()) else {
        return false;
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let cleared = arboard::Clipboard::new()
            .is_ok_and(|mut clipboard| empty_if_still(&mut clipboard, &secret).unwrap_or(false));
        let _ = tx.send(cleared);
    });
    rx.recv_timeout(Duration::from_secs(1)).unwrap_or(false)
}

/// A mobile app is not quit by its window: the timer alone clears the clipboard there.
#[cfg(mobile)]
pub fn clear_at_quit<R: Runtime>(_app: &AppHandle<R>) -> bool {
    false
}

/// Takes `secret` off the clipboard if it is still what the clipboard holds, read and emptied
/// under one hold of the connection: a copy made in between is not wiped.
fn clear_if_still<R: Runtime>(app: &AppHandle<R>, secret: &str) -> bool {
    #[cfg(desktop)]
    return app
        .state::<SystemClipboard>()
        .with(|c| empty_if_still(c, secret))
        .unwrap_or(false);
    #[cfg(mobile)]
    {
        let on_it = app
            .clipboard()
            .read_text()
            .is_ok_and(|t| Zeroizing::new(t).as_str() == secret);
        if on_it {
            let _ = app.clipboard().write_text(String::new());
        }
        on_it
    }
}

/// Empties `clipboard` if it still holds `secret`: whether it did (the timer's check and the
/// one at quit, through whichever handle each holds).
#[cfg(desktop)]
fn empty_if_still(
    clipboard: &mut arboard::Clipboard,
    secret: &str,
) -> Result<bool, arboard::Error> {
    let still = clipboard
        .get_text()
        .is_ok_and(|now| Zeroizing::new(now).as_str() == secret);
    if still {
        clipboard.set_text(String::new())?;
    }
    Ok(still)
}
