//! "Open in authenticator app": hands a setup's `otpauth://` link to the authenticator app
//! installed on this device, when there is one. On Linux that is the desktop's default
//! handler of `x-scheme-handler/otpauth` (GIO reads the same mimeapps.list and .desktop files
//! as every desktop). On Android, iOS, macOS and Windows the link goes to the system through
//! Tauri's opener plugin (an `ACTION_VIEW` intent, `UIApplication.open`, `open`, `ShellExecute`),
//! which fails when no app takes it; the button is offered there, and the failure worded.
//! There the system may hand the link back to Twostep itself (it takes otpauth:// links too):
//! `links::deliver` drops that link and the window says no other app took it.
//! The webview itself is granted none of the opener's permissions: only this command, with a
//! checked `otpauth://` link, reaches it.

use tauri::{AppHandle, Runtime};
use twostep_core::otpauth::OtpAuth;

use crate::error::{AppError, AppResult};

/// The desktop file of Twostep itself (its package registers it for otpauth:// links too).
#[cfg(target_os = "linux")]
const OWN_DESKTOP_ID: &str = "Twostep.desktop";

/// The app that takes `otpauth://` links here, other than Twostep itself: handing a setup's
/// link to ourselves would put its secret on a command line and pull the person off setup.
#[cfg(target_os = "linux")]
fn handler() -> Option<gio::AppInfo> {
    use gio::prelude::AppInfoExt;
    let not_us = |a: &gio::AppInfo| a.id().is_none_or(|id| id.as_str() != OWN_DESKTOP_ID);
    gio::AppInfo::default_for_uri_scheme("otpauth")
        .filter(not_us)
        .or_else(|| {
            gio::AppInfo::all_for_type("x-scheme-handler/otpauth")
                .into_iter()
                .find(not_us)
        })
}

/// Whether an app on this device says it opens `otpauth://` links.
pub fn available() -> bool {
    #[cfg(target_os = "linux")]
    {
        handler().is_some()
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
        use gio::prelude::AppInfoExt;
        let _ = app;
        let handler = handler().ok_or(AppError::NoAuthenticatorApp)?;
        handler
            .launch_uris(&[uri], None::<&gio::AppLaunchContext>)
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
