//! The wire types of Twostep's HTTP API, version 1 (`docs/api.md`), shared by the server,
//! the client and the app. Field names here are the contract: add, never rename.

use std::collections::BTreeMap;
use std::fmt;

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
    /// With `two_step_locked` at sign-in: a challenge that accepts only `recover`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    /// With `weak_password`: why, as a code (`too_short`, `common_password`, `like_email`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weakness: Option<String>,
    /// With `password_change_required` at sign-in: a token that only `PUT /me/password`
    /// accepts, for 15 minutes; the new password then continues the sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_token: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Totp,
    Email,
    Sms,
}

/// The language of a person's emails and texts, and of the app once they sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Es,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LocaleRequest {
    pub locale: Locale,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Guardian,
    Admin,
}

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
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Method {
    pub id: String,
    pub kind: Kind,
    /// Safe to show: `j•••@example.org`, `•••• 1234`, `Authenticator app`.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// False when the center no longer allows this kind: kept and shown, may be deleted,
    /// but cannot sign in.
    #[serde(default = "yes")]
    pub allowed: bool,
}

fn yes() -> bool {
    true
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
    /// Unused recovery codes (they are not a method: the at-least-one rule counts methods).
    #[serde(default)]
    pub recovery_codes_left: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub shared: bool,
    #[serde(default)]
    pub locale: Locale,
    pub center: CenterRef,
    pub two_step: TwoStep,
    /// Frozen through "This wasn't me": no sign-in until an administrator unfreezes them.
    #[serde(default)]
    pub frozen: bool,
    /// Disabled by an administrator: no sign-in until enabled (2-Step Verification kept).
    #[serde(default)]
    pub disabled: bool,
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

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct VerifyRequest {
    pub method_id: String,
    pub code: String,
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

/// `POST /challenges/{id}/recover`: any case, spaces and dashes are accepted.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoverRequest {
    pub recovery_code: String,
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
}

impl Enrollment {
    pub fn id(&self) -> &str {
        match self {
            Self::Totp { enrollment_id, .. } | Self::Code { enrollment_id, .. } => enrollment_id,
        }
    }
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ConfirmRequest {
    pub code: String,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TwoStepFilter {
    Enrolled,
    NotEnrolled,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Part of a name or email.
    pub query: Option<String>,
    #[param(inline)]
    pub role: Option<Role>,
    #[param(inline)]
    pub two_step: Option<TwoStepFilter>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct People {
    pub people: Vec<Person>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct NewPerson {
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub password: String,
    #[serde(default)]
    pub shared: Option<bool>,
    #[serde(default)]
    pub locale: Option<Locale>,
}

/// The center's policy. In `PUT`, a field left out keeps its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Policy {
    pub allowed_kinds: Vec<Kind>,
    /// 1: one administrator resets; 2: one asks, a different one approves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_approvals: Option<u32>,
    /// 2-Step Verification is required of families too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardians_required: Option<bool>,
    /// Days an administrator added by another administrator waits before taking part in
    /// two-person resets (7). Only the server's operator changes it (`twostep-server policy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_admin_wait_days: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub person_id: Option<String>,
    /// One action (`two_step_reset`, `second_step_passed`, …).
    pub action: Option<String>,
    /// Only events older than this one (a page's `next_before`).
    pub before: Option<i64>,
    /// At most this many events (default 100, at most 1000).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    /// Increases with every event; pass the last one's as `before` for older ones.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub person_id: Option<String>,
    pub action: String,
    /// The event in an English sentence (all an event recorded before `kind`, `hint` and
    /// `reason` existed has).
    pub detail: String,
    /// The kind of method the event is about.
    #[serde(default)]
    pub kind: Option<Kind>,
    /// The method's or address's hint (`j•••@example.org`, `•••• 1234`).
    #[serde(default)]
    pub hint: Option<String>,
    /// Why, as a stable code (`wrong_password`, `too_many_wrong_codes`, …).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    pub events: Vec<AuditEvent>,
    /// There are older events: pass this as `before` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// The rollout of 2-Step Verification in the center.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Report {
    /// Everyone in the center.
    pub people: u32,
    /// People holding each role (someone with two roles counts in both).
    pub by_role: BTreeMap<Role, u32>,
    /// People with at least one method.
    pub enrolled: u32,
    /// Of each role, those with at least one method (the overview's bar per role).
    #[serde(default)]
    pub enrolled_by_role: BTreeMap<Role, u32>,
    pub not_enrolled: u32,
    /// People who skipped setup once and have no method yet.
    pub skipped_once: u32,
    /// People who must use 2-Step Verification and have no method, by name.
    pub required_not_enrolled: Vec<Person>,
    /// Methods of each kind.
    pub by_kind: BTreeMap<Kind, u32>,
    pub frozen: u32,
    pub disabled: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RemindersSent {
    pub sent: u32,
}

/// A two-person reset waiting for a second administrator (202 to the first).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResetRequested {
    pub request_id: String,
    pub expires_at: DateTime<Utc>,
}

/// What a reset answered: done (200, the Person) or waiting for a second administrator (202).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResetAnswer {
    Requested(ResetRequested),
    Done(Box<Person>),
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResetRequest {
    pub id: String,
    /// The person whose 2-Step Verification would be reset.
    pub person: Person,
    /// The administrator who asked.
    pub requested_by: ResetRequester,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResetRequester {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResetRequests {
    pub requests: Vec<ResetRequest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub time: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    pub to: Option<String>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
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

// Debug never prints a password, token, secret or code: these types travel through logs and
// test failure messages, so they print the redacted form, like the core's secret newtypes.

const REDACTED: &str = "<redacted>";

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
            .finish()
    }
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

impl fmt::Debug for RecoverRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoverRequest")
            .field("recovery_code", &REDACTED)
            .finish()
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

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryCodes")
            .field("codes", &REDACTED)
            .field("created_at", &self.created_at)
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
            } => f
                .debug_struct("Verify")
                .field("challenge_id", challenge_id)
                .field("expires_at", expires_at)
                .field("methods", methods)
                .field("preferred_method_id", preferred_method_id)
                .field("code_sent", code_sent)
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
            .finish()
    }
}

impl fmt::Debug for ConfirmRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfirmRequest")
            .field("code", &REDACTED)
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
        }
    }
}

impl fmt::Debug for NewPerson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewPerson")
            .field("email", &self.email)
            .field("name", &self.name)
            .field("roles", &self.roles)
            .field("password", &REDACTED)
            .field("shared", &self.shared)
            .field("locale", &self.locale)
            .finish()
    }
}

impl fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("to", &self.to)
            .field("channel", &self.channel)
            .field("subject", &self.subject)
            .field("body", &REDACTED)
            .field("at", &self.at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SECRET: &str = "hunter2-JBSWY3DPEHPK3PXP-123456";

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn debug_never_prints_a_password_token_secret_or_code() {
        let session = Session {
            token: SECRET.into(),
            expires_at: at(),
            recovered: false,
        };
        let printed = [
            format!(
                "{:?}",
                LoginRequest {
                    email: "jo@x.org".into(),
                    password: SECRET.into(),
                    device_name: None,
                }
            ),
            format!("{session:?}"),
            format!(
                "{:?}",
                LoginResponse::Setup {
                    setup_token: SECRET.into(),
                    required: true,
                    allowed_kinds: vec![Kind::Totp],
                    email_prefill: None,
                }
            ),
            format!(
                "{:?}",
                VerifyRequest {
                    method_id: "m".into(),
                    code: SECRET.into(),
                }
            ),
            format!(
                "{:?}",
                ConfirmRequest {
                    code: SECRET.into()
                }
            ),
            format!(
                "{:?}",
                Enrollment::Totp {
                    enrollment_id: "e".into(),
                    kind: Kind::Totp,
                    secret: SECRET.into(),
                    otpauth_uri: SECRET.into(),
                    qr_svg: SECRET.into(),
                }
            ),
            format!(
                "{:?}",
                NewPerson {
                    email: "jo@x.org".into(),
                    name: "Jo".into(),
                    roles: vec![Role::Staff],
                    password: SECRET.into(),
                    shared: None,
                    locale: None,
                }
            ),
            format!(
                "{:?}",
                OutboxMessage {
                    to: "jo@x.org".into(),
                    channel: "email".into(),
                    subject: "User OTP".into(),
                    body: SECRET.into(),
                    at: at(),
                }
            ),
        ];
        for p in &printed {
            assert!(!p.contains("hunter2") && !p.contains("123456"), "{p}");
            assert!(p.contains(REDACTED), "{p}");
        }
        // What is not secret still prints, for the logs' sake.
        assert!(printed[0].contains("jo@x.org"));
    }
}
