//! What the webview sees: views of the state, without tokens. The UI renders these.

use serde::Serialize;
use twostep_api::{Method, Person, Role};

#[derive(Debug, Clone, Serialize)]
pub struct MeView {
    pub person: Person,
    pub profile: Option<Role>,
    /// Set when the keyring refused the token: the person stays signed in for this run only.
    pub keyring_warning: Option<String>,
    /// This sign-in used a recovery code: the app leads the person to a new method or codes.
    pub recovered: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerView {
    pub url: String,
    pub demo: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoAccountView {
    pub email: &'static str,
    pub password: &'static str,
    pub about: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    pub server: Option<ServerView>,
    /// The server was set by `TWOSTEP_SERVER` / `--server`: no server screen.
    pub preset: bool,
    /// A shared classroom device: changing the server takes the device PIN.
    pub shared: bool,
    /// Shared by the device's management (`--shared`): never turned off in the app.
    pub shared_managed: bool,
    pub demo_available: bool,
    pub demo_accounts: Vec<DemoAccountView>,
    pub me: Option<MeView>,
    /// Set when a remembered sign-in could not be checked (server unreachable).
    pub notice: Option<String>,
    /// The server's clock minus this device's, in milliseconds (0 when unknown).
    pub clock_offset_ms: i64,
    /// The app's language (`en`, `es`); none: the webview's own.
    pub locale: Option<String>,
    /// Whether the language was chosen (at launch or in the app) rather than the system's.
    pub locale_chosen: bool,
    /// What this device is called at sign-in.
    pub device: DeviceView,
}

/// This computer's name (none on a phone, which calls itself "localhost") and system.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceView {
    pub host: Option<String>,
    pub os: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfirmedView {
    pub method: Method,
    /// Present when this confirmation finished a sign-in (setup token): go straight in.
    pub me: Option<MeView>,
    /// The person's first method: their recovery codes, to show this once.
    pub recovery_codes: Option<Vec<String>>,
}
