//! The server's metrics, in the Prometheus text format at `GET /metrics` on `metrics_bind` (a
//! listener of its own, off by default: nothing of it is reachable where the API is).
//!
//! Each server has its own registry (a `PrometheusRecorder` held here, never the process's
//! global one): several servers in one process (the tests, the app's embedded server) count
//! apart. Labels are closed lists (outcomes, kinds, error codes, a route's pattern such as
//! `/api/v1/challenges/{challenge_id}/verify`): never a path, a token, an id or an address.
//! Counters move where things happen; gauges (queue depth, the outbox, connections) are read
//! when the page is scraped.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics::{Counter, Gauge, Histogram, Key, Label, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};
use twostep_api as api;
use twostep_core::Kind;

use crate::error::ApiError;
use crate::state::AppState;

/// Request and wait times, in seconds: a sign-in's Argon2id takes tens of milliseconds, a
/// request may take up to `http.request_timeout_secs`.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The code an error answer carried, left on the answer by `ApiError::into_response` for
/// [`count_requests`] (the body is already bytes by then).
#[derive(Debug, Clone, Copy)]
pub struct AnsweredCode(pub &'static str);

/// This server's registry.
#[derive(Clone)]
pub struct Metrics(Arc<PrometheusRecorder>);

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets(SECONDS_BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            // The buckets above are not empty: this is never reached.
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        Self(Arc::new(recorder))
    }

    fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
        let labels: Vec<Label> = labels
            .iter()
            .map(|(k, v)| Label::new(*k, (*v).to_owned()))
            .collect();
        Key::from_parts(name, labels)
    }

    fn meta() -> Metadata<'static> {
        Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()))
    }

    fn counter(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Counter {
        self.0
            .register_counter(&Self::key(name, labels), &Self::meta())
    }

    fn gauge(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Gauge {
        self.0
            .register_gauge(&Self::key(name, labels), &Self::meta())
    }

    fn histogram(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Histogram {
        self.0
            .register_histogram(&Self::key(name, labels), &Self::meta())
    }

    /// A password step's outcome (`POST /api/v1/login`).
    pub fn sign_in(&self, result: &Result<api::LoginResponse, ApiError>) {
        let outcome = match result {
            Ok(api::LoginResponse::Done { .. }) => "session",
            Ok(api::LoginResponse::Verify { .. }) => "verify",
            Ok(api::LoginResponse::Setup { .. }) => "setup",
            Err(ApiError::InvalidCredentials) => "wrong_password",
            Err(ApiError::TooManyAttempts { .. } | ApiError::TooManyRequests { .. }) => "limited",
            Err(ApiError::ServerBusy { .. } | ApiError::DatabaseUnavailable) => "busy",
            Err(ApiError::AccountFrozen) => "frozen",
            Err(ApiError::AccountDisabled) => "disabled",
            Err(ApiError::PasswordChangeRequired { .. }) => "password_change",
            Err(ApiError::TwoStepLocked { .. } | ApiError::ChallengeLocked) => "locked",
            Err(_) => "refused",
        };
        self.counter("twostep_sign_ins_total", &[("outcome", outcome)])
            .increment(1);
    }

    /// A sign-in with a passkey alone's outcome (`POST /api/v1/login/passkey/{ceremony_id}`):
    /// a sign-in too, with no password to be wrong, so counted apart from `sign_in`'s.
    pub fn passkey_sign_in(&self, result: &Result<api::LoginResponse, ApiError>) {
        let outcome = match result {
            Ok(_) => "session",
            Err(ApiError::PasskeyFailed { .. }) => "wrong_passkey",
            Err(ApiError::TooManyAttempts { .. } | ApiError::TooManyRequests { .. }) => "limited",
            Err(ApiError::ServerBusy { .. } | ApiError::DatabaseUnavailable) => "busy",
            Err(ApiError::AccountFrozen) => "frozen",
            Err(ApiError::AccountDisabled) => "disabled",
            Err(ApiError::TwoStepLocked { .. } | ApiError::ChallengeLocked) => "locked",
            Err(_) => "refused",
        };
        self.counter("twostep_passkey_sign_ins_total", &[("outcome", outcome)])
            .increment(1);
    }

    /// A second step's outcome (`POST /api/v1/challenges/{challenge_id}/verify`), by the method's kind
    /// (`unknown` when the method named is not found).
    pub fn second_step(&self, kind: Option<Kind>, result: &Result<api::LoginResponse, ApiError>) {
        let kind = match kind {
            Some(Kind::Totp) => "totp",
            Some(Kind::Email) => "email",
            Some(Kind::Sms) => "sms",
            Some(Kind::Passkey) => "passkey",
            None => "unknown",
        };
        let outcome = match result {
            Ok(_) => "ok",
            Err(ApiError::InvalidCode { .. } | ApiError::PasskeyFailed { .. }) => "wrong_code",
            Err(ApiError::ChallengeLocked | ApiError::TwoStepLocked { .. }) => "locked",
            Err(ApiError::ChallengeExpired) => "expired",
            Err(ApiError::TooManyAttempts { .. } | ApiError::TooManyRequests { .. }) => "limited",
            Err(ApiError::ServerBusy { .. } | ApiError::DatabaseUnavailable) => "busy",
            Err(_) => "refused",
        };
        self.counter(
            "twostep_second_steps_total",
            &[("kind", kind), ("outcome", outcome)],
        )
        .increment(1);
    }

    /// A message's fate in the courier: `sent`, `retry` (a temporary failure) or `failed`.
    pub fn message(&self, channel: &str, result: &'static str) {
        let channel = match channel {
            "email" => "email",
            "sms" => "sms",
            _ => "other",
        };
        self.counter(
            "twostep_messages_total",
            &[("channel", channel), ("result", result)],
        )
        .increment(1);
    }

    /// How long a sign-in waited for a password-hashing worker.
    pub fn hashing_wait(&self) -> Histogram {
        self.histogram("twostep_hashing_wait_seconds", &[])
    }

    /// How long a flow waited for the database's write connection (SQLite's one writer, or a
    /// PostgreSQL connection from the pool).
    pub fn database_wait(&self) -> Histogram {
        self.histogram("twostep_database_wait_seconds", &[])
    }

    /// One answer: its latency per route pattern, and 429s and 503s by their code.
    fn request(&self, method: &str, route: &str, status: StatusCode, took: Duration) {
        let status_text = status.as_str();
        self.histogram(
            "twostep_http_request_duration_seconds",
            &[
                ("method", method),
                ("route", route),
                ("status", status_text),
            ],
        )
        .record(took.as_secs_f64());
    }

    fn refused(&self, status: StatusCode, code: &str) {
        self.counter(
            "twostep_refused_answers_total",
            &[("status", status.as_str()), ("code", code)],
        )
        .increment(1);
    }

    /// The page: the gauges read now, then everything in the text format.
    async fn render(&self, st: &AppState) -> String {
        let (waiting, queued) = st.passwords.queue_depth();
        self.gauge("twostep_hashing_queue_depth", &[])
            .set(waiting as f64);
        self.gauge("twostep_hashing_queue_capacity", &[])
            .set(queued as f64);
        for (pool, size, idle) in st.db.connections() {
            self.gauge(
                "twostep_database_connections",
                &[("pool", pool), ("state", "busy")],
            )
            .set(f64::from(size.saturating_sub(idle)));
            self.gauge(
                "twostep_database_connections",
                &[("pool", pool), ("state", "idle")],
            )
            .set(f64::from(idle));
        }
        match super::ready::outbox_waiting(st).await {
            Ok((count, oldest_secs)) => {
                self.gauge("twostep_outbox_waiting", &[]).set(count as f64);
                self.gauge("twostep_outbox_oldest_waiting_seconds", &[])
                    .set(oldest_secs as f64);
                self.gauge("twostep_database_up", &[]).set(1.0);
            }
            Err(_) => self.gauge("twostep_database_up", &[]).set(0.0),
        }
        self.0.handle().render()
    }
}

/// The metrics listener's one route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(State(st): State<AppState>) -> Response {
    let page = st.metrics.render(&st).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        page,
    )
        .into_response()
}

/// The API's layer: every answer's latency by route pattern, and the refusals (429, 503) by
/// code. Answers no route matched (the UI's files) count under `(unmatched)`.
pub async fn count_requests(State(m): State<Metrics>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str)
        .to_owned();
    // A closed list: a made-up method must not make a label of its own.
    let method: &'static str = match req.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let start = std::time::Instant::now();
    let res = next.run(req).await;
    let status = res.status();
    m.request(method, &route, status, start.elapsed());
    if matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        let code = res
            .extensions()
            .get::<AnsweredCode>()
            .map_or("unknown", |c| c.0);
        m.refused(status, code);
    }
    res
}
