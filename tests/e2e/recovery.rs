//! A lost phone is not a lost account: a staff member sets up, saves the recovery codes, signs
//! out, signs in with a recovery code, is led to make new ones; later, on an old session,
//! "Confirm it's you" appears for a change, which completes after it; the new token is the one
//! in the keyring after a restart; and the password can be changed.

use twostep_app::tokens::{KeyringStore, SecretStore};
use twostep_app::KEYRING_SERVICE;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_signs_in_with_a_recovery_code_then_confirms_it_is_them_for_a_change() {
    let server = start_server().await;
    let email = "noor@maple.example";
    server
        .add_named_person(email, "Noor Haddad", &[Role::Staff])
        .await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;

    // First sign-in: an email method, then the recovery codes, shown once.
    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
    app.click("#setup-now").await;
    app.on_screen("setup-choose").await;
    app.click("#kind-email").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-email").await;
    app.click("#send-setup-code").await;
    app.on_screen("setup-email-code").await;
    app.fill("#setup-code", &server.last_code(email).await)
        .await;
    app.click("#confirm-method").await;
    app.on_screen("recovery-codes").await;
    app.wait_count("#recovery-codes li", 10).await;
    app.wait_text("#codes-once", "won't see these codes again")
        .await;
    // Nothing goes on until the person says they saved them.
    app.click("#codes-continue").await;
    app.wait_text("#recovery-error", "Check the box").await;
    assert_eq!(
        app.attr("#codes-saved", "aria-invalid").await.as_deref(),
        Some("true")
    );
    app.click("#copy-codes").await;
    let mut copied = String::new();
    for _ in 0..50 {
        copied = clipboard().await;
        if copied.lines().count() == 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // "Copied" on the button itself, and what to do next in the page, not in a toast over
    // the last codes.
    app.wait_text("#copy-codes", "Copied").await;
    app.wait_text("#copy-status", "Paste them somewhere safe")
        .await;
    assert_eq!(app.attr("#toast", "class").await.as_deref(), Some("toast"));
    app.shoot("recovery-codes").await;
    let codes = app.save_recovery_codes().await;
    assert_eq!(copied.lines().collect::<Vec<_>>(), codes);
    app.on_screen("setup-done").await;
    app.click("#added-continue").await;
    app.on_screen("home").await;
    app.click("#sign-out").await;

    // The phone is gone: a recovery code instead, typed in lower case with spaces.
    app.sign_in(email).await;
    app.on_screen("verify-code").await;
    app.click("#use-recovery").await;
    app.on_screen("verify-recovery").await;
    app.fill("#recovery-code", "aaaa bbbb cccc dddd").await;
    app.click("#recover").await;
    app.wait_text("#form-error", "4 attempts left").await;
    app.shoot("verify-recovery").await;
    app.fill("#recovery-code", &codes[0].to_lowercase().replace('-', " "))
        .await;
    app.click("#recover").await;
    app.on_screen("home").await;
    app.wait_text("#recovered-banner", "You have 9 codes left")
        .await;
    app.shoot("home-recovered").await;
    let mail = server.outbox(email).await;
    assert!(mail.iter().any(|m| m.subject == "A recovery code was used"));

    // Led to make new codes: the old ones stop working.
    app.click("#recovered-codes").await;
    app.on_screen("methods").await;
    app.click("#confirm-make-codes").await;
    app.on_screen("recovery-codes").await;
    let fresh_codes = app.save_recovery_codes().await;
    assert!(fresh_codes.iter().all(|c| !codes.contains(c)));
    app.on_screen("methods").await;
    app.wait_text("#recovery-state", "10 of 10").await;

    // A quarter of an hour later the session is no longer fresh: a change asks who it is.
    let keyring = KeyringStore::new(KEYRING_SERVICE);
    let old = keyring.load(&server.url(), email).unwrap().unwrap();
    server.advance(16 * 60);
    app.click("#make-codes").await;
    app.click("#confirm-make-codes").await;
    app.wait("#reauth[open]").await;
    app.wait("#reauth-password").await;
    app.shoot("reauth-password").await;
    app.fill("#reauth-password", "not my password").await;
    app.click("#reauth-continue").await;
    app.wait_text("#reauth-error", "email or password").await;
    app.fill("#reauth-password", PASSWORD).await;
    app.click("#reauth-continue").await;
    app.wait("#reauth-code").await;
    app.wait_text("#reauth-where", "We sent a code").await;
    app.shoot("reauth-code").await;
    app.fill("#reauth-code", &server.last_code(email).await)
        .await;
    app.click("#reauth-confirm").await;
    // The change it was for goes on by itself.
    app.on_screen("recovery-codes").await;
    assert!(!app.exists("#reauth").await, "the dialog is gone");
    app.save_recovery_codes().await;
    app.on_screen("methods").await;
    let new = keyring.load(&server.url(), email).unwrap().unwrap();
    assert_ne!(
        new.expose(),
        old.expose(),
        "a new session replaced the old one"
    );
    assert_eq!(
        server.client.me(old.expose()).await.unwrap_err().status(),
        Some(401)
    );
    app.quit().await;

    // The new token is the one the keyring gives back after a restart.
    let app = App::launch(&data, Some(&server.url())).await;
    app.on_screen("home").await;

    // Changing the password: a weak one is refused with the reason next to the field.
    app.click("#open-password").await;
    app.on_screen("password").await;
    app.fill("#current-password", PASSWORD).await;
    app.fill("#new-password", "password1").await;
    app.click("#change-password").await;
    app.wait_text("#new-error", "commonly used password").await;
    assert_eq!(
        app.attr("#new-password", "aria-invalid").await.as_deref(),
        Some("true")
    );
    app.shoot("password").await;
    app.fill("#new-password", "maple tree reading corner").await;
    app.click("#change-password").await;
    app.on_screen("home").await;
    app.wait_text("#toast", "Your password was changed").await;
    server
        .client
        .login(email, "maple tree reading corner", None)
        .await
        .unwrap();
    app.quit().await;
}
