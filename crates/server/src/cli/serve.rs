//! `serve` (the default) and `demo`: the server, and the demo center's accounts.

use std::net::SocketAddr;
use std::sync::Arc;

use twostep_server::{demo, SystemClock};

use super::{load, Common};

/// Serves until SIGINT or SIGTERM.
pub async fn serve(
    common: &Common,
    bind: Option<SocketAddr>,
    dev_outbox: bool,
    demo: bool,
) -> anyhow::Result<()> {
    let mut cfg = load(common)?;
    if let Some(b) = bind {
        cfg.bind = b;
    }
    cfg.dev_outbox |= dev_outbox;
    cfg.demo |= demo;
    if cfg.demo {
        print_demo_accounts();
    }
    twostep_server::serve(cfg).await
}

/// Seeds the demo center (once) and prints its accounts.
pub async fn demo(common: &Common) -> anyhow::Result<()> {
    let st = twostep_server::build_state(load(common)?, Arc::new(SystemClock)).await?;
    let created = demo::seed(&st).await?;
    println!(
        "{}",
        if created {
            "Demo center created."
        } else {
            "The demo center was already there."
        }
    );
    print_demo_accounts();
    Ok(())
}

fn print_demo_accounts() {
    println!("Demo center: {}", demo::CENTER);
    for a in demo::ACCOUNTS {
        println!("  {:<42} {:<22} {}", a.email, a.password, a.about);
    }
}
