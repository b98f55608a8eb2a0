//! The built-in authenticator's commands: each a line or two over the `Authenticator`
//! service (`crate::authenticator`), which holds the vault, its PINs and the device's clock.

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use twostep_api::Enrollment;

use crate::authenticator::{
    hash_pin, AddedView, CodeView, ExportKind, ExportView, ImportView, NewEntry, VaultList,
};
use crate::clipboard::copy_then_clear;
use crate::commands::methods::method_confirmed;
use crate::commands::server::measure_clock;
use crate::error::{AppError, AppResult};
use crate::qr::GreyPicture;
use crate::state::AppState;
use crate::views::ConfirmedView;

/// How far off the device's clock may be before the app warns (the help page's advice is to
/// resync the authenticator when codes stop working).
const CLOCK_WARNING_MS: i64 = 15_000;

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
    #[serde(flatten)]
    pub list: VaultList,
    pub clock: ClockView,
    /// The device PIN was reset here: turning shared mode off needs a center administrator
    /// signed in on this device (freshly) as well as the device PIN.
    pub unshare_needs_admin: bool,
}

async fn clock_view(state: &AppState) -> ClockView {
    let applied = state.authenticator.offset_secs();
    let inner = state.inner.lock().await;
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
    let list = state
        .authenticator
        .list(query.as_deref().unwrap_or_default())
        .await?;
    let unshare_needs_admin = state.inner.lock().await.settings.unshare_needs_admin;
    Ok(VaultView {
        list,
        clock: clock_view(&state).await,
        unshare_needs_admin,
    })
}

/// One entry's code, on tap: with its PIN when it has one (Argon2id, throttled).
#[tauri::command]
pub async fn vault_reveal(
    state: State<'_, AppState>,
    id: String,
    pin: Option<String>,
) -> AppResult<CodeView> {
    state.authenticator.reveal(&id, pin.as_deref()).await
}

/// Copies an entry's code to the clipboard; it is cleared after a minute (or when the app
/// quits) unless something else was copied since.
#[tauri::command]
pub async fn vault_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    pin: Option<String>,
) -> AppResult<CodeView> {
    let code = state.authenticator.reveal(&id, pin.as_deref()).await?;
    copy_then_clear(&app, code.code.clone())?;
    Ok(code)
}

#[tauri::command]
pub async fn vault_add(
    state: State<'_, AppState>,
    entry: NewEntry,
    pin: Option<String>,
) -> AppResult<AddedView> {
    state.authenticator.add(entry, pin.as_deref()).await
}

#[tauri::command]
pub async fn vault_rename(
    state: State<'_, AppState>,
    id: String,
    issuer: String,
    account: String,
    pin: Option<String>,
    device_pin: Option<String>,
) -> AppResult<()> {
    state
        .authenticator
        .rename(
            &id,
            &issuer,
            &account,
            pin.as_deref(),
            device_pin.as_deref(),
        )
        .await
}

#[tauri::command]
pub async fn vault_delete(
    state: State<'_, AppState>,
    id: String,
    pin: Option<String>,
    device_pin: Option<String>,
) -> AppResult<()> {
    state
        .authenticator
        .delete(&id, pin.as_deref(), device_pin.as_deref())
        .await
}

#[tauri::command]
pub async fn vault_set_pin(
    state: State<'_, AppState>,
    id: String,
    current_pin: Option<String>,
    new_pin: Option<String>,
    device_pin: Option<String>,
) -> AppResult<()> {
    state
        .authenticator
        .set_pin(
            &id,
            current_pin.as_deref(),
            new_pin.as_deref(),
            device_pin.as_deref(),
        )
        .await
}

/// Shared (behind a new device PIN) or personal again (with it). A session begun before the
/// device was shared leaves the keyring then. After the device PIN was reset, personal again
/// also needs a center administrator freshly signed in on this device (asked of the server):
/// whoever reset the PIN can't turn the protections off alone.
#[tauri::command]
pub async fn vault_set_shared(
    state: State<'_, AppState>,
    shared: bool,
    device_pin: Option<String>,
) -> AppResult<()> {
    let needs_admin = state.inner.lock().await.settings.unshare_needs_admin;
    if !shared && needs_admin && !state.authenticator.managed_shared() {
        crate::session::fresh_admin_here(&state, || AppError::AdminToUnshare).await?;
    }
    if state
        .authenticator
        .set_shared(shared, device_pin.as_deref())
        .await?
    {
        crate::session::unremember(&state).await?;
    }
    if !shared && needs_admin {
        state.inner.lock().await.settings.unshare_needs_admin = false;
        state.save_settings().await?;
    }
    Ok(())
}

#[tauri::command]
pub async fn vault_set_idle(
    state: State<'_, AppState>,
    minutes: u32,
    device_pin: Option<String>,
) -> AppResult<()> {
    state
        .authenticator
        .set_idle(minutes, device_pin.as_deref())
        .await
}

/// A forgotten device PIN: every account here is deleted, the device stays shared behind the
/// new PIN, and whoever is signed in is signed out. Turning shared mode off afterwards needs
/// a center administrator too (`vault_set_shared`).
#[tauri::command]
pub async fn vault_clear(state: State<'_, AppState>, device_pin: Option<String>) -> AppResult<()> {
    state.authenticator.clear(device_pin.as_deref()).await?;
    state.inner.lock().await.settings.unshare_needs_admin = true;
    state.save_settings().await?;
    crate::session::end(&state).await
}

#[tauri::command]
pub async fn vault_import(
    state: State<'_, AppState>,
    text: String,
    password: Option<String>,
    device_pin: Option<String>,
    pictures: Option<Vec<GreyPicture>>,
) -> AppResult<ImportView> {
    state
        .authenticator
        .import(
            text,
            password,
            device_pin.as_deref(),
            pictures.unwrap_or_default(),
        )
        .await
}

#[tauri::command]
pub async fn vault_export(state: State<'_, AppState>, kind: ExportKind) -> AppResult<ExportView> {
    state.authenticator.export(kind).await
}

/// Measures the server's clock again and applies the offset to code generation.
#[tauri::command]
pub async fn vault_resync(state: State<'_, AppState>) -> AppResult<ClockView> {
    state.inner.lock().await.clock_offset_ms = None;
    measure_clock(&state).await;
    {
        let mut inner = state.inner.lock().await;
        let measured = inner.clock_offset_ms.ok_or(AppError::NoServer)?;
        let secs = (measured as f64 / 1000.0).round() as i64;
        inner.settings.vault_offset_secs = secs;
        state.authenticator.set_offset_secs(secs);
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
    let (id, code) = state
        .authenticator
        .add_for_setup(&otpauth_uri, pin_hash)
        .await?;
    let confirmed = match server
        .client
        .confirm_enrollment(token.expose(), &enrollment_id, &code)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            // Not confirmed: no dead entry left in the vault.
            let _ = state.authenticator.take_back(&id).await;
            return Err(AppError::from_client(e, &server.url));
        }
    };
    method_confirmed(&app, &state, &server, during_setup, confirmed).await
}
