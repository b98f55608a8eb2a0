use serde_json::{json, Value};
use twostep_core::Role;

use crate::harness::*;

async fn raw(
    t: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut rb = reqwest::Client::new().request(method, format!("{}{path}", t.client.base_url()));
    if let Some(tok) = token {
        rb = rb.bearer_auth(tok);
    }
    if let Some(b) = body {
        rb = rb.header("content-type", "application/json").body(b);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    )
}

/// Method, path, token, body, expected status, expected error code.
type Case<'a> = (
    reqwest::Method,
    &'a str,
    Option<&'a str>,
    Option<String>,
    u16,
    &'a str,
);

#[db_test]
async fn bad_input_is_a_clear_4xx_and_changes_nothing(db: Db) {
    let t = TestServer::start(db).await;
    let (token, method_id) = t.staff_with_email("z@acorns.example").await;
    let before = (
        t.count("methods").await,
        t.count("tokens").await,
        t.count("challenges").await,
        t.count("password_attempts").await,
    );
    let delete_path = format!("/api/v1/me/methods/{method_id}");
    let big = format!(
        "{{\"email\": \"z@acorns.example\", \"password\": \"{}\"}}",
        "x".repeat(1 << 20)
    );
    let cases: Vec<Case> = vec![
        (
            reqwest::Method::POST,
            "/api/v1/login",
            None,
            Some("{not json".into()),
            400,
            "bad_request",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"email": 5, "password": []}).to_string()),
            400,
            "bad_request",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"email": "z@acorns.example"}).to_string()),
            400,
            "bad_request",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/login",
            None,
            Some(big),
            413,
            "payload_too_large",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/me/methods",
            Some(token.as_str()),
            Some(json!({"kind": "fax"}).to_string()),
            400,
            "bad_request",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/challenges/no-such-challenge/verify",
            None,
            Some(json!({"method_id": method_id, "code": "123456"}).to_string()),
            404,
            "not_found",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/challenges/no-such-challenge/send",
            None,
            Some(json!({"method_id": method_id}).to_string()),
            404,
            "not_found",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/me",
            Some("garbage"),
            None,
            401,
            "unauthenticated",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/me",
            None,
            None,
            401,
            "unauthenticated",
        ),
        (
            reqwest::Method::DELETE,
            &delete_path,
            Some("garbage"),
            None,
            401,
            "unauthenticated",
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/admin/policy",
            Some(token.as_str()),
            Some(json!({"allowed_kinds": "email"}).to_string()),
            400,
            "bad_request",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/admin/people?two_step=maybe",
            Some(token.as_str()),
            None,
            400,
            "bad_request",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/nowhere",
            None,
            None,
            404,
            "not_found",
        ),
    ];
    for (method, path, tok, body, status, code) in cases {
        let (got, body, headers) = raw(&t, method.clone(), path, tok, body).await;
        assert_eq!(got, status, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], code, "{method} {path}");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.len() > 10));
        assert_eq!(headers["cache-control"], "no-store");
    }
    let after = (
        t.count("methods").await,
        t.count("tokens").await,
        t.count("challenges").await,
        t.count("password_attempts").await,
    );
    assert_eq!(before, after);
    // A token in the URL is never accepted.
    let (status, _, _) = raw(
        &t,
        reqwest::Method::GET,
        &format!("/api/v1/me?token={token}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[db_test]
async fn health_openapi_and_headers(db: Db) {
    let t = TestServer::start(db).await;
    let h = t.client.health().await.unwrap();
    assert_eq!(h.status, "ok");
    assert_eq!(h.time, t.now());
    let doc = t.client.openapi().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/login",
        "/api/v1/challenges/{challenge_id}/verify",
        "/api/v1/me/methods",
        "/api/v1/admin/people/{person_id}/two-step/reset",
        "/api/v1/dev/outbox",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    let (_, _, headers) = raw(&t, reqwest::Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.contains_key("x-request-id"));
}

#[db_test]
async fn sessions_expire_when_idle_and_tokens_are_stored_hashed(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("idle@family.example", &[Role::Guardian]).await;
    let (token, _) = session_of(t.login("idle@family.example").await);
    t.advance(11 * 3600);
    t.client.me(&token).await.unwrap();
    t.advance(11 * 3600);
    t.client.me(&token).await.unwrap();
    t.advance(12 * 3600 + 1);
    assert_eq!(
        t.client.me(&token).await.unwrap_err().code(),
        Some("unauthenticated")
    );
    let hashes: Vec<Vec<u8>> = sqlx::query_scalar("SELECT hash FROM tokens")
        .fetch_all(t.server.state.db.read())
        .await
        .unwrap();
    assert!(hashes.iter().all(|h| h.len() == 32
        && !token
            .as_bytes()
            .windows(8)
            .any(|w| h.windows(8).any(|x| x == w))));
}
