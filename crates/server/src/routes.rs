//! The router: every slice's routes merged, with the operator's own (health, readiness, the
//! dev outbox);
//! `lib.rs` adds the layers.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use twostep_api as api;
use twostep_api::ErrorBody;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::http::{ApiQuery, Res};
use crate::state::AppState;
use crate::{admin, methods, ops, recovery, sessions, signin, store};

#[derive(OpenApi)]
#[openapi(info(
    title = "Twostep",
    description = "2-Step Verification for a childcare platform: the HTTP API, version 1."
))]
struct ApiDoc;

pub fn router(dev_outbox: bool) -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let mut r = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(signin::routes())
        .merge(methods::routes())
        .merge(recovery::routes())
        .merge(sessions::routes())
        .merge(admin::routes())
        .routes(routes!(health))
        .routes(routes!(ready));
    if dev_outbox {
        r = r.routes(routes!(dev_outbox_messages));
    }
    r.split_for_parts()
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

/// Readiness: 503 `not_ready` with its reasons while the database cannot be reached, a
/// migration is missing or the outbox is stuck (`ops::ready`). Liveness is `health`.
#[utoipa::path(get, path = "/api/v1/ready",
    responses((status = 200, body = api::Ready), (status = 503, body = api::NotReadyBody)))]
async fn ready(State(st): State<AppState>) -> Response {
    let reasons = ops::ready::reasons(&st).await;
    if reasons.is_empty() {
        return Json(api::Ready {
            status: "ready".into(),
        })
        .into_response();
    }
    let body = api::NotReadyBody {
        error: api::NotReady {
            code: "not_ready".into(),
            message: ops::ready::message(&reasons),
            reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
        },
    };
    let mut res = (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        Json(body),
    )
        .into_response();
    res.extensions_mut()
        .insert(ops::metrics::AnsweredCode("not_ready"));
    res
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
