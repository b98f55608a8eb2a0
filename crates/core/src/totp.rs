//! TOTP (RFC 6238) over HOTP (RFC 4226), through the totp-rs crate.
//!
//! The code generation is totp-rs'; what Twostep adds is the acceptance rule: a code from the
//! previous, current or next step is accepted, and a step once accepted never is again.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::secret::TotpSecret;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    #[default]
    #[serde(rename = "SHA1")]
    Sha1,
    #[serde(rename = "SHA256")]
    Sha256,
    #[serde(rename = "SHA512")]
    Sha512,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            "SHA512" => Some(Self::Sha512),
            _ => None,
        }
    }

    fn to_totp_rs(self) -> totp_rs::Algorithm {
        match self {
            Self::Sha1 => totp_rs::Algorithm::SHA1,
            Self::Sha256 => totp_rs::Algorithm::SHA256,
            Self::Sha512 => totp_rs::Algorithm::SHA512,
        }
    }
}

/// How codes are computed from a secret: the otpauth `algorithm`, `digits` and `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpParams {
    pub algorithm: Algorithm,
    pub digits: u32,
    pub period: u64,
}

impl TotpParams {
    /// What every authenticator app understands, and what Twostep issues (API.md).
    pub const STANDARD: Self = Self {
        algorithm: Algorithm::Sha1,
        digits: 6,
        period: 30,
    };

    /// The time step (RFC 6238 `T`) containing `unix_time`.
    pub fn step_at(&self, unix_time: u64) -> u64 {
        unix_time / self.period.max(1)
    }

    /// Seconds left in the step containing `unix_time`.
    pub fn seconds_left(&self, unix_time: u64) -> u64 {
        let p = self.period.max(1);
        p - unix_time % p
    }

    /// The code of time step `step`.
    pub fn code_for_step(&self, secret: &TotpSecret, step: u64) -> String {
        // `new_unchecked`: imported secrets may be shorter than the 128 bits totp-rs insists on.
        let totp = totp_rs::TOTP::new_unchecked(
            self.algorithm.to_totp_rs(),
            self.digits as usize,
            0,
            self.period.max(1),
            secret.expose().to_vec(),
        );
        totp.generate(step * self.period.max(1))
    }

    /// The code shown at `unix_time`.
    pub fn code_at(&self, secret: &TotpSecret, unix_time: u64) -> String {
        self.code_for_step(secret, self.step_at(unix_time))
    }

    /// The step whose code is `code`, among the steps within `skew` of `unix_time`, and only if
    /// it is later than `last_accepted_step` (so a code, once used, is refused; so is any older
    /// one). Every candidate is compared, in constant time, so timing does not tell which matched.
    pub fn verify(
        &self,
        secret: &TotpSecret,
        code: &str,
        unix_time: u64,
        skew: u64,
        last_accepted_step: Option<u64>,
    ) -> Option<u64> {
        let now = self.step_at(unix_time);
        let mut found = None;
        for step in now.saturating_sub(skew)..=now + skew {
            let expected = self.code_for_step(secret, step);
            let same = expected.len() == code.len()
                && bool::from(expected.as_bytes().ct_eq(code.as_bytes()));
            if same && found.is_none() {
                found = Some(step);
            }
        }
        found.filter(|step| last_accepted_step.is_none_or(|last| *step > last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 Appendix B: the seeds are the ASCII strings below, sized to each hash.
    const SEED_SHA1: &[u8] = b"12345678901234567890";
    const SEED_SHA256: &[u8] = b"12345678901234567890123456789012";
    const SEED_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    const VECTORS: &[(u64, &str, &str, &str)] = &[
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ];

    fn params(algorithm: Algorithm, digits: u32, period: u64) -> TotpParams {
        TotpParams {
            algorithm,
            digits,
            period,
        }
    }

    #[test]
    fn rfc6238_vectors_for_all_three_hashes_at_eight_digits() {
        let s1 = TotpSecret::from_bytes(SEED_SHA1.to_vec());
        let s256 = TotpSecret::from_bytes(SEED_SHA256.to_vec());
        let s512 = TotpSecret::from_bytes(SEED_SHA512.to_vec());
        for (t, sha1, sha256, sha512) in VECTORS {
            assert_eq!(
                params(Algorithm::Sha1, 8, 30).code_at(&s1, *t),
                *sha1,
                "t={t}"
            );
            assert_eq!(
                params(Algorithm::Sha256, 8, 30).code_at(&s256, *t),
                *sha256,
                "t={t}"
            );
            assert_eq!(
                params(Algorithm::Sha512, 8, 30).code_at(&s512, *t),
                *sha512,
                "t={t}"
            );
        }
    }

    #[test]
    fn six_digits_are_the_last_six_of_eight() {
        let s = TotpSecret::from_bytes(SEED_SHA1.to_vec());
        for (t, sha1, _, _) in VECTORS {
            assert_eq!(TotpParams::STANDARD.code_at(&s, *t), sha1[2..]);
        }
    }

    #[test]
    fn sixty_second_period_uses_the_longer_step() {
        let s = TotpSecret::from_bytes(SEED_SHA1.to_vec());
        let p60 = params(Algorithm::Sha1, 6, 60);
        // 60..119 s is step 1 of a 60 s period, which a 30 s period reaches at 30..59 s.
        assert_eq!(p60.code_at(&s, 60), TotpParams::STANDARD.code_at(&s, 30));
        assert_eq!(p60.code_at(&s, 119), TotpParams::STANDARD.code_at(&s, 59));
        assert_ne!(p60.code_at(&s, 119), TotpParams::STANDARD.code_at(&s, 119));
        assert_eq!(p60.seconds_left(119), 1);
    }

    #[test]
    fn neighbouring_steps_are_accepted_and_further_ones_not() {
        let s = TotpSecret::from_bytes(SEED_SHA1.to_vec());
        let p = TotpParams::STANDARD;
        let now = 1_700_000_000;
        let step = p.step_at(now);
        for delta in [-1i64, 0, 1] {
            let st = (step as i64 + delta) as u64;
            let code = p.code_for_step(&s, st);
            assert_eq!(p.verify(&s, &code, now, 1, None), Some(st));
        }
        for delta in [-2i64, 2] {
            let code = p.code_for_step(&s, (step as i64 + delta) as u64);
            assert_eq!(p.verify(&s, &code, now, 1, None), None);
        }
    }

    #[test]
    fn a_step_once_accepted_is_refused_as_is_any_older_one() {
        let s = TotpSecret::from_bytes(SEED_SHA1.to_vec());
        let p = TotpParams::STANDARD;
        let now = 1_700_000_000;
        let code = p.code_at(&s, now);
        let step = p.verify(&s, &code, now, 1, None).unwrap();
        assert_eq!(p.verify(&s, &code, now, 1, Some(step)), None);
        let previous = p.code_for_step(&s, step - 1);
        assert_eq!(p.verify(&s, &previous, now, 1, Some(step)), None);
        let next = p.code_for_step(&s, step + 1);
        assert_eq!(p.verify(&s, &next, now, 1, Some(step)), Some(step + 1));
    }

    #[test]
    fn agrees_with_an_independent_implementation() {
        let secret = b"an independent check".to_vec();
        let s = TotpSecret::from_bytes(secret.clone());
        for t in [0u64, 59, 1_111_111_109, 1_700_000_123, 4_000_000_000] {
            let theirs = totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, &secret, t);
            assert_eq!(TotpParams::STANDARD.code_at(&s, t), theirs, "t={t}");
        }
    }
}
