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
    app.sign_in_with_emailed_code(&server, admin).await;
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

    // The account itself: disabled (confirmed), then enabled again, 2SV kept throughout.
    app.click("#disable").await;
    app.wait("#confirm-account-action").await;
    app.shoot("admin-person-disable").await;
    app.click("#confirm-account-action").await;
    app.wait_text("#reset-result", "is disabled").await;
    app.wait_text("#disabled-note", "can't sign in").await;
    let err = server
        .client
        .login(email, PASSWORD, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("account_disabled"));
    app.click("#enable").await;
    app.click("#confirm-account-action").await;
    app.wait_text("#reset-result", "can sign in again").await;
    server.client.login(email, PASSWORD, None).await.unwrap();
    app.quit().await;
}

/// The demo center: a parent adds a method, the notice lands in the Demo inbox, and its
/// "This wasn't me" link opens in the browser (a stand-in registered for http links, which
/// presses the page's button as a person would); her next sign-in says the account is frozen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_freezes_her_account_from_the_demo_inbox() {
    use std::os::unix::fs::PermissionsExt;
    let data = AppData::new();
    let page = data.path().join("frozen-page.html");
    let browser = data.path().join("fake-browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\ncurl -s -X POST \"$1\" > '{}.part' && mv '{0}.part' '{0}'\n",
            page.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let apps = data.path().join("xdg-data/applications");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::write(
        apps.join("fake-browser.desktop"),
        format!(
            "[Desktop Entry]\nType=Application\nName=Fake Browser\nExec={} %u\n\
             MimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n",
            browser.display()
        ),
    )
    .unwrap();
    let config = data.path().join("xdg-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("mimeapps.list"),
        "[Default Applications]\nx-scheme-handler/http=fake-browser.desktop\n\
         x-scheme-handler/https=fake-browser.desktop\n",
    )
    .unwrap();

    let app = App::launch(&data, None).await;
    app.on_screen("sign-in").await;
    let riley = "riley.parent@family.example";
    app.fill("#email", riley).await;
    app.fill("#password", "demo-family-pass").await;
    app.click("#sign-in").await;
    app.on_screen("home").await;
    app.click("#manage-2sv").await;
    app.on_screen("methods").await;
    app.click("#add-method").await;
    app.click("#kind-email").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-email").await;
    app.click("#send-setup-code").await;
    app.on_screen("setup-email-code").await;
    // The code, from the Demo inbox (read through the app's own command, so as not to leave
    // the code screen).
    let out = app
        .d
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI__.core.invoke('demo_inbox').then((o) => done(JSON.stringify(o)));",
            vec![],
        )
        .await
        .unwrap();
    let out: twostep_client::api::Outbox = serde_json::from_str(out.as_str().unwrap()).unwrap();
    let sent = out
        .messages
        .iter()
        .rev()
        .find(|m| m.to == riley && twostep_testkit::is_code_message(&m.body))
        .expect("the code email");
    let code = twostep_testkit::extract_code(&sent.body);
    app.fill("#setup-code", &code).await;
    app.click("#confirm-method").await;
    app.save_recovery_codes().await;
    app.on_screen("setup-done").await;

    // The notice, with its link, in the Demo inbox; the link opens in the browser.
    app.click("#nav-inbox").await;
    app.on_screen("inbox").await;
    app.wait_text(
        "#inbox",
        "A two-factor authentication device has been added",
    )
    .await;
    app.click("#inbox a.freeze-link").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !page.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the link was not opened"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let frozen = std::fs::read_to_string(&page).unwrap();
    assert!(frozen.contains("Your account is frozen"), "{frozen}");

    // Her session ended with it; signing in again says why and what to do.
    app.click("#nav-home").await;
    app.on_screen("sign-in").await;
    app.fill("#email", riley).await;
    app.fill("#password", "demo-family-pass").await;
    app.click("#sign-in").await;
    app.wait_text("#form-error", "frozen").await;
    app.quit().await;
}
