//! "Where you're signed in": a teacher signed in on two devices sees both, and signs the other
//! one out from the first; then every other session at once.

use twostep_app::tokens::{KeyringStore, SecretStore};
use twostep_app::KEYRING_SERVICE;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_ends_the_session_she_left_on_a_classroom_tablet() {
    let server = start_server().await;
    let email = "maya@maple.example";
    server
        .add_named_person(email, "Maya Chen", &[Role::Staff])
        .await;
    server.with_email(email).await;
    let keyring = KeyringStore::new(KEYRING_SERVICE);

    // The classroom tablet (its own app data), left signed in.
    let tablet = AppData::new();
    let app = App::launch(&tablet, Some(&server.url())).await;
    app.sign_in_with_emailed_code(&server, email).await;
    let tablet_token = keyring.load(&server.url(), email).unwrap().unwrap();
    app.quit().await;

    // Her phone: every session listed (the one the setup through the API left too, with no
    // device name), this one marked, the most recently used first.
    server.advance(60);
    let phone = AppData::new();
    let app = App::launch(&phone, Some(&server.url())).await;
    app.sign_in_with_emailed_code(&server, email).await;
    app.wait_count("#session-list li.session", 3).await;
    app.wait_text("#session-list li:last-child", "Unknown device")
        .await;
    app.wait_text("#session-list li[data-current=\"true\"]", "This device")
        .await;
    app.wait_text("#session-list li[data-current=\"true\"]", "Last active")
        .await;
    app.shoot("home-sessions").await;
    // The tablet: the other "Twostep app" session, used after the API's.
    app.click("#session-list li[data-current=\"false\"] .end-session")
        .await;
    app.wait_count("#session-list li.session", 2).await;
    app.wait_text("#toast", "Signed out of").await;
    assert_eq!(
        server
            .client
            .me(tablet_token.expose())
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );

    // Two more elsewhere, then "Sign out everywhere else".
    let mut elsewhere = Vec::new();
    for _ in 0..2 {
        // (Past the resend cooldown of the email method.)
        server.advance(60);
        elsewhere.push(server.sign_in_with_email(email).await);
    }
    app.click("#nav-methods").await;
    app.click("#nav-home").await;
    app.wait_count("#session-list li.session", 4).await;
    app.click("#end-others").await;
    app.wait_count("#session-list li.session", 1).await;
    for token in &elsewhere {
        assert_eq!(
            server.client.me(token).await.unwrap_err().status(),
            Some(401)
        );
    }
    // This device is still signed in.
    let mine = keyring.load(&server.url(), email).unwrap().unwrap();
    server.client.me(mine.expose()).await.unwrap();
    app.quit().await;
}
