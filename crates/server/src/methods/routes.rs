//! The routes of a person's own 2-Step Verification: their methods (add, confirm, resend,
//! delete, preferred), their Person and language.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use twostep_api as api;
use twostep_api::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::enroll;
use crate::auth::{EnrollAuth, SessionAuth};
use crate::http::{ApiJson, ApiPath, Res};
use crate::state::AppState;
use crate::store;

/// This slice's routes, with their OpenAPI descriptions.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_methods, add_method))
        .routes(routes!(delete_method))
        .routes(routes!(resend_enrollment))
        .routes(routes!(confirm_enrollment))
        .routes(routes!(set_preferred))
        .routes(routes!(set_locale))
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = api::Person), (status = 401, body = ErrorBody)))]
async fn me(State(st): State<AppState>, SessionAuth(p): SessionAuth) -> Res<Json<api::Person>> {
    store::person_view(&st.db, &p.person).await.map(Json)
}

#[utoipa::path(get, path = "/api/v1/me/methods", responses((status = 200, body = api::MethodsResponse), (status = 401, body = ErrorBody)))]
async fn list_methods(
    State(st): State<AppState>,
    EnrollAuth(p): EnrollAuth,
) -> Res<Json<api::MethodsResponse>> {
    enroll::list(&st, &p).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/me/methods", request_body = api::AddMethodRequest,
    responses((status = 201, body = api::Enrollment), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn add_method(
    State(st): State<AppState>,
    EnrollAuth(p): EnrollAuth,
    ApiJson(req): ApiJson<api::AddMethodRequest>,
) -> Res<impl IntoResponse> {
    enroll::add(&st, &p, req)
        .await
        .map(|e| (StatusCode::CREATED, Json(e)))
}

#[utoipa::path(delete, path = "/api/v1/me/methods/{method_id}", params(("method_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_method(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<StatusCode> {
    enroll::delete(&st, &p, &id)
        .await
        .map(|()| StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/me/enrollments/{enrollment_id}/resend", params(("enrollment_id" = String, Path)),
    responses((status = 200, body = api::Delivery), (status = 429, body = ErrorBody)))]
async fn resend_enrollment(
    State(st): State<AppState>,
    EnrollAuth(p): EnrollAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<Json<api::Delivery>> {
    enroll::resend(&st, &p, &id).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/me/enrollments/{enrollment_id}/confirm", request_body = api::ConfirmRequest,
    params(("enrollment_id" = String, Path)),
    responses((status = 201, body = api::Confirmed), (status = 401, body = ErrorBody)))]
async fn confirm_enrollment(
    State(st): State<AppState>,
    EnrollAuth(p): EnrollAuth,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<api::ConfirmRequest>,
) -> Res<impl IntoResponse> {
    enroll::confirm(&st, &p, &id, req)
        .await
        .map(|c| (StatusCode::CREATED, Json(c)))
}

#[utoipa::path(put, path = "/api/v1/me/preferred-method", request_body = api::PreferredRequest,
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn set_preferred(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiJson(req): ApiJson<api::PreferredRequest>,
) -> Res<StatusCode> {
    enroll::set_preferred(&st, &p, req)
        .await
        .map(|()| StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/me/locale", request_body = api::LocaleRequest,
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn set_locale(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiJson(req): ApiJson<api::LocaleRequest>,
) -> Res<StatusCode> {
    store::people::set_locale(
        st.db.write(),
        &p.person.id,
        store::locale_from_api(req.locale),
    )
    .await
    .map(|()| StatusCode::NO_CONTENT)
}
