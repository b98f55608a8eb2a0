//! A virtual authenticator in Chromium, through WebDriver's WebAuthn extension (W3C WebAuthn
//! §11, "WebDriver Extension Capability"): a platform authenticator with user verification
//! that holds discoverable credentials (passkeys) and says yes, as a phone whose owner passed
//! Face ID would. WebKitGTK's MiniBrowser has no such extension (and no WebAuthn of its own).

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{json, Value};

use crate::page::Page;

/// A WebDriver command under `/session/{id}/webauthn/`.
#[derive(Debug)]
struct WebAuthnCommand {
    path: String,
    method: http::Method,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for WebAuthnCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(Value::to_string),
        )
    }
}

/// The authenticator added to a page's browser.
pub struct Authenticator {
    id: String,
}

/// A credential the authenticator holds, as WebDriver lists it.
#[derive(Debug)]
pub struct Held {
    pub rp_id: String,
    pub resident: bool,
    pub sign_count: u64,
}

impl Authenticator {
    /// Adds a CTAP2 platform authenticator that verifies its user and keeps passkeys.
    pub async fn add(p: &Page) -> Authenticator {
        let added =
            p.b.d
                .issue_cmd(WebAuthnCommand {
                    path: "authenticator".into(),
                    method: http::Method::POST,
                    body: Some(json!({
                        "protocol": "ctap2",
                        "transport": "internal",
                        "hasResidentKey": true,
                        "hasUserVerification": true,
                        "isUserConsenting": true,
                        "isUserVerified": true,
                    })),
                })
                .await
                .unwrap_or_else(|e| panic!("the virtual authenticator (Chromium only): {e}"));
        Authenticator {
            id: added.as_str().unwrap().to_owned(),
        }
    }

    /// The credentials it holds now.
    pub async fn credentials(&self, p: &Page) -> Vec<Held> {
        let listed =
            p.b.d
                .issue_cmd(WebAuthnCommand {
                    path: format!("authenticator/{}/credentials", self.id),
                    method: http::Method::GET,
                    body: None,
                })
                .await
                .unwrap();
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|c| Held {
                rp_id: c["rpId"].as_str().unwrap_or_default().to_owned(),
                resident: c["isResidentCredential"].as_bool().unwrap_or_default(),
                sign_count: c["signCount"].as_u64().unwrap_or_default(),
            })
            .collect()
    }
}
