//! The server key and what is derived from it; tokens; password hashes.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use twostep_core::recovery::RecoveryCode;
use twostep_core::secret::TotpSecret;
use zeroize::Zeroizing;

use crate::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

/// Keys derived from the 256-bit server key, one per purpose.
pub struct Keys {
    code_key: Zeroizing<[u8; 32]>,
    sealing: XChaCha20Poly1305,
    fingerprint: String,
}

impl Keys {
    /// Reads the key file, or creates it (mode 0600) with 32 random bytes if there is none.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        let master = match std::fs::read(path) {
            Ok(bytes) => {
                refuse_if_readable_by_others(path)?;
                let bytes = Zeroizing::new(bytes);
                let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                    anyhow::anyhow!("{} must hold exactly 32 bytes", path.display())
                })?;
                Zeroizing::new(key)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = Zeroizing::new([0u8; 32]);
                OsRng.fill_bytes(key.as_mut());
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                // Written to a private temporary file, then linked into place: of two servers
                // starting at once, one key wins and the other server reads it.
                let tmp = path.with_extension(format!("new-{}", std::process::id()));
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let mut f = opts.open(&tmp)?;
                f.write_all(key.as_ref())?;
                f.sync_all()?;
                let linked = std::fs::hard_link(&tmp, path);
                std::fs::remove_file(&tmp)?;
                match linked {
                    Ok(()) => key,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        return Self::load_or_create(path)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Self::from_master(&master))
    }

    /// Reads a key file that must be there (a backup's or a restore's key: never made anew).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            anyhow::bail!("there is no server key at {}", path.display());
        }
        Self::load_or_create(path)
    }

    pub fn from_master(master: &[u8; 32]) -> Self {
        let derive = |label: &[u8]| {
            let mut mac =
                <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
            mac.update(label);
            let mut out = Zeroizing::new([0u8; 32]);
            out.copy_from_slice(&mac.finalize().into_bytes());
            out
        };
        let sealing_key = derive(b"twostep/v1/totp-secret-sealing");
        let fingerprint =
            data_encoding::HEXLOWER.encode(&derive(b"twostep/v1/key-fingerprint")[..16]);
        Self {
            code_key: derive(b"twostep/v1/code-hash"),
            sealing: XChaCha20Poly1305::new(sealing_key.as_ref().into()),
            fingerprint,
        }
    }

    /// Names the key without revealing it (an HMAC of a fixed label under the key): servers
    /// that share a database compare it at start.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The keyed hash of a code, bound to the challenge or enrollment it was sent for, so a
    /// code is good only there.
    pub fn hash_code(&self, scope_id: &str, code: &str) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.code_key.as_ref())
            .expect("HMAC takes any key length");
        mac.update(scope_id.as_bytes());
        mac.update(&[0]);
        mac.update(code.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The keyed hash of a recovery code, bound to its person (the same code of two people
    /// hashes apart; a stolen table of hashes is useless without the server key).
    pub fn hash_recovery_code(&self, person_id: &str, code: &RecoveryCode) -> Vec<u8> {
        self.hash_code(&format!("recovery/{person_id}"), code.expose())
    }

    /// Seals a TOTP secret for storage; `owner` (the person's id) is authenticated with it, so a
    /// sealed secret moved to another row does not open.
    pub fn seal(&self, owner: &str, secret: &TotpSecret) -> Result<Vec<u8>, ApiError> {
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let ct = self
            .sealing
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.expose(),
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| ApiError::internal("sealing a secret failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open(&self, owner: &str, sealed: &[u8]) -> Result<TotpSecret, ApiError> {
        if sealed.len() < 24 {
            return Err(ApiError::internal("a sealed secret is truncated"));
        }
        let (nonce, ct) = sealed.split_at(24);
        let plain = self
            .sealing
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| ApiError::internal("a sealed secret did not open (wrong server key?)"))?;
        Ok(TotpSecret::from_bytes(plain))
    }
}

/// The server key must be the server's alone: a key readable by group or others is refused,
/// with the command that fixes it.
fn refuse_if_readable_by_others(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            anyhow::bail!(
                "{} can be read by other users of this machine (mode {:o}); it seals every \
                 authenticator secret. Run `chmod 600 {}` and start again.",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    Ok(())
}

/// A new opaque token (256 random bits, base64url) and the hash under which it is stored.
pub fn new_token() -> (Zeroizing<String>, Vec<u8>) {
    let mut raw = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(raw.as_mut());
    let token = Zeroizing::new(data_encoding::BASE64URL_NOPAD.encode(raw.as_ref()));
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_for_their_owner_and_key() {
        let keys = Keys::from_master(&[7u8; 32]);
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        let sealed = keys.seal("alice", &secret).unwrap();
        assert!(!sealed.windows(20).any(|w| w == secret.expose()));
        assert_eq!(
            keys.open("alice", &sealed).unwrap().expose(),
            secret.expose()
        );
        assert!(keys.open("bob", &sealed).is_err());
        assert!(Keys::from_master(&[8u8; 32])
            .open("alice", &sealed)
            .is_err());
    }

    #[test]
    fn code_hashes_are_bound_to_their_scope() {
        let keys = Keys::from_master(&[7u8; 32]);
        assert_eq!(
            keys.hash_code("c1", "123456"),
            keys.hash_code("c1", "123456")
        );
        assert_ne!(
            keys.hash_code("c1", "123456"),
            keys.hash_code("c2", "123456")
        );
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k/server.key");
        let a = Keys::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let b = Keys::load_or_create(&path).unwrap();
        assert_eq!(a.hash_code("s", "1"), b.hash_code("s", "1"));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_readable_by_others_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        Keys::load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = Keys::load_or_create(&path).err().unwrap().to_string();
        assert!(
            err.contains(&format!("chmod 600 {}", path.display())),
            "{err}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        Keys::load_or_create(&path).unwrap();
    }
}
