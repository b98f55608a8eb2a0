//! Emailed and texted codes: their lifetime, and the limits on sending and guessing them.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The numbers of API.md; all configurable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CodeRules {
    pub digits: u32,
    /// A code is valid this long from its request.
    pub ttl_secs: i64,
    /// Codes outstanding (unused, unexpired) per challenge or enrollment.
    pub max_outstanding: u32,
    /// Between two sends to the same method for the same challenge or enrollment.
    pub resend_cooldown_secs: i64,
    /// Wrong codes per challenge or enrollment before it locks.
    pub max_wrong: u32,
}

impl Default for CodeRules {
    fn default() -> Self {
        Self {
            digits: 6,
            ttl_secs: 10 * 60,
            max_outstanding: 5,
            resend_cooldown_secs: 30,
            max_wrong: 5,
        }
    }
}

/// Why a code cannot be sent now, and after how many seconds it could be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefusal {
    ResendTooSoon { retry_after: i64 },
    TooManyCodes { retry_after: i64 },
}

impl CodeRules {
    pub fn expires_at(&self, requested_at: DateTime<Utc>) -> DateTime<Utc> {
        requested_at + Duration::seconds(self.ttl_secs)
    }

    pub fn resend_after(&self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        sent_at + Duration::seconds(self.resend_cooldown_secs)
    }

    /// A code requested at `requested_at` is good until `ttl` later (exclusive).
    pub fn is_live(&self, requested_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now >= requested_at && now < self.expires_at(requested_at)
    }

    /// Whether another code may be sent. `last_sent_to_method` is the newest code sent to the
    /// same method; `outstanding` the request times of the live, unused codes of the challenge.
    pub fn check_send(
        &self,
        now: DateTime<Utc>,
        last_sent_to_method: Option<DateTime<Utc>>,
        outstanding: &[DateTime<Utc>],
    ) -> Result<(), SendRefusal> {
        if let Some(last) = last_sent_to_method {
            let ready = self.resend_after(last);
            if now < ready {
                return Err(SendRefusal::ResendTooSoon {
                    retry_after: seconds_until(now, ready),
                });
            }
        }
        let live: Vec<_> = outstanding
            .iter()
            .filter(|t| self.is_live(**t, now))
            .collect();
        if live.len() >= self.max_outstanding as usize {
            let first_to_expire = live
                .iter()
                .map(|t| self.expires_at(**t))
                .min()
                .unwrap_or(now);
            return Err(SendRefusal::TooManyCodes {
                retry_after: seconds_until(now, first_to_expire),
            });
        }
        Ok(())
    }

    pub fn attempts_left(&self, wrong_so_far: u32) -> u32 {
        self.max_wrong.saturating_sub(wrong_so_far)
    }

    pub fn is_locked(&self, wrong_so_far: u32) -> bool {
        wrong_so_far >= self.max_wrong
    }
}

/// Whole seconds from `now` until `then`, rounded up, at least 1 (for `Retry-After`).
pub fn seconds_until(now: DateTime<Utc>, then: DateTime<Utc>) -> i64 {
    let ms = (then - now).num_milliseconds();
    ((ms + 999) / 1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn a_code_lives_ten_minutes_from_its_request() {
        let r = CodeRules::default();
        assert!(r.is_live(t(0), t(0)));
        assert!(r.is_live(t(0), t(599)));
        assert!(!r.is_live(t(0), t(600)));
        assert!(!r.is_live(t(10), t(0)));
    }

    #[test]
    fn cooldown_then_cap() {
        let r = CodeRules::default();
        assert_eq!(r.check_send(t(0), None, &[]), Ok(()));
        assert_eq!(
            r.check_send(t(10), Some(t(0)), &[t(0)]),
            Err(SendRefusal::ResendTooSoon { retry_after: 20 })
        );
        assert_eq!(r.check_send(t(30), Some(t(0)), &[t(0)]), Ok(()));
        let five = [t(0), t(30), t(60), t(90), t(120)];
        assert_eq!(
            r.check_send(t(150), Some(t(120)), &five),
            Err(SendRefusal::TooManyCodes { retry_after: 450 })
        );
        // Once the first has expired there is room again.
        assert_eq!(r.check_send(t(600), Some(t(120)), &five), Ok(()));
    }

    #[test]
    fn wrong_codes_count_down_then_lock() {
        let r = CodeRules::default();
        assert_eq!(r.attempts_left(0), 5);
        assert_eq!(r.attempts_left(4), 1);
        assert!(!r.is_locked(4));
        assert!(r.is_locked(5));
        assert_eq!(r.attempts_left(9), 0);
    }
}
