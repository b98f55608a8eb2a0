//! The administrators' routes (API.md "Administration"), each confined to their center.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use twostep_api as api;
use twostep_api::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{audit, day_pass, invitations, people, policy, resets, rollout};
use crate::auth::SessionAuth;
use crate::http::{ApiJson, ApiPath, ApiQuery, Res};
use crate::state::AppState;

/// This slice's routes, with their OpenAPI descriptions.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(admin_people, admin_create_person))
        .routes(routes!(admin_person))
        .routes(routes!(admin_reset))
        .routes(routes!(admin_issue_day_pass, admin_revoke_day_pass))
        .routes(routes!(admin_reset_requests))
        .routes(routes!(admin_approve_reset))
        .routes(routes!(admin_report))
        .routes(routes!(admin_reminders))
        .routes(routes!(admin_unfreeze))
        .routes(routes!(admin_resend_invitation))
        .routes(routes!(admin_disable))
        .routes(routes!(admin_enable))
        .routes(routes!(admin_end_sessions))
        .routes(routes!(admin_get_policy, admin_put_policy))
        .routes(routes!(admin_audit))
}

#[utoipa::path(get, path = "/api/v1/admin/people", params(api::PeopleQuery),
    responses((status = 200, body = api::People), (status = 403, body = ErrorBody)))]
async fn admin_people(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiQuery(q): ApiQuery<api::PeopleQuery>,
) -> Res<Json<api::People>> {
    people::list_people(&st, &p, q).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/people", request_body = api::NewPerson,
    responses((status = 201, body = api::Person), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn admin_create_person(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiJson(req): ApiJson<api::NewPerson>,
) -> Res<impl IntoResponse> {
    people::create_person(&st, &p, req)
        .await
        .map(|x| (StatusCode::CREATED, Json(x)))
}

#[utoipa::path(get, path = "/api/v1/admin/people/{person_id}", params(("person_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 404, body = ErrorBody)))]
async fn admin_person(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<Json<api::Person>> {
    people::get_person(&st, &p, &id).await.map(Json)
}

/// 200 when the reset is done; 202 when the center's policy takes a second administrator's
/// approval (`reset_approvals: 2`), and nothing has changed yet.
#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/two-step/reset", params(("person_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 202, body = api::ResetRequested), (status = 404, body = ErrorBody)))]
async fn admin_reset(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<axum::response::Response> {
    Ok(match resets::reset(&st, &p, &id).await? {
        resets::Outcome::Done(person) => Json(person).into_response(),
        resets::Outcome::Requested(r) => (StatusCode::ACCEPTED, Json(r)).into_response(),
    })
}

#[utoipa::path(get, path = "/api/v1/admin/reset-requests", responses((status = 200, body = api::ResetRequests)))]
async fn admin_reset_requests(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<Json<api::ResetRequests>> {
    resets::pending(&st, &p).await.map(Json)
}

/// A different administrator of the center approves, within a day; the reset is done then
/// (200), or the one-day pass issued and shown to the approver this once (201).
#[utoipa::path(post, path = "/api/v1/admin/reset-requests/{request_id}/approve", params(("request_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 201, body = api::DayPassIssued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 410, body = ErrorBody)))]
async fn admin_approve_reset(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<axum::response::Response> {
    Ok(match resets::approve(&st, &p, &id).await? {
        resets::Approved::Reset(person) => Json(person).into_response(),
        resets::Approved::DayPass(pass) => (StatusCode::CREATED, Json(pass)).into_response(),
    })
}

/// A one-day pass for a staff member without her phone today: 201 with the pass, shown this
/// once; 202 when the center's policy takes a second administrator's approval.
#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/day-pass", params(("person_id" = String, Path)),
    responses((status = 201, body = api::DayPassIssued), (status = 202, body = api::ResetRequested), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn admin_issue_day_pass(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<axum::response::Response> {
    Ok(match day_pass::issue(&st, &p, &id).await? {
        day_pass::Outcome::Issued(pass) => (StatusCode::CREATED, Json(pass)).into_response(),
        day_pass::Outcome::Requested(r) => (StatusCode::ACCEPTED, Json(r)).into_response(),
    })
}

/// The person's live pass stops working.
#[utoipa::path(delete, path = "/api/v1/admin/people/{person_id}/day-pass", params(("person_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn admin_revoke_day_pass(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<StatusCode> {
    day_pass::revoke(&st, &p, &id)
        .await
        .map(|()| StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/admin/report", responses((status = 200, body = api::Report), (status = 403, body = ErrorBody)))]
async fn admin_report(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<Json<api::Report>> {
    rollout::report(&st, &p).await.map(Json)
}

/// At most one reminder a day per person.
#[utoipa::path(post, path = "/api/v1/admin/reminders", responses((status = 200, body = api::RemindersSent), (status = 403, body = ErrorBody)))]
async fn admin_reminders(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<Json<api::RemindersSent>> {
    rollout::remind(&st, &p).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/unfreeze", params(("person_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn admin_unfreeze(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<Json<api::Person>> {
    people::unfreeze(&st, &p, &id).await.map(Json)
}

/// A new invitation for a person who has not accepted theirs yet.
#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/invitation", params(("person_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn admin_resend_invitation(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<Json<api::Person>> {
    invitations::resend(&st, &p, &id).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/disable", params(("person_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn admin_disable(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<Json<api::Person>> {
    people::set_disabled(&st, &p, &id, true).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/enable", params(("person_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn admin_enable(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<Json<api::Person>> {
    people::set_disabled(&st, &p, &id, false).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/sessions/end", params(("person_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn admin_end_sessions(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<StatusCode> {
    people::end_sessions(&st, &p, &id)
        .await
        .map(|()| StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/admin/policy", responses((status = 200, body = api::Policy)))]
async fn admin_get_policy(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<Json<api::Policy>> {
    policy::get_policy(&st, &p).await.map(Json)
}

#[utoipa::path(put, path = "/api/v1/admin/policy", request_body = api::Policy,
    responses((status = 200, body = api::Policy), (status = 422, body = ErrorBody)))]
async fn admin_put_policy(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiJson(req): ApiJson<api::Policy>,
) -> Res<Json<api::Policy>> {
    policy::put_policy(&st, &p, req).await.map(Json)
}

#[utoipa::path(get, path = "/api/v1/admin/audit", params(api::AuditQuery), responses((status = 200, body = api::AuditLog)))]
async fn admin_audit(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiQuery(q): ApiQuery<api::AuditQuery>,
) -> Res<Json<api::AuditLog>> {
    audit::audit_log(&st, &p, q).await.map(Json)
}
