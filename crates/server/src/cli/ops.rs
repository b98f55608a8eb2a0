//! The operator's commands beside `serve`: `backup`, `restore` and `ready`.

use std::path::Path;
use std::time::{Duration, Instant};

use twostep_server::operate;

use super::{load, Common};

/// Copies the live database; says which key must be kept with the copy.
pub async fn backup(common: &Common, to: &Path) -> anyhow::Result<()> {
    let cfg = load(common)?;
    let b = operate::backup(&cfg, to).await?;
    println!(
        "Backed up {} to {} ({} bytes; server key fingerprint {}).",
        cfg.db_path().display(),
        b.file.display(),
        b.bytes,
        b.fingerprint
    );
    println!(
        "Keep the server key {} (server.key) with this backup, somewhere as safe as the \
         backup itself: without it no authenticator app in the backup can be checked, and \
         restore refuses any other key.",
        b.key.display()
    );
    Ok(())
}

/// Puts a backup into a new data folder.
pub async fn restore(common: &Common, from: &Path, key: Option<&Path>) -> anyhow::Result<()> {
    let cfg = load(common)?;
    let r = operate::restore(&cfg, from, key).await?;
    println!(
        "Restored {} to {} (server key fingerprint {}, key at {}).",
        from.display(),
        r.database.display(),
        r.fingerprint,
        r.key.display()
    );
    println!(
        "Start the server on it: twostep-server serve --data {}",
        cfg.data.display()
    );
    Ok(())
}

/// Asks `GET /api/v1/ready`; with `wait`, until the database is reachable and migrated.
pub async fn ready(common: &Common, url: Option<String>, wait: Option<u64>) -> anyhow::Result<()> {
    let cfg = load(common)?;
    let base = url.unwrap_or_else(|| {
        // A server listening on every address is asked on this machine's loopback.
        let mut at = cfg.bind;
        if at.ip().is_unspecified() {
            at.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{at}")
    });
    let address = format!("{}/api/v1/ready", base.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let until = Instant::now() + Duration::from_secs(wait.unwrap_or(0));
    loop {
        let answer = match client.get(&address).send().await {
            Ok(res) => {
                let ok = res.status().is_success();
                let body: serde_json::Value = res.json().await.unwrap_or_default();
                let reasons: Vec<String> = body["error"]["reasons"]
                    .as_array()
                    .map(|r| {
                        r.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let message = body["error"]["message"].as_str().unwrap_or("").to_owned();
                Some((ok, reasons, message))
            }
            Err(_) => None,
        };
        match answer {
            Some((true, _, _)) => {
                println!("ready");
                return Ok(());
            }
            // Waiting at start: mail that does not leave is reported, not waited for.
            Some((false, reasons, message))
                if wait.is_some()
                    && !reasons.is_empty()
                    && reasons.iter().all(|r| r == "outbox_stuck") =>
            {
                eprintln!("{message}");
                println!("up (not ready: {})", reasons.join(", "));
                return Ok(());
            }
            Some((false, reasons, message)) if Instant::now() >= until => {
                anyhow::bail!("not ready ({}): {message}", reasons.join(", "))
            }
            None if Instant::now() >= until => {
                anyhow::bail!("no answer from {address}")
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}
