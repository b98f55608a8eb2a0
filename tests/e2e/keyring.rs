//! The session token lives in the OS keyring (gnome-keyring over the Secret Service here):
//! it survives an app restart and is gone after signing out.

use twostep_app::tokens::{KeyringStore, SecretStore};
use twostep_app::KEYRING_SERVICE;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_survives_a_restart_and_is_gone_after_sign_out() {
    let server = start_server().await;
    let email = "riley@family.example";
    server
        .add_named_person(email, "Riley Parent", &[Role::Guardian])
        .await;
    let keyring = KeyringStore::new(KEYRING_SERVICE);
    let data = AppData::new();

    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("home").await;
    let token = keyring
        .load(&server.url(), email)
        .unwrap()
        .expect("the token is in the keyring");
    server.client.me(token.expose()).await.unwrap();
    // Never on disk in the app's data folder.
    let on_disk = std::fs::read_to_string(data.path().join("app/settings.json")).unwrap();
    assert!(!on_disk.contains(token.expose()));
    app.quit().await;

    // Restart: still signed in, no password asked.
    let app = App::launch(&data, Some(&server.url())).await;
    app.on_screen("home").await;
    app.wait_text("#welcome", "Welcome, Riley").await;
    app.click("#sign-out").await;
    app.on_screen("sign-in").await;
    app.wait_text("#notice", "You are signed out.").await;
    assert!(keyring.load(&server.url(), email).unwrap().is_none());
    let revoked = server.client.me(token.expose()).await.unwrap_err();
    assert_eq!(revoked.status(), Some(401), "the server revoked it too");
    app.quit().await;

    // Restart again: signed out.
    let app = App::launch(&data, Some(&server.url())).await;
    app.on_screen("sign-in").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_server_revoked_signs_the_app_out_at_start() {
    let server = start_server().await;
    let email = "pat@family.example";
    server
        .add_named_person(email, "Pat Parent", &[Role::Guardian])
        .await;
    let keyring = KeyringStore::new(KEYRING_SERVICE);
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("home").await;
    app.quit().await;

    // Revoked elsewhere (signed out on the server): the next start forgets it.
    let token = keyring.load(&server.url(), email).unwrap().unwrap();
    server.client.logout(token.expose()).await.unwrap();
    let app = App::launch(&data, Some(&server.url())).await;
    app.on_screen("sign-in").await;
    assert!(keyring.load(&server.url(), email).unwrap().is_none());
    app.quit().await;
}

/// A shared classroom device: the session never reaches the keyring, is never restored at
/// start, and ends by itself after the idle time the device's keeper chose (here a minute).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_device_signs_out_when_left_and_never_restores_a_session() {
    let server = start_server().await;
    let email = "riley@family.example";
    server
        .add_named_person(email, "Riley Parent", &[Role::Guardian])
        .await;
    let keyring = KeyringStore::new(KEYRING_SERVICE);
    let data = AppData::new();

    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("home").await;
    app.click("#nav-vault").await;
    app.on_screen("vault").await;
    app.click("#vault-shared").await;
    app.fill("#device-pin-new", "8642").await;
    app.fill("#device-pin-again", "8642").await;
    app.click("#shared-on").await;
    app.click("#shared-confirm").await;
    app.wait_text("#vault-summary", "Shared classroom device")
        .await;
    app.fill("#idle-minutes", "1").await;
    app.fill("#idle-device-pin", "8642").await;
    app.click("#idle-save").await;
    app.wait_text("#toast", "Signing out after 1 minute without use")
        .await;
    app.shoot("vault-shared-settings").await;
    // The session that began before the device was shared is gone from the keyring at the
    // next start at the latest; one begun now never gets there.
    app.click("#sign-out").await;
    app.sign_in(email).await;
    app.on_screen("home").await;
    assert!(keyring.load(&server.url(), email).unwrap().is_none());

    // Left alone for the idle time: back to the sign-in screen, saying why.
    app.wait_text_for(
        "#notice",
        "wasn't used for a while",
        std::time::Duration::from_secs(100),
    )
    .await;
    app.on_screen("sign-in").await;
    app.quit().await;

    // Signed in again, then the app restarts: the next person finds the sign-in screen.
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("home").await;
    app.quit().await;
    let app = App::launch(&data, Some(&server.url())).await;
    app.on_screen("sign-in").await;
    app.quit().await;
}
