//! Passkeys in Chromium (issue 24), with WebDriver's virtual authenticator (`authenticator`)
//! standing in for a phone's Face ID: a parent adds one and signs in with it, as the second
//! step and then with no password; an administrator whose center requires passkeys is sent to
//! set one up; a center that switches passkeys off stops them signing in. The site is
//! `http://localhost:PORT` (`Site::for_passkeys`): WebAuthn wants a secure context at a name.
//! WebKitGTK's MiniBrowser has no virtual authenticator (nor WebAuthn): the WebKit journeys
//! check only that no passkey is offered where it can't work (`journeys.rs`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use twostep_client::api::{self, Kind, MinMethod};
use twostep_core::policy::Role;
use twostep_testkit::{TestServer, PASSWORD};

use crate::authenticator::Authenticator;
use crate::engine::{Device, Engine, Scheme};
use crate::page::Page;
use crate::site::Site;

/// A module of two tests of `journey`: Chromium as a phone and as a tablet.
macro_rules! runs_in_chromium {
    ($($journey:ident),+ $(,)?) => {
        $(
            mod $journey {
                use crate::engine::{Engine, PHONE, TABLET};

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn chromium_phone() {
                    super::$journey(Engine::Chromium, PHONE).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn chromium_tablet() {
                    super::$journey(Engine::Chromium, TABLET).await;
                }
            }
        )+
    };
}

runs_in_chromium!(
    a_parent_adds_a_passkey_and_signs_in_with_it_alone,
    an_administrator_whose_center_requires_passkeys_sets_one_up,
    a_passkey_the_center_switched_off_no_longer_signs_in,
    the_app_signs_in_through_this_browser_with_a_passkey,
    the_app_adds_and_uses_a_passkey_through_this_browser,
);

/// A guardian signs in with the password (no method yet; the email field offers passkeys in
/// its autofill), adds a passkey named "My phone" from "2-Step Verification" (recovery codes
/// follow), and it is in the authenticator as a discoverable credential of `localhost`.
/// Signed out, the autofill's request signs them in with it (the virtual authenticator
/// consents at once, as a person picking the passkey in the autofill would). Then, with the
/// autofill off: the password and the passkey as the second step; and "Sign in with a
/// passkey" with no password, whose session works (their methods are read with it).
async fn a_parent_adds_a_passkey_and_signs_in_with_it_alone(engine: Engine, device: Device) {
    let site = Site::for_passkeys().await;
    let (t, parent) = (&site.t, "riley@family.example");
    let id = t
        .add_named_person(parent, "Riley Parent", &[Role::Guardian])
        .await;
    let p = open(&site, engine, device, "passkey-parent").await;
    let authenticator = Authenticator::add(&p).await;

    p.on_screen("sign-in").await;
    p.wait("#passkey-sign-in").await;
    p.wait("#email[autocomplete='username webauthn']").await;
    p.shoot("sign-in").await;
    p.sign_in(parent).await;
    p.on_screen("home").await;
    p.click("#nav-methods").await;
    p.on_screen("methods").await;
    p.click("#add-method").await;
    p.on_screen("add-method").await;
    p.shoot("add-method").await;
    add_passkey(&p, "My phone").await;
    p.save_recovery_codes(false).await;
    p.on_screen("setup-done").await;
    p.wait_text("#added", "Passkey \u{201c}My phone\u{201d}")
        .await;
    p.shoot("setup-done").await;
    p.click("#added-continue").await;
    p.wait_text("#method-list [data-kind=passkey]", "My phone")
        .await;
    // A passkey is deleted, never edited.
    assert!(!p.exists("#method-list [data-kind=passkey] .edit").await);
    p.shoot("methods-passkey").await;
    assert_eq!(t.methods_of(&id).await, 1);
    let held = authenticator.credentials(&p).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0].resident, "a discoverable credential: {held:?}");
    assert_eq!(held[0].rp_id, "localhost");

    // Signed out, the sign-in screen's autofill request is answered: signed in again.
    p.click("#sign-out").await;
    wait_for_passkey_sign_ins(t, 1).await;
    p.on_screen("home").await;
    p.wait_text("#welcome", "Riley").await;

    // The password, then the passkey as the second step (its own screen, started by a tap).
    no_autofill(&p).await;
    p.sign_out().await;
    p.sign_in(parent).await;
    p.on_screen("verify-passkey").await;
    p.wait_text("#passkey-where", "My phone").await;
    p.shoot("verify-passkey").await;
    p.click("#use-passkey").await;
    p.on_screen("home").await;
    p.wait_text("#tsv-state", "On").await;
    p.sign_out().await;

    // No password at all.
    p.on_screen("sign-in").await;
    p.click("#passkey-sign-in").await;
    p.on_screen("home").await;
    p.wait_text("#welcome", "Riley").await;
    p.shoot("home-passkey").await;
    p.click("#nav-methods").await;
    p.wait_text("#method-list [data-kind=passkey]", "My phone")
        .await;
    assert!(
        authenticator.credentials(&p).await[0].sign_count >= 3,
        "the passkey signed the three sign-ins"
    );
    wait_for_passkey_sign_ins(t, 2).await;
    p.close().await;
}

/// The center asks administrators for a passkey (`min_method`, set through the API): an
/// administrator with an email method signs in with the password and is sent to setup, where
/// a passkey is the one choice; they add it and are signed in.
async fn an_administrator_whose_center_requires_passkeys_sets_one_up(
    engine: Engine,
    device: Device,
) {
    let site = Site::for_passkeys().await;
    let (t, admin) = (&site.t, "avery@acorns.example");
    let id = t
        .add_named_person(admin, "Avery Admin", &[Role::Admin])
        .await;
    let (token, _) = t.enroll_email(admin).await;
    let policy = api::Policy {
        min_method: Some(BTreeMap::from([(api::Role::Admin, MinMethod::Passkey)])),
        ..t.client.admin_policy(&token).await.unwrap()
    };
    t.client.admin_put_policy(&token, &policy).await.unwrap();
    let p = open(&site, engine, device, "passkey-admin").await;
    let authenticator = Authenticator::add(&p).await;

    p.sign_in(admin).await;
    p.on_screen("setup-intro").await;
    p.wait("#setup-required").await;
    p.wait("#passkey-required").await;
    p.shoot("setup-required").await;
    p.click("#setup-now").await;
    p.on_screen("setup-choose").await;
    assert_eq!(p.count("input[name=kind]").await, 1, "a passkey only");
    p.wait("#kind-passkey:checked").await;
    p.shoot("setup-choose").await;
    p.click("#choose-continue").await;
    p.on_screen("setup-passkey").await;
    p.shoot("setup-passkey").await;
    p.fill("#passkey-name", "Office laptop").await;
    p.click("#create-passkey").await;
    p.on_screen("setup-done").await;
    p.click("#added-continue").await;
    p.on_screen("home").await;
    p.wait_text("#who-name", "Avery Admin").await;
    assert_eq!(t.methods_of(&id).await, 2, "the email, and the passkey");
    assert_eq!(authenticator.credentials(&p).await.len(), 1);
    // The overview counts no one below their floor now.
    p.click("#nav-admin").await;
    p.on_screen("admin").await;
    p.wait_text("#stat-below-floor", "0").await;
    p.wait("#floor-admin").await;
    let floor = p
        .script(
            "return document.getElementById('floor-admin').value;",
            vec![],
        )
        .await;
    assert_eq!(floor, "passkey", "the policy form shows the floor");
    p.close().await;
}

/// A parent's passkey signs in alone; then the center switches passkeys off (through the
/// API): "Sign in with a passkey" is refused, and says to use the email and password.
async fn a_passkey_the_center_switched_off_no_longer_signs_in(engine: Engine, device: Device) {
    let site = Site::for_passkeys().await;
    let (t, parent, admin) = (&site.t, "sam@family.example", "avery@acorns.example");
    t.add_named_person(parent, "Sam Parent", &[Role::Guardian])
        .await;
    t.add_named_person(admin, "Avery Admin", &[Role::Admin])
        .await;
    let (token, _) = t.enroll_email(admin).await;
    let p = open(&site, engine, device, "passkey-off").await;
    Authenticator::add(&p).await;

    p.sign_in(parent).await;
    p.on_screen("home").await;
    p.click("#nav-methods").await;
    p.click("#add-method").await;
    add_passkey(&p, "Sam's phone").await;
    p.save_recovery_codes(false).await;
    p.on_screen("setup-done").await;
    no_autofill(&p).await;
    p.sign_out().await;

    let policy = api::Policy {
        allowed_kinds: vec![Kind::Totp, Kind::Email, Kind::Sms],
        ..t.client.admin_policy(&token).await.unwrap()
    };
    t.client.admin_put_policy(&token, &policy).await.unwrap();
    p.on_screen("sign-in").await;
    p.click("#passkey-sign-in").await;
    p.wait_text("#passkey-error", "no longer accepts a passkey")
        .await;
    p.shoot("passkey-off").await;
    assert_eq!(p.count("main[data-screen=\"sign-in\"]").await, 1);
    // The password still goes on: their only method is off, so a method the center allows
    // must be set up, and a passkey is not among them.
    p.fill("#email", parent).await;
    p.fill("#password", PASSWORD).await;
    p.click("#sign-in").await;
    p.on_screen("setup-intro").await;
    p.wait("#setup-required").await;
    p.click("#setup-now").await;
    p.on_screen("setup-choose").await;
    p.wait("#kind-email").await;
    assert!(!p.exists("#kind-passkey").await);
    p.close().await;
}

/// The app's half of a sign-in through the system browser (RFC 8252), played by the test: a
/// PKCE verifier and a listener on the loopback; this browser is sent to `/oauth/authorize`,
/// lands on "Sign in to the Twostep app", uses the passkey, and is sent to the listener with a
/// one-time code and the app's state; the code and the verifier then make the app's session.
async fn the_app_signs_in_through_this_browser_with_a_passkey(engine: Engine, device: Device) {
    use sha2::Digest;

    let site = Site::for_passkeys().await;
    let (t, parent) = (&site.t, "riley@family.example");
    t.add_named_person(parent, "Riley Parent", &[Role::Guardian])
        .await;
    let p = open(&site, engine, device, "passkey-app").await;
    Authenticator::add(&p).await;
    p.on_screen("sign-in").await;
    no_autofill(&p).await;
    p.sign_in(parent).await;
    p.on_screen("home").await;
    p.click("#nav-methods").await;
    p.click("#add-method").await;
    add_passkey(&p, "My phone").await;
    p.save_recovery_codes(false).await;
    p.on_screen("setup-done").await;
    no_autofill(&p).await;
    p.sign_out().await;

    // The app: its verifier, its listener.
    let verifier = "the-app-keeps-this-verifier-to-itself-0123456789";
    let challenge =
        data_encoding::BASE64URL_NOPAD.encode(&sha2::Sha256::digest(verifier.as_bytes()));
    let (redirect_uri, back) = app_listener().await;
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    p.b.d
        .goto(&format!(
            "{}/oauth/authorize?response_type=code&client_id=twostep-app&redirect_uri={}\
             &code_challenge={challenge}&code_challenge_method=S256&state=st1",
            site.url,
            enc(&redirect_uri)
        ))
        .await
        .unwrap();
    p.on_screen("app-handoff").await;
    p.shoot("app-handoff").await;
    p.click("#handoff-passkey").await;
    let pairs = came_back(back, "st1").await;
    let exchange = api::TokenRequest {
        code: pairs["code"].clone(),
        code_verifier: verifier.into(),
        redirect_uri,
        device_name: Some("Twostep on a laptop".into()),
    };
    let (session, person) =
        twostep_testkit::session_of(t.client.app_token(&exchange).await.unwrap());
    assert_eq!(person.email, parent);
    assert!(t.client.me(&session).await.is_ok());
    // No session was made in the browser: only the app's.
    assert!(!p.exists("#sign-out").await);
    p.close().await;
}

/// The app's half of a passkey made and used in the system browser (src-tauri/browser_passkey.rs),
/// played by the test: the app's session asks for creation options, a listener waits on the
/// loopback, and this browser opens `/#app-passkey/…` with them; "Create passkey" makes it in
/// the virtual authenticator and the browser goes to the listener with the credential, which
/// the app confirms with its session. Then a sign-in's second step the same way, with "Use my
/// passkey". No session is made in the browser.
async fn the_app_adds_and_uses_a_passkey_through_this_browser(engine: Engine, device: Device) {
    let site = Site::for_passkeys().await;
    let (t, parent) = (&site.t, "riley@family.example");
    t.add_named_person(parent, "Riley Parent", &[Role::Guardian])
        .await;
    let (session, _) = twostep_testkit::session_of(t.login(parent).await);
    let p = open(&site, engine, device, "passkey-app-add").await;
    Authenticator::add(&p).await;

    // Adding: the options the app's screens got with its session.
    let e = t
        .client
        .add_method(
            &session,
            &api::AddMethodRequest::Passkey {
                name: Some("Laptop".into()),
            },
        )
        .await
        .unwrap();
    let api::Enrollment::Passkey { options, .. } = &e else {
        panic!("creation options, got {e:?}")
    };
    let credential = through_the_page(&p, &site, "create", options, "#app-passkey-go").await;
    let added = t
        .client
        .confirm_passkey(&session, e.id(), credential)
        .await
        .unwrap();
    assert!(
        added.recovery_codes.is_some(),
        "the first method brings recovery codes"
    );
    assert!(!p.exists("#sign-out").await, "no session in the browser");

    // The second step of the app's next sign-in, the same way.
    let api::LoginResponse::Verify {
        challenge_id,
        methods,
        ..
    } = t.login(parent).await
    else {
        panic!("the passkey is asked for")
    };
    let asked = t
        .client
        .send_passkey(None, &challenge_id, &methods[0].id)
        .await
        .unwrap();
    let answer = through_the_page(&p, &site, "get", &asked.options, "#app-passkey-go").await;
    let done = t
        .client
        .verify_passkey(None, &challenge_id, &methods[0].id, answer)
        .await
        .unwrap();
    assert!(matches!(done, api::LoginResponse::Done { .. }));
    p.close().await;
}

/// Opens this browser at the server's page for the app with `options` (as the app does), on a
/// listener of the test's, presses `button`, and returns the credential the browser brought
/// back to the listener.
async fn through_the_page(
    p: &Page,
    site: &Site,
    ceremony: &str,
    options: &serde_json::Value,
    button: &str,
) -> serde_json::Value {
    let (redirect_uri, back) = app_listener().await;
    let asked = serde_json::json!({
        "ceremony": ceremony, "options": options, "redirect_uri": redirect_uri, "state": "st2",
    });
    let payload = data_encoding::BASE64URL_NOPAD.encode(asked.to_string().as_bytes());
    // A new page, as the system browser opens a new tab (a change of fragment alone would not
    // load the page again).
    p.b.d.goto("about:blank").await.unwrap();
    p.b.d
        .goto(&format!("{}/#app-passkey/{payload}", site.url))
        .await
        .unwrap();
    p.on_screen("app-passkey").await;
    p.shoot(&format!("app-passkey-{ceremony}")).await;
    assert!(p.exists("#app-passkey-cancel").await);
    p.click(button).await;
    let pairs = came_back(back, "st2").await;
    let raw = data_encoding::BASE64URL_NOPAD
        .decode(pairs["credential"].as_bytes())
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

/// The app's loopback listener, played by the test: its address, and the request line of the
/// browser's one visit (answered with a page).
async fn app_listener() -> (String, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirect_uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().unwrap().port()
    );
    let back = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = vec![0u8; 8192];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let page = "back in the app";
        let _ = s
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                )
                .as_bytes(),
            )
            .await;
        String::from_utf8_lossy(&head)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    });
    (redirect_uri, back)
}

/// The query the browser came back to the listener with (`GET /callback?…&state=… HTTP/1.1`),
/// whose `state` must be `state`.
async fn came_back(back: tokio::task::JoinHandle<String>, state: &str) -> BTreeMap<String, String> {
    let line = tokio::time::timeout(Duration::from_secs(30), back)
        .await
        .expect("the browser came back to the app")
        .unwrap();
    let query = line
        .split(' ')
        .nth(1)
        .and_then(|target| target.split_once('?'))
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default();
    let pairs: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(
        pairs.get("state").map(String::as_str),
        Some(state),
        "{line}"
    );
    pairs
}

/// Chromium's virtual authenticator answers a conditional (autofill) request at once, where a
/// person would first pick the passkey in the autofill: the page is told, from here on, that
/// this browser has no autofill for passkeys, so that the sign-in screen waits for a tap.
async fn no_autofill(p: &Page) {
    p.script(
        "PublicKeyCredential.isConditionalMediationAvailable = async () => false;",
        vec![],
    )
    .await;
}

/// Waits until the audit trail has `n` sign-ins with a passkey alone.
async fn wait_for_passkey_sign_ins(t: &TestServer, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE reason = 'passkey_alone'")
                .fetch_one(t.state().db.read())
                .await
                .unwrap();
        if seen == n {
            return;
        }
        assert!(
            seen < n && Instant::now() < deadline,
            "{seen} sign-ins with a passkey alone, not {n}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// "Add a method": a passkey named `name`, made by the authenticator.
async fn add_passkey(p: &Page, name: &str) {
    p.on_screen("add-method").await;
    p.click("#kind-passkey").await;
    p.click("#choose-continue").await;
    p.on_screen("setup-passkey").await;
    p.fill("#passkey-name", name).await;
    p.shoot("setup-passkey").await;
    p.click("#create-passkey").await;
}

async fn open(site: &Site, engine: Engine, device: Device, journey: &'static str) -> Page {
    Page::open(engine, device, Scheme::Light, &site.url, journey).await
}
