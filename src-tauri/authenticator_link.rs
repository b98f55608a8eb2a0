//! "Open in authenticator app": hands a setup's `otpauth://` link to the authenticator app
//! installed on this device, when there is one. On Linux that is the desktop's default
//! handler of `x-scheme-handler/otpauth` (GIO reads the same mimeapps.list and .desktop files
//! as every desktop); elsewhere the app does not offer it yet.

use twostep_core::otpauth::OtpAuth;

use crate::error::{AppError, AppResult};

/// Whether an app on this device says it opens `otpauth://` links.
pub fn available() -> bool {
    #[cfg(target_os = "linux")]
    {
        gio::AppInfo::default_for_uri_scheme("otpauth").is_some()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Opens `uri` in that app. Only a time-based `otpauth://` link is handed over: this is not a
/// general way to open links from the webview.
pub fn open(uri: &str) -> AppResult<()> {
    OtpAuth::parse(uri)?;
    #[cfg(target_os = "linux")]
    {
        gio::AppInfo::launch_default_for_uri(uri, None::<&gio::AppLaunchContext>)
            .map_err(|_| AppError::NoAuthenticatorApp)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(AppError::NoAuthenticatorApp)
    }
}
