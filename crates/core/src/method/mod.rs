//! The verification methods. Each has its own module with its checks; callers pick with a
//! `match` on [`Kind`].

pub mod email;
pub mod passkey;
pub mod sms;
pub mod totp;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::RuleError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An authenticator app (TOTP).
    Totp,
    Email,
    /// A text message.
    Sms,
    /// A passkey or security key (WebAuthn): bound to the real site, so it can't be phished.
    Passkey,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Totp, Kind::Email, Kind::Sms, Kind::Passkey];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Totp => "totp",
            Kind::Email => "email",
            Kind::Sms => "sms",
            Kind::Passkey => "passkey",
        }
    }

    /// Whether a code has to be sent (an authenticator app makes its own).
    pub fn is_delivered(self) -> bool {
        match self {
            Kind::Totp | Kind::Passkey => false,
            Kind::Email | Kind::Sms => true,
        }
    }

    /// A person's name for the kind, as the help page says it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Totp => "Authenticator app",
            Kind::Email => "Email",
            Kind::Sms => "Text message",
            Kind::Passkey => "Passkey or security key",
        }
    }
}

impl FromStr for Kind {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, RuleError> {
        match s {
            "totp" => Ok(Kind::Totp),
            "email" => Ok(Kind::Email),
            "sms" => Ok(Kind::Sms),
            "passkey" => Ok(Kind::Passkey),
            other => Err(RuleError::UnknownKind(other.to_owned())),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The hint shown for a method: safe to display, never the full address. (A passkey's is the
/// name its owner gave it, passed as `address`.)
pub fn hint(kind: Kind, address: Option<&str>) -> String {
    match kind {
        Kind::Totp => totp::hint(),
        Kind::Passkey => passkey::hint(address),
        Kind::Email => address.map_or_else(String::new, email::hint),
        Kind::Sms => address.map_or_else(String::new, sms::hint),
    }
}

/// At least one method, always: deleting is allowed only when another remains.
pub fn ensure_can_delete(methods_now: usize) -> Result<(), RuleError> {
    if methods_now > 1 {
        Ok(())
    } else {
        Err(RuleError::LastMethod)
    }
}

/// The center's policy: which kinds may be added.
pub fn ensure_allowed(kind: Kind, allowed: &[Kind]) -> Result<(), RuleError> {
    if allowed.contains(&kind) {
        Ok(())
    } else {
        Err(RuleError::KindNotAllowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_method_cannot_be_deleted() {
        assert_eq!(ensure_can_delete(1), Err(RuleError::LastMethod));
        assert_eq!(ensure_can_delete(0), Err(RuleError::LastMethod));
        assert_eq!(ensure_can_delete(2), Ok(()));
    }

    #[test]
    fn kinds_round_trip_and_policy_applies() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
        }
        assert!("fax".parse::<Kind>().is_err());
        assert_eq!(
            ensure_allowed(Kind::Sms, &[Kind::Email]),
            Err(RuleError::KindNotAllowed)
        );
        assert_eq!(ensure_allowed(Kind::Email, &[Kind::Email]), Ok(()));
    }
}
