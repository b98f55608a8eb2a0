//! Per-entry PINs on a shared device, hashed with Argon2id: the file never holds a PIN, and
//! even with the device key a PIN costs an Argon2id computation per guess.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::VaultError;

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PinHash(String);

impl std::fmt::Debug for PinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinHash(••••)")
    }
}

impl PinHash {
    /// Whether `pin` is a PIN at all: 4 to 12 digits, typed on a classroom tablet's number pad.
    pub fn well_formed(pin: &str) -> bool {
        (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
    }

    pub fn new(pin: &str, rng: &mut (impl RngCore + CryptoRng)) -> Result<Self, VaultError> {
        if !Self::well_formed(pin) {
            return Err(VaultError::BadPin);
        }
        let salt = SaltString::generate(rng);
        Argon2::default()
            .hash_password(pin.as_bytes(), &salt)
            .map(|h| Self(h.to_string()))
            .map_err(|_| VaultError::BadPin)
    }

    /// Constant-time comparison inside argon2's verifier.
    pub fn verify(&self, pin: &str) -> bool {
        PasswordHash::new(&self.0)
            .map(|h| {
                Argon2::default()
                    .verify_password(pin.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

/// Wrong PINs before the first lock.
pub const PIN_TRIES: u32 = 5;
/// How long each lock lasts, in seconds: a minute at the fifth wrong PIN in a row, then five
/// minutes, fifteen, and an hour at each further one. A 4-digit PIN then takes years.
pub const PIN_LOCKS: [i64; 4] = [60, 5 * 60, 15 * 60, 60 * 60];

/// The wrong PINs of one PIN (an entry's, or the device's), kept in the sealed vault file so
/// that restarting the app gives no fresh tries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinGuard {
    /// Wrong PINs in a row.
    pub failures: u32,
    /// Unix seconds; no PIN is checked before then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<i64>,
}

impl PinGuard {
    /// Seconds until a PIN is taken again, if locked at `now`.
    pub fn locked_for(&self, now: i64) -> Option<u64> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| u64::try_from(until - now).unwrap_or(0))
    }

    /// Counts an attempt as wrong before the PIN is checked, so that neither ending the app
    /// mid-check nor a burst of attempts gets a try for free. Refused (the seconds to wait)
    /// while locked.
    pub fn attempt(&mut self, now: i64) -> Result<(), u64> {
        // A clock set back leaves a lock far ahead: never more than the longest lock from now.
        let longest = PIN_LOCKS[PIN_LOCKS.len() - 1];
        if self.locked_until.is_some_and(|until| until > now + longest) {
            self.locked_until = Some(now + longest);
        }
        if let Some(wait) = self.locked_for(now) {
            return Err(wait);
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures >= PIN_TRIES {
            let step = usize::try_from(self.failures - PIN_TRIES).unwrap_or(usize::MAX);
            self.locked_until = Some(now + PIN_LOCKS[step.min(PIN_LOCKS.len() - 1)]);
        }
        Ok(())
    }

    /// The attempt's PIN was right: the wrong PINs tried before it (what the owner is told),
    /// and the count starts again.
    pub fn passed(&mut self) -> u32 {
        let before = self.failures.saturating_sub(1);
        *self = Self::default();
        before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    #[test]
    fn wrong_pins_lock_for_longer_and_longer() {
        let mut g = PinGuard::default();
        for _ in 0..4 {
            g.attempt(0).unwrap();
        }
        assert_eq!(g.locked_for(0), None, "four wrong PINs: no lock yet");
        g.attempt(0).unwrap();
        assert_eq!(g.attempt(10), Err(50), "the fifth locks a minute");
        g.attempt(60).unwrap();
        assert_eq!(g.locked_for(60), Some(300));
        g.attempt(360).unwrap();
        assert_eq!(g.locked_for(360), Some(900));
        for t in [1260, 4860, 8460] {
            g.attempt(t).unwrap();
            assert_eq!(g.locked_for(t), Some(3600), "an hour from then on");
        }
        // A right PIN (after the lock): the owner hears of the wrong ones, and starts again.
        g.attempt(12060).unwrap();
        assert_eq!(g.passed(), 10);
        assert_eq!(g, PinGuard::default());
    }

    #[test]
    fn a_clock_set_back_locks_no_longer_than_the_longest_lock() {
        let mut g = PinGuard::default();
        for _ in 0..5 {
            g.attempt(1_000_000).unwrap();
        }
        // The clock goes back a day: still locked, but for an hour at most.
        assert_eq!(g.attempt(1_000_000 - 86_400), Err(3600));
    }

    #[test]
    fn a_guard_survives_its_file() {
        let mut g = PinGuard::default();
        for _ in 0..5 {
            g.attempt(100).unwrap();
        }
        let json = serde_json::to_string(&g).unwrap();
        let back: PinGuard = serde_json::from_str(&json).unwrap();
        assert_eq!(back.locked_for(100), Some(60));
    }

    #[test]
    fn pins_are_hashed_and_checked() {
        let h = PinHash::new("4821", &mut OsRng).unwrap();
        assert!(h.verify("4821"));
        assert!(!h.verify("4822"));
        assert!(!h.verify(""));
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.starts_with("\"$argon2id$"), "{json}");
        assert!(!json.contains("4821"));
        assert!(!format!("{h:?}").contains("argon2"));
        for bad in ["123", "12a4", "1234567890123", ""] {
            assert_eq!(
                PinHash::new(bad, &mut OsRng).unwrap_err(),
                VaultError::BadPin
            );
        }
    }
}
