//! The audit trail (`GET /admin/audit`, under "Administrators" in docs/api.md): its pages
//! and events, and the names of what it records.
//!
//! [`AuditAction`] and [`AuditReason`] are the one list of each: the server stores their
//! names (the `audit` table's `action` and `reason` columns), the OpenAPI document lists them,
//! and the app's filter (ui/js/audit_actions.js, generated from this list and checked by
//! src-tauri/catalog_tests.rs) offers them. A name, once stored, never changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use utoipa::{IntoParams, ToSchema};

use crate::Kind;

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub person_id: Option<String>,
    /// One action (`two_step_reset`, `second_step_passed`, …); another name answers 400
    /// `invalid_action`.
    #[param(value_type = Option<AuditAction>, inline)]
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
    /// A string, not the enum, in Rust: an app older than the server still reads an action
    /// it does not know yet (and shows its name).
    #[schema(value_type = AuditAction)]
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
    #[schema(value_type = Option<AuditReason>)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    pub events: Vec<AuditEvent>,
    /// There are older events: pass this as `before` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// The security events of the audit trail, by the names they are stored and sent under.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    IntoStaticStr,
    EnumString,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditAction {
    SignInPassed,
    SignInFailed,
    SecondStepPassed,
    CodeSent,
    CodeFailed,
    ChallengeLocked,
    PersonLocked,
    SetupOffered,
    SetupSkipped,
    MethodAdded,
    MethodRemoved,
    // Named before the variant was: the stored name stays.
    #[serde(rename = "preferred_method_changed")]
    #[strum(serialize = "preferred_method_changed")]
    PreferredChanged,
    TwoStepReset,
    PolicyChanged,
    PersonAdded,
    SignedOut,
    DeliveryFailed,
    RecoveryCodeUsed,
    RecoveryCodesMade,
    PasswordChanged,
    AccountFrozen,
    AccountUnfrozen,
    AccountDisabled,
    AccountEnabled,
    SignedOutEverywhere,
    ResetRequested,
    ReminderSent,
    RemindersSent,
    ResetApprovalsChanged,
    GuardiansRequiredChanged,
    /// "Forgot password?": a reset link was emailed.
    PasswordResetSent,
    /// An invitation to choose a password was emailed.
    InvitationSent,
    /// A one-day pass was asked for, waiting for a second administrator.
    DayPassRequested,
    /// A one-day pass was issued (shown once to the administrator).
    DayPassIssued,
    /// A one-day pass signed its person in.
    DayPassUsed,
    /// An administrator revoked a one-day pass before it was used.
    DayPassRevoked,
    /// "Don't ask for a code on this device": a device was remembered after a second step.
    DeviceRemembered,
    /// "Forget this device": the person forgot a remembered device.
    DeviceForgotten,
}

/// Why an event happened, as a stable code the app words (`admin.reason.<code>`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    IntoStaticStr,
    EnumString,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditReason {
    WrongPassword,
    PasswordAccepted,
    SetupRequiredNoAllowedMethod,
    SetupRequired,
    SetupSkippable,
    LockedUntilReset,
    TooManyFailedSecondSteps,
    TooManyWrongCodes,
    WhileAddingAMethod,
    WrongRecoveryCode,
    ApprovedBySecondAdministrator,
    /// A passkey's counter went back: a copy of it may exist.
    PasskeyMayBeCopied,
    /// A passkey signed in alone (no password).
    PasskeyAlone,
    /// A new password chosen through an emailed reset link.
    ThroughResetLink,
    /// A first password chosen through an invitation.
    ThroughInvitation,
    /// A second step answered with a one-day pass that was not the person's live one.
    WrongDayPass,
    /// No code was asked: the device was remembered ("Don't ask for a code on this device").
    RememberedDevice,
}

impl AuditAction {
    /// Every action, in the order declared.
    pub const ALL: &'static [AuditAction] = <Self as VariantArray>::VARIANTS;

    /// The name it is stored and sent under (`sign_in_passed`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The action of a stored or requested name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

impl AuditReason {
    /// Every reason, in the order declared.
    pub const ALL: &'static [AuditReason] = <Self as VariantArray>::VARIANTS;

    /// The code it is stored and sent under (`wrong_password`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The names serde sends (and the OpenAPI document lists) are the names stored.
    #[test]
    fn serde_and_the_stored_names_agree() {
        for a in AuditAction::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
        }
        for r in AuditReason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(AuditAction::parse("no_such_action"), None);
    }

    /// Names already in databases keep their meaning: a new action adds a name, none changes.
    #[test]
    fn every_stored_name_still_reads() {
        let stored = [
            "sign_in_passed",
            "sign_in_failed",
            "second_step_passed",
            "code_sent",
            "code_failed",
            "challenge_locked",
            "person_locked",
            "setup_offered",
            "setup_skipped",
            "method_added",
            "method_removed",
            "preferred_method_changed",
            "two_step_reset",
            "policy_changed",
            "person_added",
            "signed_out",
            "delivery_failed",
            "recovery_code_used",
            "recovery_codes_made",
            "password_changed",
            "account_frozen",
            "account_unfrozen",
            "account_disabled",
            "account_enabled",
            "signed_out_everywhere",
            "reset_requested",
            "reminder_sent",
            "reminders_sent",
            "reset_approvals_changed",
            "guardians_required_changed",
        ];
        for name in stored {
            assert_eq!(
                AuditAction::parse(name).map(AuditAction::as_str),
                Some(name)
            );
        }
        let reasons = [
            "wrong_password",
            "password_accepted",
            "setup_required_no_allowed_method",
            "setup_required",
            "setup_skippable",
            "locked_until_reset",
            "too_many_failed_second_steps",
            "too_many_wrong_codes",
            "while_adding_a_method",
            "wrong_recovery_code",
            "approved_by_second_administrator",
        ];
        for name in reasons {
            assert!(
                AuditReason::ALL.iter().any(|r| r.as_str() == name),
                "{name}"
            );
        }
    }
}
