//! The sign-in's routes: the password, the challenge's codes, a fresh sign-in, the password's
//! change, signing out.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use twostep_api as api;
use twostep_api::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{app, flow, passkey, password, reset};
use crate::auth::{DeviceId, PasswordAuth, PresentedToken, RememberToken, SessionAuth, SetupAuth};
use crate::http::{ApiJson, ApiPath, Res};
use crate::state::AppState;

/// This slice's routes, with their OpenAPI descriptions.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(passkey_begin))
        .routes(routes!(passkey_finish))
        // A native app's sign-in in the system browser: a page's address, outside the API.
        .route(
            "/oauth/authorize",
            axum::routing::get(|Query(q): Query<api::AuthorizeQuery>| app::authorize_page(q)),
        )
        // Emailed links open the page, the token in the fragment (never sent on).
        .route("/reset-password/{token}", opens_page_at("reset-password"))
        .route("/invitation/{token}", opens_page_at("invitation"))
        .routes(routes!(accept_invitation))
        .routes(routes!(password_reset))
        .routes(routes!(password_reset_complete))
        .routes(routes!(app_code))
        .routes(routes!(app_token))
        .routes(routes!(skip_setup))
        .routes(routes!(send_code))
        .routes(routes!(verify_code))
        .routes(routes!(reauth))
        .routes(routes!(change_password))
        .routes(routes!(logout))
}

#[utoipa::path(post, path = "/api/v1/login", request_body = api::LoginRequest,
    params(("Twostep-Remember" = Option<String>, Header, description = "A remembered device's token: a right one skips the second step")),
    responses((status = 200, body = api::LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(st): State<AppState>,
    DeviceId(device): DeviceId,
    RememberToken(remember): RememberToken,
    ApiJson(req): ApiJson<api::LoginRequest>,
) -> Res<Json<api::LoginResponse>> {
    let result = flow::login(&st, req, device, remember).await;
    st.metrics.sign_in(&result);
    result.map(Json)
}

/// A sign-in with a passkey alone: the browser's request for any of this site's passkeys.
#[utoipa::path(post, path = "/api/v1/login/passkey",
    responses((status = 200, body = api::PasskeyRequest), (status = 422, body = ErrorBody)))]
async fn passkey_begin(State(st): State<AppState>) -> Res<Json<api::PasskeyRequest>> {
    passkey::begin(&st).await.map(Json)
}

/// The browser's answer to `passkey_begin`: the shapes of a completed sign-in.
#[utoipa::path(post, path = "/api/v1/login/passkey/{ceremony_id}", request_body = api::PasskeyAnswer,
    params(("ceremony_id" = String, Path)),
    responses((status = 200, body = api::LoginResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 423, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn passkey_finish(
    State(st): State<AppState>,
    DeviceId(device): DeviceId,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<api::PasskeyAnswer>,
) -> Res<Json<api::LoginResponse>> {
    let result = passkey::finish(&st, &id, req, device).await;
    st.metrics.passkey_sign_in(&result);
    result.map(Json)
}

/// "Forgot password?": 202 whatever the email; a link goes to it if it is someone's.
#[utoipa::path(post, path = "/api/v1/password-reset", request_body = api::PasswordResetRequest,
    responses((status = 202, body = api::PasswordResetAccepted)))]
async fn password_reset(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<api::PasswordResetRequest>,
) -> (StatusCode, Json<api::PasswordResetAccepted>) {
    (StatusCode::ACCEPTED, Json(reset::request(&st, req)))
}

/// The new password through an emailed link: then the sign-in's next step.
#[utoipa::path(post, path = "/api/v1/password-reset/{token}", request_body = api::NewPassword,
    params(("token" = String, Path)),
    responses((status = 200, body = api::LoginResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn password_reset_complete(
    State(st): State<AppState>,
    DeviceId(device): DeviceId,
    ApiPath(token): ApiPath<String>,
    ApiJson(req): ApiJson<api::NewPassword>,
) -> Res<Json<api::LoginResponse>> {
    reset::complete(&st, &token, req, device).await.map(Json)
}

/// An invited person's first password: then the sign-in's next step.
#[utoipa::path(post, path = "/api/v1/invitations/{token}", request_body = api::InvitationAccept,
    params(("token" = String, Path)),
    responses((status = 200, body = api::LoginResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn accept_invitation(
    State(st): State<AppState>,
    DeviceId(device): DeviceId,
    ApiPath(token): ApiPath<String>,
    ApiJson(req): ApiJson<api::InvitationAccept>,
) -> Res<Json<api::LoginResponse>> {
    reset::accept_invitation(&st, &token, req, device)
        .await
        .map(Json)
}

/// A passkey's answer in the browser, for a native app: where the browser goes next (the
/// app's loopback address with a one-time code).
#[utoipa::path(post, path = "/api/v1/oauth/code", request_body = api::AppCodeRequest,
    responses((status = 200, body = api::AppCodeAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn app_code(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<api::AppCodeRequest>,
) -> Res<Json<api::AppCodeAnswer>> {
    app::issue_code(&st, req).await.map(Json)
}

/// The app exchanges the code and its PKCE verifier for its session.
#[utoipa::path(post, path = "/api/v1/oauth/token", request_body = api::TokenRequest,
    responses((status = 200, body = api::LoginResponse), (status = 400, body = ErrorBody)))]
async fn app_token(
    State(st): State<AppState>,
    DeviceId(device): DeviceId,
    ApiJson(req): ApiJson<api::TokenRequest>,
) -> Res<Json<api::LoginResponse>> {
    app::exchange(&st, req, device).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/login/skip-setup", security(("setup_token" = [])),
    responses((status = 200, body = api::LoginResponse), (status = 409, body = ErrorBody)))]
async fn skip_setup(
    State(st): State<AppState>,
    SetupAuth(p): SetupAuth,
) -> Res<Json<api::LoginResponse>> {
    flow::skip_setup(&st, p).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/challenges/{challenge_id}/send", request_body = api::SendRequest,
    params(("challenge_id" = String, Path)),
    responses((status = 200, body = api::SendResponse), (status = 400, body = ErrorBody), (status = 410, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn send_code(
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
    PresentedToken(presented): PresentedToken,
    ApiJson(req): ApiJson<api::SendRequest>,
) -> Res<Json<api::SendResponse>> {
    flow::send(&st, &id, req, presented.as_deref())
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/challenges/{challenge_id}/verify", request_body = api::VerifyRequest,
    params(("challenge_id" = String, Path)),
    responses((status = 200, body = api::LoginResponse), (status = 401, body = ErrorBody), (status = 410, body = ErrorBody), (status = 423, body = ErrorBody)))]
async fn verify_code(
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
    PresentedToken(presented): PresentedToken,
    ApiJson(req): ApiJson<api::VerifyRequest>,
) -> Res<Json<api::LoginResponse>> {
    flow::verify(&st, &id, req, presented.as_deref())
        .await
        .map(Json)
}

/// With a session: 204. With the `password_token` of a 409 `password_change_required` (no
/// `current_password`): 200, the sign-in's next step, as `login` answers it.
#[utoipa::path(put, path = "/api/v1/me/password", request_body = api::PasswordChange,
    responses((status = 204), (status = 200, body = api::LoginResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_password(
    State(st): State<AppState>,
    auth: PasswordAuth,
    ApiJson(req): ApiJson<api::PasswordChange>,
) -> Res<axum::response::Response> {
    match auth {
        PasswordAuth::Session(p) => password::change(&st, &p, req)
            .await
            .map(|()| StatusCode::NO_CONTENT.into_response()),
        PasswordAuth::PasswordToken(hash) => password::change_with_token(&st, &hash, req)
            .await
            .map(|next| Json(next).into_response()),
    }
}

#[utoipa::path(post, path = "/api/v1/me/reauth", request_body = api::ReauthRequest,
    responses((status = 200, body = api::LoginResponse), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn reauth(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiJson(req): ApiJson<api::ReauthRequest>,
) -> Res<Json<api::LoginResponse>> {
    flow::reauth(&st, p, req).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/logout", responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(State(st): State<AppState>, SessionAuth(p): SessionAuth) -> Res<StatusCode> {
    flow::logout(&st, p).await.map(|()| StatusCode::NO_CONTENT)
}

/// An emailed link (`/SECTION/TOKEN`): the browser client's page at `#SECTION/TOKEN`, the token
/// in the fragment, never sent on to the server again.
fn opens_page_at(section: &'static str) -> axum::routing::MethodRouter<AppState> {
    axum::routing::get(move |Path(token): Path<String>| async move {
        let token: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
        axum::response::Redirect::to(&format!("/#{section}/{token}"))
    })
}
