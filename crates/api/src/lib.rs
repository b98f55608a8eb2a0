//! The wire types of Twostep's HTTP API, version 1 (`shared/API.md`), shared by the server,
//! the client and the app. Field names here are the contract: add, never rename.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `{"error": {"code", "message", ...}}`: every non-2xx answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable snake_case code, such as `invalid_code`.
    pub code: String,
    /// A sentence a person can act on.
    pub message: String,
    /// With `invalid_code`: wrong codes left before the challenge or enrollment locks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// With 429s, the same number as the `Retry-After` header, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Totp,
    Email,
    Sms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Guardian,
    Admin,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Method {
    pub id: String,
    pub kind: Kind,
    /// Safe to show: `j•••@example.org`, `•••• 1234`, `Authenticator app`.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_id: Option<String>,
    pub sent_to: String,
    pub expires_at: DateTime<Utc>,
    pub resend_after: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CenterRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TwoStep {
    /// Whether 2-Step Verification is mandatory for this person (anyone with the staff role).
    pub required: bool,
    /// Whether the person has at least one method.
    pub enabled: bool,
    pub setup_skips_left: u32,
    pub methods: Vec<Method>,
    pub preferred_method_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub shared: bool,
    pub center: CenterRef,
    pub two_step: TwoStep,
}

/// What follows `POST /login`, and the end of every sign-in path (`next: "done"`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerifyRequest {
    pub method_id: String,
    pub code: String,
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
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
}

impl Enrollment {
    pub fn id(&self) -> &str {
        match self {
            Self::Totp { enrollment_id, .. } | Self::Code { enrollment_id, .. } => enrollment_id,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConfirmRequest {
    pub code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Confirmed {
    pub method: Method,
    /// Present when a setup token was used: the sign-in completes here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreferredRequest {
    pub method_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TwoStepFilter {
    Enrolled,
    NotEnrolled,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
pub struct PeopleQuery {
    /// Part of a name or email.
    pub query: Option<String>,
    pub role: Option<Role>,
    pub two_step: Option<TwoStepFilter>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct People {
    pub people: Vec<Person>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewPerson {
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub password: String,
    #[serde(default)]
    pub shared: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Policy {
    pub allowed_kinds: Vec<Kind>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
pub struct AuditQuery {
    pub person_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub person_id: Option<String>,
    pub action: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    pub events: Vec<AuditEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub time: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
pub struct OutboxQuery {
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OutboxMessage {
    pub to: String,
    /// `email` or `sms`.
    pub channel: String,
    pub subject: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Outbox {
    pub messages: Vec<OutboxMessage>,
}
