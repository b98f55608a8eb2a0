//! `twostep-server`: serve the API, add people, seed the demo center (`cli`).

mod cli;

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    // `log_format` from the command's configuration (file or TWOSTEP_LOG_FORMAT), before
    // anything logs.
    twostep_server::operate::init_logs(cli.log_format());
    cli::run(cli).await
}
