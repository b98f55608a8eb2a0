//! Email addresses and phone numbers as the rules need them: validated, normalised, and the
//! generic (shared classroom) email rule.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// A syntactically valid email address, lower-cased so that comparisons are exact.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        let trimmed = input.trim();
        // RFC 5321 caps a path at 254 octets; a domain must have a dot for mail to reach it.
        if trimmed.len() > 254 || trimmed.chars().any(char::is_whitespace) {
            return Err(CoreError::InvalidEmail);
        }
        let parsed =
            email_address::EmailAddress::from_str(trimmed).map_err(|_| CoreError::InvalidEmail)?;
        let domain = parsed.domain();
        if !domain.contains('.') || domain.starts_with('[') || domain.ends_with('.') {
            return Err(CoreError::InvalidEmail);
        }
        Ok(Self(parsed.email().to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(l, _)| l)
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// `j•••@example.org`: enough for a person to recognise, too little to harvest.
    pub fn hint(&self) -> String {
        let first = self.local_part().chars().next().unwrap_or('•');
        format!("{first}•••@{}", self.domain())
    }
}

impl TryFrom<String> for Email {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self, CoreError> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.hint())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which addresses count as generic: those of shared classroom accounts (known to the server)
/// and configurable patterns. A pattern is `local@domain` where either side may use `*`, and
/// an empty domain matches any: `classroom*@`, `room*@`, `office@`, `frontdesk@example.org`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericRules {
    pub patterns: Vec<String>,
}

impl Default for GenericRules {
    fn default() -> Self {
        Self {
            patterns: [
                "classroom*@",
                "room*@",
                "office@",
                "frontdesk@",
                "front-desk@",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

impl GenericRules {
    pub fn is_generic(&self, email: &Email) -> bool {
        self.patterns.iter().any(|p| {
            let (local, domain) = p.rsplit_once('@').unwrap_or((p.as_str(), ""));
            glob(&local.to_lowercase(), email.local_part())
                && (domain.is_empty() || glob(&domain.to_lowercase(), email.domain()))
        })
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(after) = text.strip_prefix(head) else {
                return false;
            };
            (0..=after.len())
                .filter(|i| after.is_char_boundary(*i))
                .any(|i| glob(rest, &after[i..]))
        }
    }
}

/// A phone number in E.164: `+` and 8 to 15 digits, the first not zero.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts what people type: spaces, dots, dashes and brackets, `00` for `+`, and numbers
    /// without a country code when the center has a default one (`1` in North America).
    /// Refuses letters and numbers of the wrong length rather than guessing.
    pub fn parse(input: &str, default_country_code: Option<&str>) -> Result<Self, CoreError> {
        let trimmed = input.trim();
        if trimmed.is_empty()
            || !trimmed
                .chars()
                .all(|c| c.is_ascii_digit() || " .-()/+".contains(c))
            || trimmed.chars().skip(1).any(|c| c == '+')
        {
            return Err(CoreError::InvalidPhone);
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let full = if trimmed.starts_with('+') {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else {
            let cc = default_country_code.ok_or(CoreError::InvalidPhone)?;
            // A national trunk prefix (0 in most of the world) is dropped; NANP numbers
            // written with a leading 1 already carry their country code.
            if cc == "1" && digits.len() == 11 && digits.starts_with('1') {
                digits
            } else {
                format!("{cc}{}", digits.trim_start_matches('0'))
            }
        };
        if !(8..=15).contains(&full.len()) || full.starts_with('0') {
            return Err(CoreError::InvalidPhone);
        }
        if full.starts_with('1') && full.len() != 11 {
            return Err(CoreError::InvalidPhone);
        }
        Ok(Self(format!("+{full}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `•••• 1234`.
    pub fn hint(&self) -> String {
        let n = self.0.len();
        format!("•••• {}", &self.0[n.saturating_sub(4)..])
    }
}

impl TryFrom<String> for Phone {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self, CoreError> {
        Self::parse(&s, None)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.hint())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_validated_and_lower_cased() {
        assert_eq!(
            Email::parse(" Jo.Lee@Example.ORG ").unwrap().as_str(),
            "jo.lee@example.org"
        );
        for bad in [
            "",
            "jo",
            "jo@",
            "@example.org",
            "jo@example",
            "jo lee@example.org",
            "jo@@x.org",
        ] {
            assert_eq!(Email::parse(bad), Err(CoreError::InvalidEmail), "{bad}");
        }
        assert_eq!(
            Email::parse("jo@example.org").unwrap().hint(),
            "j•••@example.org"
        );
    }

    #[test]
    fn generic_patterns_match_classroom_addresses_only() {
        let rules = GenericRules::default();
        for generic in [
            "classroom@x.org",
            "Classroom3@x.org",
            "room12@y.com",
            "office@z.net",
        ] {
            assert!(
                rules.is_generic(&Email::parse(generic).unwrap()),
                "{generic}"
            );
        }
        for personal in [
            "jo@x.org",
            "myclassroom@x.org",
            "office.manager@x.org",
            "broom@x.org",
        ] {
            assert!(
                !rules.is_generic(&Email::parse(personal).unwrap()),
                "{personal}"
            );
        }
        let scoped = GenericRules {
            patterns: vec!["*@shared.example.org".into()],
        };
        assert!(scoped.is_generic(&Email::parse("anyone@shared.example.org").unwrap()));
        assert!(!scoped.is_generic(&Email::parse("anyone@example.org").unwrap()));
    }

    #[test]
    fn phones_are_normalised_to_e164() {
        let cases = [
            ("+1 (555) 010-0000", None, "+15550100000"),
            ("555.010.0000", Some("1"), "+15550100000"),
            ("1 555 010 0000", Some("1"), "+15550100000"),
            ("0044 20 7946 0018", None, "+442079460018"),
            ("020 7946 0018", Some("44"), "+442079460018"),
        ];
        for (input, cc, want) in cases {
            assert_eq!(Phone::parse(input, cc).unwrap().as_str(), want, "{input}");
        }
        assert_eq!(
            Phone::parse("+15550100000", None).unwrap().hint(),
            "•••• 0000"
        );
    }

    #[test]
    fn malformed_phones_are_refused() {
        for bad in [
            "",
            "call me",
            "+1 555",
            "555-0100",
            "+1555010000012345",
            "+1 555 0100 00",
            "12+34",
        ] {
            assert_eq!(
                Phone::parse(bad, None),
                Err(CoreError::InvalidPhone),
                "{bad}"
            );
        }
        assert_eq!(
            Phone::parse("555 010 0000", None),
            Err(CoreError::InvalidPhone)
        );
    }
}
