//! "Don't ask for a code on this device for N days": how long a center lets each role's own
//! device be remembered (`policy.remember_days`), and who may never be remembered.

use crate::policy::Role;

/// The longest a device may be remembered (the database refuses more).
pub const MAX_REMEMBER_DAYS: u32 = 90;

/// A center's `remember_days` per role. Administrators have none to set: their account can
/// reset everyone's 2-Step Verification, so theirs is asked every time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RememberDays {
    pub staff: u32,
    pub guardian: u32,
}

impl Default for RememberDays {
    /// Families 30 days; staff, whose accounts see other people's children, every time.
    fn default() -> Self {
        Self {
            staff: 0,
            guardian: 30,
        }
    }
}

impl RememberDays {
    /// A role's days (an administrator's are always 0).
    pub fn of(&self, role: Role) -> u32 {
        match role {
            Role::Staff => self.staff,
            Role::Guardian => self.guardian,
            Role::Admin => 0,
        }
    }

    /// How long a person's own device may be remembered; 0: never (the checkbox is not
    /// offered). The strictest of their roles (a teacher who is also a parent is asked as
    /// staff), and never for a shared account, which is not one person's device.
    pub fn for_person(&self, roles: &[Role], shared: bool) -> u32 {
        if shared {
            return 0;
        }
        roles.iter().map(|r| self.of(*r)).min().unwrap_or(0)
    }

    /// Whether each role's days are within 0..=90.
    pub fn is_valid(&self) -> bool {
        self.staff <= MAX_REMEMBER_DAYS && self.guardian <= MAX_REMEMBER_DAYS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strictest_role_counts_and_shared_or_admin_is_never_remembered() {
        let d = RememberDays::default();
        assert_eq!(d.for_person(&[Role::Guardian], false), 30);
        assert_eq!(d.for_person(&[Role::Guardian], true), 0);
        assert_eq!(d.for_person(&[Role::Staff, Role::Guardian], false), 0);
        assert_eq!(d.for_person(&[Role::Admin, Role::Guardian], false), 0);
        assert_eq!(d.for_person(&[], false), 0);
        let d = RememberDays {
            staff: 7,
            guardian: 90,
        };
        assert_eq!(d.for_person(&[Role::Staff, Role::Guardian], false), 7);
        assert!(d.is_valid());
        assert!(!RememberDays {
            staff: 91,
            guardian: 0
        }
        .is_valid());
    }
}
