//! The app binary in its real window: started by WebKitWebDriver on a journey's own data
//! folder, one window at a time, closed at the end as a person closes it (and then it must have
//! ended by itself); and a second launch, as the desktop makes one when a link is opened.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::Client as Driver;
use tempfile::TempDir;
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, MutexGuard};

/// One app window at a time: two WebKit instances on two cores make every step slow.
static WINDOW: Mutex<()> = Mutex::const_new(());

/// The app in its window, driven over WebDriver.
pub struct App {
    pub d: Driver,
    driver: Child,
    /// Whether `quit` ran: an app dropped without it (a journey that failed) is killed.
    ended: bool,
    _window: MutexGuard<'static, ()>,
}

/// How a journey closes the app.
#[derive(Clone, Copy, Debug)]
pub enum Closing {
    /// The window manager's close (the window's close button): `WM_DELETE_WINDOW`.
    Window,
    /// The page closing itself (`window.close()`), as WebKitWebDriver's "close the browsing
    /// context" also does.
    Page,
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

    /// The app started on `server` with its window open, its first screen perhaps still
    /// waiting for the server (one that never answers).
    pub async fn launch_to_window(data: &AppData, server: &str) -> App {
        Self::open(data, Some(server), "en", &[], &[]).await
    }

    async fn start(
        data: &AppData,
        server: Option<&str>,
        lang: &str,
        env: &[(&str, &str)],
        extra_args: &[&str],
    ) -> App {
        let app = Self::open(data, server, lang, env, extra_args).await;
        app.wait("main[data-screen]").await;
        app
    }

    async fn open(
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
        let d = super::webdriver::connect(port, caps).await;
        App {
            d,
            driver,
            ended: false,
            _window: window,
        }
    }

    /// Closes the window as a person does (the window manager's close) and ends the driver.
    pub async fn quit(self) {
        self.quit_by(Closing::Window).await;
    }

    /// Closes the app `how`; it must then end by itself. One still running 10 s later fails the
    /// journey: left running it would hold its data folder (one app per folder) and take the
    /// next launch on it, which then shows no window. It is killed first, and the driver ended,
    /// so that the journeys after this one run.
    pub async fn quit_by(mut self, how: Closing) {
        self.ended = true;
        let apps = self.apps();
        let closed: usize = match how {
            Closing::Window => apps.iter().map(|pid| super::close_windows_of(*pid)).sum(),
            Closing::Page => {
                // Answered or not (the page is gone): what counts is the app's exit.
                let _ = self.d.execute("window.close();", vec![]).await;
                1
            }
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while apps.iter().any(|pid| alive(*pid)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let outlived: Vec<u32> = apps.into_iter().filter(|pid| alive(*pid)).collect();
        kill(&outlived);
        // The session of an app that ended; WebKitWebDriver would SIGKILL one still running.
        let _ = tokio::time::timeout(Duration::from_secs(5), self.d.clone().close()).await;
        let _ = self.driver.kill().await;
        assert!(
            outlived.is_empty(),
            "the app outlived its window: pid {outlived:?} still running 10 s after its window \
             was closed ({how:?}; {closed} window(s) closed); killed"
        );
    }

    /// The app's processes (the WebDriver's children).
    fn apps(&self) -> Vec<u32> {
        self.driver.id().map(children_of).unwrap_or_default()
    }
}

/// A journey that failed before `quit` leaves no app behind: killing the driver alone would
/// leave its app running, holding the journey's data folder, for the rest of the suite.
impl Drop for App {
    fn drop(&mut self) {
        if !self.ended {
            kill(&self.apps());
        }
    }
}

fn kill(pids: &[u32]) {
    for pid in pids {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
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
