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
        "choose_server",
        "use_demo",
        "set_language",
        "sign_in",
        "skip_setup",
        "send_code",
        "verify_code",
        "recover_sign_in",
        "sign_out",
        "my_methods",
        "start_method",
        "resend_method_code",
        "copy_setup_key",
        "authenticator_app_available",
        "open_in_authenticator_app",
        "confirm_method",
        "delete_method",
        "set_preferred",
        "recovery_codes_status",
        "make_recovery_codes",
        "copy_recovery_codes",
        "save_recovery_codes",
        "reauth_start",
        "reauth_send",
        "reauth_verify",
        "reauth_recover",
        "change_password",
        "my_sessions",
        "end_session",
        "end_other_sessions",
        "switch_profile",
        "admin_people",
        "admin_person",
        "admin_reset",
        "admin_unfreeze",
        "admin_set_disabled",
        "admin_end_sessions",
        "admin_policy",
        "admin_set_policy",
        "admin_audit",
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
        "vault_import",
        "vault_export",
        "vault_resync",
        "use_device_as_authenticator",
    ]
}
