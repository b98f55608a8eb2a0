//! Text message as a verification method: a phone number that can receive texts, in E.164, in
//! one of the countries the server sends text messages to.

use crate::address::{self, Phone};
use crate::RuleError;

/// Where text messages may go. Premium-rate "SMS pumping" fraud sends codes to numbers abroad
/// that pay the attacker per message: a center texts only the countries it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRules {
    /// For numbers typed without `+`: the calling code assumed (`1`).
    pub default_country_code: Option<String>,
    /// ISO 3166 region codes texts may go to (`US`, `CA`); `None` means anywhere.
    pub countries: Option<Vec<String>>,
}

impl SmsRules {
    /// The rules from configuration: `countries` empty means the main country of the default
    /// calling code (`1` → `US`); `["*"]` means anywhere. Errors name what to fix.
    pub fn new(default_country_code: Option<&str>, countries: &[String]) -> Result<Self, String> {
        let countries = if countries.iter().any(|c| c == "*") {
            None
        } else if countries.is_empty() {
            let cc = default_country_code.ok_or(
                "set sms.countries (for example [\"US\"]) or default_country_code: text messages \
                 go only to the countries listed",
            )?;
            let region = address::main_region(cc)
                .ok_or_else(|| format!("default_country_code {cc:?} is not a calling code"))?;
            Some(vec![region.as_ref().to_owned()])
        } else {
            let mut list = Vec::new();
            for c in countries {
                let code = c.trim().to_ascii_uppercase();
                if !address::is_known_region(&code) {
                    return Err(format!(
                        "sms.countries: {c:?} is not a country code (use ISO 3166 codes such as \"US\")"
                    ));
                }
                list.push(code);
            }
            Some(list)
        };
        Ok(Self {
            default_country_code: default_country_code.map(str::to_owned),
            countries,
        })
    }

    pub fn allows(&self, phone: &Phone) -> bool {
        self.countries
            .as_ref()
            .is_none_or(|list| list.iter().any(|c| c == phone.region()))
    }
}

/// A number typed by a person, checked for text messages.
pub fn validate(input: &str, rules: &SmsRules) -> Result<Phone, RuleError> {
    let phone = Phone::parse(input, rules.default_country_code.as_deref())?;
    if !rules.allows(&phone) {
        return Err(RuleError::PhoneCountryNotServed);
    }
    Ok(phone)
}

pub fn hint(address: &str) -> String {
    address::hint_digits(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(countries: &[&str]) -> SmsRules {
        let list: Vec<String> = countries.iter().map(|c| (*c).to_owned()).collect();
        SmsRules::new(Some("1"), &list).unwrap()
    }

    #[test]
    fn texts_go_only_to_the_countries_served() {
        let us = rules(&[]);
        assert_eq!(us.countries.as_deref(), Some(&["US".to_owned()][..]));
        assert_eq!(
            validate("201 555 0123", &us).unwrap().as_str(),
            "+12015550123"
        );
        // Canada and Jamaica share calling code 1 but are other countries.
        for abroad in ["+1 416 555 0199", "+1 876 210 1234", "+44 7400 123456"] {
            assert_eq!(
                validate(abroad, &us),
                Err(RuleError::PhoneCountryNotServed),
                "{abroad}"
            );
        }
        let us_ca = rules(&["us", "CA"]);
        assert!(validate("+1 416 555 0199", &us_ca).is_ok());
        assert!(validate("+44 7400 123456", &rules(&["*"])).is_ok());
    }

    #[test]
    fn bad_configuration_is_explained() {
        assert!(SmsRules::new(None, &[])
            .unwrap_err()
            .contains("sms.countries"));
        assert!(SmsRules::new(Some("1"), &["Narnia".into()])
            .unwrap_err()
            .contains("Narnia"));
    }
}
