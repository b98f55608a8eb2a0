//! The end-to-end harness: a real twostep-server on loopback (the test kit's, dev outbox on)
//! and the real app binary in a real window, driven over WebDriver by WebKitWebDriver. `make
//! test` runs this under Xvfb with a D-Bus session and an unlocked gnome-keyring (the real OS
//! keyring).
//!
//! - `server`: the server the journeys sign in to;
//! - `app`: the app's binary, launched in its window and closed;
//! - `page`: what the window shows, read and used as a person would;
//! - `evidence`: screenshots and accessibility checks of every screen;
//! - `desktop`: the X display around the window (clipboard, titles, the Save dialog).

mod app;
mod desktop;
mod evidence;
mod page;
mod server;
#[path = "../../shared/webdriver.rs"]
mod webdriver;

pub use app::{launch_again, App, AppData, Closing};
pub use desktop::{
    answer_save_dialog, clipboard, close_windows_of, set_default_browser, StandInBrowser,
};
pub use server::{start_server, start_server_with};
pub use twostep_core::policy::Role;
pub use twostep_testkit::{TestServer, PASSWORD};
