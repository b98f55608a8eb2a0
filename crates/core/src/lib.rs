//! Twostep's domain: the rules of 2-Step Verification with no I/O.
//!
//! Time (`now`) and randomness (`&mut impl CryptoRng`) are always parameters, so every rule can
//! be checked at any instant. The server stores what these types decide; the app renders it.

pub mod address;
pub mod attempts;
pub mod code;
pub mod day_pass;
pub mod error;
pub mod locale;
pub mod lockout;
pub mod method;
pub mod otpauth;
pub mod password;
pub mod policy;
pub mod recovery;
pub mod remember;
pub mod secret;
pub mod totp;
pub mod vault;

pub use error::{EntryProblem, ImportProblem, RuleError, VaultError};
pub use locale::Locale;
pub use method::Kind;
pub use policy::{Role, SignInNext};
