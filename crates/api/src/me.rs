//! "The signed-in person" in docs/api.md: their methods and setting one up, recovery codes,
//! password, fresh sign-in, sessions and language.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Kind, Locale, Method, Person, Session, REDACTED};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LocaleRequest {
    pub locale: Locale,
}

/// One of the person's sessions (`GET /me/sessions`). `id` is not the token and opens nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    pub id: String,
    pub device_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The session this request came with.
    pub current: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Sessions {
    pub sessions: Vec<SessionInfo>,
    /// The devices that skip the second step at a password sign-in ("Don't ask for a code on
    /// this device"), until `expires_at`. Never their tokens.
    #[serde(default)]
    pub remembered: Vec<RememberedDevice>,
}

/// A remembered device (`GET /me/sessions`); `DELETE /me/remembered/{id}` forgets it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RememberedDevice {
    pub id: String,
    pub device_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The device this request came from.
    pub current: bool,
}

/// `PUT /me/password`. With a session: `current_password` is required. With the
/// `password_token` of a 409 `password_change_required`: it is left out.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct PasswordChange {
    #[serde(default)]
    pub current_password: String,
    pub new_password: String,
}

/// `POST /me/reauth`: the password again, before a change to 2-Step Verification or the password.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ReauthRequest {
    pub password: String,
}

/// `GET /me/recovery-codes`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodesSummary {
    pub remaining: u32,
    /// When the current set was made; none before the first.
    pub created_at: Option<DateTime<Utc>>,
}

/// A new set of recovery codes, shown once (`POST /me/recovery-codes`, and within `Confirmed`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten codes, `XXXX-XXXX-XXXX-XXXX`.
    pub codes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MethodsResponse {
    pub methods: Vec<Method>,
    pub preferred_method_id: Option<String>,
    pub allowed_kinds: Vec<Kind>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AddMethodRequest {
    Totp,
    Email {
        #[serde(default)]
        email: Option<String>,
    },
    Sms {
        phone: String,
    },
    /// A passkey: the answer carries the browser's creation options.
    Passkey {
        /// What the person calls it ("My phone"); "Passkey" when none is given.
        #[serde(default)]
        name: Option<String>,
    },
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Enrollment {
    /// An authenticator app: show the QR code (or the secret), then confirm with a code.
    Totp {
        enrollment_id: String,
        kind: Kind,
        secret: String,
        otpauth_uri: String,
        qr_svg: String,
    },
    /// Email or text message: a code is on its way to `sent_to`.
    Code {
        enrollment_id: String,
        kind: Kind,
        sent_to: String,
        expires_at: DateTime<Utc>,
        resend_after: DateTime<Utc>,
    },
    /// A passkey: hand `options` to `navigator.credentials.create`, then confirm with the
    /// credential it makes.
    Passkey {
        enrollment_id: String,
        kind: Kind,
        /// `CredentialCreationOptions` as JSON (`{"publicKey": …}`, binary fields base64url).
        #[schema(value_type = Object)]
        options: serde_json::Value,
        expires_at: DateTime<Utc>,
    },
}

impl Enrollment {
    pub fn id(&self) -> &str {
        match self {
            Self::Totp { enrollment_id, .. }
            | Self::Code { enrollment_id, .. }
            | Self::Passkey { enrollment_id, .. } => enrollment_id,
        }
    }
}

/// A code for an app, an email or a text; the new credential (`PublicKeyCredential` as JSON)
/// for a passkey.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ConfirmRequest {
    #[serde(default)]
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub credential: Option<serde_json::Value>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Confirmed {
    pub method: Method,
    /// Present when a setup token was used: the sign-in completes here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    /// The person's first method: their recovery codes, shown this once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreferredRequest {
    pub method_id: String,
}

impl fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordChange")
            .field("current_password", &REDACTED)
            .field("new_password", &REDACTED)
            .finish()
    }
}

impl fmt::Debug for ReauthRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReauthRequest")
            .field("password", &REDACTED)
            .finish()
    }
}

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryCodes")
            .field("codes", &REDACTED)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl fmt::Debug for ConfirmRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfirmRequest")
            .field("code", &REDACTED)
            .field("credential", &self.credential.as_ref().map(|_| REDACTED))
            .finish()
    }
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Totp {
                enrollment_id,
                kind,
                ..
            } => f
                .debug_struct("Totp")
                .field("enrollment_id", enrollment_id)
                .field("kind", kind)
                .field("secret", &REDACTED)
                .field("otpauth_uri", &REDACTED)
                .field("qr_svg", &REDACTED)
                .finish(),
            Self::Code {
                enrollment_id,
                kind,
                sent_to,
                expires_at,
                resend_after,
            } => f
                .debug_struct("Code")
                .field("enrollment_id", enrollment_id)
                .field("kind", kind)
                .field("sent_to", sent_to)
                .field("expires_at", expires_at)
                .field("resend_after", resend_after)
                .finish(),
            Self::Passkey {
                enrollment_id,
                kind,
                expires_at,
                ..
            } => f
                .debug_struct("Passkey")
                .field("enrollment_id", enrollment_id)
                .field("kind", kind)
                .field("expires_at", expires_at)
                .finish(),
        }
    }
}

impl fmt::Debug for Confirmed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Confirmed")
            .field("method", &self.method)
            .field("session", &self.session)
            .field("person", &self.person)
            .field(
                "recovery_codes",
                &self.recovery_codes.as_ref().map(|_| REDACTED),
            )
            .finish()
    }
}
