//! The routes of recovery codes: the summary, a new set, signing in with one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use twostep_api as api;
use twostep_api::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{day_pass, flow};
use crate::auth::{PresentedToken, SessionAuth};
use crate::http::{ApiJson, ApiPath, Res};
use crate::state::AppState;

/// This slice's routes, with their OpenAPI descriptions.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(recover_with_code))
        .routes(routes!(sign_in_with_day_pass))
        .routes(routes!(recovery_codes_summary, new_recovery_codes))
}

#[utoipa::path(post, path = "/api/v1/challenges/{challenge_id}/recover", request_body = api::RecoverRequest,
    params(("challenge_id" = String, Path)),
    responses((status = 200, body = api::LoginResponse), (status = 401, body = ErrorBody), (status = 410, body = ErrorBody), (status = 423, body = ErrorBody)))]
async fn recover_with_code(
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
    PresentedToken(presented): PresentedToken,
    ApiJson(req): ApiJson<api::RecoverRequest>,
) -> Res<Json<api::LoginResponse>> {
    flow::recover(&st, &id, req, presented.as_deref())
        .await
        .map(Json)
}

/// A one-day pass an administrator issued, as the second step: works once.
#[utoipa::path(post, path = "/api/v1/challenges/{challenge_id}/day-pass", request_body = api::DayPassRequest,
    params(("challenge_id" = String, Path)),
    responses((status = 200, body = api::LoginResponse), (status = 401, body = ErrorBody), (status = 410, body = ErrorBody), (status = 423, body = ErrorBody)))]
async fn sign_in_with_day_pass(
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
    PresentedToken(presented): PresentedToken,
    ApiJson(req): ApiJson<api::DayPassRequest>,
) -> Res<Json<api::LoginResponse>> {
    day_pass::sign_in(&st, &id, req, presented.as_deref())
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/api/v1/me/recovery-codes",
    responses((status = 200, body = api::RecoveryCodesSummary), (status = 401, body = ErrorBody)))]
async fn recovery_codes_summary(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<Json<api::RecoveryCodesSummary>> {
    flow::summary(&st, &p).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/me/recovery-codes",
    responses((status = 201, body = api::RecoveryCodes), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn new_recovery_codes(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<impl IntoResponse> {
    flow::regenerate(&st, &p)
        .await
        .map(|c| (StatusCode::CREATED, Json(c)))
}
