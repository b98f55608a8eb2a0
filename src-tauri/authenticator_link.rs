//! "Open in authenticator app": hands a setup's `otpauth://` link to the authenticator app
//! installed on this device, when there is one. On Linux that is the desktop's default
//! handler of `x-scheme-handler/otpauth` (GIO reads the same mimeapps.list and .desktop files
//! as every desktop). On Android, iOS, macOS and Windows the link goes to the system through
//! Tauri's opener plugin (an `ACTION_VIEW` intent, `UIApplication.open`, `open`, `ShellExecute`),
//! which fails when no app takes it; the button is offered there, and the failure worded.
//! The webview itself is granted none of the opener's permissions: only this command, with a
//! checked `otpauth://` link, reaches it.

use tauri::{AppHandle, Runtime};
use twostep_core::otpauth::OtpAuth;

use crate::error::{AppError, AppResult};

/// Whether an app on this device says it opens `otpauth://` links.
pub fn available() -> bool {
    #[cfg(target_os = "linux")]
    {
        gio::AppInfo::default_for_uri_scheme("otpauth").is_some()
    }
    // Asking first needs a declared query on Android 11+ and private API elsewhere; the
    // system's own refusal, when no app takes the link, is worded instead.
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Opens `uri` in that app. Only a time-based `otpauth://` link is handed over: this is not a
/// general way to open links from the webview.
pub fn open<R: Runtime>(app: &AppHandle<R>, uri: &str) -> AppResult<()> {
    OtpAuth::parse(uri)?;
    #[cfg(target_os = "linux")]
    {
        // GIO, not the opener, so that the app launched is the one `available` found.
        let _ = app;
        gio::AppInfo::launch_default_for_uri(uri, None::<&gio::AppLaunchContext>)
            .map_err(|_| AppError::NoAuthenticatorApp)
    }
    #[cfg(not(target_os = "linux"))]
    {
        use tauri_plugin_opener::OpenerExt;
        app.opener()
            .open_url(uri, None::<&str>)
            .map_err(|_| AppError::NoAuthenticatorApp)
    }
}
