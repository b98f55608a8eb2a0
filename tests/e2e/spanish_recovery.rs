//! The recovery screens in Spanish: a teacher whose second step locks for good signs in with a
//! recovery code, changes her password, and confirms it's her for new codes on an old session.
//! Every screen photographed and checked by axe-core, in Spanish.

use crate::harness::*;
use crate::spanish::{es, html_lang};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_speaking_teacher_locked_out_gets_back_in_with_a_recovery_code() {
    // Locked for good after three wrong codes in a row, so the test need not type a hundred.
    let server = start_server_with(|c| c.limits.second_step_max_failures = 3).await;
    let email = "carmen@maple.example";
    server
        .add_named_person(email, "Carmen Ruiz", &[Role::Staff])
        .await;
    let codes = server.with_email(email).await;
    assert_eq!(codes.len(), 10);
    // Her emails in Spanish too.
    let token = server.sign_in_with_email(email).await;
    server
        .client
        .set_locale(&token, twostep_client::api::Locale::Es)
        .await
        .unwrap();
    let data = AppData::new();
    let app = App::launch_in(&data, Some(&server.url()), "es").await;
    assert_eq!(html_lang(&app).await, "es");

    app.sign_in(email).await;
    app.on_screen("verify-code").await;
    for _ in 0..3 {
        app.fill("#code", "000000x").await;
        app.click("#verify").await;
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    }
    // The third wrong code locks it for good: only a recovery code goes on.
    app.on_screen("verify-recovery").await;
    app.wait_text("h1", &es("signin.locked_title", &[])).await;
    app.wait_text("#recovery-intro", "códigos de recuperación")
        .await;
    app.shoot("es-verify-recovery-locked").await;
    app.fill("#recovery-code", "AAAA-BBBB-CCCC-DDDD").await;
    app.click("#recover").await;
    app.wait_text("#form-error", "no es correcto").await;
    app.fill("#recovery-code", &codes[2]).await;
    app.click("#recover").await;
    app.on_screen("home").await;
    app.wait_text("#recovered-banner", &es("home.recovered_next", &[]))
        .await;
    app.shoot("es-home-recovered").await;
    let mail = server.outbox(email).await;
    assert!(mail
        .iter()
        .any(|m| m.subject == "Se usó un código de recuperación en su cuenta"));

    // The password, in Spanish, with the reason next to the field.
    app.click("#open-password").await;
    app.on_screen("password").await;
    app.wait_text("h1", &es("password.title", &[])).await;
    app.fill("#current-password", PASSWORD).await;
    app.fill("#new-password", "carmen123").await;
    app.click("#change-password").await;
    app.wait_text("#new-error", "Elija una contraseña más segura")
        .await;
    app.shoot("es-password").await;
    app.click("#password-cancel").await;
    app.on_screen("home").await;

    // An old session: "Confirme que es usted" before new codes.
    server.advance(16 * 60);
    app.click("#recovered-codes").await;
    app.on_screen("methods").await;
    app.click("#confirm-make-codes").await;
    app.wait("#reauth[open]").await;
    app.wait_text("#reauth-title", &es("reauth.title", &[]))
        .await;
    app.shoot("es-reauth-password").await;
    app.fill("#reauth-password", PASSWORD).await;
    app.click("#reauth-continue").await;
    app.wait("#reauth-code").await;
    // The code may come from a recovery code too.
    app.click("#reauth-use-recovery").await;
    app.shoot("es-reauth-recovery").await;
    app.fill("#reauth-code", &codes[3]).await;
    app.click("#reauth-confirm").await;
    app.on_screen("recovery-codes").await;
    app.wait_text("h1", &es("recovery.title", &[])).await;
    app.save_recovery_codes().await;
    app.on_screen("methods").await;
    app.wait_text("#recovery-state", "10 de 10").await;
    app.shoot("es-methods-recovery").await;
    app.quit().await;
}
