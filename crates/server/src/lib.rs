//! twostep-server: 2-Step Verification over HTTP (docs/api.md), on SQLite or PostgreSQL.

// The features, each owning its flow, its handlers and its routes; no feature imports another.
pub(crate) mod admin;
pub(crate) mod methods;
pub(crate) mod recovery;
pub(crate) mod sessions;
pub(crate) mod signin;

// What the features share: who is asking, the second step's engine, notices, the time, the
// password hashing pool, the handlers' extractors.
pub(crate) mod auth;
pub mod clock;
#[cfg(feature = "testing")]
pub mod hashing;
#[cfg(not(feature = "testing"))]
pub(crate) mod hashing;
pub(crate) mod http;
mod layering;
pub(crate) mod notices;
pub(crate) mod second_step;

// Below them: the database, delivery, keys. Only the flows reach them: the CLI goes through
// `operate`. The `testing` feature (the test kit turns it on, so only tests and benchmarks
// have it; no binary is built with it) opens them, and `hashing`, for seeding and inspecting
// rows.
#[cfg(feature = "testing")]
pub mod crypto;
#[cfg(not(feature = "testing"))]
pub(crate) mod crypto;
#[cfg(feature = "testing")]
pub mod delivery;
#[cfg(not(feature = "testing"))]
pub(crate) mod delivery;
#[cfg(feature = "testing")]
pub mod store;
#[cfg(not(feature = "testing"))]
pub(crate) mod store;

// The server itself: its settings, errors, state, router and layers, and the background work.
pub(crate) mod client_limit;
pub mod config;
pub mod demo;
pub mod error;
pub mod operate;
pub mod ops;
pub mod retention;
pub(crate) mod routes;
pub mod state;
pub(crate) mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request};
use axum::handler::Handler;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::sync::oneshot;
use tower::ServiceExt;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use twostep_core::address::GenericRules;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use error::ApiError;
pub use state::AppState;

/// The header of the request's id, in the log and in the answer.
const X_REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Opens the store (running migrations), loads or creates the key, starts delivery.
pub async fn build_state(cfg: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    check_loopback_only(&cfg)?;
    check_public_url(&cfg)?;
    let sms = cfg.sms_rules()?;
    store::files::create_private_dir(&cfg.data)?;
    if cfg.uses_postgres() && cfg.key_file.is_none() {
        anyhow::bail!(
            "with PostgreSQL, every server must use the same server key: set key_file (or \
             TWOSTEP_KEY_FILE) to the same 32-byte file on each of them"
        );
    }
    let keys = crypto::Keys::load_or_create(&cfg.key_path())?;
    let metrics = ops::metrics::Metrics::new();
    let mut db = store::Db::open(cfg.database_url.as_deref(), &cfg.db_path()).await?;
    db.observe_write_waits(metrics.database_wait());
    let recorded =
        store::server_key::record_or_get(db.write(), keys.fingerprint(), clock.now()).await?;
    if recorded != keys.fingerprint() {
        anyhow::bail!(
            "this database was made with another server key (fingerprint {recorded}); this \
             server's key {} has fingerprint {}. Every server on one database needs the same \
             key file: copy it from the first server.",
            cfg.key_path().display(),
            keys.fingerprint()
        );
    }
    let passwords = hashing::Passwords::observed(&cfg.argon2, Some(metrics.hashing_wait()))?;
    let transports = transports(&cfg)?;
    // Retries are scheduled on the wall clock; codes expire on the clock the rules run on.
    let listen = cfg
        .uses_postgres()
        .then(|| cfg.database_url.clone())
        .flatten();
    let courier = delivery::Courier::start(
        db.clone(),
        transports,
        Arc::new(SystemClock),
        clock.clone(),
        listen,
        metrics.clone(),
    );
    // Known now (the command line's notices need it too); with port 0, once the server listens.
    let public_url = match (&cfg.public_url, cfg.bind.port()) {
        (Some(u), _) => std::sync::OnceLock::from(u.clone()),
        (None, port) if port != 0 => std::sync::OnceLock::from(format!("http://{}", cfg.bind)),
        (None, _) => std::sync::OnceLock::new(),
    };
    Ok(AppState {
        sms: Arc::new(sms),
        db,
        generic: Arc::new(GenericRules {
            patterns: cfg.generic_email_patterns.clone(),
        }),
        cfg: Arc::new(cfg),
        clock,
        keys: Arc::new(keys),
        passwords,
        public_url: Arc::new(public_url),
        courier,
        metrics,
    })
}

/// Links in notices must reach the server from people's phones: off loopback, the address
/// must be given, and be https: a "This wasn't me" link or the browser app over plain http
/// can be read and changed by anyone on the way.
fn check_public_url(cfg: &Config) -> anyhow::Result<()> {
    match &cfg.public_url {
        Some(u) => {
            let parsed = url::Url::parse(u).map_err(|e| {
                anyhow::anyhow!(
                    "public_url must be the https:// address people reach this server at, \
                     such as https://twostep.example.org; {u} is not an address ({e})"
                )
            })?;
            match parsed.scheme() {
                "https" => Ok(()),
                "http" if is_loopback_host(&parsed) => Ok(()),
                "http" => anyhow::bail!(
                    "public_url {u} must start with https://: over plain http, anyone between \
                     people and this server can read and change the sign-in pages and the \
                     \"This wasn't me\" links in security notices. http:// is only for a \
                     loopback address (127.0.0.1, [::1], localhost); put this server behind \
                     TLS (a reverse proxy such as nginx) and give its https:// address"
                ),
                _ => anyhow::bail!(
                    "public_url must be the https:// address people reach this server at, \
                     such as https://twostep.example.org, not {u}"
                ),
            }
        }
        None if !cfg.bind.ip().is_loopback() => anyhow::bail!(
            "set public_url (or TWOSTEP_PUBLIC_URL) to the address people reach this server at, \
             such as https://twostep.example.org: the \"This wasn't me\" links in security \
             notices point there"
        ),
        _ => Ok(()),
    }
}

/// Whether an address's host is this machine only (127.0.0.0/8, ::1, localhost).
fn is_loopback_host(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The dev outbox shows every code sent, and the demo center's passwords are printed on the
/// sign-in screen: both only ever on this machine.
fn check_loopback_only(cfg: &Config) -> anyhow::Result<()> {
    for (on, what) in [
        (cfg.dev_outbox, "--dev-outbox shows every code sent"),
        (cfg.demo, "--demo seeds accounts whose passwords are public"),
    ] {
        if on && !cfg.bind.ip().is_loopback() {
            anyhow::bail!(
                "{what}: it is only allowed on a loopback address (such as 127.0.0.1:8080), not {}",
                cfg.bind
            );
        }
    }
    Ok(())
}

/// SMTP and the SMS gateway where configured; the dev outbox for a channel that is not.
fn transports(cfg: &Config) -> anyhow::Result<delivery::Transports> {
    let dev: Arc<dyn delivery::Transport> = Arc::new(delivery::DevOutbox);
    let email: Arc<dyn delivery::Transport> = match &cfg.email {
        Some(e) => Arc::new(delivery::smtp::Smtp::new(e)?),
        None => dev.clone(),
    };
    let sms: Arc<dyn delivery::Transport> = match &cfg.sms {
        Some(s) if s.has_gateway() => Arc::new(delivery::sms::SmsGateway::new(s)?),
        _ => dev.clone(),
    };
    for (channel, t) in [("emails", &email), ("text messages", &sms)] {
        if t.keeps_body() {
            tracing::warn!("{channel} go to the dev outbox: nothing is sent (configure [email] / [sms] to deliver)");
        } else {
            tracing::info!("{channel} are delivered through {}", t.name());
        }
    }
    Ok(delivery::Transports { email, sms })
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let per_client = client_limit::ClientLimit::new(
        state.cfg.limits.per_client_per_minute,
        state.cfg.limits.per_client_burst,
        state.cfg.trusted_proxies.clone(),
    );
    let request_timeout = Duration::from_secs(state.cfg.http.request_timeout_secs);
    let hsts = state
        .cfg
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let metrics = state.metrics.clone();
    let (api, openapi) = routes::router(state.cfg.dev_outbox);
    let openapi = Arc::new(openapi);
    api.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = openapi.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
    // The UI's files for whatever no route answers (the API's own addresses answer 404),
    // compressed (they alone: web/assets.rs says why).
    .fallback(web::assets::serve.layer(web::assets::compression()))
    .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
    .with_state(state)
    // A browser client's credential: its cookie in, the answer's token out to it.
    .layer(middleware::from_fn(web::cookies::browser))
    // Writes from another site's pages refused before anything reads their credentials.
    .layer(middleware::from_fn(web::csrf::refuse_cross_site))
    // Before anything else of a sign-in runs: a flood fills its own bucket, not the hashing
    // queue every client shares.
    .layer(axum::middleware::from_fn_with_state(
        per_client,
        client_limit::limit,
    ))
    .layer(DefaultBodyLimit::max(BODY_LIMIT))
    .layer(middleware::from_fn(move |req: Request, next: Next| {
        answer_within(request_timeout, req, next)
    }))
    // Outside the timeout: a 503 for a request that took too long is counted too.
    .layer(middleware::from_fn_with_state(
        metrics,
        ops::metrics::count_requests,
    ))
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(|req: &Request| {
        let id = req
            .extensions()
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .unwrap_or("-")
            .to_owned();
        // The route's pattern only ("/freeze/{token}", not the token): never headers
        // (tokens), bodies (passwords, codes) or a path that carries a secret.
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or("(unmatched)", MatchedPath::as_str)
            .to_owned();
        tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route)
    })
            // One line per answer, in the request's span: its status and how long it took.
            .on_response(|res: &Response, latency: Duration, _span: &tracing::Span| {
                tracing::info!(
                    status = res.status().as_u16(),
                    latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
                    "answered"
                );
            }),
    )
    .layer(PropagateRequestIdLayer::x_request_id())
    .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
    .layer(middleware::map_request(uuid_request_id_only))
    // Nothing is kept by a browser or a proxy but the UI's files, which say so themselves.
    .layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
    .layer(middleware::from_fn(move |req: Request, next: Next| {
        web::headers::add(hsts, req, next)
    }))
}

/// A request is answered within `limit`, its body's reading included: a client that sends
/// its body slowly, or a handler stuck waiting, cannot hold the connection. The answer is the
/// API's error (503 `server_busy`, retry), not an empty one.
async fn answer_within(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(
                secs = limit.as_secs(),
                "a request took too long: answered 503"
            );
            ApiError::ServerBusy { retry_after: 1 }.into_response()
        }
    }
}

/// The request id is written in every log line of the request: the client's `x-request-id`
/// is kept only when it is one UUID (`SetRequestIdLayer` then keeps it); anything else, which
/// could forge or flood log lines, is dropped and a new id made.
async fn uuid_request_id_only(mut req: Request) -> Request {
    let mut given = req.headers().get_all(X_REQUEST_ID).iter();
    let uuid = match (given.next(), given.next()) {
        (Some(v), None) => v
            .to_str()
            .is_ok_and(|s| s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()),
        _ => false,
    };
    if !uuid {
        req.headers_mut().remove(X_REQUEST_ID);
    }
    req
}

/// A server running in this process (the app's embedded default; tests).
pub struct RunningServer {
    pub addr: SocketAddr,
    /// Where `GET /metrics` is served (`metrics_bind`), if anywhere.
    pub metrics_addr: Option<SocketAddr>,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    metrics: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
    retention: Option<retention::Retention>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        if let Some((tx, task)) = self.metrics.take() {
            let _ = tx.send(());
            let _ = task.await;
        }
        if let Some(r) = self.retention.take() {
            r.stop().await;
        }
        self.state.courier.stop();
    }
}

/// Binds `cfg.bind` (port 0 picks a free port) and serves in the background.
pub async fn spawn(cfg: Config, clock: Arc<dyn Clock>) -> anyhow::Result<RunningServer> {
    let bind = cfg.bind;
    let state = build_state(cfg, clock).await?;
    if state.cfg.demo {
        demo::seed(&state).await?;
    }
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let public = state
        .cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let _ = state.public_url.set(public);
    let (tx, rx) = oneshot::channel::<()>();
    let router = app(state.clone());
    let header_timeout = Duration::from_secs(state.cfg.http.header_read_timeout_secs);
    let task = tokio::spawn(serve_connections(listener, router, header_timeout, rx));
    // The metrics on a listener of their own: nothing of them reachable where the API is.
    let (metrics_addr, metrics) = match state.cfg.metrics_bind {
        Some(bind) => {
            let listener = tokio::net::TcpListener::bind(bind).await?;
            let at = listener.local_addr()?;
            let (tx, rx) = oneshot::channel::<()>();
            let router = ops::metrics::router(state.clone());
            let task = tokio::spawn(serve_connections(listener, router, header_timeout, rx));
            tracing::info!(addr = %at, "metrics at http://{at}/metrics");
            (Some(at), Some((tx, task)))
        }
        None => (None, None),
    };
    let retention = Some(retention::Retention::start(state.clone()));
    Ok(RunningServer {
        addr,
        metrics_addr,
        state,
        shutdown: Some(tx),
        task,
        metrics,
        retention,
    })
}

/// Accepts connections until `shutdown`, then waits for those open to finish their requests.
/// Each connection is served by hyper with a header-read timeout (axum::serve sets none, and
/// hyper needs a timer for it): a client that sends half a request and waits is cut off.
/// Every request carries the peer's address as `ConnectInfo<SocketAddr>`.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    router: Router,
    header_timeout: Duration,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    if !is_connection_error(&e) {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::error!(error = %e, "cannot accept connections");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // Small answers go out at once (no Nagle delay waiting for the client's ACK).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY");
        }
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(req.map(Body::new))
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
        });
    }
    drop(listener);
    // Open connections end once their request is answered (the request timeout bounds it),
    // idle ones at once.
    graceful.shutdown().await;
}

/// Errors of one connection (the next accept is fine), as axum::serve tells them apart.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Serves until SIGINT or SIGTERM, finishing requests in flight.
pub async fn serve(cfg: Config) -> anyhow::Result<()> {
    let server = spawn(cfg, Arc::new(SystemClock)).await?;
    tracing::info!(addr = %server.addr, "twostep-server listening on {}", server.url());
    // The address to open, on standard output (the log goes to standard error).
    println!("Twostep is at {}/ (open it in a browser)", server.url());
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
