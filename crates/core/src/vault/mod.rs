//! The authenticator vault: the TOTP entries of many people on one (possibly shared) device.
//! The model and its file format live here, without I/O; the app stores the sealed bytes and
//! keeps the key in the OS keyring.

pub mod envelope;
pub mod import;
pub mod pin;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::otpauth::OtpAuth;
use crate::secret::TotpSecret;
use crate::totp::{Algorithm, TotpParams};
use crate::{EntryProblem, VaultError};

pub use envelope::{open, open_with_password, seal, seal_for_export, ExportKey, VaultKey};
pub use pin::{PinGuard, PinHash};

/// The key of the device PIN's guard in `Vault::pin_guards` (entries are keyed by their id).
pub const DEVICE_PIN: &str = "device";

/// Secrets shorter than this are accepted on import (many services issue 80-bit secrets),
/// with a note; RFC 4226 recommends 160 bits and requires at least 128.
pub const RECOMMENDED_SECRET_BYTES: usize = 16;

#[derive(Clone, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub issuer: String,
    pub account: String,
    #[serde(with = "secret_base32")]
    pub secret: TotpSecret,
    pub algorithm: Algorithm,
    pub digits: u32,
    pub period: u64,
    /// The entry's own PIN (Argon2id), for a shared device: its code stays hidden without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinHash>,
    /// Unix seconds.
    pub created_at: i64,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("secret", &self.secret)
            .field("has_pin", &self.pin.is_some())
            .finish()
    }
}

impl Entry {
    /// An entry from an otpauth link (or a QR code, or a typed key turned into one).
    pub fn from_otpauth(id: String, o: OtpAuth, created_at: i64) -> Result<Self, VaultError> {
        let entry = Self {
            id,
            issuer: o.issuer.unwrap_or_default(),
            account: o.account,
            secret: o.secret,
            algorithm: o.params.algorithm,
            digits: o.params.digits,
            period: o.params.period,
            pin: None,
            created_at,
        };
        entry.check()?;
        Ok(entry)
    }

    pub fn params(&self) -> TotpParams {
        TotpParams {
            algorithm: self.algorithm,
            digits: self.digits,
            period: self.period,
        }
    }

    /// The code at `unix_time` (the device's clock plus any resync offset).
    pub fn code_at(&self, unix_time: u64) -> String {
        self.params().code_at(&self.secret, unix_time)
    }

    pub fn seconds_left(&self, unix_time: u64) -> u64 {
        self.params().seconds_left(unix_time)
    }

    /// Accepted, but worth a note: shorter than the 128 bits RFC 4226 asks for.
    pub fn short_secret(&self) -> bool {
        self.secret.expose().len() < RECOMMENDED_SECRET_BYTES
    }

    pub fn to_otpauth(&self) -> OtpAuth {
        OtpAuth {
            issuer: (!self.issuer.is_empty()).then(|| self.issuer.clone()),
            account: self.account.clone(),
            secret: self.secret.clone(),
            params: self.params(),
        }
    }

    fn check(&self) -> Result<(), VaultError> {
        if self.account.trim().is_empty() && self.issuer.trim().is_empty() {
            return Err(VaultError::InvalidEntry(EntryProblem::NoName));
        }
        if !(6..=8).contains(&self.digits) {
            return Err(VaultError::InvalidEntry(EntryProblem::Digits));
        }
        if !(1..=300).contains(&self.period) {
            return Err(VaultError::InvalidEntry(EntryProblem::Period));
        }
        if self.secret.expose().len() < 10 {
            // 80 bits is the shortest any known service issues; less is a typo.
            return Err(VaultError::InvalidEntry(EntryProblem::SecretTooShort));
        }
        Ok(())
    }
}

/// The vault's contents (what the file seals).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Vault {
    /// A shared classroom device: codes only on tap, no export.
    #[serde(default)]
    pub shared: bool,
    #[serde(default)]
    pub entries: Vec<Entry>,
    /// The device PIN of a shared device (Argon2id): turning shared off, importing and
    /// deleting need it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_pin: Option<PinHash>,
    /// Wrong PINs so far, by entry id (and `DEVICE_PIN`): sealed with the rest, so a restart
    /// gives no fresh tries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pin_guards: BTreeMap<String, PinGuard>,
    /// On a shared device, minutes without use before the app signs out (behind the device
    /// PIN); none: the app's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_minutes: Option<u32>,
}

impl Vault {
    pub fn add(&mut self, entry: Entry) -> Result<&Entry, VaultError> {
        entry.check()?;
        let same = |e: &Entry| {
            e.secret.expose() == entry.secret.expose()
                && e.issuer == entry.issuer
                && e.account == entry.account
        };
        if self.entries.iter().any(same) {
            return Err(VaultError::InvalidEntry(EntryProblem::AlreadyHere));
        }
        self.entries.push(entry);
        Ok(self.entries.last().expect("just pushed"))
    }

    pub fn get(&self, id: &str) -> Result<&Entry, VaultError> {
        self.entries
            .iter()
            .find(|e| e.id == id)
            .ok_or(VaultError::NoSuchEntry)
    }

    pub fn get_mut(&mut self, id: &str) -> Result<&mut Entry, VaultError> {
        self.entries
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or(VaultError::NoSuchEntry)
    }

    pub fn rename(&mut self, id: &str, issuer: &str, account: &str) -> Result<(), VaultError> {
        if issuer.trim().is_empty() && account.trim().is_empty() {
            return Err(VaultError::InvalidEntry(EntryProblem::NoName));
        }
        let e = self.get_mut(id)?;
        e.issuer = issuer.trim().to_owned();
        e.account = account.trim().to_owned();
        Ok(())
    }

    pub fn remove(&mut self, id: &str) -> Result<Entry, VaultError> {
        let i = self
            .entries
            .iter()
            .position(|e| e.id == id)
            .ok_or(VaultError::NoSuchEntry)?;
        self.pin_guards.remove(id);
        Ok(self.entries.remove(i))
    }

    /// The PIN that guards `key` (an entry's id, or `DEVICE_PIN`), if any: the device PIN only
    /// while the device is shared. A device shared before device PINs existed has none yet:
    /// that refuses (`NoDevicePin`) rather than letting anything through.
    pub fn pin_of(&self, key: &str) -> Result<Option<PinHash>, VaultError> {
        if key == DEVICE_PIN {
            if !self.shared {
                return Ok(None);
            }
            return self
                .device_pin
                .clone()
                .map(Some)
                .ok_or(VaultError::NoDevicePin);
        }
        Ok(self.get(key)?.pin.clone())
    }

    /// Marks the device shared behind a new device PIN.
    pub fn make_shared(&mut self, device_pin: PinHash) {
        self.shared = true;
        self.device_pin = Some(device_pin);
        self.pin_guards.remove(DEVICE_PIN);
    }

    /// Marks the device personal again (its device PIN already checked).
    pub fn make_personal(&mut self) {
        self.shared = false;
        self.device_pin = None;
        self.pin_guards.remove(DEVICE_PIN);
    }

    /// Empties the vault: what a forgotten device PIN leaves (every account goes, none leaks).
    /// The device stays shared, behind the new device PIN: clearing switches no protection off.
    pub fn clear(&mut self, device_pin: PinHash) {
        let idle = self.idle_minutes;
        *self = Vault::default();
        self.make_shared(device_pin);
        self.idle_minutes = idle;
    }

    /// Entries whose issuer or account contains every word of `query`, case-insensitively,
    /// sorted by issuer then account.
    pub fn search(&self, query: &str) -> Vec<&Entry> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let mut found: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| {
                let hay = format!("{} {}", e.issuer, e.account).to_lowercase();
                words.iter().all(|w| hay.contains(w))
            })
            .collect();
        found.sort_by_key(|e| (e.issuer.to_lowercase(), e.account.to_lowercase()));
        found
    }

    /// Whether this vault may leave the device at all: never from a shared device, and never
    /// while an account is behind a PIN (its secret must not leave without its owner; the
    /// owner can remove the PIN first, with the PIN).
    pub fn check_export(&self) -> Result<(), VaultError> {
        if self.shared {
            return Err(VaultError::ExportOnSharedDevice);
        }
        if self.entries.iter().any(|e| e.pin.is_some()) {
            return Err(VaultError::ExportPinProtected);
        }
        Ok(())
    }

    /// Every entry as an otpauth link, one a line (the plain export).
    pub fn export_uris(&self) -> Result<String, VaultError> {
        self.check_export()?;
        Ok(self
            .entries
            .iter()
            .map(|e| e.to_otpauth().to_uri() + "\n")
            .collect())
    }
}

mod secret_base32 {
    use serde::{Deserialize, Deserializer, Serializer};
    use zeroize::Zeroizing;

    use crate::secret::TotpSecret;

    pub fn serialize<S: Serializer>(s: &TotpSecret, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&s.to_base32())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<TotpSecret, D::Error> {
        let text = Zeroizing::new(String::deserialize(de)?);
        TotpSecret::from_base32(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn entry(id: &str, issuer: &str, account: &str) -> Entry {
        Entry {
            id: id.into(),
            issuer: issuer.into(),
            account: account.into(),
            secret: TotpSecret::from_bytes(format!("12345678901234567890{id}").into_bytes()),
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            pin: None,
            created_at: 0,
        }
    }

    #[test]
    fn codes_follow_rfc_6238() {
        let mut e = entry("", "x", "y");
        e.secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        e.digits = 8;
        assert_eq!(e.code_at(59), "94287082");
        assert_eq!(e.code_at(1111111109), "07081804");
        e.digits = 6;
        assert_eq!(e.code_at(59), "287082");
        assert_eq!(e.seconds_left(59), 1);
    }

    #[test]
    fn add_search_rename_remove() {
        let mut v = Vault::default();
        v.add(entry("1", "Twostep", "jordan@maple.example"))
            .unwrap();
        v.add(entry("2", "Twostep", "sam@maple.example")).unwrap();
        v.add(entry("3", "Payroll", "jordan@maple.example"))
            .unwrap();
        let dup = v.add(entry("1", "Twostep", "jordan@maple.example"));
        assert!(dup.is_err(), "same account twice");
        let found: Vec<_> = v.search("JORDAN").iter().map(|e| e.id.clone()).collect();
        assert_eq!(found, ["3", "1"], "sorted by issuer");
        assert_eq!(v.search("twostep sam").len(), 1);
        assert_eq!(v.search("").len(), 3);
        v.rename("2", "Twostep", "sam.rivera@maple.example")
            .unwrap();
        assert_eq!(v.get("2").unwrap().account, "sam.rivera@maple.example");
        assert!(v.rename("2", " ", "").is_err());
        v.remove("3").unwrap();
        assert_eq!(v.remove("3").unwrap_err(), VaultError::NoSuchEntry);
        assert_eq!(v.entries.len(), 2);
    }

    #[test]
    fn short_secrets_are_accepted_with_a_note_but_not_absurdly_short_ones() {
        let mut v = Vault::default();
        let mut e = entry("1", "Old service", "me");
        e.secret = TotpSecret::from_bytes(vec![7; 10]); // 80 bits
        assert!(e.short_secret());
        v.add(e).unwrap();
        let mut e = entry("2", "Typo", "me");
        e.secret = TotpSecret::from_bytes(vec![7; 5]);
        assert!(v.add(e).is_err());
    }

    #[test]
    fn a_shared_device_never_exports() {
        let mut v = Vault::default();
        v.add(entry("1", "Twostep", "a@b.example")).unwrap();
        assert!(v
            .export_uris()
            .unwrap()
            .starts_with("otpauth://totp/Twostep:a@b.example?"));
        v.entries[0].pin = Some(PinHash::new("2468", &mut rand::rngs::OsRng).unwrap());
        assert_eq!(v.export_uris().unwrap_err(), VaultError::ExportPinProtected);
        v.entries[0].pin = None;
        v.shared = true;
        assert_eq!(
            v.export_uris().unwrap_err(),
            VaultError::ExportOnSharedDevice
        );
    }

    #[test]
    fn the_device_pin_guards_only_a_shared_device_and_a_missing_one_refuses() {
        let mut v = Vault::default();
        assert_eq!(v.pin_of(DEVICE_PIN), Ok(None), "personal: nothing to check");
        // Shared before device PINs existed: nothing gets through until one is chosen.
        v.shared = true;
        assert_eq!(v.pin_of(DEVICE_PIN), Err(VaultError::NoDevicePin));
        let pin = PinHash::new("8642", &mut rand::rngs::OsRng).unwrap();
        v.make_shared(pin.clone());
        assert_eq!(v.pin_of(DEVICE_PIN), Ok(Some(pin.clone())));
        // Cleared (a forgotten PIN): empty, still shared, behind the new PIN.
        v.add(entry("1", "Twostep", "a@b.example")).unwrap();
        v.idle_minutes = Some(2);
        let new = PinHash::new("1357", &mut rand::rngs::OsRng).unwrap();
        v.clear(new.clone());
        assert!(v.entries.is_empty() && v.shared);
        assert_eq!(v.pin_of(DEVICE_PIN), Ok(Some(new)));
        assert_eq!(v.idle_minutes, Some(2));
        v.make_personal();
        assert_eq!(v.pin_of(DEVICE_PIN), Ok(None));
    }

    #[test]
    fn debug_hides_the_secret() {
        let e = entry("1", "Twostep", "a@b.example");
        assert!(!format!("{e:?}").contains("GEZDGNBV"));
    }
}
