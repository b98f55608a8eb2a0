//! The desktop around the window, on the test's X display: the clipboard, window titles as
//! the window manager sees them, and the system's Save dialog.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::process::Command;

use super::App;

impl App {
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

/// Closes every window process `pid` shows, as a window manager does when a window's close
/// button is clicked: the ICCCM `WM_DELETE_WINDOW` message, sent to each window on the test's X
/// display whose `_NET_WM_PID` is `pid`. How many windows were sent it.
pub fn close_windows_of(pid: u32) -> usize {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{
        AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, MapState,
    };
    let (x, screen) = x11rb::connect(None).expect("the test's X display");
    let atom = |name: &str| {
        x.intern_atom(false, name.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom
    };
    let (wm_pid, protocols, delete) = (
        atom("_NET_WM_PID"),
        atom("WM_PROTOCOLS"),
        atom("WM_DELETE_WINDOW"),
    );
    let mut closed = 0;
    let mut windows = vec![x.setup().roots[screen].root];
    while let Some(window) = windows.pop() {
        // A window may go while we look: it is simply not there any more.
        let Some(tree) = x.query_tree(window).ok().and_then(|c| c.reply().ok()) else {
            continue;
        };
        windows.extend(tree.children);
        let owner = x
            .get_property(false, window, wm_pid, AtomEnum::CARDINAL, 0, 1)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|p| p.value32()?.next());
        let shown = x
            .get_window_attributes(window)
            .ok()
            .and_then(|c| c.reply().ok())
            .is_some_and(|a| a.map_state == MapState::VIEWABLE);
        if owner == Some(pid) && shown {
            let message = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
            if x.send_event(false, window, EventMask::NO_EVENT, message)
                .is_ok()
            {
                closed += 1;
            }
        }
    }
    let _ = x.flush();
    closed
}

/// Makes `script` the desktop's web browser for an app launched on `data` (its
/// `XDG_DATA_HOME` and `XDG_CONFIG_HOME`): what the app opens with the system's browser, the
/// script gets as its one argument.
pub fn set_default_browser(data: &super::AppData, script: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let apps = data.path().join("xdg-data/applications");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::write(
        apps.join("stand-in-browser.desktop"),
        format!(
            "[Desktop Entry]\nType=Application\nName=Stand-in Browser\nExec={} %u\n\
             MimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n",
            script.display()
        ),
    )
    .unwrap();
    let config = data.path().join("xdg-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("mimeapps.list"),
        "[Default Applications]\nx-scheme-handler/http=stand-in-browser.desktop\n\
         x-scheme-handler/https=stand-in-browser.desktop\n",
    )
    .unwrap();
}

/// A browser that only notes the addresses it is asked to open, one a line, for the test to
/// play the browser's part with them.
pub struct StandInBrowser {
    log: std::path::PathBuf,
    seen: usize,
}

impl StandInBrowser {
    pub fn install(data: &super::AppData) -> Self {
        let log = data.path().join("opened.txt");
        let script = data.path().join("stand-in-browser.sh");
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
        )
        .unwrap();
        set_default_browser(data, &script);
        Self { log, seen: 0 }
    }

    /// The next address the app opened (waiting up to 20 s for it).
    pub async fn next_opened(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(line) = text.lines().nth(self.seen) {
                self.seen += 1;
                return line.to_owned();
            }
            assert!(Instant::now() < deadline, "the app opened no browser");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
