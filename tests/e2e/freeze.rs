//! "This wasn't me": a teacher freezes her account from a notice's link; the app's sign-in
//! says what happened and what to do; her administrator sees "Frozen" and unfreezes it.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_account_is_explained_at_sign_in_and_unfrozen_by_the_administrator() {
    let server = start_server().await;
    let admin = "avery@maple.example";
    server
        .add_named_person(admin, "Avery Admin", &[Role::Admin, Role::Staff])
        .await;
    server.with_email(admin).await;
    let email = "rosa@maple.example";
    server
        .add_named_person(email, "Rosa Díaz", &[Role::Staff])
        .await;
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
    twostep_server::operate::freeze(server.state(), token)
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
    // Her password may be known to whoever froze her out: a new one first (the journey below).
    let err = server
        .client
        .login(email, PASSWORD, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("password_change_required"));

    // The account itself: disabled (confirmed), then enabled again, 2SV kept throughout.
    app.click("#disable").await;
    app.wait("#confirm-account-action").await;
    // Disabling locks the person out: confirmed with a red button.
    assert_eq!(
        app.attr("#confirm-account-action", "class")
            .await
            .as_deref(),
        Some("danger")
    );
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
    let err = server
        .client
        .login(email, PASSWORD, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("password_change_required"));
    app.quit().await;
}

/// The demo center: a parent adds a method, the notice lands in the Demo inbox, and its
/// "This wasn't me" link opens in the browser (a stand-in registered for http links, which
/// presses the page's button as a person would); her next sign-in says the account is frozen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_freezes_her_account_from_the_demo_inbox() {
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
    set_default_browser(&data, &browser);

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

/// After an administrator unfreezes an account, its old password may be known to whoever froze
/// it out: the next sign-in asks for a new password (saying why), a weak one is refused with
/// the reason, and the new one continues the sign-in to the second step and home.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_unfreeze_the_next_sign_in_chooses_a_new_password_then_goes_on() {
    let server = start_server().await;
    let admin = "avery@maple.example";
    server
        .add_named_person(admin, "Avery Admin", &[Role::Admin, Role::Staff])
        .await;
    server.with_email(admin).await;
    let email = "rosa@maple.example";
    let id = server
        .add_named_person(email, "Rosa Díaz", &[Role::Staff])
        .await;
    server.with_email(email).await;
    server.advance(60);
    server.add_sms(email, "+12015550177").await;
    let link = server
        .outbox(email)
        .await
        .into_iter()
        .rev()
        .find_map(|m| {
            m.body
                .split_whitespace()
                .find(|w| w.contains("/freeze/"))
                .map(str::to_owned)
        })
        .expect("a notice with the link");
    let token = link.rsplit('/').next().unwrap();
    twostep_server::operate::freeze(server.state(), token)
        .await
        .unwrap();
    // Her administrator unfreezes it (through the API; the window's Unfreeze is tested above).
    let admin_session = server.sign_in_with_email(admin).await;
    server
        .client
        .admin_unfreeze(&admin_session, &id)
        .await
        .unwrap();

    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("new-password").await;
    app.wait_text("#new-password-intro", "unfroze your account")
        .await;
    app.wait_text("#new-password-intro", "may know your current password")
        .await;
    app.shoot("sign-in-new-password").await;
    // Too short: refused, with why, next to the field.
    app.fill("#new-password", "short").await;
    app.click("#set-new-password").await;
    app.wait_text("#new-password-error", "at least").await;
    assert!(
        server.client.login(email, PASSWORD, None).await.is_err(),
        "still the old password's block"
    );
    app.fill("#new-password", "a brand new passphrase for Rosa")
        .await;
    app.click("#set-new-password").await;
    // The sign-in goes on: her second step (she has two methods), then home.
    app.on_screen("verify-pick").await;
    app.click("input[name=method][data-kind=email]").await;
    app.click("#pick-continue").await;
    app.on_screen("verify-code").await;
    app.fill("#code", &server.last_code(email).await).await;
    app.click("#verify").await;
    app.on_screen("home").await;
    app.wait_text("#welcome", "Rosa").await;
    app.quit().await;
    // The old password is gone; the new one signs in.
    let old = server
        .client
        .login(email, PASSWORD, None)
        .await
        .unwrap_err();
    assert_eq!(old.code(), Some("invalid_credentials"));
    server
        .client
        .login(email, "a brand new passphrase for Rosa", None)
        .await
        .unwrap();
}
