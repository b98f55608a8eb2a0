//! The HTTP surface: thin handlers (extract, call the flow, map the result) with their OpenAPI
//! descriptions, and the router.

use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use twostep_api as api;
use twostep_api::ErrorBody;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{DeviceId, EnrollAuth, PasswordAuth, PresentedToken, SessionAuth, SetupAuth};
use crate::error::ApiError;
use crate::state::AppState;
use crate::{admin, enroll, password, recovery, resets, rollout, sessions, signin, store};

/// `Json`, with its rejections (malformed JSON, wrong types, too large) in the API's shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

type Res<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(info(
    title = "Twostep",
    description = "2-Step Verification for a childcare platform: the HTTP API, version 1."
))]
struct ApiDoc;

pub fn router(dev_outbox: bool) -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let mut r = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login))
        .routes(routes!(skip_setup))
        .routes(routes!(send_code))
        .routes(routes!(verify_code))
        .routes(routes!(recover_with_code))
        .routes(routes!(reauth))
        .routes(routes!(change_password))
        .routes(routes!(my_sessions))
        .routes(routes!(end_session))
        .routes(routes!(end_other_sessions))
        .routes(routes!(recovery_codes_summary, new_recovery_codes))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_methods, add_method))
        .routes(routes!(delete_method))
        .routes(routes!(resend_enrollment))
        .routes(routes!(confirm_enrollment))
        .routes(routes!(set_preferred))
        .routes(routes!(set_locale))
        .routes(routes!(admin_people, admin_create_person))
        .routes(routes!(admin_person))
        .routes(routes!(admin_reset))
        .routes(routes!(admin_reset_requests))
        .routes(routes!(admin_approve_reset))
        .routes(routes!(admin_report))
        .routes(routes!(admin_reminders))
        .routes(routes!(admin_unfreeze))
        .routes(routes!(admin_disable))
        .routes(routes!(admin_enable))
        .routes(routes!(admin_end_sessions))
        .routes(routes!(admin_get_policy, admin_put_policy))
        .routes(routes!(admin_audit))
        .routes(routes!(health));
    if dev_outbox {
        r = r.routes(routes!(dev_outbox_messages));
    }
    r.split_for_parts()
}

#[utoipa::path(post, path = "/api/v1/login", request_body = api::LoginRequest,
    responses((status = 200, body = api::LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(st): State<AppState>,
    DeviceId(device): DeviceId,
    ApiJson(req): ApiJson<api::LoginRequest>,
) -> Res<Json<api::LoginResponse>> {
    signin::login(&st, req, device).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/login/skip-setup", security(("setup_token" = [])),
    responses((status = 200, body = api::LoginResponse), (status = 409, body = ErrorBody)))]
async fn skip_setup(
    State(st): State<AppState>,
    SetupAuth(p): SetupAuth,
) -> Res<Json<api::LoginResponse>> {
    signin::skip_setup(&st, p).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/challenges/{challenge_id}/send", request_body = api::SendRequest,
    params(("challenge_id" = String, Path)),
    responses((status = 200, body = api::Delivery), (status = 400, body = ErrorBody), (status = 410, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn send_code(
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
    PresentedToken(presented): PresentedToken,
    ApiJson(req): ApiJson<api::SendRequest>,
) -> Res<Json<api::Delivery>> {
    signin::send(&st, &id, req, presented.as_deref())
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
    signin::verify(&st, &id, req, presented.as_deref())
        .await
        .map(Json)
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
    recovery::recover(&st, &id, req, presented.as_deref())
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/api/v1/me/sessions",
    responses((status = 200, body = api::Sessions), (status = 401, body = ErrorBody)))]
async fn my_sessions(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<Json<api::Sessions>> {
    sessions::list(&st, &p).await.map(Json)
}

#[utoipa::path(delete, path = "/api/v1/me/sessions/{session_id}", params(("session_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn end_session(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<StatusCode> {
    sessions::end(&st, &p, &id)
        .await
        .map(|()| StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/me/sessions/end-others",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn end_other_sessions(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<StatusCode> {
    sessions::end_others(&st, &p)
        .await
        .map(|()| StatusCode::NO_CONTENT)
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
    signin::reauth(&st, p, req).await.map(Json)
}

#[utoipa::path(get, path = "/api/v1/me/recovery-codes",
    responses((status = 200, body = api::RecoveryCodesSummary), (status = 401, body = ErrorBody)))]
async fn recovery_codes_summary(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<Json<api::RecoveryCodesSummary>> {
    recovery::summary(&st, &p).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/me/recovery-codes",
    responses((status = 201, body = api::RecoveryCodes), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn new_recovery_codes(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<impl IntoResponse> {
    recovery::regenerate(&st, &p)
        .await
        .map(|c| (StatusCode::CREATED, Json(c)))
}

#[utoipa::path(post, path = "/api/v1/logout", responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(State(st): State<AppState>, SessionAuth(p): SessionAuth) -> Res<StatusCode> {
    signin::logout(&st, p)
        .await
        .map(|()| StatusCode::NO_CONTENT)
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

#[utoipa::path(get, path = "/api/v1/admin/people", params(api::PeopleQuery),
    responses((status = 200, body = api::People), (status = 403, body = ErrorBody)))]
async fn admin_people(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiQuery(q): ApiQuery<api::PeopleQuery>,
) -> Res<Json<api::People>> {
    admin::list_people(&st, &p, q).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/people", request_body = api::NewPerson,
    responses((status = 201, body = api::Person), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn admin_create_person(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiJson(req): ApiJson<api::NewPerson>,
) -> Res<impl IntoResponse> {
    admin::create_person(&st, &p, req)
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
    admin::get_person(&st, &p, &id).await.map(Json)
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

/// A different administrator of the center approves, within a day; the reset is done then.
#[utoipa::path(post, path = "/api/v1/admin/reset-requests/{request_id}/approve", params(("request_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
async fn admin_approve_reset(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<Json<api::Person>> {
    resets::approve(&st, &p, &id).await.map(Json)
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
    admin::unfreeze(&st, &p, &id).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/disable", params(("person_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn admin_disable(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<Json<api::Person>> {
    admin::set_disabled(&st, &p, &id, true).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/enable", params(("person_id" = String, Path)),
    responses((status = 200, body = api::Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn admin_enable(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<Json<api::Person>> {
    admin::set_disabled(&st, &p, &id, false).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/admin/people/{person_id}/sessions/end", params(("person_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn admin_end_sessions(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiPath(id): ApiPath<String>,
) -> Res<StatusCode> {
    admin::end_sessions(&st, &p, &id)
        .await
        .map(|()| StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/admin/policy", responses((status = 200, body = api::Policy)))]
async fn admin_get_policy(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
) -> Res<Json<api::Policy>> {
    admin::get_policy(&st, &p).await.map(Json)
}

#[utoipa::path(put, path = "/api/v1/admin/policy", request_body = api::Policy,
    responses((status = 200, body = api::Policy), (status = 422, body = ErrorBody)))]
async fn admin_put_policy(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiJson(req): ApiJson<api::Policy>,
) -> Res<Json<api::Policy>> {
    admin::put_policy(&st, &p, req).await.map(Json)
}

#[utoipa::path(get, path = "/api/v1/admin/audit", params(api::AuditQuery), responses((status = 200, body = api::AuditLog)))]
async fn admin_audit(
    State(st): State<AppState>,
    SessionAuth(p): SessionAuth,
    ApiQuery(q): ApiQuery<api::AuditQuery>,
) -> Res<Json<api::AuditLog>> {
    admin::audit_log(&st, &p, q).await.map(Json)
}

/// 503 when the database cannot be reached, so that a load balancer takes this node out.
#[utoipa::path(get, path = "/api/v1/health",
    responses((status = 200, body = api::Health), (status = 503, body = ErrorBody)))]
async fn health(State(st): State<AppState>) -> Res<Json<api::Health>> {
    if !st.db.ping().await {
        return Err(ApiError::DatabaseUnavailable);
    }
    Ok(Json(api::Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        time: st.now(),
    }))
}

#[utoipa::path(get, path = "/api/v1/dev/outbox", params(api::OutboxQuery), responses((status = 200, body = api::Outbox)))]
async fn dev_outbox_messages(
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<api::OutboxQuery>,
) -> Res<Json<api::Outbox>> {
    let messages =
        store::outbox::dev_messages(st.db.read(), st.db.backend(), q.to.as_deref(), st.now())
            .await?;
    Ok(Json(api::Outbox {
        messages: messages
            .into_iter()
            .map(|m| api::OutboxMessage {
                to: m.to,
                channel: m.channel,
                subject: m.subject,
                body: m.body,
                at: m.at,
            })
            .collect(),
    }))
}
