//! Email addresses and phone numbers as the rules need them: validated, normalised, and the
//! generic (shared classroom) email rule.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::RuleError;

/// A syntactically valid email address, lower-cased so that comparisons are exact.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, RuleError> {
        let trimmed = input.trim();
        // RFC 5321 caps a path at 254 octets; a domain must have a dot for mail to reach it.
        if trimmed.len() > 254 || trimmed.chars().any(char::is_whitespace) {
            return Err(RuleError::InvalidEmail);
        }
        let parsed =
            email_address::EmailAddress::from_str(trimmed).map_err(|_| RuleError::InvalidEmail)?;
        let domain = parsed.domain();
        if !domain.contains('.') || domain.starts_with('[') || domain.ends_with('.') {
            return Err(RuleError::InvalidEmail);
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
    type Error = RuleError;
    fn try_from(s: String) -> Result<Self, RuleError> {
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

/// A phone number that can receive text messages, in E.164, checked against libphonenumber's
/// data (the `phonenumber` crate): a number must exist in its country's numbering plan and be
/// a mobile number (or, where the plan cannot tell, such as in North America, fixed-line or
/// mobile). Landlines, premium-rate, toll-free and shared-cost numbers are refused.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone {
    e164: String,
    /// ISO 3166 region, such as `US`.
    region: String,
}

impl Phone {
    /// Accepts what people type: spaces, dots, dashes and brackets, `00` for `+`, and numbers
    /// without a country code when the center has a default one (`1` in North America).
    pub fn parse(input: &str, default_country_code: Option<&str>) -> Result<Self, RuleError> {
        let trimmed = input.trim();
        if trimmed.is_empty()
            || trimmed.len() > 40
            || !trimmed
                .chars()
                .all(|c| c.is_ascii_digit() || " .-()/+".contains(c))
            || trimmed.chars().skip(1).any(|c| c == '+')
        {
            return Err(RuleError::InvalidPhone);
        }
        // `00` is the international prefix almost everywhere but North America (011).
        let international = trimmed
            .strip_prefix("00")
            .map(|rest| format!("+{rest}"))
            .unwrap_or_else(|| trimmed.to_owned());
        let region = match default_country_code {
            Some(cc) if !international.starts_with('+') => {
                Some(main_region(cc).ok_or(RuleError::InvalidPhone)?)
            }
            _ if international.starts_with('+') => None,
            _ => return Err(RuleError::InvalidPhone),
        };
        let number =
            phonenumber::parse(region, &international).map_err(|_| RuleError::InvalidPhone)?;
        if number.extension().is_some() || !number.is_valid() {
            return Err(RuleError::InvalidPhone);
        }
        match number.number_type(&phonenumber::metadata::DATABASE) {
            phonenumber::Type::Mobile | phonenumber::Type::FixedLineOrMobile => {}
            _ => return Err(RuleError::PhoneCannotText),
        }
        let region = number
            .country()
            .id()
            .map(|id| id.as_ref().to_owned())
            .ok_or(RuleError::InvalidPhone)?;
        Ok(Self {
            e164: number.format().mode(phonenumber::Mode::E164).to_string(),
            region,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.e164
    }

    /// The number's country (ISO 3166 region code, such as `US` or `GB`).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// `•••• 1234`.
    pub fn hint(&self) -> String {
        hint_digits(&self.e164)
    }
}

/// `•••• 1234` for any stored number, valid or not: a hint never needs the numbering plan.
pub fn hint_digits(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("•••• {last}")
}

/// The main country of a calling code: `1` → `US`, `44` → `GB`.
pub fn main_region(calling_code: &str) -> Option<phonenumber::country::Id> {
    let code: u16 = calling_code.trim().trim_start_matches('+').parse().ok()?;
    let all = phonenumber::metadata::DATABASE.by_code(&code)?;
    let main = all
        .iter()
        .find(|m| m.is_main_country_for_code())
        .or_else(|| all.first())?;
    main.id().parse().ok()
}

/// Whether `region` is an ISO 3166 region code libphonenumber knows, such as `US`.
pub fn is_known_region(region: &str) -> bool {
    region.parse::<phonenumber::country::Id>().is_ok()
}

impl TryFrom<String> for Phone {
    type Error = RuleError;
    fn try_from(s: String) -> Result<Self, RuleError> {
        Self::parse(&s, None)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.e164
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.hint())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
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
            assert_eq!(Email::parse(bad), Err(RuleError::InvalidEmail), "{bad}");
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
            ("+1 (201) 555-0123", None, "+12015550123", "US"),
            ("201.555.0123", Some("1"), "+12015550123", "US"),
            ("1 201 555 0123", Some("1"), "+12015550123", "US"),
            ("(416) 555-0199", Some("1"), "+14165550199", "CA"),
            ("0044 7400 123456", None, "+447400123456", "GB"),
            ("07400 123456", Some("44"), "+447400123456", "GB"),
        ];
        for (input, cc, want, region) in cases {
            let p = Phone::parse(input, cc).unwrap();
            assert_eq!((p.as_str(), p.region()), (want, region), "{input}");
        }
        assert_eq!(
            Phone::parse("+12015550123", None).unwrap().hint(),
            "•••• 0123"
        );
        assert_eq!(hint_digits("+15550100000"), "•••• 0000");
    }

    #[test]
    fn malformed_and_impossible_phones_are_refused() {
        for bad in [
            "",
            "call me",
            "+1 201",
            "555-0100",
            "+1201555012312345",
            "12+34",
            // No such area code: 555 is not a North American area code.
            "+1 555 010 0000",
            "+44 20 7946 001",
        ] {
            assert_eq!(
                Phone::parse(bad, None),
                Err(RuleError::InvalidPhone),
                "{bad}"
            );
        }
        assert_eq!(
            Phone::parse("201 555 0123", None),
            Err(RuleError::InvalidPhone)
        );
    }

    #[test]
    fn numbers_that_cannot_receive_texts_are_refused() {
        for landline_or_premium in [
            // A London landline, a UK premium-rate and a US toll-free number.
            "+44 20 7946 0018",
            "+44 909 876 5432",
            "+1 800 555 0100",
        ] {
            assert_eq!(
                Phone::parse(landline_or_premium, None),
                Err(RuleError::PhoneCannotText),
                "{landline_or_premium}"
            );
        }
    }

    #[test]
    fn calling_codes_have_a_main_country() {
        assert_eq!(main_region("1").unwrap().as_ref(), "US");
        assert_eq!(main_region("+44").unwrap().as_ref(), "GB");
        assert!(main_region("999").is_none());
        assert!(is_known_region("CA") && !is_known_region("XX"));
    }
}
