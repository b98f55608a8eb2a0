//! The Twostep app. The window (Tauri 2) lands with the app issue; until then the package runs
//! the embedded default: twostep-server in-process on a loopback port, with the demo center and
//! the dev outbox, in the user's data folder.

use std::path::PathBuf;
use std::sync::Arc;

use twostep_server::{demo, Config, SystemClock};

/// Where the embedded server keeps its database and key.
pub fn data_dir() -> PathBuf {
    std::env::var_os("TWOSTEP_APP_DATA")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_DATA_HOME").map(|d| PathBuf::from(d).join("twostep")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/twostep")))
        .unwrap_or_else(|| PathBuf::from("twostep-data"))
}

/// Starts the embedded default and serves until interrupted.
pub async fn run_embedded() -> anyhow::Result<()> {
    let cfg = Config {
        bind: "127.0.0.1:0".parse()?,
        data: data_dir(),
        dev_outbox: true,
        demo: true,
        ..Config::default()
    };
    let server = twostep_server::spawn(cfg, Arc::new(SystemClock)).await?;
    println!("Twostep demo server: {}", server.url());
    println!("Demo inbox: {}/api/v1/dev/outbox", server.url());
    println!("Demo center: {}", demo::CENTER);
    for a in demo::ACCOUNTS {
        println!("  {:<42} {:<22} {}", a.email, a.password, a.about);
    }
    println!("The app window is not built yet; press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    server.stop().await;
    Ok(())
}
