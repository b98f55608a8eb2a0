//! The built-in authenticator, as one service the app's state holds: the vault on this
//! device (its sealed file, its key in the keyring), the PINs that guard entries and the
//! device, and the clock codes are made on. Usable signed out (a classroom tablet at the
//! sign-in screen). Codes of entries with a PIN, and every code on a shared device, are made
//! only when asked for (tapped) and never listed. The commands in `commands/vault.rs` are a
//! line or two over this.

mod clock;
mod entries;
mod store;
mod transfer;
mod views;

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use twostep_core::otpauth::OtpAuth;
use twostep_core::vault::{self, Entry, PinHash};
use twostep_core::VaultError;

use crate::error::{AppError, AppResult};
use crate::tokens::SecretStore;

pub use clock::{system_clock, DeviceClock};
pub use entries::{hash_pin, NewEntry};
pub(crate) use store::atomic_write;
use store::VaultStore;
pub use transfer::ExportKind;
pub use views::{AddedView, CodeView, EntryView, ExportView, ImportView, ProblemView, VaultList};

/// Minutes without use after which a shared device ends its session (the vault's setting,
/// changed behind the device PIN, else this).
pub const SHARED_IDLE_MINUTES: u32 = 5;

pub struct Authenticator {
    store: VaultStore,
    clock: DeviceClock,
    /// Seconds added to the device's clock when making codes ("Resync"; kept in the settings).
    offset_secs: AtomicI64,
    /// Shared by the device's management (`--shared` / `TWOSTEP_SHARED=1`): shared whatever
    /// the vault says, and never turned off here.
    managed_shared: bool,
}

impl Authenticator {
    pub fn new(path: PathBuf, secrets: Arc<dyn SecretStore>, offset_secs: i64) -> Self {
        Self {
            store: VaultStore::new(path, secrets),
            clock: system_clock(),
            offset_secs: AtomicI64::new(offset_secs),
            managed_shared: false,
        }
    }

    /// The same, locked to shared mode by the device's management.
    pub fn with_managed_shared(mut self) -> Self {
        self.managed_shared = true;
        self
    }

    /// Whether shared mode is locked on by the device's management.
    pub fn managed_shared(&self) -> bool {
        self.managed_shared
    }

    /// Whether the vault counts as shared: marked so, or locked so by the device's management.
    fn shared_in(&self, v: &vault::Vault) -> bool {
        v.shared || self.managed_shared
    }

    /// The same, on a clock the tests move.
    pub fn with_clock(mut self, clock: DeviceClock) -> Self {
        self.clock = clock;
        self
    }

    /// Now, on the device's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Now, on the device's clock, in Unix seconds.
    pub fn now_secs(&self) -> i64 {
        self.now().timestamp()
    }

    /// The time codes are made for: the device's, moved by "Resync".
    fn code_time(&self) -> u64 {
        u64::try_from(self.now_secs() + self.offset_secs()).unwrap_or(0)
    }

    pub fn offset_secs(&self) -> i64 {
        self.offset_secs.load(Ordering::SeqCst)
    }

    pub fn set_offset_secs(&self, secs: i64) {
        self.offset_secs.store(secs, Ordering::SeqCst);
    }

    /// Whether this is a shared classroom device. A vault file that exists but cannot be read
    /// counts as shared: the protections fail closed.
    pub async fn is_shared(&self) -> bool {
        self.managed_shared
            || self
                .store
                .read(|v| v.shared)
                .await
                .unwrap_or_else(|_| self.store.path().exists())
    }

    /// On a shared device, the minutes without use that end a session.
    pub async fn idle_minutes(&self) -> u32 {
        self.store
            .read(|v| v.idle_minutes)
            .await
            .ok()
            .flatten()
            .unwrap_or(SHARED_IDLE_MINUTES)
    }

    /// The entries matching `query` (search as you type), with codes where they may be shown.
    pub async fn list(&self, query: &str) -> AppResult<VaultList> {
        let now = self.code_time();
        self.store
            .read(|v| {
                let shared = self.shared_in(v);
                VaultList {
                    shared,
                    managed: self.managed_shared,
                    needs_device_pin: shared && v.device_pin.is_none(),
                    idle_minutes: v.idle_minutes.unwrap_or(SHARED_IDLE_MINUTES),
                    total: v.entries.len(),
                    entries: v
                        .search(query)
                        .into_iter()
                        .map(|e| EntryView::of(e, now, !shared))
                        .collect(),
                }
            })
            .await
    }

    /// One entry's code, on tap: with its PIN when it has one.
    pub async fn reveal(&self, id: &str, pin: Option<&str>) -> AppResult<CodeView> {
        let (entry, wrong_pins) = self.unlock(id, pin).await?;
        let now = self.code_time();
        Ok(CodeView {
            code: entry.code_at(now),
            seconds_left: entry.seconds_left(now),
            period: entry.period,
            next_code: entry.code_at(now + entry.period),
            wrong_pins,
        })
    }

    pub async fn add(&self, new: NewEntry, pin: Option<&str>) -> AppResult<AddedView> {
        let o = new.into_otpauth().await?;
        let mut e = Entry::from_otpauth(entries::new_id(), o, self.now_secs())?;
        e.pin = hash_pin(pin)?;
        let now = self.code_time();
        self.store
            .update(move |v| {
                let shared = self.shared_in(v);
                let added = v.add(e)?;
                let short_secret = added.short_secret();
                let note = short_secret.then(|| {
                    "This service uses a short secret (under 128 bits). It works, but ask the service for a new one if it offers it.".to_owned()
                });
                Ok(AddedView {
                    entry: EntryView::of(added, now, !shared),
                    short_secret,
                    note,
                })
            })
            .await
    }

    /// Adds the account a server's setup gives (`otpauth_uri`), never shown: its id and the
    /// code it makes now, to confirm the setup with.
    pub async fn add_for_setup(
        &self,
        otpauth_uri: &str,
        pin: Option<PinHash>,
    ) -> AppResult<(String, String)> {
        let mut e = Entry::from_otpauth(
            entries::new_id(),
            OtpAuth::parse(otpauth_uri)?,
            self.now_secs(),
        )?;
        e.pin = pin;
        let id = e.id.clone();
        let code = e.code_at(self.code_time());
        self.store.update(|v| Ok(v.add(e).map(|_| ())?)).await?;
        Ok((id, code))
    }

    /// Takes back an entry `add_for_setup` made, when the setup was not confirmed.
    pub async fn take_back(&self, id: &str) -> AppResult<()> {
        self.store.update(|v| Ok(v.remove(id).map(|_| ())?)).await
    }

    /// Renaming: the entry's PIN (or, shared and without one, the device PIN).
    pub async fn rename(
        &self,
        id: &str,
        issuer: &str,
        account: &str,
        pin: Option<&str>,
        device_pin: Option<&str>,
    ) -> AppResult<()> {
        self.unlock_for_change(id, pin, device_pin).await?;
        self.store
            .update(|v| Ok(v.rename(id, issuer, account)?))
            .await
    }

    /// Deleting: on a shared device the device PIN (its keeper removes any account, a departed
    /// colleague's too); elsewhere the entry's own PIN, when it has one.
    pub async fn delete(
        &self,
        id: &str,
        pin: Option<&str>,
        device_pin: Option<&str>,
    ) -> AppResult<()> {
        let shared = self
            .store
            .read(|v| v.get(id).map(|_| self.shared_in(v)))
            .await??;
        if shared {
            self.device_unlock(device_pin).await?;
        } else {
            self.unlock(id, pin).await?;
        }
        self.store.update(|v| Ok(v.remove(id).map(|_| ())?)).await
    }

    /// Sets, changes or removes an entry's PIN; the current PIN is needed when there is one.
    pub async fn set_pin(
        &self,
        id: &str,
        current_pin: Option<&str>,
        new_pin: Option<&str>,
        device_pin: Option<&str>,
    ) -> AppResult<()> {
        self.unlock_for_change(id, current_pin, device_pin).await?;
        let hash = hash_pin(new_pin)?;
        self.store
            .update(|v| {
                v.get_mut(id)?.pin = hash;
                Ok(())
            })
            .await
    }

    /// Marks this device as shared (codes on tap only, no export) behind a new device PIN, or
    /// personal again with that PIN: a curious hand can't turn the protections off. Whether
    /// the device has just become shared (a session kept from before must then be forgotten).
    /// A device shared by its management is never made personal here.
    pub async fn set_shared(&self, shared: bool, device_pin: Option<&str>) -> AppResult<bool> {
        if !shared && self.managed_shared {
            return Err(AppError::SharedManaged);
        }
        let (now_shared, has_device_pin) = self
            .store
            .read(|v| (v.shared, v.device_pin.is_some()))
            .await?;
        if shared {
            // Already shared behind a device PIN: nothing to do. Shared from before device
            // PINs existed: this sets its first one.
            if now_shared && has_device_pin {
                return Ok(false);
            }
            let hash = hash_pin(device_pin)?.ok_or(VaultError::BadPin)?;
            self.store
                .update(|v| {
                    v.make_shared(hash);
                    Ok(())
                })
                .await?;
            return Ok(true);
        }
        if now_shared {
            self.device_unlock(device_pin).await?;
            self.store
                .update(|v| {
                    v.make_personal();
                    Ok(())
                })
                .await?;
        }
        Ok(false)
    }

    /// On a shared device, how many minutes without use end a session (1 to 60), behind the
    /// device PIN.
    pub async fn set_idle(&self, minutes: u32, device_pin: Option<&str>) -> AppResult<()> {
        if !(1..=60).contains(&minutes) {
            return Err(VaultError::BadIdleTime.into());
        }
        if !self.store.read(|v| self.shared_in(v)).await? {
            return Err(VaultError::NotShared.into());
        }
        self.device_unlock(device_pin).await?;
        self.store
            .update(|v| {
                v.idle_minutes = Some(minutes);
                Ok(())
            })
            .await
    }

    /// A forgotten device PIN: every account on this device is deleted (none can leak); the
    /// device stays shared, behind the new device PIN.
    pub async fn clear(&self, new_device_pin: Option<&str>) -> AppResult<()> {
        let hash = hash_pin(new_device_pin)?.ok_or(VaultError::BadPin)?;
        self.store
            .update(|v| {
                v.clear(hash);
                Ok(())
            })
            .await
    }

    /// The entry, once its PIN (if it has one) is checked, with the wrong PINs tried before:
    /// each attempt counted in the sealed file first, locked longer and longer (1, 5, 15, 60
    /// minutes). Reading, renaming and re-PINning pass here.
    async fn unlock(&self, id: &str, pin: Option<&str>) -> AppResult<(Entry, u32)> {
        let entry = self.store.read(|v| v.get(id).cloned()).await??;
        let wrong = self
            .store
            .check_pin(id, pin.unwrap_or_default(), self.now_secs())
            .await?
            .unwrap_or(0);
        Ok((entry, wrong))
    }

    /// On a shared device, what only the device PIN opens (turning shared off, importing,
    /// deleting, the idle time, changing the server): the same counted, growing lock as an
    /// entry's PIN. Shared by the device's management before anyone chose a device PIN: refused
    /// until one is chosen.
    pub async fn device_unlock(&self, device_pin: Option<&str>) -> AppResult<()> {
        if self.managed_shared && !self.store.read(|v| v.shared).await? {
            return Err(VaultError::NoDevicePin.into());
        }
        self.store
            .check_pin(
                vault::DEVICE_PIN,
                device_pin.unwrap_or_default(),
                self.now_secs(),
            )
            .await
            .map(|_| ())
    }

    /// Changing an entry needs its PIN when it has one; on a shared device, one without a PIN
    /// needs the device PIN (a child can't rename a teacher's account or lock it behind a PIN
    /// of their own).
    async fn unlock_for_change(
        &self,
        id: &str,
        pin: Option<&str>,
        device_pin: Option<&str>,
    ) -> AppResult<()> {
        let (shared, has_pin) = self
            .store
            .read(|v| v.get(id).map(|e| (self.shared_in(v), e.pin.is_some())))
            .await??;
        if shared && !has_pin {
            self.device_unlock(device_pin).await
        } else {
            self.unlock(id, pin).await.map(|_| ())
        }
    }
}
