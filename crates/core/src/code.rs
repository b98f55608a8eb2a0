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
    /// Code messages per person per `message_window_secs`, across all challenges and
    /// enrollments: nobody can make the server text or email a person without end.
    pub per_person: u32,
    /// Code messages per destination address per `message_window_secs`, whoever asks: caps
    /// SMS pumping and email bombing of one address through many accounts.
    pub per_address: u32,
    /// Of those, codes for methods being added (to an address nobody has confirmed through
    /// this enrollment yet): anyone may type anyone's address, so these may use only part of
    /// the cap, and the address's owner can still sign in while someone else tries.
    pub per_address_enrolling: u32,
    pub message_window_secs: i64,
}

impl Default for CodeRules {
    fn default() -> Self {
        Self {
            digits: 6,
            ttl_secs: 10 * 60,
            max_outstanding: 5,
            resend_cooldown_secs: 30,
            max_wrong: 5,
            per_person: 10,
            per_address: 5,
            per_address_enrolling: 2,
            message_window_secs: 3600,
        }
    }
}

/// The codes already sent that bear on sending another.
#[derive(Debug, Clone, Copy, Default)]
pub struct SentBefore<'a> {
    /// The newest code sent to the same method for the same challenge or enrollment.
    pub last_to_method: Option<DateTime<Utc>>,
    /// Request times of the live, unused codes of the challenge or enrollment.
    pub outstanding: &'a [DateTime<Utc>],
    /// Request times of the code messages sent to the person (any challenge or enrollment).
    pub to_person: &'a [DateTime<Utc>],
    /// Request times of the code messages sent to the destination address (anyone's).
    pub to_address: &'a [DateTime<Utc>],
    /// With a code for a method being added: request times of such codes sent to the address.
    /// `None` for a sign-in code.
    pub enrolling_to_address: Option<&'a [DateTime<Utc>]>,
}

/// Why a code cannot be sent now, and after how many seconds it could be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefusal {
    ResendTooSoon {
        retry_after: i64,
    },
    TooManyCodes {
        retry_after: i64,
    },
    /// The hourly cap of code messages per person or per destination address.
    HourlyCap {
        retry_after: i64,
    },
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

    /// Whether another code may be sent, and if not, why and for how long.
    pub fn check_send(&self, now: DateTime<Utc>, sent: &SentBefore<'_>) -> Result<(), SendRefusal> {
        if let Some(last) = sent.last_to_method {
            let ready = self.resend_after(last);
            if now < ready {
                return Err(SendRefusal::ResendTooSoon {
                    retry_after: seconds_until(now, ready),
                });
            }
        }
        let live: Vec<_> = sent
            .outstanding
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
        let enrolling = sent
            .enrolling_to_address
            .map(|times| (times, self.per_address_enrolling));
        for (times, cap) in [
            (sent.to_person, self.per_person),
            (sent.to_address, self.per_address),
        ]
        .into_iter()
        .chain(enrolling)
        {
            if let Some(retry_after) = self.window_full(now, times, cap) {
                return Err(SendRefusal::HourlyCap { retry_after });
            }
        }
        Ok(())
    }

    /// With `cap` messages already in the window before `now`, seconds until the oldest leaves it.
    fn window_full(&self, now: DateTime<Utc>, times: &[DateTime<Utc>], cap: u32) -> Option<i64> {
        let window = Duration::seconds(self.message_window_secs);
        let mut inside: Vec<_> = times.iter().filter(|t| **t > now - window).collect();
        if inside.len() < cap as usize {
            return None;
        }
        inside.sort();
        let oldest = inside.first().map_or(now, |t| **t);
        Some(seconds_until(now, oldest + window))
    }

    pub fn message_window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::seconds(self.message_window_secs)
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

    fn sent<'a>(last: Option<DateTime<Utc>>, outstanding: &'a [DateTime<Utc>]) -> SentBefore<'a> {
        SentBefore {
            last_to_method: last,
            outstanding,
            ..SentBefore::default()
        }
    }

    #[test]
    fn cooldown_then_cap() {
        let r = CodeRules::default();
        assert_eq!(r.check_send(t(0), &sent(None, &[])), Ok(()));
        assert_eq!(
            r.check_send(t(10), &sent(Some(t(0)), &[t(0)])),
            Err(SendRefusal::ResendTooSoon { retry_after: 20 })
        );
        assert_eq!(r.check_send(t(30), &sent(Some(t(0)), &[t(0)])), Ok(()));
        let five = [t(0), t(30), t(60), t(90), t(120)];
        assert_eq!(
            r.check_send(t(150), &sent(Some(t(120)), &five)),
            Err(SendRefusal::TooManyCodes { retry_after: 450 })
        );
        // Once the first has expired there is room again.
        assert_eq!(r.check_send(t(600), &sent(Some(t(120)), &five)), Ok(()));
    }

    #[test]
    fn hourly_caps_per_person_and_per_address() {
        let r = CodeRules::default();
        let ten: Vec<_> = (0..10).map(|i| t(i * 60)).collect();
        let person_full = SentBefore {
            to_person: &ten,
            ..SentBefore::default()
        };
        // The oldest of the ten leaves the hour 3,000 s after the tenth.
        assert_eq!(
            r.check_send(t(600), &person_full),
            Err(SendRefusal::HourlyCap { retry_after: 3000 })
        );
        assert_eq!(r.check_send(t(3600), &person_full), Ok(()));
        let address_full = SentBefore {
            to_address: &ten[..5],
            to_person: &ten[..5],
            ..SentBefore::default()
        };
        assert_eq!(
            r.check_send(t(300), &address_full),
            Err(SendRefusal::HourlyCap { retry_after: 3300 })
        );
        let four = SentBefore {
            to_address: &ten[..4],
            ..SentBefore::default()
        };
        assert_eq!(r.check_send(t(300), &four), Ok(()));
        // Codes for a method being added may use two of the five: its owner keeps three.
        let enrolling = SentBefore {
            to_address: &ten[..2],
            enrolling_to_address: Some(&ten[..2]),
            ..SentBefore::default()
        };
        assert_eq!(
            r.check_send(t(300), &enrolling),
            Err(SendRefusal::HourlyCap { retry_after: 3300 })
        );
        let signing_in = SentBefore {
            to_address: &ten[..2],
            ..SentBefore::default()
        };
        assert_eq!(r.check_send(t(300), &signing_in), Ok(()));
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
