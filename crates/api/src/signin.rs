//! "Sign-in" in docs/api.md: the password, the second step (a code or a recovery code) and
//! the session they end in.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Delivery, Kind, Method, Person, REDACTED};

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// True when a recovery code signed this session in: the app leads the person to add a
    /// method or make new codes.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
    /// "Don't ask for a code on this device": the token a password sign-in from this device
    /// sends in `Twostep-Remember` to skip the second step (a browser gets it as a cookie
    /// instead), when `verify` was asked to remember the device and may.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remember_token: Option<String>,
    /// Until when the device is remembered (with `remember_token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remembered_until: Option<DateTime<Utc>>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What follows `POST /login`, and the end of every sign-in path (`next: "done"`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "next", rename_all = "snake_case")]
pub enum LoginResponse {
    Done {
        session: Session,
        person: Person,
    },
    Verify {
        challenge_id: String,
        expires_at: DateTime<Utc>,
        methods: Vec<Method>,
        preferred_method_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code_sent: Option<Delivery>,
        /// For how many days `verify` may remember this device ("Don't ask for a code on this
        /// device for N days"); 0: not offered.
        #[serde(default)]
        remember_days: u32,
    },
    Setup {
        setup_token: String,
        required: bool,
        allowed_kinds: Vec<Kind>,
        email_prefill: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SendRequest {
    pub method_id: String,
}

/// A code; or, for a passkey, the assertion (`PublicKeyCredential` as JSON).
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct VerifyRequest {
    pub method_id: String,
    #[serde(default)]
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub credential: Option<serde_json::Value>,
    /// "Don't ask for a code on this device": ignored unless the challenge offered it
    /// (`remember_days` above 0) and the request carries a `Twostep-Device` id.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remember: bool,
}

/// What `send` answers: where a code went, or for a passkey what the browser asks it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SendResponse {
    Code(Delivery),
    Passkey(PasskeyRequest),
}

/// A passkey ceremony's request: hand `options` to `navigator.credentials.get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PasskeyRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_id: Option<String>,
    /// For a sign-in with a passkey alone: the ceremony to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceremony_id: Option<String>,
    /// `CredentialRequestOptions` as JSON (`{"publicKey": …}`, binary fields base64url).
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    pub expires_at: DateTime<Utc>,
}

/// The answer to a sign-in with a passkey alone: the assertion, and the device's name as at
/// `POST /login`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct PasskeyAnswer {
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
    #[serde(default)]
    pub device_name: Option<String>,
}

/// `POST /challenges/{id}/recover`: any case, spaces and dashes are accepted.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoverRequest {
    pub recovery_code: String,
}

/// `POST /challenges/{id}/day-pass`: the pass an administrator read out; any case, spaces and
/// dashes are accepted.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct DayPassRequest {
    pub pass: String,
}

impl fmt::Debug for DayPassRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DayPassRequest")
            .field("pass", &REDACTED)
            .finish()
    }
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .field("device_name", &self.device_name)
            .finish()
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &REDACTED)
            .field("expires_at", &self.expires_at)
            .field("recovered", &self.recovered)
            .field(
                "remember_token",
                &self.remember_token.as_ref().map(|_| REDACTED),
            )
            .field("remembered_until", &self.remembered_until)
            .finish()
    }
}

impl fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Done { session, person } => f
                .debug_struct("Done")
                .field("session", session)
                .field("person", person)
                .finish(),
            Self::Verify {
                challenge_id,
                expires_at,
                methods,
                preferred_method_id,
                code_sent,
                remember_days,
            } => f
                .debug_struct("Verify")
                .field("challenge_id", challenge_id)
                .field("expires_at", expires_at)
                .field("methods", methods)
                .field("preferred_method_id", preferred_method_id)
                .field("code_sent", code_sent)
                .field("remember_days", remember_days)
                .finish(),
            Self::Setup {
                required,
                allowed_kinds,
                email_prefill,
                ..
            } => f
                .debug_struct("Setup")
                .field("setup_token", &REDACTED)
                .field("required", required)
                .field("allowed_kinds", allowed_kinds)
                .field("email_prefill", email_prefill)
                .finish(),
        }
    }
}

impl fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyRequest")
            .field("method_id", &self.method_id)
            .field("code", &REDACTED)
            .field("credential", &self.credential.as_ref().map(|_| REDACTED))
            .field("remember", &self.remember)
            .finish()
    }
}

impl fmt::Debug for PasskeyAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasskeyAnswer")
            .field("credential", &REDACTED)
            .field("device_name", &self.device_name)
            .finish()
    }
}

impl fmt::Debug for RecoverRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoverRequest")
            .field("recovery_code", &REDACTED)
            .finish()
    }
}

/// `GET /oauth/authorize`'s query: a native app's sign-in in the system browser (RFC 8252,
/// with PKCE, RFC 7636; `S256` only).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct AuthorizeQuery {
    /// `code`.
    pub response_type: String,
    pub client_id: String,
    /// The app's loopback address: `http://127.0.0.1:PORT/…` or `http://[::1]:PORT/…`.
    pub redirect_uri: String,
    /// base64url of the SHA-256 of the app's verifier.
    pub code_challenge: String,
    /// `S256`.
    pub code_challenge_method: String,
    #[serde(default)]
    pub state: Option<String>,
}

/// `POST /api/v1/oauth/code`: the browser's passkey answer, for the app that asked (the
/// `GET /oauth/authorize` query's fields).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct AppCodeRequest {
    pub ceremony_id: String,
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
    #[serde(default)]
    pub state: Option<String>,
}

/// Where the browser goes next: the app's loopback address with the one-time `code` (and the
/// app's `state`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct AppCodeAnswer {
    pub redirect_to: String,
}

/// `POST /api/v1/oauth/token`: the app exchanges the code, with its PKCE verifier, for its
/// session.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub code: String,
    pub code_verifier: String,
    pub redirect_uri: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

impl fmt::Debug for AppCodeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCodeRequest")
            .field("ceremony_id", &self.ceremony_id)
            .field("credential", &REDACTED)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for AppCodeAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCodeAnswer")
            .field("redirect_to", &REDACTED)
            .finish()
    }
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("code", &REDACTED)
            .field("code_verifier", &REDACTED)
            .field("redirect_uri", &self.redirect_uri)
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// `POST /api/v1/password-reset`: "Forgot password?".
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    pub email: String,
}

/// Its answer, the same whatever the email: a link is on its way if the email is someone's.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasswordResetAccepted {
    /// `"accepted"`.
    pub status: String,
}

/// `POST /api/v1/password-reset/{token}`: the new password (the same rule as a change), and
/// the device's name as at `POST /login`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct NewPassword {
    pub new_password: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewPassword")
            .field("new_password", &REDACTED)
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// `POST /api/v1/invitations/{token}`: the invited person's password (the rule of a change),
/// and the device's name as at `POST /login`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct InvitationAccept {
    pub password: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

impl fmt::Debug for InvitationAccept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvitationAccept")
            .field("password", &REDACTED)
            .field("device_name", &self.device_name)
            .finish()
    }
}
