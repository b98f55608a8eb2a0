//! The routes of a person's sessions (the list, ending one, ending the others) and the pages
//! of "This wasn't me".

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Json;
use twostep_api as api;
use twostep_api::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{flow, freeze};
use crate::auth::SessionAuth;
use crate::http::{ApiPath, Res};
use crate::state::AppState;

/// This slice's routes, with their OpenAPI descriptions.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // "This wasn't me": HTML pages, outside the JSON API (and its document).
        .route(
            "/freeze/{token}",
            get(
                |State(st): State<AppState>, Path(token): Path<String>| async move {
                    freeze::page(&st, &token).await
                },
            )
            .post(
                |State(st): State<AppState>, Path(token): Path<String>| async move {
                    freeze::freeze(&st, &token).await
                },
            ),
        )
        .routes(routes!(my_sessions))
        .routes(routes!(end_session))
        .routes(routes!(end_other_sessions))
        .routes(routes!(forget_device))
}

/// "Forget this device": a remembered device asks for the second step again.
#[utoipa::path(delete, path = "/api/v1/me/remembered/{remembered_id}", params(("remembered_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn forget_device(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<StatusCode> {
    flow::forget(&st, &p, &id)
        .await
        .map(|()| StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me/sessions",
    responses((status = 200, body = api::Sessions), (status = 401, body = ErrorBody)))]
async fn my_sessions(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<Json<api::Sessions>> {
    flow::list(&st, &p).await.map(Json)
}

#[utoipa::path(delete, path = "/api/v1/me/sessions/{session_id}", params(("session_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn end_session(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<StatusCode> {
    flow::end(&st, &p, &id)
        .await
        .map(|()| StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/me/sessions/end-others",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn end_other_sessions(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<StatusCode> {
    flow::end_others(&st, &p)
        .await
        .map(|()| StatusCode::NO_CONTENT)
}
