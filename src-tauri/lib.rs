//! The Twostep app (Tauri 2): the window through which staff, families and administrators set
//! up, use and manage 2-Step Verification. The UI in `ui/` renders views; the commands here
//! talk to the server through twostep-client and keep the tokens (in the OS keyring).

pub mod authenticator;
mod authenticator_link;
mod browser_passkey;
mod browser_sign_in;
mod clipboard;
mod commands;
#[cfg(feature = "embedded")]
mod embedded;
pub mod error;
pub mod language;
mod links;
mod notify;
pub mod qr;
mod quit;
mod recovery_file;
mod save_file;
mod screen_capture;
pub mod secret;
mod session;
pub mod settings;
#[cfg(target_os = "linux")]
mod single_instance;
pub mod state;
pub mod tokens;
pub mod views;

#[cfg(test)]
mod capability_tests;
#[cfg(test)]
mod catalog_tests;
#[cfg(test)]
mod command_tests;
#[cfg(test)]
mod ui_tests;

use clap::Parser;
use tauri::{Manager, Runtime};

pub use error::{AppError, AppResult};
pub use state::AppState;

/// The keyring service under which session tokens are stored.
pub const KEYRING_SERVICE: &str = "app.twostep.desktop";

/// Marks the page as the Linux app's (WebKitGTK), for the fonts it takes (ui/style.css).
#[cfg(target_os = "linux")]
const GTK_MARK: &str = "document.documentElement && document.documentElement.classList.add('gtk');";

/// What a managed device (or a test) can preset.
#[derive(Debug, Parser)]
#[command(
    name = "twostep",
    about = "Twostep: 2-Step Verification for your center"
)]
pub struct Options {
    /// The Twostep server to use; skips the server screen. Without it the app uses the server
    /// chosen before, or the embedded demo center in a build that has one (`embedded`, debug
    /// builds and `make run`); the installed app asks "Which center?".
    #[arg(long, env = "TWOSTEP_SERVER")]
    pub server: Option<String>,
    /// The app's language, `en` or `es`; without it, the one chosen in the app before, or
    /// the system's.
    #[arg(long, env = "TWOSTEP_LANG")]
    pub lang: Option<String>,
    /// Locks this device to shared mode (a managed classroom tablet): codes only on tap, no
    /// session kept, the server changed only with the device PIN, and no way in the app to
    /// turn shared mode off. `TWOSTEP_SHARED=1` does the same.
    #[arg(long, env = "TWOSTEP_SHARED", value_parser = clap::builder::BoolishValueParser::new())]
    pub shared: bool,
    /// An `otpauth://` link to add to this device's authenticator (what the desktop passes
    /// when such a link is opened).
    pub link: Option<String>,
}

/// A tag of the data folder when `TWOSTEP_APP_DATA` names one, so that separate data folders
/// (a test's, a second profile's) stay separate apps; `None` for the default folder.
#[cfg(desktop)]
fn data_folder_tag() -> Option<String> {
    use sha2::Digest;
    let dir = std::env::var_os("TWOSTEP_APP_DATA")?;
    // `dir` and `dir/` are one folder: one app (made first, so that the first launch and a
    // second one canonicalize alike).
    let _ = std::fs::create_dir_all(&dir);
    let dir = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.into());
    let digest = sha2::Sha256::digest(dir.as_os_str().as_encoded_bytes());
    Some(data_encoding::HEXLOWER.encode(&digest[..8]))
}

/// A second launch's arguments, in the running app: its window shown, its link delivered.
#[cfg(desktop)]
fn on_second_launch<R: Runtime>(app: &tauri::AppHandle<R>, argv: &[String]) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    if let Some(link) = links::otpauth_in(argv) {
        links::deliver(app, link);
    }
}

/// One app per data folder (Windows, macOS): a second launch hands its arguments to the
/// running one and exits, so the vault and the settings have one writer. Linux does the same
/// in `single_instance`.
#[cfg(all(desktop, not(target_os = "linux")))]
fn single_instance<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    let mut builder = tauri_plugin_single_instance::Builder::new()
        .callback(|app: &tauri::AppHandle<R>, argv, _cwd| on_second_launch(app, &argv));
    if let Some(tag) = data_folder_tag() {
        builder = builder.dbus_id(format!("app.twostep.desktop.d{tag}"));
    }
    builder.build()
}

/// Linux: this launch's claim on its data folder; exits when another app has it.
#[cfg(target_os = "linux")]
fn claim_data_folder(identifier: &str) -> Option<dbus::blocking::Connection> {
    use single_instance::Claim;
    let name = single_instance::bus_name(identifier, data_folder_tag().as_deref());
    let argv: Vec<String> = std::env::args().collect();
    match single_instance::claim(&name, &argv) {
        Claim::First(conn) => Some(conn),
        Claim::HandedOff => std::process::exit(0),
        Claim::NoAnswer(e) => {
            let told = "Twostep is already open but did not answer. Close it, or end it from the \
                        system monitor, and open Twostep again.";
            eprintln!("twostep: {told} ({e})");
            // A launch from the desktop has no terminal: said where the person looks.
            let _ = notify::desktop::notify("Twostep did not open", told);
            std::process::exit(1);
        }
        Claim::NoBus(e) => {
            tracing::warn!("no session bus, so a second launch would open a second app: {e}");
            None
        }
    }
}

/// The plugins and commands of the app, on any runtime (the real one, or Tauri's mock in tests).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    let builder = builder.manage(clipboard::Copied::default());
    #[cfg(desktop)]
    let builder = builder.manage(clipboard::SystemClipboard::default());
    // The phone's clipboard and "Save" dialog, used from Rust only, never granted to the
    // webview (desktops: clipboard.rs, save_file.rs).
    #[cfg(mobile)]
    let builder = builder
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init());
    // Used from Rust only (authenticator_link, links), never granted to the webview; Linux
    // opens links through GIO.
    #[cfg(not(target_os = "linux"))]
    let builder = builder
        .plugin(tauri_plugin_opener::init())
        .plugin(notify::plugin());
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_barcode_scanner::init());
    builder.invoke_handler(commands::handler())
}

/// What the app logs: `TWOSTEP_LOG` (a level, and levels by module: `warn,twostep_app=debug`),
/// else warnings, and information from the app and its embedded server. Module names, not
/// patterns: `Targets`, which needs no regular expressions (`EnvFilter` would bring a regex
/// engine into the installed app for this one variable).
fn log_filter(from_env: Option<&str>) -> tracing_subscriber::filter::Targets {
    use tracing::Level;
    match from_env.map(str::parse) {
        Some(Ok(targets)) => targets,
        given => {
            if let Some(Err(e)) = given {
                eprintln!("twostep: TWOSTEP_LOG: {e}; logging as by default");
            }
            tracing_subscriber::filter::Targets::new()
                .with_default(Level::WARN)
                .with_target("twostep_app", Level::INFO)
                .with_target("twostep_server", Level::INFO)
        }
    }
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    use tracing_subscriber::prelude::*;
    let filter = log_filter(std::env::var("TWOSTEP_LOG").ok().as_deref());
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_filter(filter))
        .try_init();
    let options = Options::parse();
    let preset = match options
        .server
        .as_deref()
        .map(settings::check_server_address)
    {
        Some(Err(e)) => {
            eprintln!("twostep: --server: {e}");
            std::process::exit(2);
        }
        Some(Ok(url)) => Some(url),
        None => None,
    };
    let lang = match options.lang.as_deref().map(language::parse) {
        Some(Err(e)) => {
            eprintln!("twostep: --lang: {e}");
            std::process::exit(2);
        }
        Some(Ok(l)) => Some(l),
        None => None,
    };
    let context = tauri::generate_context!();
    // Before anything else starts: a second launch hands off and exits.
    #[cfg(target_os = "linux")]
    let instance = claim_data_folder(&context.config().identifier);
    let builder = tauri::Builder::default();
    #[cfg(all(desktop, not(target_os = "linux")))]
    let builder = builder.plugin(single_instance());
    #[cfg(desktop)]
    let builder = builder.plugin(tauri_plugin_window_state::Builder::default().build());
    let managed_shared = options.shared;
    let link = options
        .link
        .as_deref()
        .and_then(|l| links::otpauth_in(&[l.to_owned()]));
    // otpauth:// links as events where the system sends them so (Android, iOS, macOS).
    let builder = builder.plugin(tauri_plugin_deep_link::init());
    let app = with_commands(builder)
        .setup(move |app| {
            let data = settings::data_dir(app.path().app_data_dir().ok());
            let tokens = std::sync::Arc::new(tokens::KeyringStore::new(KEYRING_SERVICE));
            let mut state = AppState::new(tokens, data.join("settings.json"));
            #[cfg(feature = "embedded")]
            {
                let embedded = std::sync::Arc::new(embedded::Embedded::default());
                app.manage(embedded.clone());
                state = state.with_demo(embedded::starter(
                    app.handle().clone(),
                    embedded,
                    data.join("demo-server"),
                ));
            }
            if managed_shared {
                state = state.with_managed_shared();
            }
            if let Some(url) = preset.clone() {
                state = state.with_preset_server(url);
            }
            if let Some(l) = lang {
                state = state.with_language(l);
            }
            if let Some(link) = link.clone() {
                state.set_pending_link(link);
            }
            app.manage(state);
            links::listen_for_opened(app.handle());
            #[cfg(target_os = "linux")]
            if let Some(conn) = instance {
                let handle = app.handle().clone();
                single_instance::serve(conn, move |argv| on_second_launch(&handle, &argv));
            }
            // Built here rather than from the config alone so the window's title follows the
            // screen's (document.title): what the task switcher and a screen reader announce.
            let config = app
                .config()
                .app
                .windows
                .first()
                .cloned()
                .unwrap_or_default();
            let builder = tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?;
            #[cfg(desktop)]
            let builder = builder.on_document_title_changed(|window, title| {
                let _ = window.set_title(&title);
            });
            // Marked before the page is read (a user script runs once <html> exists): the page
            // takes the generic fonts, which WebKitGTK finds without a lookup (ui/style.css).
            #[cfg(target_os = "linux")]
            let builder = builder.initialization_script(GTK_MARK);
            let window = builder.build()?;
            quit::close_with_its_page(&window)?;
            Ok(())
        })
        .build(context);
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("twostep: the app could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| quit::on_run_event(handle, &event));
}

#[cfg(test)]
mod log_filter_tests {
    use super::log_filter;
    use tracing::Level;

    #[test]
    fn the_variable_sets_levels_by_module_and_a_bad_one_logs_as_by_default() {
        let f = log_filter(Some("error,twostep_app::session=debug"));
        assert!(f.would_enable("twostep_app::session", &Level::DEBUG));
        assert!(!f.would_enable("twostep_app::links", &Level::WARN));
        assert!(f.would_enable("tauri", &Level::ERROR));
        for default in [log_filter(None), log_filter(Some("twostep_app=loud"))] {
            assert!(default.would_enable("twostep_app::links", &Level::INFO));
            assert!(default.would_enable("twostep_server::web", &Level::INFO));
            assert!(!default.would_enable("tauri", &Level::INFO));
            assert!(default.would_enable("tauri", &Level::WARN));
        }
    }
}

#[cfg(test)]
mod options_tests {
    use super::*;

    #[test]
    fn shared_is_a_flag_also_set_by_its_variable() {
        let parse = |args: &[&str]| Options::try_parse_from(args).map(|o| o.shared);
        assert!(parse(&["twostep", "--shared"]).unwrap());
        assert!(parse(&["twostep", "--shared=yes"]).is_err(), "a flag");
        // TWOSTEP_SHARED=1 (or true, yes, on) itself is tried in the window:
        // vault::a_device_shared_by_its_management_cannot_be_made_personal_in_the_window.
        let cmd = <Options as clap::CommandFactory>::command();
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_id() == "shared")
            .unwrap();
        assert_eq!(arg.get_env(), Some(std::ffi::OsStr::new("TWOSTEP_SHARED")));
    }
}
