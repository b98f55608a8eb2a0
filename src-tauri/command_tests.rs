//! The commands on Tauri's mock runtime, against a real twostep-server on loopback: what the
//! webview gets back (views and `{code, message}`), and what stays on this side (tokens).
//! The test clocks start from the real time (the server's, and the device's when moved).
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;
use twostep_client::api::{AddMethodRequest, Enrollment, LoginResponse};
use twostep_client::Client;
use twostep_core::policy::Role;
use twostep_server::operate::{self, NewAccount};
use twostep_server::{Config, ManualClock, RunningServer};
use zeroize::Zeroizing;

use crate::settings::Settings;
use crate::state::AppState;
use crate::tokens::{MemoryStore, SecretStore};

const PASSWORD: &str = "correct horse battery staple";

struct Fixture {
    server: RunningServer,
    client: Client,
    clock: Arc<ManualClock>,
    store: Arc<MemoryStore>,
    dir: tempfile::TempDir,
}

fn start() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        data: dir.path().join("server"),
        dev_outbox: true,
        ..Config::default()
    };
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let server = tauri::async_runtime::block_on(twostep_server::spawn(cfg, clock.clone())).unwrap();
    Fixture {
        client: Client::new(server.url()),
        server,
        clock,
        store: Arc::new(MemoryStore::default()),
        dir,
    }
}

impl Fixture {
    fn person(&self, email: &str, roles: &[Role]) {
        let account = NewAccount {
            email,
            name: "Test Person",
            roles,
            shared: false,
            password: Zeroizing::new(PASSWORD.into()),
            locale: Default::default(),
        };
        tauri::async_runtime::block_on(operate::add_to_center_named(
            &self.server.state,
            "Test Center",
            account,
        ))
        .unwrap();
    }

    fn settings_path(&self) -> std::path::PathBuf {
        self.dir.path().join("app/settings.json")
    }

    /// A window of the app on the mock runtime, preset to the test server.
    fn window(&self) -> WebviewWindow<MockRuntime> {
        self.window_of(self.state())
    }

    /// The app's state on this fixture's store and settings, preset to the test server.
    fn state(&self) -> AppState {
        AppState::new(self.store.clone(), self.settings_path())
            .with_preset_server(self.server.url())
    }

    fn window_of(&self, state: AppState) -> WebviewWindow<MockRuntime> {
        let app = crate::with_commands(mock_builder())
            .manage(state)
            .build(mock_context(noop_assets()))
            .unwrap();
        tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap()
    }

    /// The same, on a device clock the test moves.
    fn window_with_clock(
        &self,
        clock: crate::authenticator::DeviceClock,
    ) -> WebviewWindow<MockRuntime> {
        self.window_of(self.state().with_clock(clock))
    }

    fn last_code(&self, to: &str) -> String {
        let outbox = tauri::async_runtime::block_on(self.client.dev_outbox(Some(to))).unwrap();
        let body = &outbox
            .messages
            .iter()
            .rev()
            .find(|m| twostep_testkit::is_code_message(&m.body))
            .unwrap()
            .body;
        twostep_testkit::extract_code(body)
    }

    fn token(&self, email: &str) -> Option<String> {
        self.store
            .load(&self.server.url(), email)
            .unwrap()
            .map(|t| t.expose().to_owned())
    }
}

fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    tauri::test::get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

fn sign_in(w: &WebviewWindow<MockRuntime>, email: &str) -> Value {
    invoke(
        w,
        "sign_in",
        json!({ "email": email, "password": PASSWORD }),
    )
    .unwrap()
}

#[test]
fn first_sign_in_offers_setup_and_skip_signs_in_without_showing_the_token() {
    let f = start();
    f.person("jordan@maple.example", &[Role::Staff]);
    let w = f.window();
    let step = sign_in(&w, "jordan@maple.example");
    assert_eq!(step["next"], "setup");
    assert_eq!(step["required"], false);
    assert!(
        step.get("setup_token").is_none(),
        "the setup token stays in Rust"
    );

    let done = invoke(&w, "skip_setup", json!({})).unwrap();
    assert_eq!(done["next"], "done");
    assert_eq!(done["me"]["person"]["email"], "jordan@maple.example");
    assert_eq!(done["me"]["profile"], "staff");
    let token = f
        .token("jordan@maple.example")
        .expect("token kept in the store");
    assert!(
        !done.to_string().contains(&token),
        "the webview never sees the token"
    );
    let settings = Settings::load(&f.settings_path());
    assert_eq!(
        settings.signed_in_email.as_deref(),
        Some("jordan@maple.example")
    );

    // The skip was the one allowed: the next sign-in must set up.
    invoke(&w, "sign_out", json!({})).unwrap();
    assert!(f.token("jordan@maple.example").is_none());
    let again = sign_in(&w, "jordan@maple.example");
    assert_eq!(again["required"], true);
    let refused = invoke(&w, "skip_setup", json!({})).unwrap_err();
    assert_eq!(refused["code"], "setup_required");
}

#[test]
fn wrong_codes_come_back_as_code_and_attempts_left_then_the_right_one_signs_in() {
    let f = start();
    let email = "sam@maple.example";
    f.person(email, &[Role::Staff]);
    let w = f.window();
    sign_in(&w, email);
    let started = invoke(
        &w,
        "start_method",
        json!({ "request": { "kind": "email" } }),
    )
    .unwrap();
    let confirmed = invoke(
        &w,
        "confirm_method",
        json!({ "enrollmentId": started["enrollment_id"], "code": f.last_code(email) }),
    )
    .unwrap();
    assert_eq!(
        confirmed["me"]["person"]["email"], email,
        "setup finishes the sign-in"
    );
    invoke(&w, "sign_out", json!({})).unwrap();

    let step = sign_in(&w, email);
    assert_eq!(step["next"], "verify");
    let method_id = step["code_sent"]["method_id"].as_str().unwrap().to_owned();
    let right = f.last_code(email);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let err = invoke(
        &w,
        "verify_code",
        json!({ "methodId": method_id, "code": wrong }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_code");
    assert_eq!(err["attempts_left"], 4);
    assert!(err["message"].as_str().unwrap().len() > 10);
    let pasted = format!("{}-{}", &right[..3], &right[3..]);
    let done = invoke(
        &w,
        "verify_code",
        json!({ "methodId": method_id, "code": pasted }),
    )
    .unwrap();
    assert_eq!(done["next"], "done");
}

#[test]
fn totp_setup_shows_the_qr_as_an_image_and_confirms_with_the_app_code() {
    let f = start();
    let email = "riley@maple.example";
    f.person(email, &[Role::Staff]);
    let w = f.window();
    sign_in(&w, email);
    let e = invoke(&w, "start_method", json!({ "request": { "kind": "totp" } })).unwrap();
    assert_eq!(e["kind"], "totp");
    assert!(e["qr"]
        .as_str()
        .unwrap()
        .starts_with("data:image/svg+xml;base64,"));
    let key = data_encoding::BASE32_NOPAD
        .decode(e["secret"].as_str().unwrap().as_bytes())
        .unwrap();
    let now = twostep_server::Clock::now(f.clock.as_ref()).timestamp();
    let code = twostep_testkit::totp_code(&key, now);
    let done = invoke(
        &w,
        "confirm_method",
        json!({ "enrollmentId": e["enrollment_id"], "code": code }),
    )
    .unwrap();
    assert_eq!(done["method"]["kind"], "totp");
    assert!(done["me"]["person"]["two_step"]["enabled"]
        .as_bool()
        .unwrap());
}

#[test]
fn a_revoked_token_signs_the_app_out_and_is_forgotten() {
    let f = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let w = f.window();
    assert_eq!(sign_in(&w, email)["next"], "done");
    let token = f.token(email).unwrap();
    tauri::async_runtime::block_on(f.client.logout(&token)).unwrap();

    let err = invoke(&w, "my_methods", json!({})).unwrap_err();
    assert_eq!(err["code"], "unauthenticated");
    assert!(f.token(email).is_none());
    assert_eq!(Settings::load(&f.settings_path()).signed_in_email, None);
}

#[test]
fn a_remembered_session_is_restored_at_start() {
    let f = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let w = f.window();
    sign_in(&w, email);
    drop(w);

    // A new app (same settings file and store), as after a restart.
    let w = f.window();
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["me"]["person"]["email"], email);
    assert_eq!(status["preset"], true);
    assert_eq!(status["demo_available"], false);
}

#[test]
fn a_shared_device_never_keeps_a_session_and_signs_out_when_idle() {
    use std::sync::atomic::{AtomicI64, Ordering::SeqCst};
    let f = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let now = Arc::new(AtomicI64::new(chrono::Utc::now().timestamp()));
    let clock: crate::authenticator::DeviceClock = {
        let now = now.clone();
        Arc::new(move || chrono::DateTime::from_timestamp(now.load(SeqCst), 0).unwrap_or_default())
    };
    let sessions = || -> i64 {
        tauri::async_runtime::block_on(
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM tokens t JOIN people p ON p.id = t.person_id \
                 WHERE p.email = $1",
            )
            .bind(email)
            .fetch_one(f.server.state.db.read()),
        )
        .unwrap()
    };
    let alive = |w: &WebviewWindow<MockRuntime>, active: bool| {
        invoke(w, "session_alive", json!({ "active": active })).unwrap()
    };
    let w = f.window_with_clock(clock.clone());
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    sign_in(&w, email);
    assert!(
        f.token(email).is_none(),
        "never in the keyring on a shared device"
    );
    assert_eq!(sessions(), 1);

    // Used, then left: the idle time runs from the last use.
    now.fetch_add(4 * 60, SeqCst);
    assert_eq!(alive(&w, true), false);
    now.fetch_add(4 * 60, SeqCst);
    assert_eq!(alive(&w, false), false, "four minutes since it was used");
    now.fetch_add(60, SeqCst);
    // A tap after the idle time does not bring the session back.
    assert_eq!(alive(&w, true), true, "five: signed out");
    let err = invoke(&w, "my_methods", json!({})).unwrap_err();
    assert_eq!(err["code"], "unauthenticated");
    assert_eq!(sessions(), 0, "ended on the server too");

    // A shorter idle time, set behind the device PIN; a command after it signs out too.
    let wrong = invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 1, "devicePin": "1111" }),
    )
    .unwrap_err();
    assert_eq!(wrong["code"], "wrong_pin");
    let bad = invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 0, "devicePin": "8642" }),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "bad_idle_time");
    invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 1, "devicePin": "8642" }),
    )
    .unwrap();
    assert_eq!(
        invoke(&w, "vault_list", json!({})).unwrap()["idle_minutes"],
        1
    );
    sign_in(&w, email);
    now.fetch_add(61, SeqCst);
    let err = invoke(&w, "my_methods", json!({})).unwrap_err();
    assert_eq!(err["code"], "unauthenticated");

    // A clock set back cannot keep a session alive either.
    sign_in(&w, email);
    now.fetch_sub(3600, SeqCst);
    assert_eq!(alive(&w, true), true);
    now.fetch_add(3600, SeqCst);

    // A restart never restores a session on a shared device.
    sign_in(&w, email);
    drop(w);
    let w = f.window_with_clock(clock);
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert!(status["me"].is_null(), "{status}");
}

#[test]
fn bad_input_is_refused_with_a_code_and_changes_nothing() {
    let f = start();
    let email = "casey@maple.example";
    f.person(email, &[Role::Guardian]);
    let w = f.window();

    // No flow yet: verifying or skipping has nothing to act on.
    let err = invoke(
        &w,
        "verify_code",
        json!({ "methodId": "x", "code": "123456" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "no_flow");
    let err = invoke(&w, "my_methods", json!({})).unwrap_err();
    assert_eq!(err["code"], "unauthenticated");

    // Wrong password: the server's words, nothing stored.
    let err = invoke(&w, "sign_in", json!({ "email": email, "password": "nope" })).unwrap_err();
    assert_eq!(err["code"], "invalid_credentials");
    assert!(f.token(email).is_none());

    // Missing or mistyped arguments are errors, not panics.
    assert!(invoke(&w, "sign_in", json!({ "email": email })).is_err());
    assert!(invoke(&w, "start_method", json!({ "request": { "kind": "fax" } })).is_err());

    sign_in(&w, email);
    // An id that would walk the URL path is refused before any request.
    let err = invoke(
        &w,
        "delete_method",
        json!({ "methodId": "../admin/people" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "not_found");
    // A guardian has no staff profile and is not an administrator.
    let err = invoke(&w, "switch_profile", json!({ "profile": "staff" })).unwrap_err();
    assert_eq!(err["code"], "no_such_profile");
    let err = invoke(&w, "admin_policy", json!({})).unwrap_err();
    assert_eq!(err["code"], "forbidden");
    // The preset server can't be swapped from the UI.
    let err = invoke(
        &w,
        "choose_server",
        json!({ "url": "https://other.example" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "bad_server_address");
    let err = invoke(&w, "demo_inbox", json!({})).unwrap_err();
    assert_eq!(err["code"], "no_demo");
    assert!(f.token(email).is_some(), "still signed in");
}

#[test]
fn enrollment_by_api_then_methods_and_preferred_through_commands() {
    let f = start();
    let email = "alex@maple.example";
    f.person(email, &[Role::Staff]);
    // An email method set up through the API, as another device would.
    use tauri::async_runtime::block_on as rt;
    let LoginResponse::Setup { setup_token, .. } =
        rt(f.client.login(email, PASSWORD, None)).unwrap()
    else {
        panic!("setup expected")
    };
    let e = rt(f
        .client
        .add_method(&setup_token, &AddMethodRequest::Email { email: None }))
    .unwrap();
    assert!(matches!(e, Enrollment::Code { .. }));
    rt(f.client
        .confirm_enrollment(&setup_token, e.id(), &f.last_code(email)))
    .unwrap();
    let w = f.window();
    let step = sign_in(&w, email);
    let method_id = step["code_sent"]["method_id"].as_str().unwrap().to_owned();
    invoke(
        &w,
        "verify_code",
        json!({ "methodId": method_id, "code": f.last_code(email) }),
    )
    .unwrap();
    let listed = invoke(&w, "my_methods", json!({})).unwrap();
    assert_eq!(listed["methods"].as_array().unwrap().len(), 1);
    let err = invoke(&w, "delete_method", json!({ "methodId": method_id })).unwrap_err();
    assert_eq!(err["code"], "last_method");
    invoke(&w, "set_preferred", json!({ "methodId": method_id })).unwrap();
}

#[test]
fn use_this_device_as_the_authenticator_finishes_setup_and_its_code_signs_in() {
    let f = start();
    let email = "jo@maple.example";
    f.person(email, &[Role::Staff]);
    let w = f.window();
    sign_in(&w, email);
    let bad = invoke(&w, "use_device_as_authenticator", json!({ "pin": "12" })).unwrap_err();
    assert_eq!(bad["code"], "bad_pin");
    let done = invoke(&w, "use_device_as_authenticator", json!({ "pin": "4821" })).unwrap();
    assert_eq!(done["method"]["kind"], "totp");
    assert_eq!(done["me"]["person"]["email"], email, "signed in");
    assert!(
        !done.to_string().contains("secret"),
        "no secret to the webview"
    );

    let list = invoke(&w, "vault_list", json!({})).unwrap();
    let entry = &list["entries"][0];
    assert_eq!(entry["account"], email);
    assert_eq!(entry["has_pin"], true);
    assert!(entry["code"].is_null(), "hidden behind the PIN");
    let id = entry["id"].as_str().unwrap().to_owned();
    let wrong = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "0000" })).unwrap_err();
    assert_eq!(wrong["code"], "wrong_pin");
    // Neither renamed nor deleted without the PIN.
    let err = invoke(&w, "vault_delete", json!({ "id": id })).unwrap_err();
    assert_eq!(err["code"], "wrong_pin");
    let code = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "4821" })).unwrap();
    assert_eq!(code["code"].as_str().unwrap().len(), 6);

    // The vault's code signs in later (the setup's step is spent).
    invoke(&w, "sign_out", json!({})).unwrap();
    // Two steps on: the manual clock stands still while real time (the vault's) moves.
    f.clock.advance(chrono::Duration::seconds(60));
    let step = sign_in(&w, email);
    let method_id = step["methods"][0]["id"].as_str().unwrap().to_owned();
    let resynced = invoke(&w, "vault_resync", json!({})).unwrap();
    assert_eq!(resynced["warning"], Value::Null);
    let code = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "4821" })).unwrap();
    let done = invoke(
        &w,
        "verify_code",
        json!({ "methodId": method_id, "code": code["code"] }),
    )
    .unwrap();
    assert_eq!(done["next"], "done");
}

#[test]
fn vault_pins_import_report_and_what_may_be_exported() {
    let f = start();
    let w = f.window();
    let added = invoke(
        &w,
        "vault_add",
        json!({ "entry": { "source": "manual", "issuer": "Payroll", "account": "sam",
                           "secret": "JBSWY3DPEHPK3PXP" }, "pin": "2468" }),
    )
    .unwrap();
    assert!(added["note"].as_str().unwrap().contains("short secret"));
    assert_eq!(added["short_secret"], true);
    let id = added["entry"]["id"].as_str().unwrap().to_owned();

    let bad_uri = invoke(
        &w,
        "vault_add",
        json!({ "entry": { "source": "uri", "uri": "https://x" } }),
    )
    .unwrap_err();
    assert_eq!(bad_uri["code"], "invalid_otpauth");
    assert_eq!(bad_uri["detail"], "not_otpauth");
    let report = invoke(
        &w,
        "vault_import",
        json!({ "text": "otpauth://totp/A:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\nnot a link\n" }),
    )
    .unwrap();
    assert_eq!(report["added"], 1);
    assert_eq!(report["problems"][0]["item"], "line 2");
    assert_eq!(report["problems"][0]["line"], 2);
    assert_eq!(report["problems"][0]["code"], "invalid_otpauth");
    assert_eq!(report["problems"][0]["detail"], "not_a_uri");

    // An account behind a PIN never leaves the device; its owner can remove the PIN.
    let refused = invoke(&w, "vault_export", json!({ "kind": "uris" })).unwrap_err();
    assert_eq!(refused["code"], "pin_protected");
    let err = invoke(
        &w,
        "vault_set_pin",
        json!({ "id": id, "currentPin": "1357", "newPin": null }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "wrong_pin");
    invoke(
        &w,
        "vault_set_pin",
        json!({ "id": id, "currentPin": "2468", "newPin": null }),
    )
    .unwrap();

    // A personal device exports; the encrypted export imports back on another device.
    let sealed = invoke(
        &w,
        "vault_export",
        json!({ "kind": "encrypted", "password": "classroom export" }),
    )
    .unwrap();
    let text = sealed["text"].as_str().unwrap().to_owned();
    assert!(!text.contains("Payroll"));
    let g = start();
    let w2 = g.window();
    let wrong = invoke(
        &w2,
        "vault_import",
        json!({ "text": text, "password": "nope" }),
    )
    .unwrap_err();
    assert_eq!(wrong["code"], "vault_wrong_password");
    let back = invoke(
        &w2,
        "vault_import",
        json!({ "text": text, "password": "classroom export" }),
    )
    .unwrap();
    assert_eq!(back["added"], 2);

    // Shared takes a device PIN; without it, the device stays personal.
    let bad = invoke(&w, "vault_set_shared", json!({ "shared": true })).unwrap_err();
    assert_eq!(bad["code"], "bad_pin");
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    let list = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(list["shared"], true);
    assert!(list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["code"].is_null()));
    let refused = invoke(&w, "vault_export", json!({ "kind": "uris" })).unwrap_err();
    assert_eq!(refused["code"], "shared_device");
    // The device PIN guards turning shared off, importing and deleting; nothing changes
    // without it.
    for (cmd, args) in [
        (
            "vault_set_shared",
            json!({ "shared": false, "devicePin": "1111" }),
        ),
        (
            "vault_import",
            json!({ "text": "otpauth://totp/B:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" }),
        ),
        ("vault_delete", json!({ "id": id, "pin": "2468" })),
    ] {
        let e = invoke(&w, cmd, args).unwrap_err();
        assert_eq!(e["code"], "wrong_pin", "{cmd}");
    }
    let after = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(after["shared"], true);
    assert_eq!(after["total"], list["total"], "nothing imported or deleted");
    let report = invoke(
        &w,
        "vault_import",
        json!({ "text": "otpauth://totp/B:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "devicePin": "8642" }),
    )
    .unwrap();
    assert_eq!(report["added"], 1);

    // On a shared device, an account without a PIN gets one (or a new name) only with the
    // device PIN: a child can't lock a teacher out of their codes.
    for (cmd, args) in [
        (
            "vault_set_pin",
            json!({ "id": id, "currentPin": null, "newPin": "1111" }),
        ),
        (
            "vault_rename",
            json!({ "id": id, "issuer": "Mine", "account": "now" }),
        ),
    ] {
        let e = invoke(&w, cmd, args).unwrap_err();
        assert_eq!(e["code"], "wrong_pin", "{cmd}");
    }
    // Five wrong PINs lock the entry for a while: even the right PIN waits.
    invoke(
        &w,
        "vault_set_pin",
        json!({ "id": id, "currentPin": null, "newPin": "2468", "devicePin": "8642" }),
    )
    .unwrap();
    for _ in 0..5 {
        let e = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "1111" })).unwrap_err();
        assert_eq!(e["code"], "wrong_pin");
    }
    let locked = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "2468" })).unwrap_err();
    assert_eq!(locked["code"], "pin_locked");
}

#[test]
fn a_qr_code_image_adds_its_account() {
    use image::{ImageFormat, Luma};
    let f = start();
    let w = f.window();
    let uri = "otpauth://totp/Portal:riley?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Portal";
    let img = qrcode::QrCode::new(uri.as_bytes())
        .unwrap()
        .render::<Luma<u8>>()
        .min_dimensions(240, 240)
        .build();
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    let b64 = data_encoding::BASE64.encode(&png);
    let added = invoke(
        &w,
        "vault_add",
        json!({ "entry": { "source": "qr_image", "image_base64": b64 } }),
    )
    .unwrap();
    assert_eq!(added["entry"]["issuer"], "Portal");
    assert_eq!(added["entry"]["account"], "riley");
    assert_eq!(added["entry"]["code"].as_str().unwrap().len(), 6);
    let err = invoke(
        &w,
        "vault_add",
        json!({ "entry": { "source": "qr_image", "image_base64": "bm90IGFuIGltYWdl" } }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "not_an_image");
}

/// Google Authenticator's "Transfer accounts" QR codes, two of them, imported at once; an
/// account that cannot be read is reported, the rest added.
#[test]
fn google_authenticator_export_codes_import_from_their_images() {
    use image::{ImageFormat, Luma};
    use prost::Message;
    use twostep_core::vault::import::google::{MigrationPayload, OtpParameters};
    let f = start();
    let w = f.window();
    let account = |issuer: &str, name: &str, kind: i32| OtpParameters {
        secret: b"12345678901234567890".to_vec(),
        name: name.into(),
        issuer: issuer.into(),
        algorithm: 1,
        digits: 1,
        r#type: kind,
        counter: 0,
    };
    let png_of = |accounts: Vec<OtpParameters>| {
        let bytes = MigrationPayload {
            otp_parameters: accounts,
            version: 1,
            batch_size: 2,
            batch_index: 0,
            batch_id: 42,
        }
        .encode_to_vec();
        let data: String =
            url::form_urlencoded::byte_serialize(data_encoding::BASE64.encode(&bytes).as_bytes())
                .collect();
        let link = format!("otpauth-migration://offline?data={data}");
        let img = qrcode::QrCode::new(link.as_bytes())
            .unwrap()
            .render::<Luma<u8>>()
            .min_dimensions(300, 300)
            .build();
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(img)
            .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        data_encoding::BASE64.encode(&png)
    };
    // A photo without a code among them (the wrong picture picked) is reported too.
    let blank = {
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(200, 200, Luma([255])))
            .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        data_encoding::BASE64.encode(&png)
    };
    let images = [
        png_of(vec![
            account("Twostep", "Twostep:jordan@maple.example", 2),
            account("Bank", "me", 1),
        ]),
        blank.clone(),
        png_of(vec![account("Payroll", "sam", 2)]),
    ];
    let report = invoke(
        &w,
        "vault_import",
        json!({ "text": "", "imagesBase64": images }),
    )
    .unwrap();
    assert_eq!(report["added"], 2);
    assert_eq!(report["problems"].as_array().unwrap().len(), 2);
    assert_eq!(report["problems"][0]["image"], 2);
    assert_eq!(report["problems"][0]["code"], "no_qr_code");
    assert_eq!(report["problems"][1]["name"], "Bank");
    assert_eq!(report["problems"][1]["detail"], "counter_based");
    // Nothing but a picture without a code: that is the answer, and nothing changes.
    let err = invoke(
        &w,
        "vault_import",
        json!({ "text": "", "imagesBase64": [blank] }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "no_qr_code");
    let all = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(all["total"], 2);
    let list = invoke(&w, "vault_list", json!({ "query": "jordan" })).unwrap();
    assert_eq!(list["entries"][0]["issuer"], "Twostep");
    // More images than any export has: refused before any is read.
    let many: Vec<String> = (0..21).map(|_| images[1].clone()).collect();
    let err = invoke(
        &w,
        "vault_import",
        json!({ "text": "", "imagesBase64": many }),
    )
    .unwrap_err();
    assert_eq!(
        (err["code"].as_str(), err["detail"].as_str()),
        (Some("import_unreadable"), Some("too_large"))
    );
}

/// A copied code leaves the clipboard when the app quits (a clipboard manager would keep it
/// otherwise), unless something else was copied since.
#[test]
fn a_copied_code_leaves_the_clipboard_at_quit_unless_something_else_was_copied() {
    use tauri::Manager;
    use tauri_plugin_clipboard_manager::ClipboardExt;
    let f = start();
    let w = f.window();
    let added = invoke(
        &w,
        "vault_add",
        json!({ "entry": { "source": "uri", "uri": "otpauth://totp/Twostep:jordan?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Twostep" } }),
    )
    .unwrap();
    let id = added["entry"]["id"].as_str().unwrap().to_owned();
    let app = w.app_handle();
    let on_clipboard = || app.clipboard().read_text().unwrap_or_default();

    let copied = invoke(&w, "vault_copy", json!({ "id": id })).unwrap();
    assert_eq!(on_clipboard(), copied["code"].as_str().unwrap());
    assert!(crate::clipboard::clear_at_quit(app));
    assert_eq!(on_clipboard(), "", "cleared at quit");
    assert!(
        !crate::clipboard::clear_at_quit(app),
        "nothing left to clear"
    );

    invoke(&w, "vault_copy", json!({ "id": id })).unwrap();
    app.clipboard().write_text("the lunch menu").unwrap();
    assert!(!crate::clipboard::clear_at_quit(app));
    assert_eq!(
        on_clipboard(),
        "the lunch menu",
        "someone else's copy is left alone"
    );
}

/// Screens with a secret are kept out of screen capture (where the system allows it), and the
/// others are not.
#[test]
fn screens_with_secrets_ask_for_capture_protection() {
    let f = start();
    let w = f.window();
    for (screen, protected) in [
        ("vault", true),
        ("setup-totp", true),
        ("recovery-codes", true),
        ("home", false),
        ("sign-in", false),
    ] {
        let r = invoke(&w, "screen_shown", json!({ "screen": screen })).unwrap();
        assert_eq!(r, protected, "{screen}");
    }
}

/// Where the system may hand a setup's link back to Twostep itself (the only app here that
/// takes otpauth:// links), that link is dropped rather than opening "Add an account" with
/// the secret; any other link, or the same one opened again later, still arrives.
#[test]
fn a_setup_link_handed_back_to_twostep_itself_is_dropped() {
    use tauri::Manager;
    let f = start();
    let w = f.window();
    let app = w.app_handle();
    let link = "otpauth://totp/Twostep:jordan%40maple.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Twostep";
    app.state::<AppState>().note_sent_link(link);
    // As the deep-link plugin passes it on: through a URL parser.
    crate::links::deliver(app, url::Url::parse(link).unwrap().to_string());
    assert_eq!(
        invoke(&w, "take_pending_link", json!({})).unwrap(),
        Value::Null
    );
    crate::links::deliver(app, link.to_owned());
    assert_eq!(invoke(&w, "take_pending_link", json!({})).unwrap(), link);
}

/// Signs `email` in through the commands to the end: a code from the outbox when one is
/// asked, an email method set up when setup is (an administrator may not skip it).
fn sign_in_fully(f: &Fixture, w: &WebviewWindow<MockRuntime>, email: &str) -> Value {
    let step = sign_in(w, email);
    match step["next"].as_str().unwrap() {
        "done" => step,
        "verify" => {
            let method_id = step["code_sent"]["method_id"].as_str().unwrap().to_owned();
            invoke(
                w,
                "verify_code",
                json!({ "methodId": method_id, "code": f.last_code(email) }),
            )
            .unwrap()
        }
        "setup" => {
            let started =
                invoke(w, "start_method", json!({ "request": { "kind": "email" } })).unwrap();
            invoke(
                w,
                "confirm_method",
                json!({ "enrollmentId": started["enrollment_id"], "code": f.last_code(email) }),
            )
            .unwrap()
        }
        other => panic!("{other}"),
    }
}

/// The app as a person installs it: no server preset (the server screen chooses one).
fn unpreset_window(f: &Fixture) -> WebviewWindow<MockRuntime> {
    f.window_of(AppState::new(f.store.clone(), f.settings_path()))
}

#[test]
fn choosing_another_server_ends_the_session_on_the_old_one_first() {
    let f = start();
    let other = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let w = unpreset_window(&f);
    let status = invoke(&w, "choose_server", json!({ "url": f.server.url() })).unwrap();
    assert_eq!(status["server"]["url"], f.server.url());
    assert_eq!(status["shared"], false);
    assert_eq!(sign_in(&w, email)["next"], "done");
    let token = f.token(email).expect("kept in the keyring");

    let status = invoke(&w, "choose_server", json!({ "url": other.server.url() })).unwrap();
    assert_eq!(status["server"]["url"], other.server.url());
    assert!(status["me"].is_null());
    assert!(f.token(email).is_none(), "the old token left the keyring");
    let err = tauri::async_runtime::block_on(f.client.me(&token)).unwrap_err();
    assert_eq!(err.status(), Some(401), "signed out on the old server");
    assert_eq!(Settings::load(&f.settings_path()).signed_in_email, None);
}

#[test]
fn a_shared_device_changes_its_server_only_with_the_device_pin_and_stays_shared_after_a_reset() {
    let f = start();
    let other = start();
    let admin = "avery@maple.example";
    let staff = "sam@maple.example";
    f.person(admin, &[Role::Admin, Role::Staff]);
    f.person(staff, &[Role::Staff]);
    let w = unpreset_window(&f);
    invoke(&w, "choose_server", json!({ "url": f.server.url() })).unwrap();
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["shared"], true);
    assert_eq!(status["shared_managed"], false);

    // No PIN, a wrong one: the server stays; the demo too takes the PIN (asked before it
    // starts, so not "no demo in this build").
    for pin in [Value::Null, json!("1111")] {
        let err = invoke(
            &w,
            "choose_server",
            json!({ "url": other.server.url(), "devicePin": pin }),
        )
        .unwrap_err();
        assert_eq!(err["code"], "wrong_pin", "{err}");
        let err = invoke(&w, "use_demo", json!({ "devicePin": pin })).unwrap_err();
        assert_eq!(err["code"], "wrong_pin", "{err}");
    }
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["server"]["url"], f.server.url());
    assert_eq!(
        Settings::load(&f.settings_path()).server.as_deref(),
        Some(f.server.url().as_str())
    );
    // The keeper's PIN changes it (and back).
    let status = invoke(
        &w,
        "choose_server",
        json!({ "url": other.server.url(), "devicePin": "8642" }),
    )
    .unwrap();
    assert_eq!(status["server"]["url"], other.server.url());
    invoke(
        &w,
        "choose_server",
        json!({ "url": f.server.url(), "devicePin": "8642" }),
    )
    .unwrap();

    // "Forgot the device PIN?": every account goes, the device stays shared, and the new PIN
    // alone no longer turns shared mode off.
    invoke(&w, "vault_clear", json!({ "devicePin": "1357" })).unwrap();
    let list = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(list["shared"], true);
    assert_eq!(list["unshare_needs_admin"], true);
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "1357" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "admin_to_unshare");
    // Not with someone who is not an administrator either.
    sign_in_fully(&f, &w, staff);
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "1357" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "admin_to_unshare");
    // Still shared after a restart.
    drop(w);
    let w = unpreset_window(&f);
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["shared"], true);
    assert_eq!(
        invoke(&w, "vault_list", json!({})).unwrap()["unshare_needs_admin"],
        true
    );

    // An administrator, signed in here just now: with the device PIN, shared mode goes off.
    let done = sign_in_fully(&f, &w, admin);
    assert_eq!(done["me"]["person"]["email"], admin, "{done}");
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "8642" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "wrong_pin", "the old PIN is gone");
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "1357" }),
    )
    .unwrap();
    let list = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(list["shared"], false);
    assert_eq!(list["unshare_needs_admin"], false);
    assert!(!Settings::load(&f.settings_path()).unshare_needs_admin);
    // Personal again: the server changes without a PIN.
    invoke(&w, "choose_server", json!({ "url": other.server.url() })).unwrap();
}

#[test]
fn an_administrator_signed_in_long_ago_does_not_turn_shared_mode_off_after_a_reset() {
    use std::sync::atomic::{AtomicI64, Ordering::SeqCst};
    let f = start();
    let admin = "avery@maple.example";
    f.person(admin, &[Role::Admin, Role::Staff]);
    let now = Arc::new(AtomicI64::new(chrono::Utc::now().timestamp()));
    let clock: crate::authenticator::DeviceClock = {
        let now = now.clone();
        Arc::new(move || chrono::DateTime::from_timestamp(now.load(SeqCst), 0).unwrap_or_default())
    };
    let w = f.window_with_clock(clock);
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    invoke(&w, "vault_clear", json!({ "devicePin": "1357" })).unwrap();
    sign_in_fully(&f, &w, admin);
    invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 60, "devicePin": "1357" }),
    )
    .unwrap();
    // Used all along (not idle), but the sign-in itself is 6 minutes old.
    now.fetch_add(3 * 60, SeqCst);
    invoke(&w, "session_alive", json!({ "active": true })).unwrap();
    now.fetch_add(3 * 60, SeqCst);
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "1357" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "admin_to_unshare");
    assert_eq!(invoke(&w, "vault_list", json!({})).unwrap()["shared"], true);
}

#[test]
fn a_device_shared_by_its_management_is_never_made_personal_in_the_app() {
    let f = start();
    let w = f.window_of(f.state().with_managed_shared());
    let list = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(list["shared"], true);
    assert_eq!(list["managed"], true);
    assert_eq!(list["needs_device_pin"], true, "its keeper chooses one");
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["shared"], true);
    assert_eq!(status["shared_managed"], true);
    // Nothing the device PIN guards opens before there is one.
    let err = invoke(&w, "vault_export", json!({ "kind": "uris" })).unwrap_err();
    assert_eq!(err["code"], "shared_device");
    let err = invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 3, "devicePin": "" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "no_device_pin", "{err}");
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    assert_eq!(
        invoke(&w, "vault_list", json!({})).unwrap()["needs_device_pin"],
        false
    );
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "8642" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "shared_managed");
    assert_eq!(invoke(&w, "vault_list", json!({})).unwrap()["shared"], true);
}

#[test]
fn every_request_carries_the_device_id_made_once_and_kept_with_the_settings() {
    use std::io::{Read, Write};
    let f = start();
    // A stand-in server that keeps the request it gets (and answers 503).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let got = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            req.extend_from_slice(&buf[..n]);
        }
        let _ = s.write_all(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        String::from_utf8_lossy(&req).to_lowercase()
    });
    let w = unpreset_window(&f);
    let id = Settings::load(&f.settings_path())
        .device_id
        .expect("made at the first start");
    assert_eq!(id.len(), 32);
    invoke(&w, "choose_server", json!({ "url": url })).unwrap_err();
    let request = got.join().unwrap();
    assert!(
        request.contains(&format!("\r\ntwostep-device: {id}\r\n")),
        "{request}"
    );
    // A restart keeps it; signing in and out does not change it.
    drop(w);
    let w = f.window();
    f.person("pat@family.example", &[Role::Guardian]);
    sign_in(&w, "pat@family.example");
    invoke(&w, "sign_out", json!({})).unwrap();
    assert_eq!(
        Settings::load(&f.settings_path()).device_id.as_deref(),
        Some(id.as_str())
    );
}

#[test]
fn after_an_unfreeze_the_sign_in_asks_for_a_new_password_then_goes_on() {
    let f = start();
    let email = "rosa@maple.example";
    f.person(email, &[Role::Staff]);
    let w = f.window();
    sign_in_fully(&f, &w, email);
    invoke(&w, "sign_out", json!({})).unwrap();
    // What an administrator's unfreeze leaves on the account.
    tauri::async_runtime::block_on(
        sqlx::query("UPDATE people SET must_change_password = 1 WHERE email = $1")
            .bind(email)
            .execute(f.server.state.db.write()),
    )
    .unwrap();

    let step = sign_in(&w, email);
    assert_eq!(
        step,
        json!({ "next": "new_password" }),
        "no token in the view"
    );
    let weak = invoke(&w, "set_new_password", json!({ "password": "short" })).unwrap_err();
    assert_eq!(weak["code"], "weak_password");
    assert_eq!(weak["detail"], "too_short");
    let step = invoke(
        &w,
        "set_new_password",
        json!({ "password": "a brand new passphrase for Rosa" }),
    )
    .unwrap();
    assert_eq!(step["next"], "verify", "{step}");
    let method_id = step["code_sent"]["method_id"].as_str().unwrap().to_owned();
    let done = invoke(
        &w,
        "verify_code",
        json!({ "methodId": method_id, "code": f.last_code(email) }),
    )
    .unwrap();
    assert_eq!(done["next"], "done");
    // Only once: the flow is over.
    let err = invoke(
        &w,
        "set_new_password",
        json!({ "password": "another new passphrase" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "no_flow");
    let old = tauri::async_runtime::block_on(f.client.login(email, PASSWORD, None)).unwrap_err();
    assert_eq!(old.code(), Some("invalid_credentials"));
}
