//! The vault file: a small JSON header and the entries sealed with XChaCha20-Poly1305.
//! Documented in docs/vault-format.md. The header is bound to the ciphertext as associated
//! data, so changing any of it is detected like a change to the ciphertext.

use argon2::{Algorithm as Argon2Alg, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use data_encoding::BASE64;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::Vault;
use crate::VaultError;

pub const FORMAT: &str = "twostep-vault";
pub const VERSION: u32 = 1;
const CIPHER: &str = "XChaCha20-Poly1305";

/// The 256-bit key a vault is sealed with (kept in the OS keyring by the app).
#[derive(Clone)]
pub struct VaultKey([u8; 32]);

impl VaultKey {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut k = [0u8; 32];
        rng.fill_bytes(&mut k);
        Self(k)
    }

    pub fn from_base64(text: &str) -> Result<Self, VaultError> {
        let bytes = Zeroizing::new(
            BASE64
                .decode(text.trim().as_bytes())
                .map_err(|_| VaultError::VaultWrongKey)?,
        );
        let k: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::VaultWrongKey)?;
        Ok(Self(k))
    }

    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(&self.0))
    }

    /// A short fingerprint stored in the header, to tell "wrong key" from "damaged file".
    fn check(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"twostep-vault key check\0");
        h.update(self.0);
        BASE64.encode(&h.finalize()[..8])
    }
}

impl Drop for VaultKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(••••)")
    }
}

/// How the sealing key is found: the device keyring, or a password (exports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum KeySource {
    Keyring {
        check: String,
    },
    Password {
        kdf: String,
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
        salt: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    cipher: String,
    key: KeySource,
    nonce: String,
    ciphertext: String,
}

fn aad(key: &KeySource) -> Vec<u8> {
    let mut a = format!("{FORMAT}/{VERSION}/{CIPHER}/").into_bytes();
    a.extend(serde_json::to_vec(key).unwrap_or_default());
    a
}

fn seal_with(
    vault: &Vault,
    key: &[u8; 32],
    source: KeySource,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Vec<u8>, VaultError> {
    let plain = Zeroizing::new(
        serde_json::to_vec(vault).map_err(|e| VaultError::VaultDamaged(e.to_string()))?,
    );
    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: &aad(&source),
            },
        )
        .map_err(|_| VaultError::VaultDamaged("encryption failed".into()))?;
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        cipher: CIPHER.into(),
        key: source,
        nonce: BASE64.encode(&nonce),
        ciphertext: BASE64.encode(&sealed),
    };
    serde_json::to_vec_pretty(&header).map_err(|e| VaultError::VaultDamaged(e.to_string()))
}

/// Seals the vault with the device key.
pub fn seal(
    vault: &Vault,
    key: &VaultKey,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Vec<u8>, VaultError> {
    seal_with(
        vault,
        &key.0,
        KeySource::Keyring { check: key.check() },
        rng,
    )
}

/// The key of an encrypted export: 30 random digits (99.7 bits), which Twostep makes and shows
/// once, in six groups of five. Digits, because they read alike in every language and type on
/// any keypad; made, not chosen, because the file may travel (a USB stick, an email) and
/// whoever holds it can guess offline for as long as they like: a chosen password would have
/// to be judged by a strength estimator, which a key this long never needs.
pub struct ExportKey(Zeroizing<String>);

impl ExportKey {
    pub const DIGITS: usize = 30;
    const GROUP: usize = 5;

    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut digits = Zeroizing::new(String::with_capacity(Self::DIGITS));
        while digits.len() < Self::DIGITS {
            // 250 = 25 × 10: bytes above it are drawn again, so every digit is equally likely.
            let mut b = [0u8; 1];
            rng.fill_bytes(&mut b);
            if b[0] < 250 {
                digits.push(char::from(b'0' + b[0] % 10));
            }
        }
        Self(digits)
    }

    /// The key as typed back, in any grouping: spaces and hyphens are ignored. `None` for
    /// anything else (a password chosen for an export of an earlier version).
    pub fn parse(typed: &str) -> Option<Self> {
        // Room for all of it first: a string that grew would leave copies behind.
        let mut digits = Zeroizing::new(String::with_capacity(typed.len()));
        digits.extend(typed.chars().filter(|c| !c.is_whitespace() && *c != '-'));
        (digits.len() == Self::DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
            .then_some(Self(digits))
    }

    /// As shown: six groups of five digits.
    pub fn grouped(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(Self::DIGITS + 5));
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % Self::GROUP == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }
}

impl std::fmt::Debug for ExportKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExportKey(••••)")
    }
}

/// Seals the vault for export under a key made for it: the file, and the key to show once.
pub fn seal_for_export(
    vault: &Vault,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<u8>, ExportKey), VaultError> {
    let key = ExportKey::generate(rng);
    let bytes = seal_with_password(vault, &key.0, rng)?;
    Ok((bytes, key))
}

/// Seals the vault under a password (the key of an export) with Argon2id, 64 MiB and 3 passes:
/// the format exports have had since the first version (docs/vault-format.md).
fn seal_with_password(
    vault: &Vault,
    password: &str,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Vec<u8>, VaultError> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let source = KeySource::Password {
        kdf: "argon2id".into(),
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
        salt: BASE64.encode(&salt),
    };
    let key = derive(password, &source)?;
    seal_with(vault, &key, source, rng)
}

fn derive(password: &str, source: &KeySource) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let KeySource::Password {
        kdf,
        memory_kib,
        iterations,
        parallelism,
        salt,
    } = source
    else {
        return Err(VaultError::VaultWrongPassword);
    };
    let damaged = |what: &str| VaultError::VaultDamaged(what.into());
    // Costs read from a file someone handed over: at most a little more than any export of
    // ours asks (64 MiB, 3 passes), so a crafted file cannot stall the device.
    if kdf != "argon2id" || *memory_kib > 256 * 1024 || *iterations > 10 || *parallelism > 4 {
        return Err(damaged("unknown or unreasonable key derivation"));
    }
    let salt = BASE64
        .decode(salt.as_bytes())
        .map_err(|_| damaged("bad salt"))?;
    let params = Params::new(*memory_kib, *iterations, *parallelism, Some(32))
        .map_err(|_| damaged("bad key derivation parameters"))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Argon2Alg::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), &salt, out.as_mut())
        .map_err(|_| damaged("bad key derivation parameters"))?;
    Ok(out)
}

/// Reads the header, refusing anything that is not a vault this version understands.
fn header(bytes: &[u8]) -> Result<Header, VaultError> {
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        // Cut short (a full disk, a copy interrupted) or edited: say so if it was ours.
        Err(_) if contains(bytes, FORMAT.as_bytes()) => {
            return Err(VaultError::VaultDamaged(
                "the file is incomplete or damaged".into(),
            ))
        }
        Err(_) => return Err(VaultError::VaultNotAVault),
    };
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(VaultError::VaultNotAVault);
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v > u64::from(VERSION) => {
            return Err(VaultError::VaultFutureVersion(v.min(u32::MAX as u64) as u32))
        }
        Some(v) if v == u64::from(VERSION) => {}
        _ => return Err(VaultError::VaultDamaged("unknown version".into())),
    }
    let h: Header = serde_json::from_value(value)
        .map_err(|_| VaultError::VaultDamaged("the header is damaged".into()))?;
    if h.cipher != CIPHER {
        return Err(VaultError::VaultDamaged("unknown cipher".into()));
    }
    Ok(h)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn open_with(h: &Header, key: &[u8; 32]) -> Result<Vault, VaultError> {
    let damaged = || VaultError::VaultDamaged("the contents are damaged".into());
    let nonce = BASE64.decode(h.nonce.as_bytes()).map_err(|_| damaged())?;
    if nonce.len() != 24 {
        return Err(damaged());
    }
    let sealed = BASE64
        .decode(h.ciphertext.as_bytes())
        .map_err(|_| damaged())?;
    let plain = Zeroizing::new(
        XChaCha20Poly1305::new(key.into())
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &sealed,
                    aad: &aad(&h.key),
                },
            )
            .map_err(|_| damaged())?,
    );
    serde_json::from_slice(&plain).map_err(|_| damaged())
}

/// Opens a vault sealed with the device key.
pub fn open(bytes: &[u8], key: &VaultKey) -> Result<Vault, VaultError> {
    let h = header(bytes)?;
    match &h.key {
        KeySource::Keyring { check } if *check == key.check() => open_with(&h, &key.0),
        KeySource::Keyring { .. } => Err(VaultError::VaultWrongKey),
        KeySource::Password { .. } => Err(VaultError::VaultNeedsPassword),
    }
}

/// Opens an export with its key, typed in any grouping, or with the password it was sealed
/// under by an earlier version (which let the person choose one). Nothing typed: the key is
/// asked for, before any work.
pub fn open_with_password(bytes: &[u8], typed: &str) -> Result<Vault, VaultError> {
    let h = header(bytes)?;
    if typed.trim().is_empty() {
        return Err(match h.key {
            KeySource::Password { .. } => VaultError::VaultNeedsPassword,
            KeySource::Keyring { .. } => VaultError::VaultWrongPassword,
        });
    }
    match ExportKey::parse(typed) {
        // What an export's key looks like: its digits first (one derivation on the usual
        // path), then the text as typed, in case an earlier version's chosen password was
        // digits in groups. The cipher tells which is right.
        Some(key) if key.0.as_str() != typed => match open_sealed_with(&h, &key.0) {
            Err(VaultError::VaultWrongPassword) => open_sealed_with(&h, typed),
            opened => opened,
        },
        _ => open_sealed_with(&h, typed),
    }
}

fn open_sealed_with(h: &Header, password: &str) -> Result<Vault, VaultError> {
    let key = derive(password, &h.key)?;
    open_with(h, &key).map_err(|e| match e {
        // Without a key check, a wrong password and a damaged file look alike.
        VaultError::VaultDamaged(_) => VaultError::VaultWrongPassword,
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::TotpSecret;
    use crate::totp::Algorithm;
    use crate::vault::Entry;
    use rand::rngs::OsRng;

    fn vault() -> Vault {
        let mut v = Vault::default();
        v.add(Entry {
            id: "e1".into(),
            issuer: "Twostep".into(),
            account: "jordan@maple.example".into(),
            secret: TotpSecret::from_bytes(b"12345678901234567890".to_vec()),
            algorithm: Algorithm::Sha256,
            digits: 8,
            period: 60,
            pin: None,
            created_at: 1_700_000_000,
        })
        .unwrap();
        v
    }

    #[test]
    fn round_trip() {
        let key = VaultKey::generate(&mut OsRng);
        let bytes = seal(&vault(), &key, &mut OsRng).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains("jordan"), "nothing readable in the file");
        assert!(!text.contains("GEZDGNBV"), "no secret in the file");
        let back = open(&bytes, &key).unwrap();
        let e = &back.entries[0];
        assert_eq!(e.account, "jordan@maple.example");
        assert_eq!(e.code_at(59), vault().entries[0].code_at(59));
        let key2 = VaultKey::from_base64(&key.to_base64()).unwrap();
        assert!(open(&bytes, &key2).is_ok());
    }

    #[test]
    fn wrong_key_truncated_flipped_future_and_foreign_are_each_a_clear_error() {
        let key = VaultKey::generate(&mut OsRng);
        let bytes = seal(&vault(), &key, &mut OsRng).unwrap();

        let other = VaultKey::generate(&mut OsRng);
        assert_eq!(open(&bytes, &other).unwrap_err(), VaultError::VaultWrongKey);

        for cut in [bytes.len() / 2, bytes.len() - 3, 40] {
            let e = open(&bytes[..cut], &key).unwrap_err();
            assert!(
                matches!(e, VaultError::VaultDamaged(_)),
                "cut at {cut}: {e:?}"
            );
        }

        // A flipped byte inside the ciphertext: authentication fails.
        let text = String::from_utf8(bytes.clone()).unwrap();
        let at = text.find("\"ciphertext\": \"").unwrap() + 20;
        let mut flipped = bytes.clone();
        flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
        assert!(matches!(
            open(&flipped, &key).unwrap_err(),
            VaultError::VaultDamaged(_)
        ));
        // Any single flipped byte anywhere: an error, never a panic, never wrong contents.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            if let Ok(v) = open(&b, &key) {
                // Only whitespace/formatting changes can still open, with the same contents.
                assert_eq!(
                    v.entries[0].code_at(59),
                    vault().entries[0].code_at(59),
                    "byte {i}"
                );
            }
        }

        let future = text.replace("\"version\": 1", "\"version\": 2");
        assert_eq!(
            open(future.as_bytes(), &key).unwrap_err(),
            VaultError::VaultFutureVersion(2)
        );
        assert_eq!(
            open(b"{\"db\": {\"entries\": []}}", &key).unwrap_err(),
            VaultError::VaultNotAVault
        );
        assert_eq!(
            open(b"\x89PNG....", &key).unwrap_err(),
            VaultError::VaultNotAVault
        );
    }

    #[test]
    fn an_export_opens_with_its_key_in_any_grouping_and_with_nothing_else() {
        let (bytes, key) = seal_for_export(&vault(), &mut OsRng).unwrap();
        let shown = key.grouped();
        // Six groups of five digits.
        let groups: Vec<&str> = shown.split(' ').collect();
        assert_eq!(groups.len(), 6, "{shown:?}");
        assert!(groups
            .iter()
            .all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit())));
        let digits: String = shown.split(' ').collect();
        let hyphens = shown.replace(' ', "-");
        let spaced = format!("  {}\n", shown.replace(' ', "  "));
        for typed in [shown.as_str(), &digits, &hyphens, &spaced] {
            let back = open_with_password(&bytes, typed).unwrap();
            assert_eq!(back.entries.len(), 1, "{typed:?}");
        }
        let mut wrong = digits.clone().into_bytes();
        wrong[29] = if wrong[29] == b'0' { b'1' } else { b'0' };
        for typed in [String::from_utf8(wrong).unwrap(), digits[..29].to_owned()] {
            assert_eq!(
                open_with_password(&bytes, &typed).unwrap_err(),
                VaultError::VaultWrongPassword,
                "{typed:?}"
            );
        }
        for nothing in ["", "  \n"] {
            assert_eq!(
                open_with_password(&bytes, nothing).unwrap_err(),
                VaultError::VaultNeedsPassword
            );
        }
        let device = VaultKey::generate(&mut OsRng);
        assert_eq!(
            open(&bytes, &device).unwrap_err(),
            VaultError::VaultNeedsPassword
        );
        // What an export asks of a guesser, on top of the key's 99.7 bits: Argon2id, 64 MiB,
        // 3 passes.
        let header: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(header["key"]["kind"], "password");
        assert_eq!(header["key"]["memory_kib"], 64 * 1024);
        assert_eq!(header["key"]["iterations"], 3);
        // The key is not in the file, and never printed.
        assert!(!String::from_utf8_lossy(&bytes).contains(&digits));
        assert_eq!(format!("{key:?}"), "ExportKey(••••)");
    }

    #[test]
    fn export_keys_are_thirty_digits_each_as_likely() {
        let keys: Vec<String> = (0..200)
            .map(|_| ExportKey::generate(&mut OsRng).0.to_string())
            .collect();
        let mut seen = [0u32; 10];
        for k in &keys {
            assert_eq!(k.len(), ExportKey::DIGITS);
            for b in k.bytes() {
                seen[usize::from(b - b'0')] += 1;
            }
        }
        // 6,000 digits: each expected 600 times; 450 is over six standard deviations below.
        assert!(seen.iter().all(|&n| n > 450), "{seen:?}");
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
        for not_a_key in ["", "12345", "a long classroom password", &"1".repeat(31)] {
            assert!(ExportKey::parse(not_a_key).is_none(), "{not_a_key:?}");
        }
    }

    #[test]
    fn an_export_of_an_earlier_version_still_opens_with_its_chosen_password() {
        // Before export keys, the person chose the password (any text, spaces kept).
        let bytes = seal_with_password(&vault(), "a long classroom password", &mut OsRng).unwrap();
        let back = open_with_password(&bytes, "a long classroom password").unwrap();
        assert_eq!(back.entries.len(), 1);
        assert_eq!(
            open_with_password(&bytes, "another password").unwrap_err(),
            VaultError::VaultWrongPassword
        );
        // A chosen password that happened to be digits in groups is tried as typed first.
        let grouped = "12345 67890 12345 67890 12345 67890";
        let bytes = seal_with_password(&vault(), grouped, &mut OsRng).unwrap();
        assert_eq!(
            open_with_password(&bytes, grouped).unwrap().entries.len(),
            1
        );
    }
}
