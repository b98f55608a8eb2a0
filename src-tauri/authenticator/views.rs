//! What the window is shown of the vault: never a secret, and a code only where it may be
//! seen (an entry without a PIN, on a personal device) or was asked for.

use serde::Serialize;
use twostep_core::totp::Algorithm;
use twostep_core::vault::{import, Entry};

#[derive(Debug, Serialize)]
pub struct EntryView {
    pub id: String,
    pub issuer: String,
    pub account: String,
    pub algorithm: Algorithm,
    pub digits: u32,
    pub period: u64,
    pub has_pin: bool,
    pub short_secret: bool,
    /// Only for entries without a PIN on a personal device.
    pub code: Option<String>,
    pub seconds_left: u64,
}

impl EntryView {
    /// `now`: the time codes are made for; `show_code`: the device is not shared.
    pub fn of(e: &Entry, now: u64, show_code: bool) -> Self {
        Self {
            id: e.id.clone(),
            issuer: e.issuer.clone(),
            account: e.account.clone(),
            algorithm: e.algorithm,
            digits: e.digits,
            period: e.period,
            has_pin: e.pin.is_some(),
            short_secret: e.short_secret(),
            code: (show_code && e.pin.is_none()).then(|| e.code_at(now)),
            seconds_left: e.seconds_left(now),
        }
    }
}

/// The entries matching a search, and how this device is set.
#[derive(Debug, Serialize)]
pub struct VaultList {
    pub shared: bool,
    /// Shared by the device's management: the window offers no way to turn it off.
    pub managed: bool,
    /// Shared from before device PINs existed: the window asks for one.
    pub needs_device_pin: bool,
    /// On a shared device, the minutes without use that end a session.
    pub idle_minutes: u32,
    pub total: usize,
    pub entries: Vec<EntryView>,
}

#[derive(Debug, Serialize)]
pub struct CodeView {
    pub code: String,
    pub seconds_left: u64,
    pub period: u64,
    /// The code after this one, so a code shown for 30 seconds stays usable across a step.
    pub next_code: String,
    /// Wrong PINs tried on this account since its owner last opened it (they are told).
    pub wrong_pins: u32,
}

#[derive(Debug, Serialize)]
pub struct AddedView {
    pub entry: EntryView,
    /// The secret is under 128 bits: it works, and the UI suggests asking for a new one.
    pub short_secret: bool,
    pub note: Option<String>,
}

/// Something that could not be imported. `line`, `entry` (with `name`) or `image` say where
/// and `code` (with `detail`) why, for the UI to word; `item` and `reason` are the English of
/// both.
#[derive(Debug, Serialize)]
pub struct ProblemView {
    pub item: String,
    pub reason: String,
    pub line: Option<usize>,
    pub entry: Option<usize>,
    pub name: Option<String>,
    /// The n-th image given (from 1), when it held no QR code that could be read.
    pub image: Option<usize>,
    pub code: &'static str,
    pub detail: Option<&'static str>,
}

impl ProblemView {
    pub fn new(problem: import::Problem) -> Self {
        let (line, entry, name) = match &problem.place {
            import::Place::Line(n) => (Some(*n), None, None),
            import::Place::Entry { number, name } => (None, Some(*number), name.clone()),
        };
        Self {
            item: problem.item(),
            reason: problem.error.to_string(),
            line,
            entry,
            name,
            image: None,
            code: problem.error.code(),
            detail: problem.error.detail(),
        }
    }

    /// The `number`-th image could not be read: its error says why.
    pub fn image(number: usize, error: &crate::error::AppError) -> Self {
        Self {
            item: format!("Image {number}"),
            reason: error.to_string(),
            line: None,
            entry: None,
            name: None,
            image: Some(number),
            // What decoding an image can answer (`AppError::code` of each).
            code: match error {
                crate::error::AppError::NotAnImage => "not_an_image",
                crate::error::AppError::Qr(_) => "no_qr_code",
                _ => "internal",
            },
            detail: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ImportView {
    pub added: usize,
    pub short_secrets: usize,
    pub problems: Vec<ProblemView>,
}

#[derive(Serialize)]
pub struct ExportView {
    pub text: String,
    pub warning: Option<String>,
    /// An encrypted export's key, shown once: six groups of five digits.
    pub key: Option<String>,
}

// Never the key (nor the links, which are the secrets themselves) in a log.
impl std::fmt::Debug for ExportView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportView")
            .field("text", &format_args!("{} bytes", self.text.len()))
            .field("warning", &self.warning)
            .field("key", &self.key.as_ref().map(|_| "••••"))
            .finish()
    }
}
