//! A WebDriver session on a driver the test started (WebKitWebDriver, chromedriver): shared by
//! the app's journeys (`tests/e2e`) and the browser tests (`tests/browser`), each including it
//! with `#[path]`. The client is fantoccini over plain HTTP to the driver on loopback.

use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};

/// Opens a session with `caps` on the driver listening on `port`, retrying while the driver
/// starts (up to 20 s). A session waits for its browser's window: one that never opens fails
/// the test after 60 s instead of hanging it.
pub async fn connect(port: u16, caps: serde_json::Map<String, serde_json::Value>) -> Client {
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps.clone());
        match tokio::time::timeout(Duration::from_secs(60), builder.connect(&url)).await {
            Ok(Ok(client)) => return client,
            Ok(Err(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Ok(Err(e)) => panic!("WebDriver session did not start: {e}"),
            Err(_) => panic!("the window did not open within 60 s"),
        }
    }
}
