//! Administration: the rollout overview and reminders, find people, reset a person's 2-Step
//! Verification (or ask for and approve a two-person reset), the center's policy, the audit
//! trail and its CSV export. The server checks the role; the app only hides what can't work.

use tauri::{AppHandle, Runtime, State};
use twostep_api::{
    AuditLog, AuditQuery, People, PeopleQuery, Person, Policy, RemindersSent, Report, ResetAnswer,
    ResetRequests,
};

use crate::error::AppResult;
use crate::session::{self, check_id};
use crate::state::AppState;
use crate::{audit_csv, save_file};

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

/// Done (the Person), or, where the center's policy takes two administrators, a request that
/// waits for another one (`request_id`, `expires_at`).
#[tauri::command]
pub async fn admin_reset(state: State<'_, AppState>, person_id: String) -> AppResult<ResetAnswer> {
    let id = check_id(&person_id)?.to_owned();
    session::call(&state, |c, t| async move {
        c.admin_reset_or_request(t.expose(), &id).await
    })
    .await
}

#[tauri::command]
pub async fn admin_reset_requests(state: State<'_, AppState>) -> AppResult<ResetRequests> {
    session::call(&state, |c, t| async move {
        c.admin_reset_requests(t.expose()).await
    })
    .await
}

#[tauri::command]
pub async fn admin_approve_reset(
    state: State<'_, AppState>,
    request_id: String,
) -> AppResult<Person> {
    let id = check_id(&request_id)?.to_owned();
    session::call(&state, |c, t| async move {
        c.admin_approve_reset(t.expose(), &id).await
    })
    .await
}

#[tauri::command]
pub async fn admin_report(state: State<'_, AppState>) -> AppResult<Report> {
    session::call(
        &state,
        |c, t| async move { c.admin_report(t.expose()).await },
    )
    .await
}

#[tauri::command]
pub async fn admin_send_reminders(state: State<'_, AppState>) -> AppResult<RemindersSent> {
    session::call(&state, |c, t| async move {
        c.admin_send_reminders(t.expose()).await
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

/// The center's policy; a field left out keeps its value.
#[tauri::command]
pub async fn admin_set_policy(state: State<'_, AppState>, policy: Policy) -> AppResult<Policy> {
    session::call(&state, |c, t| async move {
        c.admin_put_policy(t.expose(), &policy).await
    })
    .await
}

/// A page of the audit trail: by person and by action, older than `before`.
#[tauri::command]
pub async fn admin_audit(state: State<'_, AppState>, query: AuditQuery) -> AppResult<AuditLog> {
    if let Some(id) = &query.person_id {
        check_id(id)?;
    }
    session::call(&state, |c, t| async move {
        c.admin_audit_page(t.expose(), &query).await
    })
    .await
}

/// Saves the audit trail (the rows as the app words them) as CSV, through the system's "Save"
/// dialog: whether it was saved (false when the dialog was closed).
#[tauri::command]
pub async fn save_audit_csv<R: Runtime>(
    app: AppHandle<R>,
    file_name: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
) -> AppResult<bool> {
    let text = audit_csv::text(&header, &rows)?;
    save_file::save_as(app, &file_name, "audit-trail.csv", ("CSV", &["csv"]), &text).await
}
