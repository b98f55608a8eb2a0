//! Text message as a verification method: a phone number in E.164.

use crate::address::Phone;
use crate::CoreError;

pub fn validate(input: &str, default_country_code: Option<&str>) -> Result<Phone, CoreError> {
    Phone::parse(input, default_country_code)
}

pub fn hint(address: &str) -> String {
    Phone::parse(address, None).map_or_else(|_| "••••".to_owned(), |p| p.hint())
}

/// The text of the message carrying a code.
pub fn code_message(code: &str, minutes: i64) -> String {
    format!("{code} is your verification code. It expires in {minutes} minutes.")
}
