use thiserror::Error;

/// Every way a domain rule can refuse something.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CoreError {
    #[error("That email address doesn't look right. Check it and try again.")]
    InvalidEmail,
    #[error(
        "This is a generic (shared classroom) email address. Use a personal or work email \
         address for verification instead."
    )]
    GenericEmail,
    #[error("That phone number doesn't look right. Enter it with its country code, such as +1 555 010 0000.")]
    InvalidPhone,
    #[error("At least one verification method is always required. Add another method before deleting this one.")]
    LastMethod,
    #[error("Your center doesn't allow this verification method. Choose another one.")]
    KindNotAllowed,
    #[error("Unknown verification method kind `{0}`.")]
    UnknownKind(String),
    #[error("Unknown role `{0}`.")]
    UnknownRole(String),
    #[error("The secret is not valid base32.")]
    InvalidSecret,
    #[error("That is not a usable otpauth:// link: {0}.")]
    InvalidOtpauth(&'static str),
}
