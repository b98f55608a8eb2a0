//! How the app ends: closing its window ends the process, every time (issue 26).
//!
//! Tauri ends the process when its last window is destroyed: `ExitRequested`, then `Exit`, then
//! the event loop returns and the process exits. A window closed by the person (the window
//! manager's close, WM_DELETE_WINDOW) takes that path, with a request still waiting on a server
//! that never answers, with a secret on the clipboard, with the demo server or without:
//! checked by sending the window the window manager's close (tests/e2e/quit.rs).
//!
//! What did not: the page closing itself. WebKit then emits `close` on the web view (the page's
//! `window.close()`; WebKitWebDriver's "close the browsing context", which is how it ends a
//! session), and wry answers by destroying the web view and nothing else
//! (`webview.connect_close(|w| w.destroy())`). The window stays, empty; no window is destroyed,
//! so Tauri never exits: the app runs on with its GTK loop polling and no web process, and holds
//! the single-instance name of its data folder, so the next launch hands itself to it and shows
//! nothing. Reproduced here with `window.close()` run in the page: the app was still running
//! 10 s later, every time, its main thread in `gtk_main_iteration_do`, its only child the
//! network process. The end-to-end harness met it through WebKitWebDriver, which follows
//! "close the browsing context" with a SIGKILL of the app it launched, except when its
//! connection to the app has closed first (`SessionHost::connectionDidClose` forgets the
//! process): then nothing ended the app. So when the page closes, the window is closed too,
//! and the app ends the way a person's close ends it.

use tauri::{AppHandle, RunEvent, Runtime, WebviewWindow};

/// When the page in `window` closes itself, closes `window` (and so ends the app).
///
/// On the web view's `destroy`, not on its `close`: wry's `close` handler, connected first,
/// destroys the web view, and destroying a GObject disconnects the handlers after it, ours
/// among them. `destroy` also comes when the window is closed the ordinary way (the web view
/// goes with it); the close asked for then finds no window left and does nothing.
#[cfg(target_os = "linux")]
pub fn close_with_its_page<R: Runtime>(window: &WebviewWindow<R>) -> tauri::Result<()> {
    use gio::prelude::ObjectExt;
    use tauri::Manager;
    let owner = window.clone();
    window.with_webview(move |webview| {
        webview.inner().connect_local("destroy", false, move |_| {
            tracing::debug!("the web view is gone: closing its window");
            if let Err(e) = owner.close() {
                tracing::warn!(error = %e, "the window did not close: ending the app");
                owner.app_handle().exit(0);
            }
            None
        });
    })
}

/// Elsewhere the web view's own close is left to Tauri.
#[cfg(not(target_os = "linux"))]
pub fn close_with_its_page<R: Runtime>(_window: &WebviewWindow<R>) -> tauri::Result<()> {
    Ok(())
}

/// The run loop's events that end the app: the last secret copied leaves the clipboard before
/// `Exit` (where the app lets go of the clipboard; the check waits a second at most), and the
/// embedded demo server stops at `Exit`, given a few seconds to answer the requests it is
/// serving: a slow one must not keep a closed app running (the demo's SQLite loses at most that
/// request).
pub fn on_run_event<R: Runtime>(handle: &AppHandle<R>, event: &RunEvent) {
    if let RunEvent::ExitRequested { .. } = event {
        crate::clipboard::clear_at_quit(handle);
    }
    #[cfg(desktop)]
    if let RunEvent::Exit = event {
        use tauri::Manager;
        if let Some(clipboard) = handle.try_state::<crate::clipboard::SystemClipboard>() {
            clipboard.release();
        }
    }
    #[cfg(feature = "embedded")]
    if let RunEvent::Exit = event {
        use tauri::Manager;
        if let Some(embedded) = handle.try_state::<std::sync::Arc<crate::embedded::Embedded>>() {
            let stop = async {
                tokio::time::timeout(std::time::Duration::from_secs(5), embedded.stop()).await
            };
            if tauri::async_runtime::block_on(stop).is_err() {
                tracing::warn!("the demo server did not stop within 5 s: exiting anyway");
            }
        }
    }
}
