//! Who must verify, and what comes after a correct password.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

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
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        match s {
            "staff" => Ok(Role::Staff),
            "guardian" => Ok(Role::Guardian),
            "admin" => Ok(Role::Admin),
            other => Err(CoreError::UnknownRole(other.to_owned())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 2-Step Verification is mandatory for anyone holding the staff role, whichever profile they
/// use (a staff member signing in as a parent verifies too); optional for everyone else.
pub fn two_step_required(roles: &[Role]) -> bool {
    roles.contains(&Role::Staff)
}

/// How many times a person may skip setup when 2SV first applies to them.
pub const SETUP_SKIPS: u32 = 1;

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

pub fn next_after_password(
    roles: &[Role],
    method_count: usize,
    setup_skips_left: u32,
) -> SignInNext {
    if method_count > 0 {
        SignInNext::Verify
    } else if !two_step_required(roles) {
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

    #[test]
    fn staff_must_set_up_after_one_skip() {
        assert_eq!(
            next_after_password(&[Staff], 0, 1),
            SignInNext::Setup { required: false }
        );
        assert_eq!(
            next_after_password(&[Staff], 0, 0),
            SignInNext::Setup { required: true }
        );
        assert_eq!(next_after_password(&[Staff], 1, 0), SignInNext::Verify);
    }

    #[test]
    fn guardians_may_and_staff_guardians_must() {
        assert_eq!(next_after_password(&[Guardian], 0, 1), SignInNext::Done);
        assert_eq!(next_after_password(&[Guardian], 2, 1), SignInNext::Verify);
        assert_eq!(
            next_after_password(&[Guardian, Staff], 0, 0),
            SignInNext::Setup { required: true }
        );
        assert!(two_step_required(&[Guardian, Staff]));
        assert!(!two_step_required(&[Admin]));
    }

    #[test]
    fn roles_round_trip() {
        for r in [Staff, Guardian, Admin] {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("owner".parse::<Role>().is_err());
    }
}
