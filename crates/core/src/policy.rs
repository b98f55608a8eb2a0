//! Who must verify, and what comes after a correct password.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Kind, RuleError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Staff,
    Guardian,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Guardian => "guardian",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, RuleError> {
        match s {
            "staff" => Ok(Role::Staff),
            "guardian" => Ok(Role::Guardian),
            "admin" => Ok(Role::Admin),
            other => Err(RuleError::UnknownRole(other.to_owned())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 2-Step Verification is mandatory for anyone holding the staff or the admin role, whichever
/// profile they use (a staff member signing in as a parent verifies too); optional for families
/// unless the center's policy says `guardians_required`. The administrator, who can reset
/// everyone's 2-Step Verification, needs it most of all.
pub fn two_step_required(roles: &[Role], guardians_required: bool) -> bool {
    roles.iter().any(|r| {
        matches!(r, Role::Staff | Role::Admin) || (guardians_required && *r == Role::Guardian)
    })
}

/// Whether a verification address must be the person's own among the center's staff: a
/// staff member (or administrator) may not verify with an email or phone another one already
/// uses, since a shared address is the generic-address problem in disguise. Families may share
/// (two parents, one phone), even where the center requires them to verify.
pub fn address_must_be_own(roles: &[Role]) -> bool {
    two_step_required(roles, false)
}

/// How many administrators a 2-Step Verification reset takes: one, or one who asks and a
/// different one who approves (the center's `reset_approvals`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetApprovals {
    One,
    Two,
}

impl ResetApprovals {
    pub fn count(self) -> u32 {
        match self {
            Self::One => 1,
            Self::Two => 2,
        }
    }

    pub fn from_count(n: u32) -> Option<Self> {
        match n {
            1 => Some(Self::One),
            2 => Some(Self::Two),
            _ => None,
        }
    }
}

/// How long an administrator added by another administrator waits before taking part in
/// two-person resets (`policy.new_admin_wait_days`).
pub const NEW_ADMIN_WAIT_DAYS: u32 = 7;

/// Whether an administrator counts as a second person for two-person resets at `now`: at once
/// when the operator added them, `wait_days` after being added when another administrator did.
/// Otherwise one administrator could add a second, enrol an authenticator for it and be two.
pub fn counts_for_two_person(
    added_by_admin: bool,
    added_at: chrono::DateTime<chrono::Utc>,
    wait_days: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    !added_by_admin || now >= added_at + chrono::Duration::days(i64::from(wait_days))
}

/// The weakest kind of method a role may sign in with (the center's `min_method`, after
/// Kanidm's `credential_type_minimum`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum MinMethod {
    /// Any kind the center allows.
    #[default]
    Any,
    /// An authenticator: an app (TOTP) or a passkey; no code sent by email or text.
    Authenticator,
    /// A passkey: the one kind phishing can't take.
    Passkey,
}

impl MinMethod {
    pub const ALL: [MinMethod; 3] = [MinMethod::Any, MinMethod::Authenticator, MinMethod::Passkey];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Authenticator => "authenticator",
            Self::Passkey => "passkey",
        }
    }

    /// Whether a method of `kind` meets this floor.
    pub fn admits(self, kind: Kind) -> bool {
        match self {
            Self::Any => true,
            Self::Authenticator => matches!(kind, Kind::Totp | Kind::Passkey),
            Self::Passkey => kind == Kind::Passkey,
        }
    }
}

impl FromStr for MinMethod {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| RuleError::UnknownKind(s.to_owned()))
    }
}

/// The center's floor for each role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Floors {
    pub staff: MinMethod,
    pub guardian: MinMethod,
    pub admin: MinMethod,
}

impl Floors {
    pub fn of(&self, role: Role) -> MinMethod {
        match role {
            Role::Staff => self.staff,
            Role::Guardian => self.guardian,
            Role::Admin => self.admin,
        }
    }

    /// A person's floor: the highest of their roles' (a staff member who is also a parent
    /// signs in as staff must).
    pub fn for_roles(&self, roles: &[Role]) -> MinMethod {
        roles.iter().map(|r| self.of(*r)).max().unwrap_or_default()
    }

    /// Of the kinds the center allows, those a person with these roles may sign in with.
    pub fn allowed_for(&self, allowed: &[Kind], roles: &[Role]) -> Vec<Kind> {
        let floor = self.for_roles(roles);
        allowed
            .iter()
            .copied()
            .filter(|k| floor.admits(*k))
            .collect()
    }
}

/// How many times a person may skip setup when 2SV first applies to them.
pub const SETUP_SKIPS: u32 = 1;

/// The skips of setup a person has now: none ever for an administrator, whose account can
/// reset everyone else's (an administrator's first sign-in must set 2-Step Verification up);
/// what is stored for anyone else.
pub fn setup_skips_left(roles: &[Role], stored: u32) -> u32 {
    if roles.contains(&Role::Admin) {
        0
    } else {
        stored
    }
}

/// What follows a correct password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInNext {
    /// No second step: a person for whom 2SV is optional and who has no method.
    Done,
    /// Enter a code from one of the person's methods.
    Verify,
    /// Set up a method first. `required: false` is the one sign-in on which setup may be
    /// skipped; that sign-in uses the skip up, whether or not the person takes it.
    Setup { required: bool },
}

/// `required`: whether 2-Step Verification is mandatory for the person (`two_step_required`);
/// `methods` are the kinds of the person's methods; `allowed` the kinds the center allows now.
/// Only methods of an allowed kind can sign in: a person whose every method is of a kind the
/// center no longer allows must set up an allowed one, with no skip.
pub fn next_after_password(
    required: bool,
    methods: &[Kind],
    allowed: &[Kind],
    setup_skips_left: u32,
) -> SignInNext {
    if methods.iter().any(|k| allowed.contains(k)) {
        SignInNext::Verify
    } else if !methods.is_empty() {
        SignInNext::Setup { required: true }
    } else if !required {
        SignInNext::Done
    } else {
        SignInNext::Setup {
            required: setup_skips_left == 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    const ALL: &[Kind] = &Kind::ALL;

    fn next(roles: &[Role], methods: &[Kind], allowed: &[Kind], skips: u32) -> SignInNext {
        next_after_password(two_step_required(roles, false), methods, allowed, skips)
    }

    #[test]
    fn an_administrator_added_by_another_waits_to_count() {
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let day = chrono::Duration::days(1);
        assert!(
            counts_for_two_person(false, t0, 7, t0),
            "the operator's count at once"
        );
        assert!(!counts_for_two_person(true, t0, 7, t0));
        assert!(!counts_for_two_person(
            true,
            t0,
            7,
            t0 + day * 7 - chrono::Duration::seconds(1)
        ));
        assert!(counts_for_two_person(true, t0, 7, t0 + day * 7));
        assert!(counts_for_two_person(true, t0, 0, t0));
    }

    #[test]
    fn administrators_never_skip_setup() {
        assert_eq!(setup_skips_left(&[Admin], 1), 0);
        assert_eq!(setup_skips_left(&[Staff, Admin], 1), 0);
        assert_eq!(setup_skips_left(&[Staff], 1), 1);
        assert_eq!(setup_skips_left(&[Guardian], 0), 0);
    }

    #[test]
    fn staff_must_set_up_after_one_skip() {
        assert_eq!(
            next(&[Staff], &[], ALL, 1),
            SignInNext::Setup { required: false }
        );
        assert_eq!(
            next(&[Staff], &[], ALL, 0),
            SignInNext::Setup { required: true }
        );
        assert_eq!(next(&[Staff], &[Kind::Email], ALL, 0), SignInNext::Verify);
    }

    #[test]
    fn administrators_use_two_step_verification_as_staff_do() {
        assert!(two_step_required(&[Admin], false));
        assert!(address_must_be_own(&[Admin]));
        assert_eq!(
            next(&[Admin], &[], ALL, 1),
            SignInNext::Setup { required: false }
        );
        assert_eq!(
            next(&[Admin], &[], ALL, 0),
            SignInNext::Setup { required: true }
        );
    }

    #[test]
    fn guardians_may_and_staff_guardians_must() {
        assert_eq!(next(&[Guardian], &[], ALL, 1), SignInNext::Done);
        assert_eq!(
            next(&[Guardian], &[Kind::Sms, Kind::Email], ALL, 1),
            SignInNext::Verify
        );
        assert_eq!(
            next(&[Guardian, Staff], &[], ALL, 0),
            SignInNext::Setup { required: true }
        );
        assert!(two_step_required(&[Guardian, Staff], false));
        assert!(!two_step_required(&[Guardian], false));
        assert!(!address_must_be_own(&[Guardian]));
    }

    #[test]
    fn only_methods_the_center_allows_sign_in() {
        let email_only = &[Kind::Email];
        assert_eq!(
            next(&[Staff], &[Kind::Sms, Kind::Email], email_only, 1),
            SignInNext::Verify
        );
        // Every method disallowed: setup, required, even with a skip left, even for a parent.
        for roles in [&[Staff][..], &[Guardian][..]] {
            assert_eq!(
                next(roles, &[Kind::Sms, Kind::Totp], email_only, 1),
                SignInNext::Setup { required: true }
            );
        }
    }

    #[test]
    fn a_center_can_require_families_too() {
        assert!(two_step_required(&[Guardian], true));
        // The same one-skip rollout as staff.
        let required = two_step_required(&[Guardian], true);
        assert_eq!(
            next_after_password(required, &[], ALL, 1),
            SignInNext::Setup { required: false }
        );
        assert_eq!(
            next_after_password(required, &[], ALL, 0),
            SignInNext::Setup { required: true }
        );
        // Families may still share an address.
        assert!(!address_must_be_own(&[Guardian]));
    }

    #[test]
    fn resets_take_one_or_two_administrators() {
        for n in [1, 2] {
            assert_eq!(ResetApprovals::from_count(n).unwrap().count(), n);
        }
        assert_eq!(ResetApprovals::from_count(0), None);
        assert_eq!(ResetApprovals::from_count(3), None);
    }

    #[test]
    fn roles_round_trip() {
        for r in [Staff, Guardian, Admin] {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn a_floor_admits_its_kinds_and_a_person_gets_their_highest_role() {
        use MinMethod::*;
        assert!(Any.admits(Kind::Sms));
        assert!(Authenticator.admits(Kind::Totp) && Authenticator.admits(Kind::Passkey));
        assert!(!Authenticator.admits(Kind::Email));
        assert!(Passkey.admits(Kind::Passkey) && !Passkey.admits(Kind::Totp));
        let floors = Floors {
            staff: Authenticator,
            guardian: Any,
            admin: Passkey,
        };
        assert_eq!(floors.for_roles(&[Role::Guardian]), Any);
        assert_eq!(
            floors.for_roles(&[Role::Guardian, Role::Staff]),
            Authenticator
        );
        assert_eq!(floors.for_roles(&[Role::Staff, Role::Admin]), Passkey);
        assert_eq!(
            floors.allowed_for(&Kind::ALL, &[Role::Staff]),
            vec![Kind::Totp, Kind::Passkey]
        );
        assert_eq!(floors.allowed_for(&[Kind::Email], &[Role::Admin]), vec![]);
        for m in MinMethod::ALL {
            assert_eq!(m.as_str().parse::<MinMethod>().unwrap(), m);
        }
    }
}
