//! Two error enums, one for each side that maps them: the rules of people, methods and
//! secrets (the server answers with their codes) and the authenticator vault's (the app does).
//! Each names its stable code beside each variant, so no side needs a catch-all.

use thiserror::Error;

/// A domain rule refused something: an address, a method, a role, a secret.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RuleError {
    #[error("That email address doesn't look right. Check it and try again.")]
    InvalidEmail,
    #[error(
        "This is a generic email address. Use a personal or work email address for \
         verification instead: generic addresses are for shared classroom devices and accounts, \
         and tying one to you could lock other staff out of them."
    )]
    GenericEmail,
    #[error("That isn't a whole phone number: it is too short, or no such number exists. Enter it with its country code, such as +1 201 555 0123.")]
    InvalidPhone,
    #[error("This number can't receive text messages (it is a landline or a special-rate number). Enter a mobile number.")]
    PhoneCannotText,
    #[error("Text messages can't be sent to numbers in that country from this center. Enter a number from your center's country, or choose another method.")]
    PhoneCountryNotServed,
    #[error("At least one verification method is always required. Add another method before deleting this one.")]
    LastMethod,
    #[error("Your center doesn't allow this verification method. Choose another one.")]
    KindNotAllowed,
    #[error("Give the passkey a name of 1 to 64 characters, such as \"My phone\", so you can tell it from others later.")]
    BadPasskeyName,
    #[error("Unknown verification method kind `{0}`.")]
    UnknownKind(String),
    #[error("Unknown role `{0}`.")]
    UnknownRole(String),
    #[error("Unknown language `{0}`: Twostep speaks English (`en`) and Spanish (`es`).")]
    UnknownLocale(String),
    #[error("The secret is not valid base32.")]
    InvalidSecret,
    #[error("That is not a usable otpauth:// link: {0}.")]
    InvalidOtpauth(EntryProblem),
}

impl RuleError {
    /// The stable code (API.md's error codes). The three phone rules have a code each: a
    /// person fixes a number that is too short, a landline and a number abroad differently.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidEmail => "invalid_email",
            Self::GenericEmail => "generic_email",
            Self::InvalidPhone => "invalid_phone",
            Self::PhoneCannotText => "phone_cannot_text",
            Self::PhoneCountryNotServed => "phone_country_not_served",
            Self::LastMethod => "last_method",
            Self::KindNotAllowed => "kind_not_allowed",
            Self::BadPasskeyName => "invalid_passkey_name",
            Self::UnknownKind(_) | Self::UnknownRole(_) | Self::UnknownLocale(_) => "bad_request",
            Self::InvalidSecret => "invalid_secret",
            Self::InvalidOtpauth(_) => "invalid_otpauth",
        }
    }
}

/// The authenticator vault refused something: an entry, a PIN, an export, a file.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VaultError {
    /// A secret or a link inside an entry broke a rule.
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("This authenticator entry can't be saved: {0}.")]
    InvalidEntry(EntryProblem),
    #[error("That authenticator entry no longer exists.")]
    NoSuchEntry,
    #[error("A shared classroom device can't export codes. Export from a personal device.")]
    ExportOnSharedDevice,
    #[error("Accounts protected by a PIN can't be exported. Their owners can remove the PIN first (with the PIN), then export.")]
    ExportPinProtected,
    #[error("A PIN is 4 to 12 digits.")]
    BadPin,
    #[error("That PIN isn't right.")]
    WrongPin,
    #[error("Choose between 1 and 60 minutes.")]
    BadIdleTime,
    #[error("This is not a shared device: there is no device PIN.")]
    NotShared,
    #[error("This shared device has no device PIN yet. Choose one first.")]
    NoDevicePin,
    #[error("This file is not a Twostep authenticator vault.")]
    VaultNotAVault,
    #[error("This vault was written by a newer Twostep (format version {0}). Update the app to open it; the file was left as it is.")]
    VaultFutureVersion(u32),
    #[error("The vault's key in this device's keyring doesn't match the vault file. The file was left as it is; restore the keyring or the file from a backup.")]
    VaultWrongKey,
    #[error("This file is an encrypted export. Import it with the export's key.")]
    VaultNeedsPassword,
    #[error("That key or password doesn't open this file (or the file is damaged). A Twostep export's key is the 30 digits shown when it was exported.")]
    VaultWrongPassword,
    #[error("The vault file is damaged ({0}). It was left as it is; restore it from a backup.")]
    VaultDamaged(String),
    #[error("This file can't be imported: {0}.")]
    ImportUnreadable(ImportProblem),
}

impl VaultError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Rule(e) => e.code(),
            Self::InvalidEntry(_) => "invalid_entry",
            Self::NoSuchEntry => "no_such_entry",
            Self::ExportOnSharedDevice => "shared_device",
            Self::ExportPinProtected => "pin_protected",
            Self::BadPin => "bad_pin",
            Self::WrongPin => "wrong_pin",
            Self::BadIdleTime => "bad_idle_time",
            Self::NotShared => "not_shared",
            Self::NoDevicePin => "no_device_pin",
            Self::VaultNotAVault => "vault_not_a_vault",
            Self::VaultFutureVersion(_) => "vault_future_version",
            Self::VaultWrongKey => "vault_wrong_key",
            Self::VaultNeedsPassword => "vault_needs_password",
            Self::VaultWrongPassword => "vault_wrong_password",
            Self::VaultDamaged(_) => "vault_damaged",
            Self::ImportUnreadable(_) => "import_unreadable",
        }
    }

    /// What exactly was wrong with a link, an entry or an import (`errors.detail.<code>`).
    pub fn detail(&self) -> Option<&'static str> {
        match self {
            Self::Rule(RuleError::InvalidOtpauth(p)) | Self::InvalidEntry(p) => Some(p.code()),
            Self::ImportUnreadable(p) => Some(p.code()),
            _ => None,
        }
    }
}

/// Why an authenticator link or entry can't be used. Each has a stable code the app words in
/// the person's language; the English here is for logs and tests.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum EntryProblem {
    #[error("not a URI")]
    NotAUri,
    #[error("it does not start with otpauth://")]
    NotOtpauth,
    #[error("counter-based (HOTP) codes are not supported")]
    CounterBased,
    #[error("it is not a time-based (TOTP) link")]
    NotTotp,
    #[error("the label is not UTF-8")]
    LabelNotUtf8,
    #[error("unknown algorithm")]
    UnknownAlgorithm,
    #[error("codes must have 6 to 8 digits")]
    Digits,
    #[error("the period must be 1 to 300 seconds")]
    Period,
    #[error("it has no secret")]
    NoSecret,
    #[error("it has no info section")]
    NoInfo,
    #[error("give it a name or an account")]
    NoName,
    #[error("the secret is too short (under 80 bits)")]
    SecretTooShort,
    #[error("this account is already on this device")]
    AlreadyHere,
}

impl EntryProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotAUri => "not_a_uri",
            Self::NotOtpauth => "not_otpauth",
            Self::CounterBased => "counter_based",
            Self::NotTotp => "not_totp",
            Self::LabelNotUtf8 => "label_not_utf8",
            Self::UnknownAlgorithm => "unknown_algorithm",
            Self::Digits => "digits",
            Self::Period => "period",
            Self::NoSecret => "no_secret",
            Self::NoInfo => "no_info",
            Self::NoName => "no_name",
            Self::SecretTooShort => "secret_too_short",
            Self::AlreadyHere => "already_here",
        }
    }
}

/// Why a whole import can't be read.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum ImportProblem {
    #[error("the file is empty")]
    Empty,
    #[error("it is neither otpauth links nor JSON")]
    NotLinksOrJson,
    #[error("this Aegis export is encrypted: enter its password")]
    AegisEncrypted,
    #[error("it is JSON, but not an Aegis or 2FAS export")]
    NotAegis,
    #[error("its password protection asks for far more work than any app sets; it was not opened")]
    KdfTooCostly,
    #[error(
        "this 2FAS export is protected with a password: export it again from 2FAS without one"
    )]
    TwoFasEncrypted,
    #[error("this Google Authenticator export link is damaged: scan its QR code again")]
    GoogleDamaged,
    #[error("it is too large: import at most 20 images or 4 MB of text at a time")]
    TooLarge,
}

impl ImportProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotLinksOrJson => "not_links_or_json",
            Self::AegisEncrypted => "aegis_encrypted",
            Self::NotAegis => "not_aegis",
            Self::KdfTooCostly => "kdf_too_costly",
            Self::TwoFasEncrypted => "twofas_encrypted",
            Self::GoogleDamaged => "google_damaged",
            Self::TooLarge => "too_large",
        }
    }
}
