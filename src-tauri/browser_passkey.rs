//! A passkey made or used in the system browser, for a webview without WebAuthn (WebKitGTK on
//! Linux). The screens ask the server for a ceremony's options as a browser's screens do; the
//! app opens the server's own page (`/#app-passkey/…`, ui/js/app_passkey.js) with those options,
//! the address of a listener on this machine's loopback and a state; the page runs the
//! browser's passkey dialog on the server's origin (the only origin the passkey is bound to) and
//! goes to the listener with the credential. The screens then send it to the server with the
//! app's own session, exactly as the browser's screens send theirs: the browser never holds a
//! session, and a credential is worth nothing to the server without the ceremony it answers.

use data_encoding::BASE64URL_NOPAD;
use serde_json::Value;

use crate::browser_sign_in::in_browser;
use crate::error::{AppError, AppResult};

/// The two ceremonies: adding a passkey, and using one (the second step, "Confirm it's you").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ceremony {
    Create,
    Get,
}

impl Ceremony {
    fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Get => "get",
        }
    }
}

/// What the page's refusals may be called: the browser's own (ui/js/webauthn.js), worded by
/// the screens (`errors.passkey_*`). Anything else the page says is `passkey_browser`.
const REFUSALS: [&str; 5] = [
    "passkey_cancelled",
    "passkey_exists",
    "passkey_insecure",
    "passkey_unsupported",
    "passkey_browser",
];

/// The page the browser opens: everything it needs is in the fragment, which no server sees.
pub fn page_url(
    server: &str,
    ceremony: Ceremony,
    options: &Value,
    redirect_uri: &str,
    state: &str,
) -> String {
    let asked = serde_json::json!({
        "ceremony": ceremony.as_str(),
        "options": options,
        "redirect_uri": redirect_uri,
        "state": state,
    });
    let payload = BASE64URL_NOPAD.encode(asked.to_string().as_bytes());
    format!(
        "{}/#app-passkey/{payload}",
        in_browser(server).trim_end_matches('/')
    )
}

/// What the browser brought back: the credential (base64url of its JSON), or the refusal the
/// page saw (the person cancelled, this device already holds one).
pub fn credential_of(credential: Option<&str>, error: Option<&str>) -> AppResult<Value> {
    if let Some(code) = error {
        let code = REFUSALS
            .iter()
            .find(|r| **r == code)
            .copied()
            .unwrap_or("passkey_browser");
        return Err(AppError::PasskeyRefused(code));
    }
    let raw = credential
        .and_then(|c| {
            BASE64URL_NOPAD
                .decode(c.trim_end_matches('=').as_bytes())
                .ok()
        })
        .ok_or(AppError::BrowserPasskey)?;
    let value: Value = serde_json::from_slice(&raw).map_err(|_| AppError::BrowserPasskey)?;
    if !value.is_object() {
        return Err(AppError::BrowserPasskey);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_page_carries_the_ceremony_in_its_fragment_at_a_name_not_an_ip() {
        let options = serde_json::json!({"publicKey": {"challenge": "abc"}});
        let url = page_url(
            "http://127.0.0.1:8080/",
            Ceremony::Get,
            &options,
            "http://127.0.0.1:5/callback",
            "st",
        );
        let (base, payload) = url.split_once("/#app-passkey/").unwrap();
        assert_eq!(base, "http://localhost:8080");
        let asked: Value =
            serde_json::from_slice(&BASE64URL_NOPAD.decode(payload.as_bytes()).unwrap()).unwrap();
        assert_eq!(asked["ceremony"], "get");
        assert_eq!(asked["options"], options);
        assert_eq!(asked["redirect_uri"], "http://127.0.0.1:5/callback");
        assert_eq!(asked["state"], "st");
    }

    #[test]
    fn a_credential_comes_back_as_json_and_a_refusal_as_its_own_code() {
        let cred = BASE64URL_NOPAD.encode(br#"{"id":"x","type":"public-key"}"#);
        assert_eq!(credential_of(Some(&cred), None).unwrap()["id"], "x");
        let refused = |code| {
            credential_of(None, Some(code))
                .unwrap_err()
                .code()
                .to_owned()
        };
        assert_eq!(refused("passkey_cancelled"), "passkey_cancelled");
        assert_eq!(refused("passkey_exists"), "passkey_exists");
        assert_eq!(refused("<script>"), "passkey_browser");
        let broken = |c: &str| credential_of(Some(c), None).unwrap_err().code().to_owned();
        assert_eq!(broken("not base64 !"), "browser_passkey");
        assert_eq!(broken(&BASE64URL_NOPAD.encode(b"[1]")), "browser_passkey");
        assert_eq!(
            credential_of(None, None).unwrap_err().code(),
            "browser_passkey"
        );
    }
}
