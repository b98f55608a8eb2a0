//! The second-step lock (NIST SP 800-63B-4 §3.2.2): consecutive failed second steps lock a
//! person's second step for a while, twice as long at each further round of failures, and at
//! the end until an administrator's reset (or a recovery code). The count survives a lock's end:
//! only a successful second step, a recovery code or a reset starts it again.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockRules {
    /// Consecutive failures per lock: 20 lock for the first time, 40 for the second, …
    pub failures_per_lock: u32,
    /// The first lock's length; each further one doubles it.
    pub first_lock_secs: i64,
    /// From this many consecutive failures on, the second step stays locked until a reset.
    pub locked_for_good_at: u32,
}

impl Default for LockRules {
    fn default() -> Self {
        Self {
            failures_per_lock: 20,
            first_lock_secs: 15 * 60,
            locked_for_good_at: 100,
        }
    }
}

/// Where a person's second step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    Open,
    /// Locked for a while: sign-in answers 429 with the time left.
    Until(DateTime<Utc>),
    /// Locked until an administrator's reset or a recovery code (423 `two_step_locked`).
    ForGood,
}

/// The longest a timed lock can be, whatever the configuration (a year).
const LONGEST_LOCK_SECS: i64 = 365 * 24 * 3600;

impl LockRules {
    pub fn state(
        &self,
        failures: u32,
        locked_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> LockState {
        // A timed lock holds first: past the lock for good it is what stops recovery codes
        // being tried without end.
        match locked_until {
            Some(until) if until > now => LockState::Until(until),
            _ if failures >= self.locked_for_good_at => LockState::ForGood,
            _ => LockState::Open,
        }
    }

    /// The lock that begins when a failure brings the consecutive count to `failures`: one at
    /// every multiple of `failures_per_lock`, 15 minutes, then 30, 60, …; none in between.
    /// The lock for good begins once, at `locked_for_good_at`. Wrong recovery codes after it
    /// (the one way on past it besides a reset) are still counted: every further
    /// `failures_per_lock` of them lock for the longest timed lock again, so that "at most 100
    /// consecutive failures" keeps meaning a few tries an hour, not a free run.
    pub fn lock_after(&self, failures: u32, now: DateTime<Utc>) -> Option<LockState> {
        if failures == self.locked_for_good_at {
            return Some(LockState::ForGood);
        }
        if self.failures_per_lock == 0 || failures == 0 {
            return None;
        }
        if failures > self.locked_for_good_at {
            let past = failures - self.locked_for_good_at;
            return past
                .is_multiple_of(self.failures_per_lock)
                .then(|| LockState::Until(now + self.longest_lock()));
        }
        if !failures.is_multiple_of(self.failures_per_lock) {
            return None;
        }
        Some(LockState::Until(
            now + self.lock_of_round(failures / self.failures_per_lock),
        ))
    }

    /// The timed lock of the `round`th round of failures: the first lock, doubled each round.
    fn lock_of_round(&self, round: u32) -> Duration {
        let factor = 2i64.saturating_pow(round.saturating_sub(1));
        Duration::seconds(
            self.first_lock_secs
                .saturating_mul(factor)
                .clamp(0, LONGEST_LOCK_SECS),
        )
    }

    /// The longest timed lock before the lock for good (2 hours by default: the 80th failure's).
    fn longest_lock(&self) -> Duration {
        let rounds = self.locked_for_good_at.saturating_sub(1) / self.failures_per_lock.max(1);
        self.lock_of_round(rounds.max(1))
    }

    /// Whether the lock starting at `failures` is the first one (the person is told then).
    pub fn is_first_lock(&self, failures: u32) -> bool {
        failures == self.failures_per_lock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn locks_double_at_each_twenty_then_hold_for_good_at_one_hundred() {
        let r = LockRules::default();
        let minutes = |f: u32| match r.lock_after(f, t(0)) {
            Some(LockState::Until(u)) => Some((u - t(0)).num_minutes()),
            Some(other) => panic!("{f}: {other:?}"),
            None => None,
        };
        assert_eq!(minutes(19), None);
        assert_eq!(minutes(20), Some(15));
        assert_eq!(minutes(21), None);
        assert_eq!(minutes(40), Some(30));
        assert_eq!(minutes(60), Some(60));
        assert_eq!(minutes(80), Some(120));
        assert_eq!(r.lock_after(100, t(0)), Some(LockState::ForGood));
        assert_eq!(r.lock_after(101, t(0)), None, "locked for good once");
        assert_eq!(r.state(101, None, t(0)), LockState::ForGood);
        // Past it, every 20 more wrong recovery codes lock for the longest lock again.
        assert_eq!(minutes(119), None);
        assert_eq!(minutes(120), Some(120));
        assert_eq!(minutes(140), Some(120));
        assert_eq!(minutes(4000), Some(120));
        assert_eq!(r.state(120, Some(t(60)), t(0)), LockState::Until(t(60)));
        assert_eq!(r.state(120, Some(t(60)), t(60)), LockState::ForGood);
        assert!(r.is_first_lock(20) && !r.is_first_lock(40));
    }

    #[test]
    fn the_state_follows_the_count_and_the_clock() {
        let r = LockRules::default();
        assert_eq!(r.state(0, None, t(0)), LockState::Open);
        assert_eq!(r.state(20, Some(t(900)), t(0)), LockState::Until(t(900)));
        // The lock ends; the count stays (the next lock comes at 40).
        assert_eq!(r.state(20, Some(t(900)), t(900)), LockState::Open);
        assert_eq!(r.state(100, None, t(0)), LockState::ForGood);
        assert_eq!(r.state(100, Some(t(-5)), t(0)), LockState::ForGood);
    }

    #[test]
    fn odd_configurations_never_overflow() {
        let r = LockRules {
            failures_per_lock: 1,
            first_lock_secs: i64::MAX / 2,
            locked_for_good_at: u32::MAX,
        };
        assert!(matches!(
            r.lock_after(4000, t(0)),
            Some(LockState::Until(_))
        ));
        let none = LockRules {
            failures_per_lock: 0,
            ..LockRules::default()
        };
        assert_eq!(none.lock_after(20, t(0)), None);
    }
}
