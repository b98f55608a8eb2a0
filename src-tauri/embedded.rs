//! The embedded default: twostep-server in-process on a loopback port, its data in the app's
//! data folder, seeded with the demo center, delivering to the dev outbox (the "Demo inbox").

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::Mutex;
use twostep_server::{Config, RunningServer, SystemClock};

use crate::error::{AppError, AppResult};
use crate::notify;
use crate::state::DemoStarter;

#[derive(Default)]
pub struct Embedded {
    running: Mutex<Option<RunningServer>>,
}

impl Embedded {
    /// Starts the demo server once; later calls return the same address.
    pub async fn start(&self, data: PathBuf) -> AppResult<String> {
        let mut running = self.running.lock().await;
        if let Some(r) = running.as_ref() {
            return Ok(r.url());
        }
        let cfg = Config {
            bind: ([127, 0, 0, 1], 0).into(),
            data,
            dev_outbox: true,
            demo: true,
            ..Config::default()
        };
        let server = twostep_server::spawn(cfg, Arc::new(SystemClock))
            .await
            .map_err(|e| AppError::Internal(format!("the demo server did not start: {e:#}")))?;
        let url = server.url();
        tracing::info!("embedded demo server at {url}");
        *running = Some(server);
        Ok(url)
    }

    pub async fn stop(&self) {
        if let Some(r) = self.running.lock().await.take() {
            r.stop().await;
        }
    }
}

/// The starter the app state calls the first time the demo is needed. It also starts the
/// watcher that turns each new demo-inbox message into a notification and a UI event.
pub fn starter<R: Runtime>(
    app: AppHandle<R>,
    embedded: Arc<Embedded>,
    data: PathBuf,
) -> DemoStarter {
    Box::new(move || {
        let app = app.clone();
        let embedded = embedded.clone();
        let data = data.clone();
        Box::pin(async move {
            let url = embedded.start(data).await?;
            tauri::async_runtime::spawn(watch_inbox(app, url.clone()));
            Ok(url)
        })
    })
}

async fn watch_inbox<R: Runtime>(app: AppHandle<R>, url: String) {
    let client = twostep_client::Client::new(url);
    // Messages already in the inbox at start were seen in an earlier run.
    let mut seen = match client.dev_outbox(None).await {
        Ok(o) => o.messages.len(),
        Err(_) => 0,
    };
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let Ok(outbox) = client.dev_outbox(None).await else {
            continue;
        };
        for m in outbox.messages.iter().skip(seen) {
            notify::show(
                &app,
                &format!("Demo inbox: {}", m.subject),
                &format!("To {}", m.to),
            );
        }
        if outbox.messages.len() != seen {
            seen = outbox.messages.len();
            let _ = app.emit("demo-inbox", seen);
        }
    }
}
