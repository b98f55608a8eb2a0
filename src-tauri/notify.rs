//! Desktop and mobile notifications. A notification that cannot be shown (no notification
//! service, permission refused) is logged and dropped: it never fails the action behind it.
//!
//! Linux sends it to the desktop's notification service itself, through the libdbus that Tao
//! and the keyring already link (the notification plugin would bring zbus, a second D-Bus
//! stack); the other systems go through the notification plugin.

use tauri::{AppHandle, Runtime};

/// The plugin, where it is the way to notify.
#[cfg(not(target_os = "linux"))]
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_notification::init()
}

#[cfg(not(target_os = "linux"))]
pub fn show<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::debug!("notification not shown: {e}");
    }
}

#[cfg(target_os = "linux")]
pub fn show<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    let _ = app;
    let (title, body) = (title.to_owned(), body.to_owned());
    // On a thread of its own: a slow notification service never holds up the action.
    let spawned = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            if let Err(e) = desktop::notify(&title, &body) {
                tracing::debug!("notification not shown: {e}");
            }
        });
    if let Err(e) = spawned {
        tracing::debug!("notification not shown: {e}");
    }
}

#[cfg(target_os = "linux")]
pub(crate) mod desktop {
    use std::collections::HashMap;
    use std::time::Duration;

    use dbus::arg::Variant;
    use dbus::blocking::Connection;

    pub const SERVICE: &str = "org.freedesktop.Notifications";
    pub const PATH: &str = "/org/freedesktop/Notifications";

    /// The Desktop Notifications Specification's `Notify`: no actions, the server's own
    /// timeout; the desktop entry names the app the notification comes from.
    pub fn notify(title: &str, body: &str) -> Result<u32, dbus::Error> {
        let conn = Connection::new_session()?;
        let proxy = conn.with_proxy(SERVICE, PATH, Duration::from_secs(5));
        let hints = HashMap::from([("desktop-entry", Variant("twostep"))]);
        let actions: Vec<&str> = Vec::new();
        let (id,): (u32,) = proxy.method_call(
            SERVICE,
            "Notify",
            (
                "Twostep", 0u32, "twostep", title, body, actions, hints, -1i32,
            ),
        )?;
        Ok(id)
    }
}

pub fn code_sent<R: Runtime>(app: &AppHandle<R>, sent_to: &str) {
    show(app, "Code sent", &format!("Code sent to {sent_to}"));
}

pub fn method_added<R: Runtime>(app: &AppHandle<R>) {
    show(
        app,
        "Verification method added",
        "A confirmation email is on its way.",
    );
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::desktop::{notify, PATH, SERVICE};
    use dbus::arg::{PropMap, RefArg};
    use dbus::blocking::Connection;
    use dbus::channel::{MatchingReceiver, Sender};
    use dbus::message::MatchRule;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Needs a session bus without a notification service of its own (tests/e2e/session.sh):
    /// the test is that service, as a desktop runs one, and reads what the app sent.
    #[test]
    fn a_notification_reaches_the_desktops_notification_service() {
        let service = Connection::new_session().expect("a session bus (tests/e2e/session.sh)");
        // Never in place of a desktop's own service: the name must be free (a private bus).
        let got = service.request_name(SERVICE, false, false, true);
        assert!(
            matches!(
                got,
                Ok(dbus::blocking::stdintf::org_freedesktop_dbus::RequestNameReply::PrimaryOwner)
            ),
            "the notification service's name was not free: {got:?}"
        );
        let (tx, rx) = mpsc::channel();
        service.start_receive(
            MatchRule::new_method_call().with_path(PATH),
            Box::new(move |msg, conn| {
                let read = msg.read_all::<(
                    String,
                    u32,
                    String,
                    String,
                    String,
                    Vec<String>,
                    PropMap,
                    i32,
                )>();
                let _ = conn.send(msg.method_return().append1(7u32));
                if let Ok((app, _, _, title, body, _, hints, _)) = read {
                    let entry = hints
                        .get("desktop-entry")
                        .and_then(|v| v.as_str().map(str::to_owned));
                    let _ = tx.send((app, title, body, entry));
                }
                true
            }),
        );
        std::thread::spawn(move || while service.process(Duration::from_secs(60)).is_ok() {});
        let title = format!("Code sent {}", std::process::id());
        assert_eq!(
            notify(&title, "Code sent to r•••@example.org").ok(),
            Some(7)
        );
        let got = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(5)).ok())
            .find(|(_, t, _, _)| *t == title)
            .expect("the service got no such notification");
        assert_eq!(
            got,
            (
                "Twostep".to_owned(),
                title,
                "Code sent to r•••@example.org".to_owned(),
                Some("twostep".to_owned())
            )
        );
    }
}
