//! twostep-server: 2-Step Verification over HTTP (shared/API.md), on SQLite.

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod clock;
pub mod codes;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod demo;
pub mod enroll;
pub mod error;
pub mod freeze;
pub mod hashing;
pub mod notices;
pub mod password;
pub mod recovery;
pub mod resets;
pub mod rollout;
pub mod routes;
pub mod second_step;
pub mod sessions;
pub mod signin;
pub mod state;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Request, State};
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use tokio::sync::oneshot;
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
    let db = store::Db::open(cfg.database_url.as_deref(), &cfg.db_path()).await?;
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
    let passwords = hashing::Passwords::new(&cfg.argon2)?;
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
    })
}

/// Links in notices must reach the server from people's phones: off loopback, the address
/// must be given.
fn check_public_url(cfg: &Config) -> anyhow::Result<()> {
    match &cfg.public_url {
        Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) => anyhow::bail!(
            "public_url must be the http(s):// address people reach this server at, not {u}"
        ),
        None if !cfg.bind.ip().is_loopback() => anyhow::bail!(
            "set public_url (or TWOSTEP_PUBLIC_URL) to the address people reach this server at, \
             such as https://twostep.example.org: the \"This wasn't me\" links in security \
             notices point there"
        ),
        _ => Ok(()),
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
    let (api, openapi) = routes::router(state.cfg.dev_outbox);
    let openapi = Arc::new(openapi);
    api.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = openapi.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
    // "This wasn't me": HTML pages, outside the JSON API.
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
    .fallback(|| async { ApiError::NotFound("That address") })
    .method_not_allowed_fallback(|| async {
        ApiError::BadRequest("That method is not allowed here.".into())
    })
    .with_state(state)
    .layer(DefaultBodyLimit::max(BODY_LIMIT))
    .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
        let id = req
            .extensions()
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .unwrap_or("-")
            .to_owned();
        // The route's pattern only ("/freeze/{token}", not the token): never headers
        // (tokens), bodies (passwords, codes) or a path that carries a secret.
        let path = req
            .extensions()
            .get::<MatchedPath>()
            .map_or("(unmatched)", MatchedPath::as_str)
            .to_owned();
        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %path)
    }))
    .layer(PropagateRequestIdLayer::x_request_id())
    .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
    .layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
}

/// A server running in this process (the app's embedded default; tests).
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
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
    // Small answers go out at once (no Nagle delay waiting for the client's ACK).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY");
        }
    });
    let (tx, rx) = oneshot::channel::<()>();
    let router = app(state.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(RunningServer {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}

/// Serves until SIGINT or SIGTERM, finishing requests in flight.
pub async fn serve(cfg: Config) -> anyhow::Result<()> {
    let server = spawn(cfg, Arc::new(SystemClock)).await?;
    tracing::info!(addr = %server.addr, "twostep-server listening on {}", server.url());
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
