//! The end-to-end harness: a real twostep-server on loopback (dev outbox on) and the real app
//! binary in a real window, driven over WebDriver by WebKitWebDriver. `make test` runs this
//! under Xvfb with a D-Bus session and an unlocked gnome-keyring (the real OS keyring).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fantoccini::elements::Element;
use fantoccini::{Client as Driver, ClientBuilder, Locator};
use tempfile::TempDir;
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, MutexGuard};
use twostep_client::api::{self, AddMethodRequest, Enrollment, LoginResponse};
use twostep_client::Client;
pub use twostep_core::policy::Role;
use twostep_server::operate::{self, NewAccount};
use twostep_server::{Clock, Config, RunningServer};
use zeroize::Zeroizing;

pub const PASSWORD: &str = "correct horse battery staple";
pub const CENTER: &str = "Maple Street Childcare";

/// One app window at a time: two WebKit instances on two cores make every step slow.
static WINDOW: Mutex<()> = Mutex::const_new(());

/// Real time plus an offset the test can move forward (to get past a used TOTP step).
#[derive(Default)]
pub struct OffsetClock(AtomicI64);

impl Clock for OffsetClock {
    #[allow(clippy::disallowed_methods)] // a test clock on the real time
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.0.load(Ordering::SeqCst))
    }
}

pub struct Server {
    pub running: RunningServer,
    pub client: Client,
    pub clock: Arc<OffsetClock>,
    _dir: TempDir,
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server whose configuration `tune` adjusts (a lower lock, say).
    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            data: dir.path().to_path_buf(),
            dev_outbox: true,
            ..Config::default()
        };
        // Short enough to wait out for real in a test, long enough to see the countdown.
        cfg.codes.resend_cooldown_secs = 4;
        // The app and the harness both sign in from 127.0.0.1, more often than a person
        // would: the per-client limit has its own tests (crates/server/tests/api).
        cfg.limits.per_client_per_minute = 0;
        tune(&mut cfg);
        let clock = Arc::new(OffsetClock::default());
        let running = twostep_server::spawn(cfg, clock.clone()).await.unwrap();
        // One device for the harness's own sign-ins (the app has its own id).
        let client = Client::new(running.url()).with_device_id("e2e-harness");
        Self {
            running,
            client,
            clock,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        self.running.url()
    }

    pub async fn person(&self, email: &str, name: &str, roles: &[Role]) -> String {
        let account = NewAccount {
            email,
            name,
            roles,
            shared: false,
            password: Zeroizing::new(PASSWORD.into()),
            locale: Default::default(),
        };
        operate::add_to_center_named(&self.running.state, CENTER, account)
            .await
            .unwrap()
            .id
    }

    pub async fn outbox(&self, to: &str) -> Vec<api::OutboxMessage> {
        self.client.dev_outbox(Some(to)).await.unwrap().messages
    }

    /// The code in the newest code message to `to`.
    pub async fn last_code(&self, to: &str) -> String {
        let msgs = self.outbox(to).await;
        let body = &msgs
            .iter()
            .rev()
            // A code message, not a notice.
            .find(|m| twostep_testkit::is_code_message(&m.body))
            .unwrap_or_else(|| panic!("no code sent to {to}"))
            .body;
        extract_code(body)
    }

    /// The TOTP code for `secret` (base32, spaces allowed) at the server's time, computed
    /// independently of the server with totp-lite.
    pub fn totp(&self, secret: &str) -> String {
        let key = data_encoding::BASE32_NOPAD
            .decode(secret.replace(' ', "").trim_end_matches('=').as_bytes())
            .unwrap();
        twostep_testkit::totp_code(&key, self.clock.now().timestamp())
    }

    /// Moves the server's clock one TOTP step on, so a new code is accepted.
    pub fn next_totp_step(&self) {
        self.advance(30);
    }

    /// Moves the server's clock `secs` on (a session grows old).
    pub fn advance(&self, secs: i64) {
        self.clock.0.fetch_add(secs, Ordering::SeqCst);
    }

    /// Sets up an authenticator-app method through the API (not the UI); returns its secret.
    pub async fn with_totp(&self, email: &str) -> String {
        let token = self.setup_token(email).await;
        let e = self
            .client
            .add_method(&token, &AddMethodRequest::Totp)
            .await
            .unwrap();
        let Enrollment::Totp { secret, .. } = &e else {
            panic!("not a TOTP enrollment")
        };
        let code = self.totp(secret);
        self.client
            .confirm_enrollment(&token, e.id(), &code)
            .await
            .unwrap();
        self.next_totp_step();
        secret.clone()
    }

    /// Adds a text-message method to someone who signs in with an email method.
    pub async fn add_sms(&self, email: &str, phone: &str) {
        let token = self.session_of(email).await;
        let e = self
            .client
            .add_method(
                &token,
                &AddMethodRequest::Sms {
                    phone: phone.to_owned(),
                },
            )
            .await
            .unwrap();
        let code = self.last_code(phone).await;
        self.client
            .confirm_enrollment(&token, e.id(), &code)
            .await
            .unwrap();
    }

    /// Sets up an email method (the sign-in email) through the API: its recovery codes.
    pub async fn with_email(&self, email: &str) -> Vec<String> {
        let token = self.setup_token(email).await;
        let e = self
            .client
            .add_method(&token, &AddMethodRequest::Email { email: None })
            .await
            .unwrap();
        let code = self.last_code(email).await;
        self.client
            .confirm_enrollment(&token, e.id(), &code)
            .await
            .unwrap()
            .recovery_codes
            .unwrap_or_default()
    }

    async fn setup_token(&self, email: &str) -> String {
        match self.client.login(email, PASSWORD, None).await.unwrap() {
            LoginResponse::Setup { setup_token, .. } => setup_token,
            other => panic!("expected setup for {email}, got {other:?}"),
        }
    }

    /// A session of `email` through the API (an email method's code from the outbox).
    pub async fn session_of(&self, email: &str) -> String {
        let LoginResponse::Verify {
            challenge_id,
            code_sent: Some(sent),
            ..
        } = self.client.login(email, PASSWORD, None).await.unwrap()
        else {
            panic!("{email} should have one email method")
        };
        let code = self.last_code(email).await;
        let method = sent.method_id.unwrap();
        match self
            .client
            .verify(&challenge_id, &method, &code)
            .await
            .unwrap()
        {
            LoginResponse::Done { session, .. } => session.token,
            other => panic!("not signed in: {other:?}"),
        }
    }

    pub async fn methods_of(&self, person_id: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM methods WHERE person_id = $1")
            .bind(person_id)
            .fetch_one(self.running.state.db.read())
            .await
            .unwrap()
    }
}

pub use twostep_testkit::extract_code;

/// The app in its window, driven over WebDriver.
pub struct App {
    pub d: Driver,
    driver: Child,
    _window: MutexGuard<'static, ()>,
}

pub struct AppData(TempDir);

impl AppData {
    pub fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

impl App {
    /// Starts the app with its data in `data`, preset to `server` (or the embedded demo).
    /// The app in English, whatever the machine's language.
    pub async fn launch(data: &AppData, server: Option<&str>) -> App {
        Self::launch_in(data, server, "en").await
    }

    /// The app started with `--lang <lang>`.
    pub async fn launch_in(data: &AppData, server: Option<&str>, lang: &str) -> App {
        Self::launch_with(data, server, lang, &[]).await
    }

    /// The app started with `--lang <lang>` and `env` added to its environment (a GTK theme).
    pub async fn launch_with(
        data: &AppData,
        server: Option<&str>,
        lang: &str,
        env: &[(&str, &str)],
    ) -> App {
        Self::start(data, server, lang, env, &[]).await
    }

    /// The app's first launch given an `otpauth://` link (a link opened while it was closed).
    pub async fn launch_with_link(data: &AppData, link: &str) -> App {
        Self::start(data, None, "en", &[], &[link]).await
    }

    async fn start(
        data: &AppData,
        server: Option<&str>,
        lang: &str,
        env: &[(&str, &str)],
        extra_args: &[&str],
    ) -> App {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the end-to-end tests need a display: run them with `make test` (Xvfb + D-Bus + keyring)"
        );
        let window = WINDOW.lock().await;
        let port = twostep_testkit::free_port();
        let mut driver = Command::new("WebKitWebDriver");
        driver
            .arg(format!("--port={port}"))
            .env("TWOSTEP_APP_DATA", data.path().join("app"))
            .env("XDG_DATA_HOME", data.path().join("xdg-data"))
            .env("XDG_CACHE_HOME", data.path().join("xdg-cache"))
            // The machine's own default apps (mimeapps.list) stay out of the tests.
            .env("XDG_CONFIG_HOME", data.path().join("xdg-config"))
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("TWOSTEP_CLIPBOARD_CLEAR_SECS", "3")
            .env("NO_AT_BRIDGE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env_remove("TWOSTEP_SERVER")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let driver = driver
            .spawn()
            .expect("WebKitWebDriver (Debian: webkit2gtk-driver) must be installed");
        let mut args = vec!["--lang".to_owned(), lang.to_owned()];
        if let Some(url) = server {
            args.extend(["--server".to_owned(), url.to_owned()]);
        }
        args.extend(extra_args.iter().map(|a| (*a).to_owned()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "webkitgtk:browserOptions".into(),
            serde_json::json!({ "binary": env!("CARGO_BIN_EXE_twostep"), "args": args }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let d = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            let mut builder = ClientBuilder::new(connector);
            builder.capabilities(caps.clone());
            let connect = builder.connect(&url);
            // A new session waits for the app's window: an app that never opens one (handing
            // its launch to another instance) must fail the test, not hang it.
            match tokio::time::timeout(Duration::from_secs(60), connect).await {
                Ok(Ok(d)) => break d,
                Ok(Err(e)) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Ok(Err(e)) => panic!("WebDriver session did not start: {e}"),
                Err(_) => panic!("the app's window did not open within 60 s"),
            }
        };
        let app = App {
            d,
            driver,
            _window: window,
        };
        app.wait("main[data-screen]").await;
        app
    }

    /// Closes the window (the app exits) and the driver. An app still running 10 s after its
    /// window closed is killed and reported: left alone it would take the next launch on the
    /// same data folder (one instance per folder) and hang that journey.
    pub async fn quit(mut self) {
        let apps = self.driver.id().map(children_of).unwrap_or_default();
        let _ = self.d.clone().close().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while apps.iter().any(|pid| alive(*pid)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for pid in apps.into_iter().filter(|pid| alive(*pid)) {
            eprintln!("the app (pid {pid}) did not exit after its window closed: killed");
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
        let _ = self.driver.kill().await;
    }

    pub async fn wait(&self, css: &str) -> Element {
        match self
            .d
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => panic!(
                "{css} did not appear ({e}); the window shows:\n{}",
                self.dump().await
            ),
        }
    }

    /// What the window shows, for a failing test's message.
    pub async fn dump(&self) -> String {
        let screen = self
            .d
            .execute(
                "const m = document.querySelector('main'); return (m ? m.dataset.screen + ': ' + m.innerText : document.body.innerText);",
                vec![],
            )
            .await
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|e| format!("(no page: {e})"));
        screen
    }

    /// Waits until the current screen is `name` (`main[data-screen]`).
    pub async fn on_screen(&self, name: &str) {
        self.wait(&format!("main[data-screen=\"{name}\"]")).await;
    }

    pub async fn click(&self, css: &str) {
        if let Err(e) = self.wait(css).await.click().await {
            self.shoot_one(&format!(
                "failed-click-{}",
                css.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ))
            .await;
            panic!(
                "clicking {css}: {e}; the window shows:\n{}",
                self.dump().await
            );
        }
    }

    /// Sets a field's value directly (multi-line text, which typing would turn into Enter keys).
    pub async fn set_value(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        self.d
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
                vec![serde_json::to_value(&el).unwrap(), serde_json::Value::String(text.into())],
            )
            .await
            .unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        el.clear().await.unwrap();
        if !text.is_empty() {
            el.send_keys(text).await.unwrap();
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap()
    }

    /// Waits until `css` shows text containing `needle`.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        self.wait_text_for(css, needle, Duration::from_secs(20))
            .await
    }

    /// `wait_text`, waiting up to `limit` (something that happens after a set time).
    pub async fn wait_text_for(&self, css: &str, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(el) = self.d.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if t.contains(needle) {
                        return t;
                    }
                    if Instant::now() > deadline {
                        panic!(
                            "{css} shows {t:?}, not {needle:?}; the window shows:\n{}",
                            self.dump().await
                        );
                    }
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "{css} never showed {needle:?}; the window shows:\n{}",
                    self.dump().await
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// The "Save your recovery codes" screen that follows a first method: ten codes, and
    /// continuing only once the box is ticked. The codes, as shown.
    pub async fn save_recovery_codes(&self) -> Vec<String> {
        self.on_screen("recovery-codes").await;
        self.wait_count("#recovery-codes li", 10).await;
        // As a person copying them by hand would get them (innerText): one per line.
        let shown = self
            .d
            .execute(
                "return document.querySelector('#recovery-codes').innerText;",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let codes: Vec<String> = shown
            .lines()
            .map(str::trim)
            .filter(|w| w.len() == 19 && w.matches('-').count() == 3)
            .map(str::to_owned)
            .collect();
        assert_eq!(codes.len(), 10, "{shown:?}");
        self.click("#codes-saved").await;
        self.click("#codes-continue").await;
        codes
    }

    /// Signs `email` in with the code its one email method was sent, and waits for Home.
    pub async fn sign_in_with_emailed_code(&self, server: &Server, email: &str) {
        self.sign_in(email).await;
        self.on_screen("verify-code").await;
        self.fill("#code", &server.last_code(email).await).await;
        self.click("#verify").await;
        self.on_screen("home").await;
    }

    /// Email and password on the sign-in screen, then "Sign in".
    pub async fn sign_in(&self, email: &str) {
        self.on_screen("sign-in").await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("#sign-in").await;
    }

    /// The current value of an input.
    pub async fn value(&self, css: &str) -> String {
        self.wait(css)
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    pub async fn count(&self, css: &str) -> usize {
        self.d.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// Waits until `css` is enabled (a cooldown ran out).
    pub async fn wait_enabled(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.is_enabled(css).await {
            assert!(Instant::now() < deadline, "{css} stayed disabled");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A field's `aria-invalid` and `aria-describedby`.
    pub async fn field_error_state(&self, css: &str) -> (Option<String>, String) {
        let v = self
            .d
            .execute(
                "const el = document.querySelector(arguments[0]);
                 return [el.getAttribute('aria-invalid'), el.getAttribute('aria-describedby') || ''];",
                vec![css.into()],
            )
            .await
            .unwrap();
        (
            v[0].as_str().map(str::to_owned),
            v[1].as_str().unwrap().to_owned(),
        )
    }

    /// An attribute of the first element `css` matches, if it and the attribute exist.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let v = self
            .d
            .execute(
                "const el = document.querySelector(arguments[0]);
                 return el ? el.getAttribute(arguments[1]) : null;",
                vec![css.into(), name.into()],
            )
            .await
            .unwrap();
        v.as_str().map(str::to_owned)
    }

    /// Whether the first element `css` matches has the keyboard focus.
    pub async fn is_focused(&self, css: &str) -> bool {
        self.d
            .execute(
                "return document.activeElement === document.querySelector(arguments[0]);",
                vec![css.into()],
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap()
    }

    /// The window's title (`document.title`).
    pub async fn title(&self) -> String {
        self.d.title().await.unwrap()
    }

    /// Waits until a window on the X display (the app's own, as the window manager and task
    /// switcher see it) carries `title`.
    pub async fn wait_native_title(&self, title: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = Command::new("xwininfo")
                .args(["-root", "-tree"])
                .output()
                .await
                .expect("xwininfo (Debian: x11-utils) must be installed");
            if String::from_utf8_lossy(&out.stdout).contains(&format!("\"{title}\"")) {
                return;
            }
            assert!(Instant::now() < deadline, "no window is titled {title:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Whether a checkbox is ticked.
    pub async fn is_selected(&self, css: &str) -> bool {
        self.wait(css).await.is_selected().await.unwrap()
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.d.find(Locator::Css(css)).await.is_ok()
    }

    pub async fn is_enabled(&self, css: &str) -> bool {
        self.wait(css).await.is_enabled().await.unwrap()
    }

    /// The window as it is now, for a failing test.
    pub async fn shoot_one(&self, name: &str) {
        let _ = self.capture(name).await;
    }

    /// The window's rectangle of the X display, to `target/screenshots/NAME.png`.
    async fn capture(&self, name: &str) -> bool {
        let Ok((x, y, w, h)) = self.d.get_window_rect().await else {
            return false;
        };
        let out = screenshot_dir().join(format!("{name}.png"));
        Command::new("import")
            .args(["-window", "root", "-crop"])
            .arg(format!(
                "{}x{}+{}+{}",
                w as u32, h as u32, x as i32, y as i32
            ))
            .arg(&out)
            .status()
            .await
            .expect("import (Debian: imagemagick) must be installed")
            .success()
    }

    /// Waits until `css` matches exactly `n` elements.
    pub async fn wait_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.count(css).await != n {
            assert!(
                Instant::now() < deadline,
                "{css} never matched {n} elements"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The screen at phone (390×844), tablet (820×1180) and desktop (1280×800) sizes, captured
    /// from the X display (WebDriver's own screenshot hangs for a Tauri window under Xvfb).
    /// Runs axe-core (WCAG 2.2 A and AA rules) on the screen and fails on any serious or
    /// critical violation, naming the rule, what to do, and the elements.
    pub async fn check_accessibility(&self, name: &str) {
        let axe = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/node_modules/axe-core/axe.min.js"
        ))
        .expect("axe-core is missing: `make test-deps` installs it into tests/e2e/node_modules");
        self.d.execute(&axe, vec![]).await.unwrap();
        let found = self
            .d
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values:
                   ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                   .then((r) => done(r.violations
                     .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                     .map((v) => `${v.impact} ${v.id}: ${v.help} [${v.nodes.slice(0, 3)
                       .map((n) => n.target.join(' ')).join(' | ')}]`)))
                   .catch((e) => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        let found: Vec<String> = serde_json::from_value(found).unwrap();
        assert!(
            found.is_empty(),
            "{name}: accessibility violations:\n{}",
            found.join("\n")
        );
    }

    pub async fn shoot(&self, name: &str) {
        self.check_accessibility(name).await;
        for (size, w, h) in [
            ("phone", 390, 844),
            ("tablet", 820, 1180),
            ("desktop", 1280, 800),
        ] {
            self.d.set_window_rect(0, 0, w, h).await.unwrap();
            tokio::time::sleep(Duration::from_millis(400)).await;
            assert!(
                self.capture(&format!("{name}-{size}")).await,
                "screenshot {name}-{size} failed"
            );
        }
    }
}

/// The X clipboard's text (through xclip), as another program would paste it.
pub async fn clipboard() -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .await
        .expect("xclip (Debian: xclip) must be installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the app binary again on `data` (a second launch, as the desktop does when a link is
/// opened): what it printed and how it ended.
pub async fn launch_again(data: &AppData, args: &[&str]) -> std::process::Output {
    let run = Command::new(env!("CARGO_BIN_EXE_twostep"))
        .args(args)
        .env("TWOSTEP_APP_DATA", data.path().join("app"))
        .env("XDG_DATA_HOME", data.path().join("xdg-data"))
        .env("XDG_CACHE_HOME", data.path().join("xdg-cache"))
        .env("XDG_CONFIG_HOME", data.path().join("xdg-config"))
        .env("NO_AT_BRIDGE", "1")
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .env_remove("TWOSTEP_SERVER")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("a second launch must hand over and exit, not open another window")
        .unwrap()
}

/// Answers the system's "Save" dialog (GTK's file chooser, a window of the app's own) as a
/// person would: its name field takes the whole `path`, then Enter. Through xdotool, on the
/// test's X display.
pub async fn answer_save_dialog(path: &Path) {
    let xdotool = |args: Vec<String>| async move {
        Command::new("xdotool")
            .args(&args)
            .output()
            .await
            .expect("xdotool (Debian: xdotool) must be installed")
    };
    let start = Instant::now();
    let window = loop {
        let out = xdotool(
            ["search", "--onlyvisible", "--name", "^(Save|Guardar)"]
                .map(String::from)
                .to_vec(),
        )
        .await;
        if let Some(id) = String::from_utf8_lossy(&out.stdout).lines().next() {
            break id.trim().to_owned();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no Save dialog appeared"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // No window manager under Xvfb: give the dialog the keyboard ourselves.
    xdotool(vec!["windowfocus".into(), "--sync".into(), window.clone()]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    xdotool(
        ["key", "--clearmodifiers", "ctrl+a"]
            .map(String::from)
            .to_vec(),
    )
    .await;
    xdotool(vec![
        "type".into(),
        "--delay".into(),
        "15".into(),
        path.display().to_string(),
    ])
    .await;
    xdotool(["key", "Return"].map(String::from).to_vec()).await;
}

/// The processes whose parent is `pid` (the app the WebDriver started).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                // After the name in parentheses: the state, then the parent's pid.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

/// Whether `pid` is running (a zombie has exited).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
}
