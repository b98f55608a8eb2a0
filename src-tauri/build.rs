// Tauri reads tauri.conf.json and capabilities/ at build time; commands listed here get
// permissions generated so the capability files can name them one by one.
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(twostep_commands())),
    )
    .expect("failed to run the Tauri build script");
}

// Keep in step with `commands::handler()` in src-tauri/commands/mod.rs.
fn twostep_commands() -> &'static [&'static str] {
    &[
        "app_status",
        "take_pending_link",
        "screen_shown",
        "choose_server",
        "use_demo",
        "set_language",
        "sign_out",
        "copy_setup_key",
        "authenticator_app_available",
        "open_in_authenticator_app",
        "copy_recovery_codes",
        "save_recovery_codes",
        "api_request",
        "session_alive",
        "switch_profile",
        "sign_in_in_browser",
        "passkey_in_browser",
        "save_audit_csv",
        "demo_inbox",
        "demo_open_link",
        "vault_list",
        "vault_reveal",
        "vault_copy",
        "vault_add",
        "vault_rename",
        "vault_delete",
        "vault_set_pin",
        "vault_set_shared",
        "vault_clear",
        "vault_set_idle",
        "vault_import",
        "vault_export",
        "vault_resync",
        "use_device_as_authenticator",
    ]
}
