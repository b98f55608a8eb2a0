//! The built-in authenticator: the vault's entries and codes on this device, usable signed
//! out (a classroom tablet at the sign-in screen). Codes of entries with a PIN, and every code
//! on a shared device, are computed only when asked for (tapped) and never listed.

use std::time::Duration;

use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use twostep_api::Enrollment;
use twostep_core::otpauth::OtpAuth;
use twostep_core::secret::TotpSecret;
use twostep_core::totp::{Algorithm, TotpParams};
use twostep_core::vault::{self, import, Entry, PinHash};
use twostep_core::VaultError;

use crate::commands::methods::method_confirmed;
use crate::commands::server::measure_clock;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::ConfirmedView;

/// How far off the device's clock may be before the app warns (the help page's advice is to
/// resync the authenticator when codes stop working).
const CLOCK_WARNING_MS: i64 = 15_000;
/// A copied code is cleared from the clipboard after this long (60 s; a managed device may set
/// `TWOSTEP_CLIPBOARD_CLEAR_SECS` shorter).
fn clipboard_clear() -> Duration {
    let secs = std::env::var("TWOSTEP_CLIPBOARD_CLEAR_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| (1..=60).contains(s))
        .unwrap_or(60);
    Duration::from_secs(secs)
}

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

#[derive(Debug, Serialize)]
pub struct ClockView {
    /// The server's clock minus this device's, when a server could be asked.
    pub measured_offset_ms: Option<i64>,
    /// What "Resync" applied to code generation.
    pub applied_offset_secs: i64,
    /// How far this device's codes are off, in whole seconds, when far enough to warn:
    /// positive when the device is behind the server. `warning` is the English of it.
    pub warning_secs: Option<i64>,
    pub warning: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct VaultView {
    pub shared: bool,
    /// Shared from before device PINs existed: the window asks for one.
    pub needs_device_pin: bool,
    /// On a shared device, the minutes without use that end a session.
    pub idle_minutes: u32,
    pub total: usize,
    pub entries: Vec<EntryView>,
    pub clock: ClockView,
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

/// An entry that could not be imported. `line` or `entry` (with `name`) say where and `code`
/// (with `detail`) why, for the UI to word; `item` and `reason` are the English of both.
#[derive(Debug, Serialize)]
pub struct ProblemView {
    pub item: String,
    pub reason: String,
    pub line: Option<usize>,
    pub entry: Option<usize>,
    pub name: Option<String>,
    pub code: &'static str,
    pub detail: Option<&'static str>,
}

impl ProblemView {
    fn new(problem: import::Problem) -> Self {
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
            code: problem.error.code(),
            detail: problem.error.detail(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ImportView {
    pub added: usize,
    pub short_secrets: usize,
    pub problems: Vec<ProblemView>,
}

#[derive(Debug, Serialize)]
pub struct ExportView {
    pub text: String,
    pub warning: Option<String>,
}

/// Where a new entry comes from.
#[derive(Debug, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum NewEntry {
    /// A pasted `otpauth://` link.
    Uri { uri: String },
    /// Typed by hand.
    Manual {
        issuer: String,
        account: String,
        secret: String,
        #[serde(default)]
        algorithm: Option<Algorithm>,
        #[serde(default)]
        digits: Option<u32>,
        #[serde(default)]
        period: Option<u64>,
    },
    /// A QR code image (a file or a pasted screenshot), base64.
    QrImage { image_base64: String },
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    Uris,
    Encrypted,
}

fn unix_now(state_offset: i64) -> u64 {
    u64::try_from(chrono::Utc::now().timestamp() + state_offset).unwrap_or(0)
}

async fn code_offset(state: &AppState) -> i64 {
    state.inner.lock().await.settings.vault_offset_secs
}

fn view(e: &Entry, now: u64, show_code: bool) -> EntryView {
    EntryView {
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

/// The most QR images one import reads (Google's export of many accounts is a few).
const MAX_IMPORT_IMAGES: usize = 20;
/// The most text one import reads (thousands of accounts' links fit).
const MAX_IMPORT_TEXT: usize = 4 * 1024 * 1024;

fn new_id() -> String {
    let mut b = [0u8; 12];
    rand::RngCore::fill_bytes(&mut OsRng, &mut b);
    data_encoding::HEXLOWER.encode(&b)
}

fn hash_pin(pin: Option<&str>) -> AppResult<Option<PinHash>> {
    match pin.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Ok(Some(PinHash::new(p, &mut OsRng)?)),
        None => Ok(None),
    }
}

async fn clock_view(state: &AppState) -> ClockView {
    let inner = state.inner.lock().await;
    let applied = inner.settings.vault_offset_secs;
    let measured = inner.server.as_ref().and(inner.clock_offset_ms);
    let warning_secs = measured.and_then(|m| {
        let off = m - applied * 1000;
        (off.abs() > CLOCK_WARNING_MS).then(|| off.signum() * ((off.abs() + 500) / 1000))
    });
    let warning = warning_secs.map(|secs| {
        let way = if secs > 0 { "behind" } else { "ahead of" };
        format!(
            "This device's clock is {} seconds {way} the server's, so codes may be refused. Resync to fix the codes.",
            secs.abs()
        )
    });
    ClockView {
        measured_offset_ms: measured,
        applied_offset_secs: applied,
        warning_secs,
        warning,
    }
}

/// The entries matching `query` (search as you type), with codes where they may be shown.
#[tauri::command]
pub async fn vault_list(
    state: State<'_, AppState>,
    query: Option<String>,
    remeasure: Option<bool>,
) -> AppResult<VaultView> {
    if remeasure == Some(true) {
        // Opening the screen compares the clocks again (the device's may have drifted).
        state.inner.lock().await.clock_offset_ms = None;
        measure_clock(&state).await;
    }
    let now = unix_now(code_offset(&state).await);
    let q = query.unwrap_or_default();
    let (shared, needs_device_pin, idle_minutes, total, entries) = state
        .vault
        .read(|v| {
            let list = v
                .search(&q)
                .into_iter()
                .map(|e| view(e, now, !v.shared))
                .collect();
            let idle = v
                .idle_minutes
                .unwrap_or(crate::session::SHARED_IDLE_MINUTES);
            let needs = v.shared && v.device_pin.is_none();
            (v.shared, needs, idle, v.entries.len(), list)
        })
        .await?;
    Ok(VaultView {
        shared,
        needs_device_pin,
        idle_minutes,
        total,
        entries,
        clock: clock_view(&state).await,
    })
}

/// One entry's code, on tap: with its PIN when it has one (Argon2id, throttled).
#[tauri::command]
pub async fn vault_reveal(
    state: State<'_, AppState>,
    id: String,
    pin: Option<String>,
) -> AppResult<CodeView> {
    reveal(&state, &id, pin.as_deref()).await
}

async fn reveal(state: &AppState, id: &str, pin: Option<&str>) -> AppResult<CodeView> {
    let (entry, wrong_pins) = unlock(state, id, pin).await?;
    let now = unix_now(code_offset(state).await);
    Ok(CodeView {
        code: entry.code_at(now),
        seconds_left: entry.seconds_left(now),
        period: entry.period,
        next_code: entry.code_at(now + entry.period),
        wrong_pins,
    })
}

/// The entry, once its PIN (if it has one) is checked, with the wrong PINs tried before:
/// Argon2id off the async threads, each attempt counted in the sealed file first, locked
/// longer and longer (1, 5, 15, 60 minutes). Reading, renaming and re-PINning pass here.
async fn unlock(state: &AppState, id: &str, pin: Option<&str>) -> AppResult<(Entry, u32)> {
    let entry = state.vault.read(|v| v.get(id).cloned()).await??;
    let wrong = state
        .vault
        .check_pin(id, pin.unwrap_or_default())
        .await?
        .unwrap_or(0);
    Ok((entry, wrong))
}

/// On a shared device, what only the device PIN opens (turning shared off, importing,
/// deleting): the same counted, growing lock as an entry's PIN.
async fn device_unlock(state: &AppState, device_pin: Option<&str>) -> AppResult<()> {
    state
        .vault
        .check_pin(vault::DEVICE_PIN, device_pin.unwrap_or_default())
        .await
        .map(|_| ())
}

/// Copies an entry's code to the clipboard, and clears it after 60 seconds unless something
/// else was copied since.
#[tauri::command]
pub async fn vault_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    pin: Option<String>,
) -> AppResult<CodeView> {
    let code = reveal(&state, &id, pin.as_deref()).await?;
    copy_then_clear(&app, code.code.clone())?;
    Ok(code)
}

/// Puts a secret (a code, a setup key) on the clipboard and takes it off again after a
/// minute, unless something else was copied since.
pub(crate) fn copy_then_clear<R: Runtime>(app: &AppHandle<R>, secret: String) -> AppResult<()> {
    app.clipboard()
        .write_text(secret.clone())
        .map_err(|e| AppError::Internal(format!("the clipboard refused the text: {e}")))?;
    let app = app.clone();
    let after = clipboard_clear();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(after).await;
        if app.clipboard().read_text().ok().as_deref() == Some(secret.as_str()) {
            let _ = app.clipboard().write_text(String::new());
        }
    });
    Ok(())
}

#[tauri::command]
pub async fn vault_add(
    state: State<'_, AppState>,
    entry: NewEntry,
    pin: Option<String>,
) -> AppResult<AddedView> {
    let o = match entry {
        NewEntry::Uri { uri } => OtpAuth::parse(&uri)?,
        NewEntry::Manual {
            issuer,
            account,
            secret,
            algorithm,
            digits,
            period,
        } => OtpAuth {
            issuer: Some(issuer.trim().to_owned()).filter(|i| !i.is_empty()),
            account: account.trim().to_owned(),
            secret: TotpSecret::from_base32(&secret)?,
            params: TotpParams {
                algorithm: algorithm.unwrap_or_default(),
                digits: digits.unwrap_or(6),
                period: period.unwrap_or(30),
            },
        },
        NewEntry::QrImage { image_base64 } => {
            let bytes = data_encoding::BASE64
                .decode(image_base64.trim().as_bytes())
                .map_err(|_| AppError::Qr("That image could not be read.".into()))?;
            let texts = tokio::task::spawn_blocking(move || crate::qr::decode(&bytes))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))??;
            let uri = texts
                .iter()
                .find(|t| t.starts_with("otpauth://"))
                .ok_or_else(|| {
                    AppError::Qr("This QR code is not an authenticator (otpauth://) code.".into())
                })?;
            OtpAuth::parse(uri)?
        }
    };
    let mut e = Entry::from_otpauth(new_id(), o, state.vault.now())?;
    e.pin = hash_pin(pin.as_deref())?;
    add_entry(&state, e).await
}

async fn add_entry(state: &AppState, e: Entry) -> AppResult<AddedView> {
    let now = unix_now(code_offset(state).await);
    state
        .vault
        .update(move |v| {
            let shared = v.shared;
            let added = v.add(e)?;
            let short_secret = added.short_secret();
            let note = short_secret.then(|| {
                "This service uses a short secret (under 128 bits). It works, but ask the service for a new one if it offers it.".to_owned()
            });
            Ok(AddedView {
                entry: view(added, now, !shared),
                short_secret,
                note,
            })
        })
        .await
}

/// Changing an entry needs its PIN when it has one; on a shared device, one without a PIN
/// needs the device PIN (a child can't rename a teacher's account or lock it behind a PIN of
/// their own).
async fn unlock_for_change(
    state: &AppState,
    id: &str,
    pin: Option<&str>,
    device_pin: Option<&str>,
) -> AppResult<()> {
    let (shared, has_pin) = state
        .vault
        .read(|v| v.get(id).map(|e| (v.shared, e.pin.is_some())))
        .await??;
    if shared && !has_pin {
        device_unlock(state, device_pin).await
    } else {
        unlock(state, id, pin).await.map(|_| ())
    }
}

/// Renaming: the entry's PIN (or, shared and without one, the device PIN).
#[tauri::command]
pub async fn vault_rename(
    state: State<'_, AppState>,
    id: String,
    issuer: String,
    account: String,
    pin: Option<String>,
    device_pin: Option<String>,
) -> AppResult<()> {
    unlock_for_change(&state, &id, pin.as_deref(), device_pin.as_deref()).await?;
    state
        .vault
        .update(|v| Ok(v.rename(&id, &issuer, &account)?))
        .await
}

/// Deleting: on a shared device the device PIN (its keeper removes any account, a departed
/// colleague's too); elsewhere the entry's own PIN, when it has one.
#[tauri::command]
pub async fn vault_delete(
    state: State<'_, AppState>,
    id: String,
    pin: Option<String>,
    device_pin: Option<String>,
) -> AppResult<()> {
    let shared = state.vault.read(|v| v.get(&id).map(|_| v.shared)).await??;
    if shared {
        device_unlock(&state, device_pin.as_deref()).await?;
    } else {
        unlock(&state, &id, pin.as_deref()).await?;
    }
    state.vault.update(|v| Ok(v.remove(&id).map(|_| ())?)).await
}

/// Sets, changes or removes an entry's PIN; the current PIN is needed when there is one.
#[tauri::command]
pub async fn vault_set_pin(
    state: State<'_, AppState>,
    id: String,
    current_pin: Option<String>,
    new_pin: Option<String>,
    device_pin: Option<String>,
) -> AppResult<()> {
    unlock_for_change(&state, &id, current_pin.as_deref(), device_pin.as_deref()).await?;
    let hash = hash_pin(new_pin.as_deref())?;
    state
        .vault
        .update(|v| {
            v.get_mut(&id)?.pin = hash;
            Ok(())
        })
        .await
}

/// Marks this device as shared (codes on tap only, no export) behind a new device PIN, or
/// personal again with that PIN: a curious hand can't turn the protections off.
#[tauri::command]
pub async fn vault_set_shared(
    state: State<'_, AppState>,
    shared: bool,
    device_pin: Option<String>,
) -> AppResult<()> {
    let (now_shared, has_device_pin) = state
        .vault
        .read(|v| (v.shared, v.device_pin.is_some()))
        .await?;
    if shared {
        // Already shared behind a device PIN: nothing to do. Shared from before device PINs
        // existed: this sets its first one.
        if now_shared && has_device_pin {
            return Ok(());
        }
        let hash = hash_pin(device_pin.as_deref())?.ok_or(VaultError::BadPin)?;
        state
            .vault
            .update(|v| {
                v.make_shared(hash);
                Ok(())
            })
            .await?;
        // A session begun before the device was shared leaves the keyring now.
        return crate::session::unremember(&state).await;
    }
    if !now_shared {
        return Ok(());
    }
    device_unlock(&state, device_pin.as_deref()).await?;
    state
        .vault
        .update(|v| {
            v.make_personal();
            Ok(())
        })
        .await
}

/// On a shared device, how many minutes without use end a session (1 to 60), behind the
/// device PIN.
#[tauri::command]
pub async fn vault_set_idle(
    state: State<'_, AppState>,
    minutes: u32,
    device_pin: Option<String>,
) -> AppResult<()> {
    if !(1..=60).contains(&minutes) {
        return Err(VaultError::BadIdleTime.into());
    }
    if !state.vault.read(|v| v.shared).await? {
        return Err(VaultError::NotShared.into());
    }
    device_unlock(&state, device_pin.as_deref()).await?;
    state
        .vault
        .update(|v| {
            v.idle_minutes = Some(minutes);
            Ok(())
        })
        .await
}

/// A forgotten device PIN: every account on this device is deleted (none can leak); the device
/// stays shared, behind the new device PIN, and whoever is signed in is signed out.
#[tauri::command]
pub async fn vault_clear(state: State<'_, AppState>, device_pin: Option<String>) -> AppResult<()> {
    let hash = hash_pin(device_pin.as_deref())?.ok_or(VaultError::BadPin)?;
    state
        .vault
        .update(|v| {
            v.clear(hash);
            Ok(())
        })
        .await?;
    crate::session::end(&state).await
}

/// Imports otpauth links or an Aegis plain export (or a Twostep encrypted export, with its
/// password). Each unreadable entry is reported; the others are added.
#[tauri::command]
pub async fn vault_import(
    state: State<'_, AppState>,
    text: String,
    password: Option<String>,
    device_pin: Option<String>,
    images_base64: Option<Vec<String>>,
) -> AppResult<ImportView> {
    let images = images_base64.unwrap_or_default();
    if images.len() > MAX_IMPORT_IMAGES || text.len() > MAX_IMPORT_TEXT {
        return Err(VaultError::ImportUnreadable(twostep_core::ImportProblem::TooLarge).into());
    }
    // A shared device takes accounts in only from its keeper.
    if state.vault.read(|v| v.shared).await? {
        device_unlock(&state, device_pin.as_deref()).await?;
    }
    let now = state.vault.now();
    // QR images (Google Authenticator's export comes as one or several): their texts join the
    // pasted ones, a line each.
    let mut text = text;
    for image in images {
        let bytes = data_encoding::BASE64
            .decode(image.trim().as_bytes())
            .map_err(|_| AppError::Qr("That image could not be read.".into()))?;
        let texts = tokio::task::spawn_blocking(move || crate::qr::decode(&bytes))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        for t in texts {
            text.push('\n');
            text.push_str(&t);
        }
    }
    let parsed = if text.contains(vault::envelope::FORMAT) {
        let password = password.unwrap_or_default();
        let bytes = text.into_bytes();
        let v = tokio::task::spawn_blocking(move || vault::open_with_password(&bytes, &password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        import::Imported {
            entries: v.entries,
            problems: vec![],
        }
    } else {
        // Aegis' scrypt runs here: off the async threads.
        tokio::task::spawn_blocking(move || import::parse(&text, password.as_deref(), now, new_id))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??
    };
    state
        .vault
        .update(move |v| {
            let mut report = ImportView {
                added: 0,
                short_secrets: 0,
                problems: parsed.problems.into_iter().map(ProblemView::new).collect(),
            };
            for (i, mut e) in parsed.entries.into_iter().enumerate() {
                e.id = new_id();
                let name = format!("{} {}", e.issuer, e.account).trim().to_owned();
                let short = e.short_secret();
                match v.add(e) {
                    Ok(_) => {
                        report.added += 1;
                        report.short_secrets += usize::from(short);
                    }
                    Err(error) => report.problems.push(ProblemView::new(import::Problem {
                        place: import::Place::Entry {
                            number: i + 1,
                            name: (!name.is_empty()).then_some(name),
                        },
                        error,
                    })),
                }
            }
            Ok(report)
        })
        .await
}

/// Exports every entry: as plain otpauth links (with a warning) or sealed under a password.
/// Never from a shared device, never while an account is behind a PIN.
#[tauri::command]
pub async fn vault_export(
    state: State<'_, AppState>,
    kind: ExportKind,
    password: Option<String>,
) -> AppResult<ExportView> {
    let v = state.vault.read(Clone::clone).await?;
    v.check_export()?;
    match kind {
        ExportKind::Uris => Ok(ExportView {
            text: v.export_uris()?,
            warning: Some("Anyone who sees these links can make your codes. Import them, then delete this text; never email or print it.".into()),
        }),
        ExportKind::Encrypted => {
            let password = password.unwrap_or_default();
            let bytes = tokio::task::spawn_blocking(move || {
                vault::seal_with_password(&v, &password, &mut OsRng)
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
            Ok(ExportView {
                text: String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))?,
                warning: None,
            })
        }
    }
}

/// Measures the server's clock again and applies the offset to code generation.
#[tauri::command]
pub async fn vault_resync(state: State<'_, AppState>) -> AppResult<ClockView> {
    state.inner.lock().await.clock_offset_ms = None;
    measure_clock(&state).await;
    {
        let mut inner = state.inner.lock().await;
        let measured = inner.clock_offset_ms.ok_or(AppError::NoServer)?;
        inner.settings.vault_offset_secs = (measured as f64 / 1000.0).round() as i64;
    }
    state.save_settings().await?;
    Ok(clock_view(&state).await)
}

/// "Use this device as the authenticator": during setup (or from the 2-Step Verification
/// page), the new secret goes straight into the vault, never to the screen, and the method is
/// confirmed with the code the vault makes.
#[tauri::command]
pub async fn use_device_as_authenticator<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    pin: Option<String>,
) -> AppResult<ConfirmedView> {
    let pin_hash = hash_pin(pin.as_deref())?;
    let (server, token, during_setup) = state.enroll_token().await?;
    let enrollment = server
        .client
        .add_method(token.expose(), &twostep_api::AddMethodRequest::Totp)
        .await
        .map_err(|e| AppError::from_client(e, &server.url))?;
    let Enrollment::Totp {
        enrollment_id,
        otpauth_uri,
        ..
    } = enrollment
    else {
        return Err(AppError::Internal(
            "the server did not start an authenticator setup".into(),
        ));
    };
    let mut entry = Entry::from_otpauth(
        new_id(),
        OtpAuth::parse(&otpauth_uri)?,
        chrono::Utc::now().timestamp(),
    )?;
    entry.pin = pin_hash;
    let id = entry.id.clone();
    let code = entry.code_at(unix_now(code_offset(&state).await));
    state
        .vault
        .update(|v| Ok(v.add(entry).map(|_| ())?))
        .await?;
    let confirmed = match server
        .client
        .confirm_enrollment(token.expose(), &enrollment_id, &code)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            // Not confirmed: no dead entry left in the vault.
            let _ = state.vault.update(|v| Ok(v.remove(&id).map(|_| ())?)).await;
            return Err(AppError::from_client(e, &server.url));
        }
    };
    method_confirmed(&app, &state, &server, during_setup, confirmed).await
}
