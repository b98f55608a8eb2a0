//! Passkeys in the app, whose webview (WebKitGTK) has no WebAuthn: the app opens the system
//! browser, here a stand-in registered for http links that notes the address; the test then
//! plays that browser's part with the test kit's software passkey, as a person's browser would
//! with theirs, and goes back to the app's loopback address as the server's page would.
//! Whatever comes back other than this sign-in's own answer leaves the app signed out.

use data_encoding::BASE64URL_NOPAD;
use serde_json::Value;
use twostep_client::api;
use twostep_testkit::{origin_of, TestPasskey};

use crate::harness::*;

/// The browser's way back to the app (a GET of its loopback address, as a browser sends it):
/// the page the app's listener answers.
async fn go_back_to_the_app(redirect_uri: &str, fields: &[(&str, &str)]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut to = url::Url::parse(redirect_uri).unwrap();
    to.query_pairs_mut().extend_pairs(fields);
    let host = format!("{}:{}", to.host_str().unwrap(), to.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let target = format!("{}?{}", to.path(), to.query().unwrap_or(""));
    stream
        .write_all(
            format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut page = String::new();
    stream.read_to_string(&mut page).await.unwrap();
    page
}

/// What the app asked of the server's passkey page (`/#app-passkey/<base64url JSON>`).
fn asked_of_page(opened: &str, server: &TestServer) -> Value {
    let (base, payload) = opened.split_once("/#app-passkey/").expect(opened);
    assert_eq!(
        base,
        origin_of(&server.url()),
        "the page is the server's, at a name"
    );
    serde_json::from_slice(&BASE64URL_NOPAD.decode(payload.as_bytes()).unwrap()).unwrap()
}

fn credential_field(credential: &Value) -> String {
    BASE64URL_NOPAD.encode(credential.to_string().as_bytes())
}

/// A teacher adds a passkey from the app: the browser makes it, the app adds it with its own
/// session; an answer with another state is refused. Next time her passkey is her second step,
/// used in the browser the same way; a cancel there is told as a cancel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_adds_a_passkey_in_the_browser_and_uses_it_as_her_second_step() {
    let server = start_server().await;
    let email = "nia@maple.example";
    server
        .add_named_person(email, "Nia Okafor", &[Role::Staff])
        .await;
    server.with_email(email).await;
    let data = AppData::new();
    let mut browser = StandInBrowser::install(&data);
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in_with_emailed_code(&server, email).await;

    app.click("#manage-2sv").await;
    app.on_screen("methods").await;
    app.click("#add-method").await;
    app.click("#kind-passkey").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-passkey").await;
    app.wait_text("#passkey-browser-hint", "Your browser opens")
        .await;
    app.fill("#passkey-name", "Work laptop").await;
    app.click("#create-passkey").await;

    // Another page's answer (not this request's state): refused, and nothing is added.
    let asked = asked_of_page(&browser.next_opened().await, &server);
    assert_eq!(asked["ceremony"], "create");
    let redirect_uri = asked["redirect_uri"].as_str().unwrap().to_owned();
    assert!(
        redirect_uri.starts_with("http://127.0.0.1:"),
        "{redirect_uri}"
    );
    let (_, credential) = TestPasskey::create(&asked["options"], &origin_of(&server.url()));
    let page = go_back_to_the_app(
        &redirect_uri,
        &[
            ("state", "another"),
            ("credential", &credential_field(&credential)),
        ],
    )
    .await;
    assert!(page.contains("try again"), "{page}");
    app.wait_text("#form-error", "the browser didn't finish")
        .await;
    let id = server.person_id(email).await;
    assert_eq!(server.methods_of(&id).await, 1, "nothing added");

    // Again, and this time the browser comes back with the passkey.
    app.click("#create-passkey").await;
    let asked = asked_of_page(&browser.next_opened().await, &server);
    let state = asked["state"].as_str().unwrap().to_owned();
    let (mut passkey, credential) =
        TestPasskey::create(&asked["options"], &origin_of(&server.url()));
    let page = go_back_to_the_app(
        asked["redirect_uri"].as_str().unwrap(),
        &[
            ("state", &state),
            ("credential", &credential_field(&credential)),
        ],
    )
    .await;
    assert!(page.contains("go back to the Twostep app"), "{page}");
    app.on_screen("setup-done").await;
    app.wait_text("#added", "Work laptop").await;
    assert_eq!(server.methods_of(&id).await, 2);
    app.shoot("app-passkey-added").await;
    app.click("#added-continue").await;
    app.on_screen("methods").await;
    app.click("#sign-out").await;

    // Her next sign-in: the passkey as the second step, used in the browser.
    app.sign_in(email).await;
    let screen = app.attr("main", "data-screen").await.unwrap_or_default();
    if screen == "verify-code" {
        app.click("#other-way").await;
    }
    if screen != "verify-passkey" {
        app.on_screen("verify-pick").await;
        app.click("input[data-kind=passkey]").await;
        app.click("#pick-continue").await;
    }
    app.on_screen("verify-passkey").await;
    app.wait_text("#passkey-browser-hint", "Your browser opens")
        .await;
    // "Continue" on the list starts it; on its own screen, the button does.
    if screen == "verify-passkey" {
        app.click("#use-passkey").await;
    }
    let asked = asked_of_page(&browser.next_opened().await, &server);
    assert_eq!(asked["ceremony"], "get");
    let state = asked["state"].as_str().unwrap().to_owned();
    let redirect_uri = asked["redirect_uri"].as_str().unwrap().to_owned();
    // Cancelled in the browser: the app says so, and the same button tries again.
    go_back_to_the_app(
        &redirect_uri,
        &[("state", &state), ("error", "passkey_cancelled")],
    )
    .await;
    app.wait_text("#form-error", "cancelled").await;
    app.click("#use-passkey").await;
    let asked = asked_of_page(&browser.next_opened().await, &server);
    let answer = passkey.get(&asked["options"]);
    go_back_to_the_app(
        asked["redirect_uri"].as_str().unwrap(),
        &[
            ("state", asked["state"].as_str().unwrap()),
            ("credential", &credential_field(&answer)),
        ],
    )
    .await;
    app.on_screen("home").await;
    app.quit().await;
}

/// The app's "Sign in with a passkey" (RFC 8252): the browser signs in and the server sends it
/// to the app's loopback address with a one-time code, which the app exchanges with its PKCE
/// verifier. An answer with another state, a code made for another port, and a code someone
/// already tried with a wrong verifier leave the app signed out; the real one signs it in, and
/// the same code used again is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_signs_in_with_a_passkey_through_the_browser_and_refuses_every_other_answer() {
    // The test plays the browser and an attacker from the app's own address: no limit between.
    let server = start_server_with(|cfg| cfg.limits.per_client_per_minute = 0).await;
    let email = "omar.parent@family.example";
    server
        .add_named_person(email, "Omar Haddad", &[Role::Guardian])
        .await;
    // A parent with no method yet signs in with the password alone, and adds her passkey.
    let (session, _) = twostep_testkit::session_of(server.login(email).await);
    let (mut passkey, _) = server.add_passkey(&session, "Phone").await;

    let data = AppData::new();
    let mut browser = StandInBrowser::install(&data);
    let app = App::launch(&data, Some(&server.url())).await;
    app.on_screen("sign-in").await;

    // What the app opened: its request, at the server's address as a name.
    let mut opened = async || {
        app.click("#passkey-in-browser").await;
        let url = url::Url::parse(&browser.next_opened().await).unwrap();
        assert_eq!(url.host_str(), Some("localhost"));
        assert_eq!(url.path(), "/oauth/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert!(
            !q.contains_key("code_verifier"),
            "the verifier stays in the app"
        );
        q
    };
    // The browser's part, for `redirect_uri`: the passkey, then the server's code.
    let code_for = async |passkey: &mut TestPasskey,
                          q: &std::collections::HashMap<String, String>,
                          redirect_uri: &str| {
        let asked = server.client.passkey_sign_in().await.unwrap();
        let next = server
            .client
            .app_code(&api::AppCodeRequest {
                ceremony_id: asked.ceremony_id.unwrap(),
                credential: passkey.get(&asked.options),
                redirect_uri: redirect_uri.to_owned(),
                code_challenge: q["code_challenge"].clone(),
                code_challenge_method: "S256".into(),
                state: q.get("state").cloned(),
            })
            .await
            .unwrap();
        let to = url::Url::parse(&next.redirect_to).unwrap();
        to.query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let refused = "invalid_grant";
    // An exchange by someone without the app's verifier: the error code it gets.
    let not_the_apps = async |code: &str, redirect_uri: &str| {
        let exchange = api::TokenRequest {
            code: code.to_owned(),
            code_verifier: "a-verifier-that-is-not-the-apps-0123456789-abcdef".into(),
            redirect_uri: redirect_uri.to_owned(),
            device_name: None,
        };
        let err = server.client.app_token(&exchange).await.unwrap_err();
        err.code().unwrap_or_default().to_owned()
    };

    // The browser brings the app `code` with the app's own state: the app's exchange is
    // refused, and it stays on "Sign in".
    let the_app_refuses = async |q: &std::collections::HashMap<String, String>, code: &str| {
        let back = [("code", code), ("state", q["state"].as_str())];
        go_back_to_the_app(&q["redirect_uri"], &back).await;
        app.wait_text("#passkey-browser-error", "already used")
            .await;
        app.on_screen("sign-in").await;
    };

    // 1. Another sign-in's state: the app takes nothing.
    let q = opened().await;
    go_back_to_the_app(
        &q["redirect_uri"],
        &[("code", "made-up"), ("state", "another")],
    )
    .await;
    app.wait_text("#passkey-browser-error", "didn't finish")
        .await;

    // 2. A code the server made for another port: the app's exchange names its own address.
    let q = opened().await;
    let elsewhere = format!("http://127.0.0.1:{}/callback", twostep_testkit::free_port());
    let code = code_for(&mut passkey, &q, &elsewhere).await;
    the_app_refuses(&q, &code).await;

    // 3. A code someone caught and tried with a verifier of their own: spent for the app too.
    let q = opened().await;
    let code = code_for(&mut passkey, &q, &q["redirect_uri"]).await;
    assert_eq!(not_the_apps(&code, &q["redirect_uri"]).await, refused);
    the_app_refuses(&q, &code).await;

    // 4. The real thing: signed in; the same code again is refused.
    let q = opened().await;
    let code = code_for(&mut passkey, &q, &q["redirect_uri"]).await;
    let page = go_back_to_the_app(
        &q["redirect_uri"],
        &[("code", &code), ("state", &q["state"])],
    )
    .await;
    assert!(page.contains("go back to the Twostep app"), "{page}");
    app.on_screen("home").await;
    assert_eq!(not_the_apps(&code, &q["redirect_uri"]).await, refused);
    app.quit().await;
}
