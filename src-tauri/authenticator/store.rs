//! The vault's file on this device: sealed, in the app's data folder, its key in the OS
//! keyring. Every change is made on a copy, sealed, written to a temporary file,
//! synced and renamed over the old one: a crash or a full disk leaves the previous vault.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::rngs::OsRng;
use tokio::sync::Mutex;
use twostep_core::vault::{self, PinHash, Vault, VaultKey};
use twostep_core::VaultError;

use crate::error::{AppError, AppResult};
use crate::secret::Token;
use crate::tokens::{SecretStore, VAULT_KEY_ACCOUNT};

pub struct VaultStore {
    path: PathBuf,
    secrets: Arc<dyn SecretStore>,
    cache: Mutex<Option<Vault>>,
}

impl VaultStore {
    pub fn new(path: PathBuf, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            path,
            secrets,
            cache: Mutex::new(None),
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

    /// Checks `pin` against the PIN guarding `key` (an entry's id, or `DEVICE_PIN`), when
    /// there is one. The attempt is counted as wrong in the sealed file before the check (a
    /// restart, a crash or a burst gets no try for free) and given back when the PIN is right.
    /// `Some(n)`: the PIN was right, after `n` wrong ones since it was last used; `None`: no
    /// PIN guards it. `now`: the device's time, in Unix seconds.
    pub async fn check_pin(&self, key: &str, pin: &str, now: i64) -> AppResult<Option<u32>> {
        let Some(hash) = self.read(|v| v.pin_of(key)).await?? else {
            return Ok(None);
        };
        // Not even a PIN (empty, letters): wrong, without using up a try.
        if !PinHash::well_formed(pin) {
            return Err(VaultError::WrongPin.into());
        }
        self.update(|v| {
            v.pin_guards
                .entry(key.to_owned())
                .or_default()
                .attempt(now)
                .map_err(AppError::PinLocked)
        })
        .await?;
        let pin = zeroize::Zeroizing::new(pin.to_owned());
        let ok = verify_off_thread(hash, pin).await?;
        if !ok {
            return Err(VaultError::WrongPin.into());
        }
        self.update(|v| Ok(v.pin_guards.remove(key).map_or(0, |mut g| g.passed())))
            .await
            .map(Some)
    }
}

/// Argon2id off the async threads.
async fn verify_off_thread(hash: PinHash, pin: zeroize::Zeroizing<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || hash.verify(&pin))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
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

    #[tokio::test]
    async fn wrong_pins_lock_and_the_lock_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemoryStore::default());
        let mut now = 1_000;
        let open = || store(dir.path(), secrets.clone());
        let s = open();
        s.update(|v| {
            let mut e = entry("1", "jordan");
            e.pin = Some(PinHash::new("2468", &mut OsRng).unwrap());
            v.add(e)?;
            v.add(entry("2", "sam"))?;
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(
            s.check_pin("2", "", now).await.unwrap(),
            None,
            "no PIN: nothing to check"
        );
        for _ in 0..4 {
            assert_eq!(
                s.check_pin("1", "1111", now).await.unwrap_err().code(),
                "wrong_pin"
            );
        }
        // Restarting the app gives no fresh tries: the fifth wrong PIN locks.
        let s = open();
        assert_eq!(
            s.check_pin("1", "1111", now).await.unwrap_err().code(),
            "wrong_pin"
        );
        let s = open();
        let err = s.check_pin("1", "2468", now).await.unwrap_err();
        assert_eq!(err.code(), "pin_locked", "even the right PIN waits");
        // A minute later the right PIN opens it, and says how many wrong ones came before.
        now += 60;
        assert_eq!(s.check_pin("1", "2468", now).await.unwrap(), Some(5));
        assert_eq!(s.check_pin("1", "2468", now).await.unwrap(), Some(0));
        let on_disk = std::fs::read_to_string(s.path()).unwrap();
        assert!(!on_disk.contains("failures"), "sealed, not in the clear");
    }

    #[tokio::test]
    async fn a_burst_of_wrong_pins_is_counted_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let s = Arc::new(store(dir.path(), Arc::new(MemoryStore::default())));
        s.update(|v| {
            let mut e = entry("1", "jordan");
            e.pin = Some(PinHash::new("2468", &mut OsRng).unwrap());
            v.add(e)?;
            Ok(())
        })
        .await
        .unwrap();
        let tries: Vec<_> = (0..12)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { s.check_pin("1", "1111", 1_000).await })
            })
            .collect();
        let mut wrong = 0;
        for t in tries {
            match t.await.unwrap().unwrap_err().code() {
                "wrong_pin" => wrong += 1,
                "pin_locked" => {}
                other => panic!("{other}"),
            }
        }
        assert_eq!(wrong, 5, "five checked, the rest refused");
    }
}
