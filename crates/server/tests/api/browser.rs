//! The browser's shell (docs/api.md "Browser clients"): the UI served at `/` with the headers
//! that keep a page safe, credentials in a `__Host-` cookie that script never sees, and writes
//! from another site's pages refused. Requests are made as a browser makes them (its headers
//! set by hand): the journeys in real browsers are the UI's tests.

use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use twostep_core::Role;

use crate::harness::{Db, TestServer, PASSWORD};

const PARENT: &str = "parent@acorns.example";

fn plain() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A request as the UI's page makes it: same-origin, naming itself a browser client.
fn browser(req: reqwest::RequestBuilder, cookie: Option<&str>) -> reqwest::RequestBuilder {
    let req = req
        .header("twostep-client", "web")
        .header("sec-fetch-site", "same-origin");
    match cookie {
        Some(c) => req.header(COOKIE, c),
        None => req,
    }
}

const SESSION: &str = "__Host-twostep-session";
const SETUP: &str = "__Host-twostep-setup";

/// The cookie `name` an answer sets: its `name=value`, and the whole header.
fn set_cookie(headers: &HeaderMap, name: &str) -> Option<(String, String)> {
    let all: Vec<_> = headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .filter(|h| h.starts_with(&format!("{name}=")))
        .collect();
    assert!(all.len() <= 1, "{name} once at most: {all:?}");
    let header = all.into_iter().next()?;
    let pair = header.split(';').next().unwrap().trim().to_owned();
    Some((pair, header))
}

/// Whether an answer clears the cookie `name`.
fn clears(headers: &HeaderMap, name: &str) -> bool {
    set_cookie(headers, name)
        .is_some_and(|(pair, header)| pair == format!("{name}=") && header.ends_with("Max-Age=0"))
}

async fn sign_in(t: &TestServer, client: &reqwest::Client) -> String {
    let res = browser(client.post(format!("{}/api/v1/login", t.url())), None)
        .json(&json!({"email": PARENT, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (pair, header) = set_cookie(res.headers(), SESSION).expect("a cookie");
    assert!(pair.len() > 40, "{pair}");
    assert!(clears(res.headers(), SETUP), "the setup cookie goes");
    assert!(
        header.contains("; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age="),
        "{header}"
    );
    assert!(!header.to_lowercase().contains("domain="), "{header}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["next"], "done");
    assert!(body["session"].get("token").is_none(), "{body}");
    assert!(body["session"]["expires_at"].is_string());
    let token = pair.trim_start_matches(&format!("{SESSION}="));
    assert!(!body.to_string().contains(token));
    pair
}

#[tokio::test]
async fn the_ui_is_served_at_the_root_with_the_headers_that_keep_it_safe() {
    let t = TestServer::start(Db::Sqlite).await;
    let client = plain();
    let page = client.get(format!("{}/", t.url())).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let h = page.headers().clone();
    assert!(h[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cross-origin-opener-policy"], "same-origin");
    assert_eq!(h["cross-origin-resource-policy"], "same-origin");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["permissions-policy"]
        .to_str()
        .unwrap()
        .contains("camera=()"));
    assert_eq!(h["cache-control"], "no-store");
    // Plain http on loopback: no HSTS (it would pin a name that has no certificate).
    assert!(h.get("strict-transport-security").is_none());
    let body = page.text().await.unwrap();
    assert!(
        body.contains("id=\"screen\"") && body.contains("js/app.js"),
        "{body}"
    );

    let script = client
        .get(format!("{}/js/app.js", t.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("javascript"));
    let catalog = client
        .get(format!("{}/i18n/es.json", t.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(catalog.status(), StatusCode::OK);

    // What is not there: the API's error, in JSON; no file outside ui/.
    for path in [
        "/nothing-here.js",
        "/api/v1/nothing-here",
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
    ] {
        let res = client
            .get(format!("{}{path}", t.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    // The API's answers carry the same headers.
    let health = client
        .get(format!("{}/api/v1/health", t.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.headers()["x-frame-options"], "DENY");
    assert!(health.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    // The freeze pages keep their own, stricter policy.
    let freeze = client
        .get(format!("{}/freeze/nothing", t.url()))
        .send()
        .await
        .unwrap();
    assert!(freeze.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
}

#[tokio::test]
async fn the_ui_files_go_gzipped_and_a_kept_copy_is_asked_about_not_sent_again() {
    let t = TestServer::start(Db::Sqlite).await;
    let client = plain();
    let get = |path: &str| client.get(format!("{}{path}", t.url()));
    let raw = get("/js/app.js").send().await.unwrap();
    let tag = raw.headers()["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(raw.headers()["cache-control"], "no-cache");
    assert!(raw.headers().get("content-encoding").is_none());
    let size = raw.bytes().await.unwrap().len();

    let zipped = get("/js/app.js")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["etag"], tag.as_str());
    let body = zipped.bytes().await.unwrap();
    assert!(body.len() < size / 2, "{} of {size}", body.len());

    let again = get("/js/app.js")
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"], tag.as_str());
    assert!(again.bytes().await.unwrap().is_empty());
    let changed = get("/js/app.js")
        .header("if-none-match", "W/\"0\"")
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);

    // The page is never kept, and no API answer is compressed.
    let page = get("/").header("if-none-match", "*").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.headers().get("etag").is_none());
    let health = get("/api/v1/health")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(health.headers()["cache-control"], "no-store");
    assert!(health.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn behind_https_every_answer_asks_for_https_from_then_on() {
    let t = TestServer::start_with(Db::Sqlite, |cfg| {
        cfg.public_url = Some("https://twostep.example.org".into());
    })
    .await;
    let res = plain().get(format!("{}/", t.url())).send().await.unwrap();
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

#[tokio::test]
async fn a_browser_signs_in_with_a_cookie_and_never_sees_the_token() {
    let t = TestServer::start(Db::Sqlite).await;
    t.add_person(PARENT, &[Role::Guardian]).await;
    let client = plain();
    let cookie = sign_in(&t, &client).await;

    let me = browser(client.get(format!("{}/api/v1/me", t.url())), Some(&cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert!(
        me.headers().get(SET_COOKIE).is_none(),
        "a read sets nothing"
    );
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], PARENT);

    // Signing out ends the session and clears the cookie.
    let out = browser(
        client.post(format!("{}/api/v1/logout", t.url())),
        Some(&cookie),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(clears(out.headers(), SESSION) && clears(out.headers(), SETUP));
    // The old cookie opens nothing, and is cleared again.
    let again = browser(client.get(format!("{}/api/v1/me", t.url())), Some(&cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert!(clears(again.headers(), SESSION));
}

/// The app and every other client are unchanged: the token in the body, no cookie.
#[tokio::test]
async fn other_clients_keep_bearer_tokens() {
    let t = TestServer::start(Db::Sqlite).await;
    t.add_person(PARENT, &[Role::Guardian]).await;
    let res = plain()
        .post(format!("{}/api/v1/login", t.url()))
        .json(&json!({"email": PARENT, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get(SET_COOKIE).is_none());
    let body: Value = res.json().await.unwrap();
    assert!(body["session"]["token"]
        .as_str()
        .is_some_and(|s| s.len() > 30));
}

/// A sign-in that must set up 2-Step Verification: the setup token goes to the cookie, and
/// the cookie adds the method.
#[tokio::test]
async fn a_setup_token_is_the_cookie_too() {
    let t = TestServer::start(Db::Sqlite).await;
    t.add_person("teacher@acorns.example", &[Role::Staff]).await;
    let client = plain();
    let res = browser(client.post(format!("{}/api/v1/login", t.url())), None)
        .json(&json!({"email": "teacher@acorns.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let (cookie, header) = set_cookie(res.headers(), SETUP).expect("a cookie");
    assert!(
        header.contains("; Path=/; Secure; HttpOnly; SameSite=Strict"),
        "{header}"
    );
    assert!(
        !header.contains("Max-Age"),
        "gone with the browser: {header}"
    );
    assert!(
        clears(res.headers(), SESSION),
        "a last person's session goes"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["next"], "setup");
    assert!(body.get("setup_token").is_none(), "{body}");
    let add = browser(
        client.post(format!("{}/api/v1/me/methods", t.url())),
        Some(&cookie),
    )
    .json(&json!({"kind": "email", "address": "teacher@acorns.example"}))
    .send()
    .await
    .unwrap();
    assert_eq!(
        add.status(),
        StatusCode::CREATED,
        "{}",
        add.text().await.unwrap()
    );
}

/// A page of another origin (127.0.0.2, another port) that posts to the API with the
/// person's cookie: refused, and nothing changes. Reads are not writes: they pass.
#[tokio::test]
async fn writes_from_another_site_are_refused_and_change_nothing() {
    let t = TestServer::start(Db::Sqlite).await;
    t.add_person(PARENT, &[Role::Guardian]).await;
    let client = plain();
    let cookie = sign_in(&t, &client).await;
    let sessions = t.count("tokens").await;
    let url = format!("{}/api/v1/logout", t.url());
    // A fetch from a page elsewhere (a browser that sends Fetch Metadata).
    let fetch = client
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .header("origin", "http://127.0.0.2:9999")
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(fetch.status(), StatusCode::FORBIDDEN);
    // A form posted from elsewhere by a browser without Fetch Metadata: the Origin decides.
    let form = client
        .post(&url)
        .header("origin", "http://127.0.0.2:9999")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(COOKIE, &cookie)
        .body("a=b")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["error"]["code"], "cross_site");
    assert_eq!(t.count("tokens").await, sessions, "nobody was signed out");
    let me = browser(client.get(format!("{}/api/v1/me", t.url())), Some(&cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    // This page's own Origin passes.
    let here = client
        .post(&url)
        .header("origin", t.url())
        .header("twostep-client", "web")
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(here.status(), StatusCode::NO_CONTENT);
}

/// "Add to Home Screen" on a phone or a tablet gives Twostep's name and icon: the page links a
/// web app manifest (and an Apple touch icon), served with its media type, whose icons are
/// there in the sizes it names.
#[tokio::test]
async fn the_page_can_be_added_to_a_home_screen() {
    let t = TestServer::start(Db::Sqlite).await;
    let client = plain();
    let page = client.get(format!("{}/", t.url())).send().await.unwrap();
    let html = page.text().await.unwrap();
    for link in [
        "<link rel=\"manifest\" href=\"manifest.webmanifest\">",
        "<link rel=\"apple-touch-icon\" href=\"icons/apple-touch-icon.png\">",
        "<meta name=\"theme-color\"",
    ] {
        assert!(html.contains(link), "{link}");
    }
    let res = client
        .get(format!("{}/manifest.webmanifest", t.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/manifest+json");
    let manifest: Value = res.json().await.unwrap();
    assert_eq!(manifest["name"], "Twostep");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    let icons = manifest["icons"].as_array().unwrap();
    let sizes: Vec<&str> = icons.iter().map(|i| i["sizes"].as_str().unwrap()).collect();
    assert!(
        sizes.contains(&"192x192") && sizes.contains(&"512x512"),
        "{sizes:?}"
    );
    let mut srcs: Vec<String> = icons
        .iter()
        .map(|i| i["src"].as_str().unwrap().to_owned())
        .collect();
    srcs.push("icons/apple-touch-icon.png".into());
    for src in srcs {
        let icon = client
            .get(format!("{}/{src}", t.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(icon.status(), StatusCode::OK, "{src}");
        assert_eq!(icon.headers()[CONTENT_TYPE], "image/png", "{src}");
        let bytes = icon.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{src}");
    }
}
