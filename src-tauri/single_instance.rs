//! One app per data folder on Linux: the first launch owns a name on the session bus, and a
//! second launch (a link opened, the icon clicked again) hands that app its arguments and
//! exits, so the vault and the settings have one writer.
//!
//! Through libdbus, which Tao and the keyring already link. The single-instance plugin does
//! the same through zbus, a second D-Bus stack (with the notification and opener plugins, two
//! versions of it: 1.7 MiB of the installed binary); Windows and macOS keep the plugin.

use std::time::Duration;

use dbus::blocking::stdintf::org_freedesktop_dbus::RequestNameReply;
use dbus::blocking::Connection;
use dbus::channel::{MatchingReceiver, Sender};
use dbus::message::MatchRule;

const PATH: &str = "/app/twostep/Instance";
const INTERFACE: &str = "app.twostep.Instance";
const HANDOFF: &str = "Handoff";
/// How long a second launch waits for the running app to take its arguments.
const HANDOFF_WAIT: Duration = Duration::from_secs(10);

/// What a launch found when it asked for its data folder's name.
pub enum Claim {
    /// This launch is the app: `serve` the next launches' hand-offs.
    First(Connection),
    /// The running app took this launch's arguments: exit.
    HandedOff,
    /// The running app holds the name but did not take them (hung, or quitting): exit, since
    /// a second writer of the vault is worse than a launch that shows nothing.
    NoAnswer(String),
    /// No session bus: run without the guarantee (a bare session, a test on the mock runtime).
    NoBus(String),
}

/// The bus name for a data folder: the app's identifier, a tag of the folder when it is not
/// the default one (a test's, a second profile's), so separate folders are separate apps, and
/// `.SingleInstance` (the bare identifier is GTK's to claim for the application itself).
pub fn bus_name(identifier: &str, folder_tag: Option<&str>) -> String {
    match folder_tag {
        Some(tag) => format!("{identifier}.d{tag}.SingleInstance"),
        None => format!("{identifier}.SingleInstance"),
    }
}

/// Asks for `name`; when another app holds it, hands it `argv`.
pub fn claim(name: &str, argv: &[String]) -> Claim {
    let conn = match Connection::new_session() {
        Ok(conn) => conn,
        Err(e) => return Claim::NoBus(e.to_string()),
    };
    // Not queued: a launch that finds the name taken hands off now rather than waiting for it.
    match conn.request_name(name, false, false, true) {
        Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner) => Claim::First(conn),
        Ok(RequestNameReply::Exists | RequestNameReply::InQueue) => {
            let proxy = conn.with_proxy(name, PATH, HANDOFF_WAIT);
            match proxy.method_call::<(), _, _, _>(INTERFACE, HANDOFF, (argv.to_vec(),)) {
                Ok(()) => Claim::HandedOff,
                Err(e) => Claim::NoAnswer(e.to_string()),
            }
        }
        Err(e) => Claim::NoBus(e.to_string()),
    }
}

/// Takes the next launches' arguments on a thread of its own, for as long as the app runs.
pub fn serve(conn: Connection, on_launch: impl Fn(Vec<String>) + Send + 'static) {
    let rule = MatchRule::new_method_call()
        .with_path(PATH)
        .with_interface(INTERFACE)
        .with_member(HANDOFF);
    conn.start_receive(
        rule,
        Box::new(move |msg, conn| {
            match msg.read1::<Vec<String>>() {
                Ok(argv) => {
                    let _ = conn.send(msg.method_return());
                    on_launch(argv);
                }
                Err(e) => {
                    let _ = conn.send(dbus::Message::error(
                        &msg,
                        &"org.freedesktop.DBus.Error.InvalidArgs".into(),
                        c"Handoff takes the launch's arguments (as)",
                    ));
                    tracing::debug!("a hand-off without arguments: {e}");
                }
            }
            true
        }),
    );
    let spawned = std::thread::Builder::new()
        .name("single-instance".into())
        .spawn(move || {
            while conn.process(Duration::from_secs(3600)).is_ok() {}
            tracing::warn!("the session bus closed: later launches may open a second app");
        });
    if let Err(e) = spawned {
        tracing::warn!("later launches cannot reach this app: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Needs a session bus (tests/e2e/session.sh gives one); without it the claim says so.
    #[test]
    fn a_second_launch_hands_its_arguments_to_the_first() {
        let name = bus_name("app.twostep.test", Some(&format!("{}", std::process::id())));
        let first = match claim(&name, &[]) {
            Claim::First(conn) => conn,
            Claim::NoBus(e) => panic!("no session bus (run under tests/e2e/session.sh): {e}"),
            _ => panic!("a fresh name was already held"),
        };
        let (tx, rx) = mpsc::channel();
        serve(first, move |argv| {
            let _ = tx.send(argv);
        });
        let argv = vec![
            "twostep".to_owned(),
            "otpauth://totp/x?secret=AB".to_owned(),
        ];
        assert!(matches!(claim(&name, &argv), Claim::HandedOff));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).ok(), Some(argv));
        // Another folder's name is another app.
        let other = bus_name("app.twostep.test", Some("other"));
        assert!(matches!(claim(&other, &[]), Claim::First(_)));
    }

    #[test]
    fn a_name_held_by_an_app_that_never_answers_is_reported() {
        let name = bus_name(
            "app.twostep.test",
            Some(&format!("mute{}", std::process::id())),
        );
        // Owns the name and serves nothing: a hung app.
        let Claim::First(_mute) = claim(&name, &[]) else {
            panic!("a fresh name was already held");
        };
        let started = std::time::Instant::now();
        assert!(matches!(claim(&name, &[]), Claim::NoAnswer(_)));
        assert!(started.elapsed() < HANDOFF_WAIT + Duration::from_secs(5));
    }
}
