//! The app's Tauri commands: thin over twostep-client. Each takes what the screen sends, calls
//! the server with the token kept on this side, and returns a view or `{code, message}`.

mod admin;
mod api;
mod demo;
pub(crate) mod methods;
mod recovery;
pub(crate) mod server;
mod sessions;
mod signin;
mod vault;

use tauri::ipc::Invoke;
use tauri::Runtime;

// Keep in step with the list in src-tauri/build.rs and capabilities/default.json.
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        server::app_status,
        crate::links::take_pending_link,
        crate::screen_capture::screen_shown,
        server::choose_server,
        server::use_demo,
        server::set_language,
        signin::sign_out,
        signin::switch_profile,
        signin::sign_in_in_browser,
        methods::passkey_in_browser,
        methods::copy_setup_key,
        methods::authenticator_app_available,
        methods::open_in_authenticator_app,
        recovery::copy_recovery_codes,
        recovery::save_recovery_codes,
        api::api_request,
        sessions::session_alive,
        admin::save_audit_csv,
        demo::demo_inbox,
        demo::demo_open_link,
        vault::vault_list,
        vault::vault_reveal,
        vault::vault_copy,
        vault::vault_add,
        vault::vault_rename,
        vault::vault_delete,
        vault::vault_set_pin,
        vault::vault_set_shared,
        vault::vault_clear,
        vault::vault_set_idle,
        vault::vault_import,
        vault::vault_export,
        vault::vault_resync,
        vault::use_device_as_authenticator,
    ]
}
