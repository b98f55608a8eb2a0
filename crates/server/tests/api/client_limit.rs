//! The per-client limit in front of password hashing: one client's flood fills its own bucket,
//! not the hashing queue, and the other clients keep signing in.

use std::net::IpAddr;
use std::time::Instant;

use twostep_client::api::LoginResponse;
use twostep_core::Role;

use crate::harness::*;

/// A raw HTTP client whose connections come from `from` (any 127.x address is this machine).
fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn limited(db: Db) -> TestServer {
    TestServer::start_with(db, |c| {
        c.limits.per_client_per_minute = 30;
        c.limits.per_client_burst = 10;
    })
    .await
}

/// 120 sign-ins with made-up emails from 127.0.0.2, released at once: ten are checked (the
/// burst; one more for each two seconds the burst took), the rest answered 429
/// `too_many_requests` with `Retry-After` before any hashing. Meanwhile eight people signing
/// in from 127.0.0.1 all get in.
#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_from_one_address_leaves_the_others_signing_in(db: Db) {
    let t = limited(db).await;
    for i in 0..8 {
        t.add_person(&format!("parent{i}@acorns.example"), &[Role::Guardian])
            .await;
    }
    let flood = client_from("127.0.0.2");
    let url = format!("{}/api/v1/login", t.server.url());
    let started = Instant::now();
    let flooding = burst(120, |i| {
        let (flood, url) = (flood.clone(), url.clone());
        async move {
            let body = serde_json::json!({
                "email": format!("stranger{i}@flood.example"),
                "password": "a guess of a password",
            });
            let r = flood.post(&url).json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            let retry = r.headers().get("retry-after").cloned();
            let v: serde_json::Value = r.json().await.unwrap();
            (
                status,
                retry,
                v["error"]["code"].as_str().unwrap_or("").to_owned(),
            )
        }
    });
    let signing_in = burst(8, |i| {
        let c = t.client.clone();
        async move {
            c.login(&format!("parent{i}@acorns.example"), PASSWORD, None)
                .await
        }
    });
    let (flood_results, people) = tokio::join!(flooding, signing_in);
    let took = started.elapsed().as_secs();
    for r in &people {
        assert!(matches!(r, Ok(LoginResponse::Done { .. })), "{r:?}");
    }
    let checked = flood_results.iter().filter(|r| r.0 == 401).count();
    let refused: Vec<_> = flood_results.iter().filter(|r| r.0 == 429).collect();
    assert_eq!(checked + refused.len(), 120, "{flood_results:?}");
    assert!(
        (10..=10 + took as usize / 2 + 1).contains(&checked),
        "{checked} checked in {took} s"
    );
    for (_, retry, code) in refused {
        assert_eq!(code, "too_many_requests");
        let secs: u64 = retry.as_ref().unwrap().to_str().unwrap().parse().unwrap();
        assert!((1..=2).contains(&secs), "Retry-After {secs}");
    }
    // Only the checked ones reached the audit trail.
    assert!(t.audit_count("sign_in_failed").await <= checked as i64);
}

/// Behind a trusted proxy the client is the rightmost hop the proxy did not add: two clients
/// through one proxy have a bucket each, and a client cannot pick its bucket by writing the
/// header itself.
#[db_test]
async fn behind_a_trusted_proxy_each_client_has_its_own_bucket(db: Db) {
    let t = TestServer::start_with(db, |c| {
        c.limits.per_client_per_minute = 30;
        c.limits.per_client_burst = 2;
        c.trusted_proxies = vec!["127.0.0.3/32".parse().unwrap()];
    })
    .await;
    let url = format!("{}/api/v1/login", t.server.url());
    let body = serde_json::json!({"email": "nobody@acorns.example", "password": "nope nope"});
    let through_proxy = client_from("127.0.0.3");
    let status = |c: &reqwest::Client, xff: &str| {
        let req = c.post(&url).json(&body).header("x-forwarded-for", xff);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    // Client A through the proxy: two, then refused.
    assert_eq!(status(&through_proxy, "198.51.100.1").await, 401);
    assert_eq!(status(&through_proxy, "198.51.100.1").await, 401);
    assert_eq!(status(&through_proxy, "198.51.100.1").await, 429);
    // A's made-up left-hand hops change nothing: the proxy appended A's address.
    assert_eq!(
        status(&through_proxy, "203.0.113.9, 198.51.100.1").await,
        429
    );
    // Client B through the same proxy: a bucket of its own.
    assert_eq!(status(&through_proxy, "198.51.100.2").await, 401);
    // From an address that is not a trusted proxy the header is ignored: one bucket.
    let direct = client_from("127.0.0.4");
    assert_eq!(status(&direct, "198.51.100.7").await, 401);
    assert_eq!(status(&direct, "198.51.100.8").await, 401);
    assert_eq!(status(&direct, "198.51.100.9").await, 429);
}
