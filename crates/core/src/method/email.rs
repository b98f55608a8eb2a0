//! Email as a verification method: a personal or work address, never a generic one.

use crate::address::{Email, GenericRules};
use crate::RuleError;

/// Checks an address offered for verification. `shared_account_emails` are the sign-in
/// addresses of the center's shared classroom accounts, generic by definition.
pub fn validate<'a>(
    input: &str,
    rules: &GenericRules,
    mut shared_account_emails: impl Iterator<Item = &'a str>,
) -> Result<Email, RuleError> {
    let email = Email::parse(input)?;
    if rules.is_generic(&email)
        || shared_account_emails.any(|s| s.eq_ignore_ascii_case(email.as_str()))
    {
        return Err(RuleError::GenericEmail);
    }
    Ok(email)
}

pub fn hint(address: &str) -> String {
    Email::parse(address).map_or_else(|_| "•••".to_owned(), |e| e.hint())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_and_shared_addresses_are_refused() {
        let rules = GenericRules::default();
        assert_eq!(
            validate("classroom2@x.org", &rules, std::iter::empty()),
            Err(RuleError::GenericEmail)
        );
        assert_eq!(
            validate("sunflowers@x.org", &rules, ["Sunflowers@x.org"].into_iter()),
            Err(RuleError::GenericEmail)
        );
        assert_eq!(
            validate("nope", &rules, std::iter::empty()),
            Err(RuleError::InvalidEmail)
        );
        assert_eq!(
            validate("jo@x.org", &rules, std::iter::empty())
                .unwrap()
                .as_str(),
            "jo@x.org"
        );
    }
}
