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
