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
    /// A PIN is 4 to 12 digits: typed on a classroom tablet's number pad.
    pub fn new(pin: &str, rng: &mut (impl RngCore + CryptoRng)) -> Result<Self, VaultError> {
        if !(4..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

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
