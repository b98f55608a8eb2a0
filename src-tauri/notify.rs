//! Desktop and mobile notifications. A notification that cannot be shown (no notification
//! service, permission refused) is logged and dropped: it never fails the action behind it.

use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;

pub fn show<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::debug!("notification not shown: {e}");
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
