//! One state for anything a person answers with a code, a sign-in challenge or a method being
//! added: open while it is neither done nor expired and has wrong attempts left (like kanidm's
//! soft lock), and why not otherwise.

use chrono::{DateTime, Utc};

use crate::code::CodeRules;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    /// It takes another attempt.
    Open,
    /// Used (signed in, confirmed) or past its life.
    Expired,
    /// Too many wrong codes: start again (sign in again, add the method again).
    Locked,
}

/// Where a challenge or an enrollment stands at `now`, after `attempts` claimed attempts.
pub fn attempt_state(
    done: bool,
    expires_at: DateTime<Utc>,
    attempts: u32,
    now: DateTime<Utc>,
    rules: &CodeRules,
) -> AttemptState {
    if done || expires_at <= now {
        AttemptState::Expired
    } else if rules.is_locked(attempts) {
        AttemptState::Locked
    } else {
        AttemptState::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn open_then_locked_or_expired() {
        let r = CodeRules::default();
        assert_eq!(
            attempt_state(false, t(900), 0, t(0), &r),
            AttemptState::Open
        );
        assert_eq!(
            attempt_state(false, t(900), 4, t(0), &r),
            AttemptState::Open
        );
        assert_eq!(
            attempt_state(false, t(900), 5, t(0), &r),
            AttemptState::Locked
        );
        assert_eq!(
            attempt_state(false, t(900), 0, t(900), &r),
            AttemptState::Expired
        );
        assert_eq!(
            attempt_state(true, t(900), 5, t(0), &r),
            AttemptState::Expired
        );
    }
}
