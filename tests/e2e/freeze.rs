//! "This wasn't me": a teacher freezes her account from a notice's link; the app's sign-in
//! says what happened and what to do; her administrator sees "Frozen" and unfreezes it.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_account_is_explained_at_sign_in_and_unfrozen_by_the_administrator() {
    let server = Server::start().await;
    let admin = "avery@maple.example";
    server
        .person(admin, "Avery Admin", &[Role::Admin, Role::Staff])
        .await;
    server.with_email(admin).await;
    let email = "rosa@maple.example";
    server.person(email, "Rosa Díaz", &[Role::Staff]).await;
    server.with_email(email).await;
    // A method she did not add: the notice ends with the link.
    server.advance(60);
    server.add_sms(email, "+12015550177").await;
    let notice = server
        .outbox(email)
        .await
        .into_iter()
        .rev()
        .find(|m| m.body.contains("/freeze/"))
        .expect("a notice with the link");
    let link = notice
        .body
        .split_whitespace()
        .find(|w| w.contains("/freeze/"))
        .unwrap()
        .to_owned();
    assert!(link.starts_with(&format!("{}/freeze/", server.url())));
    // The page's button, as her phone's browser would press it.
    let token = link.rsplit('/').next().unwrap();
    twostep_server::freeze::freeze(&server.running.state, token)
        .await
        .unwrap();

    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.wait_text("#form-error", "frozen").await;
    app.wait_text("#form-error", "administrator").await;
    app.shoot("sign-in-frozen").await;

    // Her administrator: "Frozen" first in the list, then Unfreeze, confirmed.
    app.sign_in(admin).await;
    app.on_screen("verify-code").await;
    app.fill("#code", &server.last_code(admin).await).await;
    app.click("#verify").await;
    app.on_screen("home").await;
    app.click("#nav-admin").await;
    app.on_screen("admin").await;
    app.wait_text("#people li:first-child", "Frozen").await;
    app.click("button.person[data-email=\"rosa@maple.example\"]")
        .await;
    app.on_screen("admin-person").await;
    app.wait_text("#frozen", "This wasn't me").await;
    app.shoot("admin-person-frozen").await;
    app.click("#unfreeze").await;
    app.click("#confirm-unfreeze").await;
    app.wait_text("#reset-result", "can sign in again").await;
    assert!(!app.exists("#frozen").await);
    server.client.login(email, PASSWORD, None).await.unwrap();
    app.quit().await;
}
