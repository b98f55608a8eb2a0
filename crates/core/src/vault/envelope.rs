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

/// Seals the vault under a password (the encrypted export), with Argon2id.
pub fn seal_with_password(
    vault: &Vault,
    password: &str,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Vec<u8>, VaultError> {
    if password.chars().count() < 8 {
        return Err(VaultError::ExportPasswordTooShort);
    }
    // The file may travel (a USB stick, an email): only a password hard to guess, and a
    // derivation costly for whoever tries (Argon2id, 64 MiB, 3 passes).
    crate::password::check(password, "", "").map_err(VaultError::ExportPasswordWeak)?;
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

/// Opens a password-sealed export.
pub fn open_with_password(bytes: &[u8], password: &str) -> Result<Vault, VaultError> {
    let h = header(bytes)?;
    let key = derive(password, &h.key)?;
    open_with(&h, &key).map_err(|e| match e {
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
    fn password_export_round_trip_and_wrong_password() {
        let bytes = seal_with_password(&vault(), "a long classroom password", &mut OsRng).unwrap();
        let back = open_with_password(&bytes, "a long classroom password").unwrap();
        assert_eq!(back.entries.len(), 1);
        assert_eq!(
            open_with_password(&bytes, "another password").unwrap_err(),
            VaultError::VaultWrongPassword
        );
        let key = VaultKey::generate(&mut OsRng);
        assert_eq!(
            open(&bytes, &key).unwrap_err(),
            VaultError::VaultNeedsPassword
        );
        assert_eq!(
            seal_with_password(&vault(), "short", &mut OsRng).unwrap_err(),
            VaultError::ExportPasswordTooShort
        );
        assert!(matches!(
            seal_with_password(&vault(), "password123", &mut OsRng).unwrap_err(),
            VaultError::ExportPasswordWeak(_)
        ));
        // What a new export asks of a guesser: Argon2id, 64 MiB, 3 passes.
        let header: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(header["key"]["memory_kib"], 64 * 1024);
        assert_eq!(header["key"]["iterations"], 3);
    }
}
