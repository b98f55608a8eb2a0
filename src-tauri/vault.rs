//! The authenticator vault on this device: the sealed file in the app's data folder, its key
//! in the OS keyring. Every change is made on a copy, sealed, written to a temporary file,
//! synced and renamed over the old one: a crash or a full disk leaves the previous vault.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::OsRng;
use tokio::sync::Mutex;
use twostep_core::vault::{self, Vault, VaultKey};
use twostep_core::VaultError;

use crate::error::{AppError, AppResult};
use crate::secret::Token;
use crate::tokens::{SecretStore, VAULT_KEY_ACCOUNT};

/// Wrong PINs for one entry before it refuses PINs for a while.
const PIN_TRIES: u32 = 5;
const PIN_LOCK: Duration = Duration::from_secs(60);

pub struct VaultStore {
    path: PathBuf,
    secrets: Arc<dyn SecretStore>,
    cache: Mutex<Option<Vault>>,
    pin_failures: std::sync::Mutex<HashMap<String, (u32, Instant)>>,
}

impl VaultStore {
    pub fn new(path: PathBuf, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            path,
            secrets,
            cache: Mutex::new(None),
            pin_failures: Default::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the vault (loading it on first use).
    pub async fn read<T>(&self, f: impl FnOnce(&Vault) -> T) -> AppResult<T> {
        let mut cache = self.cache.lock().await;
        Ok(f(self.loaded(&mut cache)?))
    }

    /// Changes the vault: `f` works on a copy, which is saved before it replaces the vault in
    /// memory. If `f` or the save fails, nothing changes, on disk or in memory.
    pub async fn update<T>(&self, f: impl FnOnce(&mut Vault) -> AppResult<T>) -> AppResult<T> {
        let mut cache = self.cache.lock().await;
        let mut copy = self.loaded(&mut cache)?.clone();
        let out = f(&mut copy)?;
        self.save(&copy)?;
        *cache = Some(copy);
        Ok(out)
    }

    /// The vault in memory, read from the file on first use.
    fn loaded<'a>(&self, cache: &'a mut Option<Vault>) -> AppResult<&'a Vault> {
        if cache.is_none() {
            *cache = Some(self.load()?);
        }
        cache
            .as_ref()
            .ok_or_else(|| AppError::Internal("vault not loaded".into()))
    }

    fn load(&self) -> AppResult<Vault> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vault::default()),
            Err(e) => return Err(AppError::Internal(format!("reading the vault: {e}"))),
        };
        let key = self
            .secrets
            .get(VAULT_KEY_ACCOUNT)?
            .ok_or(AppError::Vault(VaultError::VaultWrongKey))?;
        let key = VaultKey::from_base64(key.expose())?;
        Ok(vault::open(&bytes, &key)?)
    }

    fn save(&self, v: &Vault) -> AppResult<()> {
        let key = match self.secrets.get(VAULT_KEY_ACCOUNT)? {
            Some(k) => VaultKey::from_base64(k.expose())?,
            None => {
                // The key goes into the keyring before any file exists that needs it.
                let k = VaultKey::generate(&mut OsRng);
                self.secrets
                    .set(VAULT_KEY_ACCOUNT, &Token::new(k.to_base64().to_string()))?;
                k
            }
        };
        let bytes = vault::seal(v, &key, &mut OsRng)?;
        atomic_write(&self.path, &bytes, |_| Ok(()))
            .map_err(|e| AppError::Internal(format!("saving the vault: {e}")))
    }

    /// Counts a wrong PIN; refuses while an entry is locked after too many.
    pub fn check_pin_lock(&self, id: &str) -> AppResult<()> {
        let map = self
            .pin_failures
            .lock()
            .map_err(|_| AppError::Internal("pin lock poisoned".into()))?;
        match map.get(id) {
            Some((n, at)) if *n >= PIN_TRIES && at.elapsed() < PIN_LOCK => {
                Err(AppError::PinLocked((PIN_LOCK - at.elapsed()).as_secs() + 1))
            }
            _ => Ok(()),
        }
    }

    pub fn pin_result(&self, id: &str, ok: bool) {
        if let Ok(mut map) = self.pin_failures.lock() {
            if ok {
                map.remove(id);
            } else {
                let e = map.entry(id.to_owned()).or_insert((0, Instant::now()));
                if e.1.elapsed() >= PIN_LOCK {
                    *e = (0, Instant::now());
                }
                e.0 += 1;
                e.1 = Instant::now();
            }
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it over `path`.
/// `before_rename` runs between the two (tests use it to fail there, as a crash would).
pub fn atomic_write(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        before_rename(&tmp)?;
        std::fs::rename(&tmp, path)?;
        // The rename itself is made durable by syncing the folder (where supported).
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::MemoryStore;
    use twostep_core::otpauth::OtpAuth;
    use twostep_core::vault::Entry;

    fn entry(id: &str, account: &str) -> Entry {
        let o = OtpAuth::parse(&format!(
            "otpauth://totp/Twostep:{account}?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Twostep"
        ))
        .unwrap();
        Entry::from_otpauth(id.into(), o, 0).unwrap()
    }

    fn store(dir: &Path, secrets: Arc<MemoryStore>) -> VaultStore {
        VaultStore::new(dir.join("vault.json"), secrets)
    }

    #[tokio::test]
    async fn saved_sealed_and_read_back_by_a_new_store() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemoryStore::default());
        let s = store(dir.path(), secrets.clone());
        assert_eq!(s.read(|v| v.entries.len()).await.unwrap(), 0);
        s.update(|v| Ok(v.add(entry("1", "jordan")).map(|_| ())?))
            .await
            .unwrap();
        assert!(
            secrets.get(VAULT_KEY_ACCOUNT).unwrap().is_some(),
            "key in the keyring"
        );
        let on_disk = std::fs::read_to_string(s.path()).unwrap();
        assert!(!on_disk.contains("jordan"));
        let again = store(dir.path(), secrets);
        assert_eq!(
            again.read(|v| v.entries[0].account.clone()).await.unwrap(),
            "jordan"
        );
    }

    #[tokio::test]
    async fn an_interrupted_write_leaves_the_previous_vault_readable() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemoryStore::default());
        let s = store(dir.path(), secrets.clone());
        s.update(|v| Ok(v.add(entry("1", "jordan")).map(|_| ())?))
            .await
            .unwrap();
        let before = std::fs::read(s.path()).unwrap();

        // The process dies (or the disk fills) after writing the new file, before the rename.
        let err = atomic_write(s.path(), b"{\"format\": \"twostep-vault\", \"vers", |_| {
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(
            std::fs::read(s.path()).unwrap(),
            before,
            "old file untouched"
        );
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
        let fresh = store(dir.path(), secrets);
        assert_eq!(fresh.read(|v| v.entries.len()).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_damaged_or_foreign_file_is_an_error_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemoryStore::default());
        let s = store(dir.path(), secrets.clone());
        s.update(|v| Ok(v.add(entry("1", "jordan")).map(|_| ())?))
            .await
            .unwrap();
        let good = std::fs::read(s.path()).unwrap();
        let cut = &good[..good.len() / 2];
        for bad in [cut, b"hello, not a vault".as_slice()] {
            std::fs::write(s.path(), bad).unwrap();
            let fresh = store(dir.path(), secrets.clone());
            let err = fresh.read(|_| ()).await.unwrap_err();
            assert!(err.code().starts_with("vault_"), "{err:?}");
            let add = fresh
                .update(|v| Ok(v.add(entry("2", "sam")).map(|_| ())?))
                .await;
            assert!(add.is_err());
            assert_eq!(std::fs::read(s.path()).unwrap(), bad, "left as it was");
        }
        // The key gone from the keyring: a clear error, the file kept.
        std::fs::write(s.path(), &good).unwrap();
        let fresh = store(dir.path(), Arc::new(MemoryStore::default()));
        let err = fresh.read(|_| ()).await.unwrap_err();
        assert_eq!(err.code(), "vault_wrong_key");
        assert_eq!(std::fs::read(s.path()).unwrap(), good);
    }

    #[test]
    fn pins_lock_after_five_wrong_tries() {
        let s = VaultStore::new("x".into(), Arc::new(MemoryStore::default()));
        for _ in 0..5 {
            s.check_pin_lock("e").unwrap();
            s.pin_result("e", false);
        }
        assert_eq!(s.check_pin_lock("e").unwrap_err().code(), "pin_locked");
        assert!(s.check_pin_lock("other").is_ok());
    }
}
