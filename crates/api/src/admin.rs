//! "Administrators" in docs/api.md: people, the policy, the rollout report, reminders and
//! (two-person) resets. The audit trail is in `audit`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{Kind, Locale, Person, Role, REDACTED};

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
    /// The first password (the person chooses their own at the first sign-in); none to email
    /// them an invitation to choose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
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
    /// A passkey may sign in alone, without the password (on by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_sign_in: Option<bool>,
    /// The weakest kind of method each role may sign in with; a role left out keeps its floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_method: Option<BTreeMap<Role, MinMethod>>,
    /// The center's time zone, an IANA name (`America/Chicago`; `UTC` by default): a one-day
    /// pass ends at its midnight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// One-day passes a person may be issued in a calendar month (3; 0 switches them off; at
    /// most 31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passes_per_month: Option<u32>,
    /// "Don't ask for a code on this device for N days", per role: 0 to 90 (families 30, staff
    /// 0 by default; 0: never offered). Administrators' are always 0. A role left out keeps
    /// its days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remember_days: Option<BTreeMap<Role, u32>>,
}

/// A role's floor: `any` kind the center allows, an `authenticator` (an app or a passkey), or
/// a `passkey`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MinMethod {
    Any,
    Authenticator,
    Passkey,
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
    /// People with methods, none of a kind their roles may sign in with (the center's floor
    /// per role, and the kinds it allows): their next sign-in sends them to set one up. A
    /// disabled account is not counted.
    #[serde(default)]
    pub below_floor: u32,
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

/// What a request waiting for a second administrator is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Resetting the person's 2-Step Verification.
    #[default]
    Reset,
    /// A one-day pass for the person.
    DayPass,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResetRequest {
    pub id: String,
    /// A reset, or a one-day pass (older servers: a reset).
    #[serde(default)]
    pub kind: RequestKind,
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

/// A one-day pass, shown this once (201): for the administrator to read to the person.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct DayPassIssued {
    /// Three groups of four (`K7QM-2XWD-J6PA`).
    pub pass: String,
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for DayPassIssued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DayPassIssued")
            .field("pass", &REDACTED)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What `POST …/day-pass` answered: the pass (201) or a request waiting for a second
/// administrator (202).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DayPassAnswer {
    Issued(DayPassIssued),
    Requested(ResetRequested),
}

/// What approving a request answered: the reset done (200, the Person) or the pass (201).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ApprovalAnswer {
    DayPass(DayPassIssued),
    Reset(Box<Person>),
}
