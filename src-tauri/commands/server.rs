//! Which server: the embedded demo, an address the person typed, or one preset by the device.

use tauri::State;

use crate::error::{AppError, AppResult};
use crate::session;
use crate::settings::check_server_address;
use crate::state::{AppState, Flow, Server};
use crate::views::{DemoAccountView, ServerView, StatusView};

/// Where the app stands at start (and after any change): the server, and who is signed in.
/// A remembered session is checked with the server here; a 401 forgets it.
#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> AppResult<StatusView> {
    ensure_server(&state).await?;
    measure_clock(&state).await;
    session::restore(&state).await?;
    let mut notice = None;
    let needs_check = {
        let inner = state.inner.lock().await;
        inner.signed.as_ref().is_some_and(|s| s.person.is_none())
    };
    if needs_check {
        match session::call(&state, |c, t| async move { c.me(t.expose()).await }).await {
            Ok(person) => {
                let mut inner = state.inner.lock().await;
                if let Some(s) = inner.signed.as_mut() {
                    s.profile = session::default_profile(&person);
                    s.person = Some(person);
                }
            }
            Err(AppError::SignedOut) => {}
            Err(e) => notice = Some(e.to_string()),
        }
    }
    let shared = session::on_shared_device(&state).await;
    let inner = state.inner.lock().await;
    let (locale, locale_chosen) = AppState::language(&inner);
    Ok(StatusView {
        locale: locale.map(|l| l.as_str().to_owned()),
        locale_chosen,
        server: inner.server.as_ref().map(|s| ServerView {
            url: s.url.clone(),
            demo: s.demo,
        }),
        preset: inner.preset,
        shared,
        shared_managed: state.authenticator.managed_shared(),
        demo_available: state.demo_starter.is_some(),
        demo_accounts: if inner.server.as_ref().is_some_and(|s| s.demo) {
            demo_accounts()
        } else {
            Vec::new()
        },
        me: inner
            .signed
            .as_ref()
            .and_then(|s| session::me_view(s, None)),
        notice,
        clock_offset_ms: inner.clock_offset_ms.unwrap_or(0),
        device: super::signin::device(),
    })
}

/// Compares this device's clock with the server's (`GET /health`), once per server.
pub(crate) async fn measure_clock(state: &AppState) {
    let server = {
        let inner = state.inner.lock().await;
        match (&inner.server, inner.clock_offset_ms) {
            (Some(s), None) => s.clone(),
            _ => return,
        }
    };
    let before = state.authenticator.now();
    let Ok(health) = server.client.health().await else {
        return;
    };
    let after = state.authenticator.now();
    // The server read its clock somewhere between our two readings: take the middle.
    let local = before + (after - before) / 2;
    let offset = (health.time - local).num_milliseconds();
    state.inner.lock().await.clock_offset_ms = Some(offset);
}

/// A server address typed by the person: checked (https, or loopback), asked for its health,
/// then remembered. On a shared device only with the device PIN: a passer-by must not point
/// the classroom tablet at a look-alike server.
#[tauri::command]
pub async fn choose_server(
    state: State<'_, AppState>,
    url: String,
    device_pin: Option<String>,
) -> AppResult<StatusView> {
    refuse_if_preset(&state).await?;
    keeper_only_when_shared(&state, device_pin.as_deref()).await?;
    let url = check_server_address(&url)?;
    let server = Server::new(url.clone(), false, &state.device_id);
    server
        .client
        .health()
        .await
        .map_err(|e| AppError::from_client(e, &url))?;
    switch_to(&state, server).await?;
    app_status(state).await
}

/// Back to the embedded demo center (on a shared device, with the device PIN).
#[tauri::command]
pub async fn use_demo(
    state: State<'_, AppState>,
    device_pin: Option<String>,
) -> AppResult<StatusView> {
    refuse_if_preset(&state).await?;
    keeper_only_when_shared(&state, device_pin.as_deref()).await?;
    let url = start_demo(&state).await?;
    switch_to(&state, Server::new(url, true, &state.device_id)).await?;
    app_status(state).await
}

async fn refuse_if_preset(state: &AppState) -> AppResult<()> {
    if state.inner.lock().await.preset {
        return Err(AppError::BadServerAddress(
            "This device's server is set by its administrator.".into(),
        ));
    }
    Ok(())
}

/// On a shared device, the server is changed only by its keeper (the device PIN).
async fn keeper_only_when_shared(state: &AppState, device_pin: Option<&str>) -> AppResult<()> {
    if session::on_shared_device(state).await {
        state.authenticator.device_unlock(device_pin).await?;
    }
    Ok(())
}

/// Another server: the session on the old one ends first, there (signed out) and here (the
/// token leaves the keyring), so no session is left alive behind the switch.
async fn switch_to(state: &AppState, server: Server) -> AppResult<()> {
    refuse_if_preset(state).await?;
    session::end(state).await?;
    {
        let mut inner = state.inner.lock().await;
        inner.settings.demo = server.demo;
        inner.settings.server = (!server.demo).then(|| server.url.clone());
        inner.settings.signed_in_email = None;
        inner.server = Some(server);
        inner.clock_offset_ms = None;
        inner.signed = None;
        inner.flow = Flow::Idle;
    }
    state.save_settings().await
}

/// The server at start: the remembered one, or the demo when nothing else was chosen.
async fn ensure_server(state: &AppState) -> AppResult<()> {
    let (has_server, settings) = {
        let inner = state.inner.lock().await;
        (inner.server.is_some(), inner.settings.clone())
    };
    if has_server {
        return Ok(());
    }
    let server = match settings.server {
        Some(url) if !settings.demo => Server::new(url, false, &state.device_id),
        _ if state.demo_starter.is_some() => {
            Server::new(start_demo(state).await?, true, &state.device_id)
        }
        _ => return Ok(()),
    };
    state.inner.lock().await.server.get_or_insert(server);
    Ok(())
}

async fn start_demo(state: &AppState) -> AppResult<String> {
    let mut url = state.demo_url.lock().await;
    if let Some(u) = url.as_ref() {
        return Ok(u.clone());
    }
    let starter = state.demo_starter.as_ref().ok_or(AppError::NoDemo)?;
    let u = starter().await?;
    *url = Some(u.clone());
    Ok(u)
}

#[cfg(feature = "embedded")]
fn demo_accounts() -> Vec<DemoAccountView> {
    twostep_server::demo::ACCOUNTS
        .iter()
        .map(|a| DemoAccountView {
            email: a.email,
            password: a.password,
            about: a.about,
        })
        .collect()
}

#[cfg(not(feature = "embedded"))]
fn demo_accounts() -> Vec<DemoAccountView> {
    Vec::new()
}

/// The language the person chose in the app, kept in settings.json for the next start (the
/// screen also tells the server, through `api_request`, so that their emails and texts follow).
#[tauri::command]
pub async fn set_language(state: State<'_, AppState>, locale: String) -> AppResult<()> {
    let chosen = crate::language::parse(&locale).map_err(AppError::UnknownLanguage)?;
    {
        let mut inner = state.inner.lock().await;
        inner.settings.locale = Some(chosen);
        // A choice made now outranks the language given at launch, for the rest of the run.
        inner.lang = None;
        if let Some(person) = inner.signed.as_mut().and_then(|s| s.person.as_mut()) {
            person.locale = to_api(chosen);
        }
    }
    state.save_settings().await
}

fn to_api(l: twostep_core::Locale) -> twostep_client::api::Locale {
    match l {
        twostep_core::Locale::En => twostep_client::api::Locale::En,
        twostep_core::Locale::Es => twostep_client::api::Locale::Es,
    }
}
