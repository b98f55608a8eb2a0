//! Authenticator app (TOTP) as a verification method.

use rand::{CryptoRng, RngCore};

use crate::otpauth::OtpAuth;
use crate::secret::TotpSecret;
use crate::totp::TotpParams;

/// How far either side of now a code is accepted, in steps (API.md: ±1).
pub const SKEW_STEPS: u64 = 1;

pub fn hint() -> String {
    "Authenticator app".to_owned()
}

/// A new secret and the otpauth URI an authenticator app takes from the QR code.
pub fn new_enrollment(
    rng: &mut (impl RngCore + CryptoRng),
    issuer: &str,
    account: &str,
) -> OtpAuth {
    OtpAuth {
        issuer: Some(issuer.to_owned()),
        account: account.to_owned(),
        secret: TotpSecret::generate(rng),
        params: TotpParams::STANDARD,
    }
}

/// The accepted step for `code` at `unix_time`, if any; see [`TotpParams::verify`].
pub fn check(
    secret: &TotpSecret,
    code: &str,
    unix_time: u64,
    last_step: Option<u64>,
) -> Option<u64> {
    TotpParams::STANDARD.verify(secret, code, unix_time, SKEW_STEPS, last_step)
}
