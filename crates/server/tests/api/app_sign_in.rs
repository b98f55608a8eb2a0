//! A native app signing in through the system browser (RFC 8252 with PKCE): the test plays
//! the browser (the passkey's ceremony, following the redirect) and the app (its verifier,
//! its loopback address, the exchange). A code is good once, only with its verifier, only for
//! the address it was sent to, and only for a minute; a request naming any other address is
//! refused and never redirected there.

use sha2::{Digest, Sha256};
use twostep_client::api::{self, LoginResponse};
use twostep_core::Role;
use twostep_testkit::TestPasskey;

use crate::harness::*;

const PARENT: &str = "parent@acorns.example";
const VERIFIER: &str = "a-verifier-only-the-app-knows-0123456789-abcdefghijk";

fn challenge_of(verifier: &str) -> String {
    data_encoding::BASE64URL_NOPAD.encode(&Sha256::digest(verifier.as_bytes()))
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The browser's part: `GET /oauth/authorize` goes on to the page; the page signs in with the
/// passkey and is told where to go. The code and the state from that address.
async fn browser_signs_in(
    t: &TestServer,
    passkey: &mut TestPasskey,
    redirect_uri: &str,
) -> (String, String) {
    let challenge = challenge_of(VERIFIER);
    let authorize = format!(
        "{}/oauth/authorize?response_type=code&client_id=twostep-app&redirect_uri={}\
         &code_challenge={challenge}&code_challenge_method=S256&state=s123",
        t.url(),
        url_encode(redirect_uri)
    );
    let page = no_redirects().get(&authorize).send().await.unwrap();
    assert_eq!(page.status(), 303);
    let to = page.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/?"), "on to the page: {to}");
    assert!(to.contains("code_challenge=") && to.contains("state=s123"));

    let asked = t.client.passkey_sign_in().await.unwrap();
    let answer = passkey.get(&asked.options);
    let next = t
        .client
        .app_code(&api::AppCodeRequest {
            ceremony_id: asked.ceremony_id.unwrap(),
            credential: answer,
            redirect_uri: redirect_uri.to_owned(),
            code_challenge: challenge,
            code_challenge_method: "S256".into(),
            state: Some("s123".into()),
        })
        .await
        .unwrap();
    let went = url::Url::parse(&next.redirect_to).unwrap();
    assert!(next.redirect_to.starts_with(redirect_uri));
    let pairs: std::collections::HashMap<_, _> = went.query_pairs().into_owned().collect();
    (pairs["code"].clone(), pairs["state"].clone())
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn exchange(code: &str, verifier: &str, redirect_uri: &str) -> api::TokenRequest {
    api::TokenRequest {
        code: code.to_owned(),
        code_verifier: verifier.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        device_name: Some("Twostep on a laptop".into()),
    }
}

#[db_test]
async fn the_app_gets_its_session_once_for_its_verifier_and_address(db: Db) {
    let t = TestServer::start(db).await;
    let (mut passkey, _) = t.first_passkey(PARENT, &[Role::Guardian]).await;
    let at = "http://127.0.0.1:53682/callback";
    let (code, state) = browser_signs_in(&t, &mut passkey, at).await;
    assert_eq!(state, "s123", "the app's state comes back");

    // Twice at once: one session.
    let results = burst(4, |_| {
        let client = t.client.clone();
        let req = exchange(&code, VERIFIER, at);
        async move { client.app_token(&req).await }
    })
    .await;
    assert_eq!(tally(&results), counts(&[("ok", 1), ("invalid_grant", 3)]));
    let session = results
        .into_iter()
        .find_map(Result::ok)
        .map(session_of)
        .unwrap()
        .0;
    assert!(t.client.me(&session).await.is_ok());
    // Stored only as a hash.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT hash FROM app_codes")
        .fetch_one(t.state().db.read())
        .await
        .unwrap();
    assert_ne!(stored, code.as_bytes());
}

#[db_test]
async fn a_wrong_verifier_or_port_spends_the_code_and_gets_nothing(db: Db) {
    let t = TestServer::start(db).await;
    let (mut passkey, _) = t.first_passkey(PARENT, &[Role::Guardian]).await;
    let at = "http://127.0.0.1:53682/callback";

    let (code, _) = browser_signs_in(&t, &mut passkey, at).await;
    let wrong = "another-verifier-that-someone-guessed-0123456789-xyz";
    let refused = t
        .client
        .app_token(&exchange(&code, wrong, at))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("invalid_grant"));
    let late = t
        .client
        .app_token(&exchange(&code, VERIFIER, at))
        .await
        .unwrap_err();
    assert_eq!(late.code(), Some("invalid_grant"), "a code is tried once");

    let (code, _) = browser_signs_in(&t, &mut passkey, at).await;
    let other_port = "http://127.0.0.1:53683/callback";
    let refused = t
        .client
        .app_token(&exchange(&code, VERIFIER, other_port))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("invalid_grant"));

    // A minute, then nothing.
    let (code, _) = browser_signs_in(&t, &mut passkey, at).await;
    t.advance(61);
    let expired = t
        .client
        .app_token(&exchange(&code, VERIFIER, at))
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Some("invalid_grant"));
    assert_eq!(
        t.count("tokens").await,
        1,
        "only the first sign-in's session"
    );
}

#[db_test]
async fn a_request_for_another_address_is_refused_and_never_sent_there(db: Db) {
    let t = TestServer::start(db).await;
    let challenge = challenge_of(VERIFIER);
    for to in [
        "https://evil.example/callback",
        "http://localhost:53682/callback",
        "http://127.0.0.1/callback",
    ] {
        let page = no_redirects()
            .get(format!(
                "{}/oauth/authorize?response_type=code&client_id=twostep-app&redirect_uri={}\
                 &code_challenge={challenge}&code_challenge_method=S256",
                t.url(),
                url_encode(to)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 400, "{to}");
        assert!(page.headers().get("location").is_none());
        assert!(page.text().await.unwrap().contains("isn't right"));
    }
    // Nor does the page's call make a code for it.
    let (mut passkey, _) = t.first_passkey(PARENT, &[Role::Guardian]).await;
    let asked = t.client.passkey_sign_in().await.unwrap();
    let refused = t
        .client
        .app_code(&api::AppCodeRequest {
            ceremony_id: asked.ceremony_id.unwrap(),
            credential: passkey.get(&asked.options),
            redirect_uri: "https://evil.example/callback".into(),
            code_challenge: challenge,
            code_challenge_method: "S256".into(),
            state: None,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("bad_request"));
    assert_eq!(t.count("app_codes").await, 0);
    assert!(matches!(
        t.login(PARENT).await,
        LoginResponse::Verify { .. }
    ));
}
