//! "Shapes" in docs/api.md: a person, their methods and the words for kinds, roles and
//! languages, as every section returns them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Totp,
    Email,
    Sms,
    /// A passkey or security key (WebAuthn).
    Passkey,
}

/// The language of a person's emails and texts, and of the app once they sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Es,
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
    /// The person's one-day pass that still works (never the pass itself): on the
    /// administrators' `GET /admin/people/{id}` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_pass: Option<Box<LiveDayPass>>,
}

/// Someone of the center, by id and name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

/// A one-day pass not yet used, revoked or expired, as its person's page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LiveDayPass {
    /// The administrator who issued it (who asked for it, when two approved it).
    pub issued_by: PersonRef,
    /// The second administrator, when the center's resets take two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<PersonRef>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
