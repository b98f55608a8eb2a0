//! `otpauth://` links handed to the app: on Linux and Windows on the command line at launch
//! (the desktop opens the app with the link, `twostep %u`) or by a second launch that folds
//! into the running one (`single_instance.rs` on Linux, the single-instance plugin on Windows); on Android, iOS and macOS as the deep-link
//! plugin's events (the scheme is declared in tauri.conf.json). Either way the link waits here
//! until the window takes it and opens "Add an account" with it filled in; nothing is added
//! before the person says so.

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::state::AppState;

/// The event the window listens to: a link is waiting (`take_pending_link`).
pub const EVENT: &str = "otpauth-link";

/// The longest link taken (a real one is a few hundred characters).
const MAX_LEN: usize = 4096;

/// The first argument that is an `otpauth://` link.
pub fn otpauth_in(args: &[String]) -> Option<String> {
    args.iter()
        .map(|a| a.trim())
        .find(|a| {
            a.len() <= MAX_LEN
                && a.get(..10)
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("otpauth://"))
        })
        .map(str::to_owned)
}

/// Sent when the link "Open in authenticator app" handed out came back to Twostep itself (the
/// only app here that takes otpauth:// links): it is dropped, and the window says so.
pub const RETURNED: &str = "otpauth-link-returned";

/// Keeps the link for the window and tells it; a setup's own link coming back is dropped.
pub fn deliver<R: Runtime>(app: &AppHandle<R>, link: String) {
    if let Some(state) = app.try_state::<AppState>() {
        if state.take_sent_link(&link) {
            let _ = app.emit(RETURNED, ());
            return;
        }
        state.set_pending_link(link);
    }
    let _ = app.emit(EVENT, ());
}

/// Links the system opens with the app while it runs (Android, iOS, macOS: the deep-link
/// plugin's events), and the one a mobile app was started with. On Linux and Windows the
/// command line carries them, read at launch and by the running app from a second launch.
pub fn listen_for_opened<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_deep_link::DeepLinkExt;
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        let urls: Vec<String> = event.urls().iter().map(ToString::to_string).collect();
        if let Some(link) = otpauth_in(&urls) {
            deliver(&handle, link);
        }
    });
    #[cfg(mobile)]
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        let urls: Vec<String> = urls.iter().map(ToString::to_string).collect();
        if let Some(link) = otpauth_in(&urls) {
            deliver(app, link);
        }
    }
}

/// The window's half: the link waiting, once (the next call answers none).
#[tauri::command]
pub fn take_pending_link(state: tauri::State<'_, AppState>) -> Option<String> {
    state.take_pending_link()
}

/// Opens `url` in the desktop's browser, as a mail app would: GIO's default for http(s) links
/// on Linux (the same lookup as every desktop), the system's opener elsewhere.
pub fn open_in_browser<R: Runtime>(app: &AppHandle<R>, url: &str) -> crate::error::AppResult<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = app;
        gio::AppInfo::launch_default_for_uri(url, None::<&gio::AppLaunchContext>).map_err(|e| {
            crate::error::AppError::Internal(format!("no browser opened the link: {e}"))
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        use tauri_plugin_opener::OpenerExt;
        app.opener().open_url(url, None::<&str>).map_err(|e| {
            crate::error::AppError::Internal(format!("no browser opened the link: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn only_an_otpauth_link_is_taken() {
        let link = "otpauth://totp/Portal:riley?secret=GEZDGNBVGY3TQOJQ&issuer=Portal";
        assert_eq!(
            otpauth_in(&args(&["/usr/bin/twostep", "--lang", "es", link])).as_deref(),
            Some(link)
        );
        assert_eq!(
            otpauth_in(&args(&["twostep", "OTPAUTH://totp/A:b?secret=X"])).as_deref(),
            Some("OTPAUTH://totp/A:b?secret=X")
        );
        assert_eq!(
            otpauth_in(&args(&["twostep", "https://evil.example"])),
            None
        );
        assert_eq!(otpauth_in(&args(&["twostep", "otp"])), None);
        let long = format!("otpauth://totp/A:b?secret={}", "A".repeat(5000));
        assert_eq!(otpauth_in(&args(&["twostep", &long])), None);
    }
}
