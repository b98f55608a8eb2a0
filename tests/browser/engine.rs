//! The browsers the tests drive, one at a time (two engines on two cores make every step
//! slow): Chromium through chromedriver, headless, with Chrome's mobile emulation for the
//! phone; WebKitGTK's MiniBrowser through WebKitWebDriver in a window on the virtual display
//! (its GTK 3 build has no headless mode).

use std::process::Stdio;
use std::time::Duration;

use fantoccini::Client;
use serde_json::{json, Map, Value};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, MutexGuard};

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    WebKit,
}

impl Engine {
    /// Its name in screenshots' file names.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::WebKit => "webkit",
        }
    }
}

/// What the page is shown on: its viewport in CSS pixels, and whether it takes touch.
#[derive(Clone, Copy, Debug)]
pub struct Device {
    /// Its name in screenshots' file names.
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub touch: bool,
}

/// A phone (an iPhone 14's viewport), held in the hand.
pub const PHONE: Device = Device {
    name: "phone",
    width: 390,
    height: 844,
    touch: true,
};

/// A classroom tablet (an iPad Air's viewport, portrait).
pub const TABLET: Device = Device {
    name: "tablet",
    width: 820,
    height: 1180,
    touch: false,
};

/// The colours the person's system asks pages for (`prefers-color-scheme`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Light,
    Dark,
}

/// A browser at a size, driven over WebDriver.
pub struct Browser {
    pub d: Client,
    pub engine: Engine,
    driver: Child,
    _turn: MutexGuard<'static, ()>,
}

impl Browser {
    pub async fn open(engine: Engine, device: Device) -> Browser {
        Self::open_in(engine, device, Scheme::Light).await
    }

    /// A browser whose system is light or dark: Chromium started with `--force-dark-mode`,
    /// the MiniBrowser with its `--dark-mode` (GTK's dark variant, which WebKitGTK passes to
    /// pages as `prefers-color-scheme: dark`).
    pub async fn open_in(engine: Engine, device: Device, scheme: Scheme) -> Browser {
        let turn = ONE_AT_A_TIME.lock().await;
        let port = twostep_testkit::free_port();
        let (program, caps) = match engine {
            Engine::Chromium => ("chromedriver", chromium(device, scheme)),
            Engine::WebKit => {
                assert!(
                    std::env::var_os("DISPLAY").is_some(),
                    "WebKit's MiniBrowser needs a display: run the browser tests with `make test` \
                     or under tests/e2e/session.sh"
                );
                ("WebKitWebDriver", webkit(scheme))
            }
        };
        let driver = Command::new(program)
            .arg(format!("--port={port}"))
            .env("NO_AT_BRIDGE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own: the browser it starts is ended with it (below).
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{program} must be installed (Debian: chromium-driver, webkit2gtk-driver): {e}"
                )
            });
        let d = crate::webdriver::connect(port, caps).await;
        let browser = Browser {
            d,
            engine,
            driver,
            _turn: turn,
        };
        if engine == Engine::WebKit {
            browser.size_viewport(device).await;
        }
        browser
    }

    /// The window sized so that its viewport is `device`'s: the window's frame and the
    /// MiniBrowser's toolbar are measured, not guessed.
    async fn size_viewport(&self, device: Device) {
        self.d
            .set_window_size(device.width, device.height)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (w, h) = self.viewport().await;
        let width = 2 * device.width - w;
        let height = 2 * device.height - h;
        self.d.set_window_size(width, height).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    /// The viewport's size in CSS pixels.
    pub async fn viewport(&self) -> (u32, u32) {
        let v = self
            .d
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .unwrap();
        (v[0].as_u64().unwrap() as u32, v[1].as_u64().unwrap() as u32)
    }

    /// Ends the session (the browser quits), then the driver and whatever is left of them.
    pub async fn close(mut self) {
        let _ = self.d.clone().close().await;
        self.end_group();
        let _ = self.driver.wait().await;
    }

    fn end_group(&self) {
        if let Some(group) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Ends the driver's process group, at the end of a test or when it fails half-way: the
/// driver alone killed would leave its browser running (Chromium outlives chromedriver).
impl Drop for Browser {
    fn drop(&mut self) {
        self.end_group();
    }
}

fn chromium(device: Device, scheme: Scheme) -> Map<String, Value> {
    // As root (a CI container) Chromium's sandbox cannot start.
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--lang=en-US",
        "--disable-crash-reporter",
        "--disable-breakpad",
    ];
    if scheme == Scheme::Dark {
        args.push("--force-dark-mode");
    }
    let mut caps = Map::new();
    caps.insert("browserName".into(), "chrome".into());
    // The test's own certificate (`tls`), made when the test starts.
    caps.insert("acceptInsecureCerts".into(), true.into());
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": args,
            "mobileEmulation": {
                "deviceMetrics": {
                    "width": device.width,
                    "height": device.height,
                    "pixelRatio": if device.touch { 3.0 } else { 2.0 },
                    "touch": device.touch,
                    "mobile": device.touch,
                },
            },
        }),
    );
    caps
}

fn webkit(scheme: Scheme) -> Map<String, Value> {
    let mut args = vec!["--automation"];
    if scheme == Scheme::Dark {
        args.push("--dark-mode");
    }
    let mut caps = Map::new();
    caps.insert("acceptInsecureCerts".into(), true.into());
    caps.insert(
        "webkitgtk:browserOptions".into(),
        json!({ "binary": MINIBROWSER, "args": args }),
    );
    caps
}
