//! The languages Twostep speaks: English and (Latin American) Spanish. A person's emails and
//! text messages are in theirs; the app follows the system's or the person's choice.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::method::Kind;
use crate::RuleError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Es,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Es];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
        }
    }

    /// The language of a tag such as `es_MX.UTF-8`, `es-419` or `en-US`; `None` for others.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let lang = tag.split(['_', '-', '.', '@']).next()?.to_ascii_lowercase();
        match lang.as_str() {
            "en" => Some(Locale::En),
            "es" => Some(Locale::Es),
            _ => None,
        }
    }
}

impl FromStr for Locale {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, RuleError> {
        match s {
            "en" => Ok(Locale::En),
            "es" => Ok(Locale::Es),
            other => Err(RuleError::UnknownLocale(other.to_owned())),
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Kind {
    /// A person's name for the kind, in their language, as the help page says it.
    pub fn label_in(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Kind::Totp, Locale::En) => "Authenticator app",
            (Kind::Email, Locale::En) => "Email",
            (Kind::Sms, Locale::En) => "Text message",
            (Kind::Totp, Locale::Es) => "Aplicación de autenticación",
            (Kind::Email, Locale::Es) => "Correo electrónico",
            (Kind::Sms, Locale::Es) => "Mensaje de texto",
            (Kind::Passkey, Locale::En) => "Passkey or security key",
            (Kind::Passkey, Locale::Es) => "Llave de acceso o llave de seguridad",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_their_language() {
        for (tag, want) in [
            ("es_MX.UTF-8", Some(Locale::Es)),
            ("es-419", Some(Locale::Es)),
            ("en_US.UTF-8", Some(Locale::En)),
            ("EN", Some(Locale::En)),
            ("fr_FR", None),
            ("C.UTF-8", None),
            ("", None),
        ] {
            assert_eq!(Locale::from_tag(tag), want, "{tag}");
        }
        assert_eq!("es".parse::<Locale>().unwrap(), Locale::Es);
        assert!("pt".parse::<Locale>().is_err());
        assert_eq!(Kind::Sms.label_in(Locale::Es), "Mensaje de texto");
    }
}
