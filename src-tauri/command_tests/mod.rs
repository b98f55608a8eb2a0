//! The commands on Tauri's mock runtime, against a real twostep-server on loopback (the test
//! kit's `TestServer`): what the webview gets back (views and `{code, message}`), and what
//! stays on this side (tokens). A module per feature; the fixture and the calls are here.
//! The server's clock starts from the real time and stands still until a test moves it (a
//! device's clock, when a test moves one, is its own).
#![allow(clippy::disallowed_methods)]

mod admin;
mod device;
mod errors;
mod methods;
mod server;
mod sessions;
mod shared;
mod signin;
mod vault;

use std::sync::Arc;

use serde_json::{json, Value};
use tauri::async_runtime::block_on;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;
use twostep_core::policy::Role;
use twostep_testkit::{Db, TestClock, TestServer, PASSWORD};

use crate::settings::Settings;
use crate::state::AppState;
use crate::tokens::{MemoryStore, SecretStore};

struct Fixture {
    server: TestServer,
    store: Arc<MemoryStore>,
    /// The app's folder (its settings).
    dir: tempfile::TempDir,
}

fn start() -> Fixture {
    let server = block_on(
        TestServer::on(Db::Sqlite)
            .clock(TestClock::from_now())
            .start(),
    );
    Fixture {
        server,
        store: Arc::new(MemoryStore::default()),
        dir: tempfile::tempdir().unwrap(),
    }
}

impl Fixture {
    fn person(&self, email: &str, roles: &[Role]) {
        block_on(self.server.add_person(email, roles));
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
        block_on(self.server.last_code(to))
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

/// A request through the screens' door to the API (`api_request`), as ui/js/transport.js makes it.
fn api(
    w: &WebviewWindow<MockRuntime>,
    method: &str,
    path: &str,
    body: Value,
) -> Result<Value, Value> {
    invoke(
        w,
        "api_request",
        json!({ "method": method, "path": path, "body": body }),
    )
}

/// The password step, as the sign-in screen sends it.
fn sign_in(w: &WebviewWindow<MockRuntime>, email: &str) -> Value {
    api(
        w,
        "POST",
        "/login",
        json!({ "email": email, "password": PASSWORD, "device_name": "Twostep on a test" }),
    )
    .unwrap()
}

/// A code for the sign-in's challenge (`step`: the answer that asked for it).
fn verify(w: &WebviewWindow<MockRuntime>, step: &Value, code: &str) -> Result<Value, Value> {
    let challenge = step["challenge_id"].as_str().unwrap();
    let method_id = step["code_sent"]["method_id"]
        .as_str()
        .or(step["methods"][0]["id"].as_str())
        .unwrap();
    api(
        w,
        "POST",
        &format!("/challenges/{challenge}/verify"),
        json!({ "method_id": method_id, "code": code }),
    )
}

/// Starts adding a method, as the setup screen does.
fn add_method(w: &WebviewWindow<MockRuntime>, body: Value) -> Result<Value, Value> {
    api(w, "POST", "/me/methods", body)
}

/// The code that confirms the method `started` (the answer that began it).
fn confirm_method(
    w: &WebviewWindow<MockRuntime>,
    started: &Value,
    code: &str,
) -> Result<Value, Value> {
    let id = started["enrollment_id"].as_str().unwrap();
    api(
        w,
        "POST",
        &format!("/me/enrollments/{id}/confirm"),
        json!({ "code": code }),
    )
}

/// The person's methods, as the methods screen asks.
fn my_methods(w: &WebviewWindow<MockRuntime>) -> Result<Value, Value> {
    api(w, "GET", "/me/methods", Value::Null)
}

/// Signs `email` in through the commands to the end: a code from the outbox when one is
/// asked, an email method set up when setup is (an administrator may not skip it).
fn sign_in_fully(f: &Fixture, w: &WebviewWindow<MockRuntime>, email: &str) -> Value {
    let step = sign_in(w, email);
    match step["next"].as_str().unwrap() {
        "done" => step,
        "verify" => verify(w, &step, &f.last_code(email)).unwrap(),
        "setup" => {
            let started = add_method(w, json!({ "kind": "email" })).unwrap();
            confirm_method(w, &started, &f.last_code(email)).unwrap()
        }
        other => panic!("{other}"),
    }
}

/// The app as a person installs it: no server preset (the server screen chooses one).
fn unpreset_window(f: &Fixture) -> WebviewWindow<MockRuntime> {
    f.window_of(AppState::new(f.store.clone(), f.settings_path()))
}
