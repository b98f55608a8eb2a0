//! Administration: find people, reset a person's 2-Step Verification, the center's allowed
//! methods, the audit trail. The server checks the role; the app only hides what can't work.

use tauri::State;
use twostep_api::{AuditLog, Kind, People, PeopleQuery, Person, Policy};

use crate::error::AppResult;
use crate::session::{self, check_id};
use crate::state::AppState;

#[tauri::command]
pub async fn admin_people(state: State<'_, AppState>, query: PeopleQuery) -> AppResult<People> {
    session::call(&state, |c, t| async move {
        c.admin_people(t.expose(), &query).await
    })
    .await
}

#[tauri::command]
pub async fn admin_person(state: State<'_, AppState>, person_id: String) -> AppResult<Person> {
    let id = check_id(&person_id)?.to_owned();
    session::call(&state, |c, t| async move {
        c.admin_person(t.expose(), &id).await
    })
    .await
}

#[tauri::command]
pub async fn admin_reset(state: State<'_, AppState>, person_id: String) -> AppResult<Person> {
    let id = check_id(&person_id)?.to_owned();
    session::call(&state, |c, t| async move {
        c.admin_reset(t.expose(), &id).await
    })
    .await
}

/// Disables (`disabled`) or enables a person of the administrator's center.
#[tauri::command]
pub async fn admin_set_disabled(
    state: State<'_, AppState>,
    person_id: String,
    disabled: bool,
) -> AppResult<Person> {
    let id = check_id(&person_id)?.to_owned();
    session::call(&state, |c, t| async move {
        c.admin_set_disabled(t.expose(), &id, disabled).await
    })
    .await
}

/// Signs a person out everywhere (2-Step Verification kept).
#[tauri::command]
pub async fn admin_end_sessions(state: State<'_, AppState>, person_id: String) -> AppResult<()> {
    let id = check_id(&person_id)?.to_owned();
    session::call(&state, |c, t| async move {
        c.admin_end_sessions(t.expose(), &id).await
    })
    .await
}

/// The person may sign in again (after they froze their account with "This wasn't me").
#[tauri::command]
pub async fn admin_unfreeze(state: State<'_, AppState>, person_id: String) -> AppResult<Person> {
    let id = check_id(&person_id)?.to_owned();
    session::call(&state, |c, t| async move {
        c.admin_unfreeze(t.expose(), &id).await
    })
    .await
}

#[tauri::command]
pub async fn admin_policy(state: State<'_, AppState>) -> AppResult<Policy> {
    session::call(
        &state,
        |c, t| async move { c.admin_policy(t.expose()).await },
    )
    .await
}

#[tauri::command]
pub async fn admin_set_policy(
    state: State<'_, AppState>,
    allowed_kinds: Vec<Kind>,
) -> AppResult<Policy> {
    session::call(&state, |c, t| async move {
        c.admin_set_policy(t.expose(), &allowed_kinds).await
    })
    .await
}

#[tauri::command]
pub async fn admin_audit(
    state: State<'_, AppState>,
    person_id: Option<String>,
) -> AppResult<AuditLog> {
    let id = person_id
        .as_deref()
        .map(check_id)
        .transpose()?
        .map(str::to_owned);
    session::call(&state, |c, t| async move {
        c.admin_audit(t.expose(), id.as_deref()).await
    })
    .await
}
