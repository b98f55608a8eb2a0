#[tokio::main]
async fn main() -> anyhow::Result<()> {
    twostep_app::run_embedded().await
}
