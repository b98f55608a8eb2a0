//! Screens that show a secret (codes, a setup key or its QR code, recovery codes, the demo
//! inbox's codes) are kept out of screenshots and screen sharing where the platform allows it:
//! Windows and macOS. Linux (X11 and Wayland) and the mobile platforms have no such switch in
//! Tauri 2; the README says so.

use tauri::{Runtime, WebviewWindow};

use crate::error::{AppError, AppResult};

/// The window's screens (`app.show`'s names) that show a secret, besides every screen of the
/// Authenticator (`vault…`: codes, links being added, an export's links).
const SECRET_SCREENS: &[&str] = &["setup-totp", "add-method", "recovery-codes", "inbox"];

pub fn shows_a_secret(screen: &str) -> bool {
    screen == "vault" || screen.starts_with("vault-") || SECRET_SCREENS.contains(&screen)
}

/// The window shows `screen` now: protected from capture when it shows a secret, open again
/// when it does not. Whether it is protected. Not async: Tauri runs it on the main thread in
/// the order the screens were shown, so a quick second screen can't be overtaken by the first.
#[tauri::command]
pub fn screen_shown<R: Runtime>(window: WebviewWindow<R>, screen: String) -> AppResult<bool> {
    let protect = shows_a_secret(&screen);
    window
        .set_content_protected(protect)
        .map_err(|e| AppError::Internal(format!("screen capture protection: {e}")))?;
    Ok(protect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_screens_with_secrets_are_protected_and_the_others_are_not() {
        for s in [
            "vault",
            "vault-transfer",
            "vault-pick",
            "setup-totp",
            "recovery-codes",
            "add-method",
        ] {
            assert!(shows_a_secret(s), "{s}");
        }
        for s in [
            "sign-in", "home", "methods", "admin", "", "VAULT", "vaulted",
        ] {
            assert!(!shows_a_secret(s), "{s}");
        }
    }
}
