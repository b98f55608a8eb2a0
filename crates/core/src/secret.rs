//! Secrets as newtypes: redacted `Debug`, zeroized on drop.

use std::fmt;

use rand::{CryptoRng, Rng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::RuleError;

/// The shared secret of an authenticator app (RFC 4226 `K`).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// 160 bits, as RFC 4226 recommends and API.md requires.
    pub const LEN: usize = 20;

    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = vec![0u8; Self::LEN];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Accepts the forms people type: any case, spaces or dashes between groups, optional padding.
    pub fn from_base32(text: &str) -> Result<Self, RuleError> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-' && *c != '=')
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        if cleaned.is_empty() {
            return Err(RuleError::InvalidSecret);
        }
        data_encoding::BASE32_NOPAD
            .decode(cleaned.as_bytes())
            .map(Self)
            .map_err(|_| RuleError::InvalidSecret)
    }

    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&self.0))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// A one-time code as sent by email or text message, or typed by a person.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct OneTimeCode(String);

impl OneTimeCode {
    /// `digits` decimal digits drawn uniformly: `gen_range` rejects out-of-range samples,
    /// so there is no modulo bias.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng), digits: u32) -> Self {
        let mut s = String::with_capacity(digits as usize);
        for _ in 0..digits {
            let d: u8 = rng.gen_range(0..10);
            s.push(char::from(b'0' + d));
        }
        Self(s)
    }

    /// What a person typed, with spaces and dashes removed ("123 456" is "123456").
    pub fn from_input(text: &str) -> Self {
        Self(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect(),
        )
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison: the time taken does not depend on where the codes differ.
    pub fn matches(&self, other: &str) -> bool {
        self.0.len() == other.len() && bool::from(self.0.as_bytes().ct_eq(other.as_bytes()))
    }
}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn codes_have_the_asked_digits_and_are_uniform_enough() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut counts = [0u32; 10];
        for _ in 0..10_000 {
            let c = OneTimeCode::generate(&mut rng, 6);
            assert_eq!(c.expose().len(), 6);
            for b in c.expose().bytes() {
                counts[(b - b'0') as usize] += 1;
            }
        }
        // 60,000 digits: each should be close to 6,000.
        for n in counts {
            assert!((5_500..6_500).contains(&n), "{counts:?}");
        }
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let s = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(format!("{s:?}"), "TotpSecret(<redacted>)");
        let c = OneTimeCode::from_input("123 456");
        assert_eq!(format!("{c:?}"), "OneTimeCode(<redacted>)");
        assert!(c.matches("123456"));
        assert!(!c.matches("123457"));
        assert!(!c.matches("12345"));
    }

    #[test]
    fn base32_is_forgiving_about_spacing_and_case() {
        let s = TotpSecret::from_base32("gezd gnbv-gy3t qojq").unwrap();
        assert_eq!(s.expose(), b"1234567890");
        assert_eq!(&*s.to_base32(), "GEZDGNBVGY3TQOJQ");
        assert_eq!(
            TotpSecret::from_base32("not base32!").unwrap_err(),
            RuleError::InvalidSecret
        );
        assert_eq!(
            TotpSecret::from_base32("  ").unwrap_err(),
            RuleError::InvalidSecret
        );
    }
}
