//! What the webview sees: views of the state, without tokens. The UI renders these.

use serde::Serialize;
use twostep_api::{Delivery, Kind, Method, Person, Role};

/// Where the sign-in stands, as the screen to show next.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "next", rename_all = "snake_case")]
pub enum StepView {
    Verify {
        methods: Vec<Method>,
        preferred_method_id: Option<String>,
        code_sent: Option<Delivery>,
        expires_at: chrono::DateTime<chrono::Utc>,
    },
    Setup {
        required: bool,
        allowed_kinds: Vec<Kind>,
        email_prefill: Option<String>,
    },
    Done {
        me: MeView,
    },
    /// Only a recovery code can go on: 2-Step Verification is locked on this account.
    Recover,
    /// An administrator unfroze the account: a new password before the sign-in goes on.
    NewPassword,
}

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
}

/// A method being added, as the setup screen needs it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum EnrollmentView {
    /// The secret is shown because this screen's job is to show it (QR and typed by hand).
    Totp {
        enrollment_id: String,
        secret: String,
        otpauth_uri: String,
        /// The QR code as a `data:image/svg+xml;base64,…` URI, for an `<img>` under a strict CSP.
        qr: String,
    },
    Email {
        enrollment_id: String,
        sent_to: String,
        expires_at: chrono::DateTime<chrono::Utc>,
        resend_after: chrono::DateTime<chrono::Utc>,
    },
    Sms {
        enrollment_id: String,
        sent_to: String,
        expires_at: chrono::DateTime<chrono::Utc>,
        resend_after: chrono::DateTime<chrono::Utc>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfirmedView {
    pub method: Method,
    /// Present when this confirmation finished a sign-in (setup token): go straight in.
    pub me: Option<MeView>,
    /// The person's first method: their recovery codes, to show this once.
    pub recovery_codes: Option<Vec<String>>,
}

impl EnrollmentView {
    pub fn from_api(e: twostep_api::Enrollment) -> Self {
        use data_encoding::BASE64;
        match e {
            twostep_api::Enrollment::Totp {
                enrollment_id,
                secret,
                otpauth_uri,
                qr_svg,
                ..
            } => Self::Totp {
                enrollment_id,
                secret,
                otpauth_uri,
                qr: format!(
                    "data:image/svg+xml;base64,{}",
                    BASE64.encode(qr_svg.as_bytes())
                ),
            },
            twostep_api::Enrollment::Code {
                enrollment_id,
                kind,
                sent_to,
                expires_at,
                resend_after,
            } => match kind {
                Kind::Sms => Self::Sms {
                    enrollment_id,
                    sent_to,
                    expires_at,
                    resend_after,
                },
                _ => Self::Email {
                    enrollment_id,
                    sent_to,
                    expires_at,
                    resend_after,
                },
            },
        }
    }
}
