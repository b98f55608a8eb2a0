//! The router: every slice's routes merged, with the operator's own (health, the dev outbox);
//! `lib.rs` adds the layers.

use axum::extract::State;
use axum::Json;
use twostep_api as api;
use twostep_api::ErrorBody;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::http::{ApiQuery, Res};
use crate::state::AppState;
use crate::{admin, methods, recovery, sessions, signin, store};

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
        .routes(routes!(health));
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
