//! The listener's hardening: slow clients are cut off, every request is answered in time, the
//! request id is the client's only when it is a UUID, and `public_url` is https off loopback.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use twostep_server::Config;

use crate::harness::{db_test, Db, TestServer};

/// Reads until the server closes the connection (or resets it): what it sent.
async fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[db_test]
async fn a_client_that_sends_half_a_header_is_cut_off_while_others_are_served(db: Db) {
    let t = TestServer::start(db).await;
    assert_eq!(t.server.state.cfg.http.header_read_timeout_secs, 10);
    let mut slow = TcpStream::connect(t.server.addr).await.unwrap();
    let start = Instant::now();
    slow.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: twostep\r\nX-Wait: ")
        .await
        .unwrap();
    let closed = tokio::spawn(async move {
        read_to_close(&mut slow).await;
        start.elapsed()
    });
    // Meanwhile, an ordinary client is answered at once, again and again.
    for _ in 0..5 {
        t.client.health().await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let after = tokio::time::timeout(Duration::from_secs(20), closed)
        .await
        .expect("the slow connection was never closed")
        .unwrap();
    assert!(
        after >= Duration::from_secs(9) && after <= Duration::from_secs(12),
        "closed after {after:?}"
    );
    t.client.health().await.unwrap();
    t.server.stop().await;
}

#[db_test]
async fn a_request_whose_body_never_ends_is_answered_with_the_api_error(db: Db) {
    let t = TestServer::start_with(db, |c| c.http.request_timeout_secs = 1).await;
    let mut s = TcpStream::connect(t.server.addr).await.unwrap();
    let start = Instant::now();
    // The headers promise 100 bytes; 20 come, then nothing.
    s.write_all(
        b"POST /api/v1/login HTTP/1.1\r\nHost: twostep\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"email\": \"a@exampl",
    )
    .await
    .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), read_to_close(&mut s))
        .await
        .expect("no answer");
    let elapsed = start.elapsed();
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("\"code\":\"server_busy\""), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("retry-after: 1"),
        "{text}"
    );
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    t.client.health().await.unwrap();
    t.server.stop().await;
}

#[db_test]
async fn the_request_id_is_the_clients_only_when_it_is_a_uuid(db: Db) {
    let t = TestServer::start(db).await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/health", t.server.url());
    let id_of = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let uuid = "3f2b8c1e-6a4d-4e2f-9b1a-7c5d0e8f9a21";
    let r = http
        .get(&url)
        .header("x-request-id", uuid)
        .send()
        .await
        .unwrap();
    assert_eq!(id_of(&r), uuid);
    for forged in [
        "admin signed in ok",
        "3f2b8c1e6a4d4e2f9b1a7c5d0e8f9a21",
        "urn:uuid:3f2b8c1e-6a4d-4e2f-9b1a-7c5d0e8f9a21",
        "3f2b8c1e-6a4d-4e2f-9b1a-7c5d0e8f9a21 x",
    ] {
        let r = http
            .get(&url)
            .header("x-request-id", forged)
            .send()
            .await
            .unwrap();
        let given = id_of(&r);
        assert_ne!(given, forged);
        assert_eq!(given.len(), 36, "{given}");
        assert!(uuid::Uuid::try_parse(&given).is_ok(), "{given}");
    }
    // None given: one is made.
    let r = http.get(&url).send().await.unwrap();
    assert!(uuid::Uuid::try_parse(&id_of(&r)).is_ok());
    t.server.stop().await;
}

#[db_test]
async fn public_url_must_be_https_off_loopback(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = |url: &str| Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        data: dir.path().to_path_buf(),
        public_url: Some(url.into()),
        ..Config::default()
    };
    for url in [
        "http://twostep.example.org",
        "http://192.168.1.10:8080",
        "ftp://twostep.example.org",
        "twostep.example.org",
    ] {
        let clock = std::sync::Arc::new(twostep_server::SystemClock);
        let Err(e) = twostep_server::spawn(cfg(url), clock).await else {
            panic!("{url} was accepted");
        };
        let msg = e.to_string();
        assert!(msg.contains("https://"), "{url}: {msg}");
        if url.starts_with("http://") {
            assert!(msg.contains("loopback"), "{url}: {msg}");
        }
    }
    // http:// on this machine only (the demo); https anywhere.
    for url in [
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "http://localhost:8080",
        "https://twostep.example.org",
    ] {
        let t = TestServer::start_with(db, |c| c.public_url = Some(url.into())).await;
        t.client.health().await.unwrap();
        t.server.stop().await;
    }
}
