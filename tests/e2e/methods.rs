//! Managing methods: adding an email through the emailed code, picking among several at
//! sign-in, "Send new code" with an older code still good; the last method can't be deleted;
//! editing an email is adding the new one and deleting the old one.

use crate::harness::*;

async fn oldest_method(server: &TestServer, email: &str) -> String {
    sqlx::query_scalar(
        "SELECT m.id FROM methods m JOIN people p ON p.id = m.person_id \
         WHERE p.email = $1 ORDER BY m.created_at, m.rowid LIMIT 1",
    )
    .bind(email)
    .fetch_one(server.state().db.read())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_an_email_then_pick_it_and_an_older_code_still_works_after_a_resend() {
    let server = start_server().await;
    let email = "sam@maple.example";
    server
        .add_named_person(email, "Sam Rivera", &[Role::Staff])
        .await;
    let secret = server.with_totp(email).await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;

    // One authenticator method: straight to the code, nothing sent.
    app.sign_in(email).await;
    app.on_screen("verify-code").await;
    app.wait_text("#code-where", "authenticator app").await;
    assert!(!app.exists("#resend").await);
    app.fill("#code", &server.totp(&secret)).await;
    app.click("#verify").await;
    app.on_screen("home").await;

    // Add an email method: the sign-in email is prefilled, the emailed code confirms it.
    app.click("#nav-methods").await;
    app.on_screen("methods").await;
    app.wait("#method-list [data-kind=totp]").await;
    app.shoot("methods-one").await;
    app.click("#add-method").await;
    app.on_screen("add-method").await;
    // The center allows passkeys: offered, to be made in the system browser (passkeys.rs).
    app.wait("#kind-email").await;
    assert!(app.exists("#kind-passkey").await);
    app.click("#kind-email").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-email").await;
    assert_eq!(app.value("#new-email").await, email);
    app.shoot("setup-email").await;
    app.click("#send-setup-code").await;
    app.on_screen("setup-email-code").await;
    // The whole address just typed (the sign-in's own, here), with the way back to correct it.
    app.wait_text("#code-where", &format!("We sent a code to {email}."))
        .await;
    app.wait("#change-address").await;
    app.shoot("setup-email-code").await;
    app.fill("#setup-code", &server.last_code(email).await)
        .await;
    app.click("#confirm-method").await;
    app.on_screen("setup-done").await;
    app.click("#added-continue").await;
    app.on_screen("methods").await;
    app.wait("#method-list [data-kind=email]").await;
    assert_eq!(app.count("#method-list .method").await, 2);
    app.shoot("methods-two").await;
    app.click("#sign-out").await;

    // Two methods: the person picks, the preferred (first added) first.
    app.sign_in(email).await;
    app.on_screen("verify-pick").await;
    app.wait_text(".option", "Use your authenticator app").await;
    app.wait_text("form", "Preferred").await;
    app.shoot("verify-pick").await;
    app.click("input[data-kind=email]").await;
    app.click("#pick-continue").await;
    app.on_screen("verify-code").await;
    app.wait_text("#code-where", "We sent a code to s•••@maple.example")
        .await;
    let first = server.last_code(email).await;

    // "Send new code" waits out its cooldown, then sends; the first code still works.
    assert!(!app.is_enabled("#resend").await, "cooldown first");
    app.wait_text("#resend", "Send new code (in").await;
    app.shoot("verify-code").await;
    app.wait_enabled("#resend").await;
    let before = server.outbox(email).await.len();
    app.click("#resend").await;
    app.wait_text("#toast", "Earlier codes still work").await;
    app.check_toast_covers_nothing("verify-code-resent").await;
    assert_eq!(server.outbox(email).await.len(), before + 1);
    let second = server.last_code(email).await;
    assert_ne!(first, second);
    app.fill("#code", &first).await;
    app.click("#verify").await;
    app.on_screen("home").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_method_cannot_be_deleted_and_an_email_is_edited_by_add_then_delete() {
    let server = start_server().await;
    let email = "casey@maple.example";
    let id = server
        .add_named_person(email, "Casey Morgan", &[Role::Staff])
        .await;
    server.with_email(email).await;
    let old = oldest_method(&server, email).await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in_with_emailed_code(&server, email).await;
    app.click("#manage-2sv").await;
    app.on_screen("methods").await;

    // The only method: Delete is disabled and says why.
    let delete = format!("[data-method=\"{old}\"] .delete");
    assert!(!app.is_enabled(&delete).await);
    app.wait_text(
        "#method-list",
        "This is your only method, so it can't be deleted.",
    )
    .await;
    app.shoot("methods-last").await;

    // Edit: add the new address first...
    app.click(&format!("[data-method=\"{old}\"] .edit")).await;
    app.wait_text(".confirm", "add the new one first, then delete this one")
        .await;
    app.shoot("methods-edit").await;
    app.click("#edit-add-new").await;
    app.on_screen("add-method").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-email").await;
    assert_eq!(
        app.value("#new-email").await,
        "",
        "the new address starts empty"
    );
    // A generic classroom address is refused with the reason.
    app.fill("#new-email", "classroom@maple.example").await;
    app.click("#send-setup-code").await;
    app.wait_text(".error", "").await;
    let refusal = app.text("#form-error").await;
    assert!(
        refusal.to_lowercase().contains("shared") || refusal.to_lowercase().contains("generic"),
        "{refusal}"
    );
    app.shoot("setup-email-generic").await;
    let new = "new.casey@maple.example";
    app.fill("#new-email", new).await;
    app.click("#send-setup-code").await;
    app.on_screen("setup-email-code").await;
    app.fill("#setup-code", &server.last_code(new).await).await;
    app.click("#confirm-method").await;
    app.on_screen("setup-done").await;
    app.wait_text("#added", "Next, delete the old one").await;
    app.click("#added-continue").await;

    // ...then delete the old one, with a confirmation step.
    app.on_screen("methods").await;
    app.wait_text("#replace-banner", "Now delete the old one")
        .await;
    app.wait_enabled(&delete).await;
    app.click(&delete).await;
    app.wait("#confirm-delete").await;
    app.shoot("methods-confirm-delete").await;
    app.click("#confirm-delete").await;
    app.wait_text("#toast", "was deleted").await;
    app.on_screen("methods").await;
    app.wait_text("#method-list", "n•••@maple.example").await;
    assert_eq!(app.count("#method-list .method").await, 1);
    assert!(!app.is_enabled("#method-list .delete").await);
    assert_eq!(server.methods_of(&id).await, 1);
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_the_center_switched_off_is_shown_with_a_note_and_deleted_once_another_exists() {
    let server = start_server().await;
    let admin = "head@maple.example";
    server
        .add_named_person(admin, "Head Office", &[Role::Admin])
        .await;
    server.with_email(admin).await;
    let email = "kim@maple.example";
    let id = server
        .add_named_person(email, "Kim Park", &[Role::Staff])
        .await;
    server.with_email(email).await;
    // The center switches email off: Kim's only method can no longer sign in.
    let token = server.sign_in_with_email(admin).await;
    server
        .client
        .admin_set_policy(
            &token,
            &[
                twostep_client::api::Kind::Totp,
                twostep_client::api::Kind::Sms,
            ],
        )
        .await
        .unwrap();

    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
    assert!(!app.exists("#skip-setup").await, "required: no skip");
    app.click("#setup-now").await;
    app.on_screen("setup-choose").await;
    assert!(!app.exists("#kind-email").await, "email is not offered");
    app.click("#kind-totp").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-totp").await;
    let secret = app.text("#totp-secret").await;
    // "Copy key": the key, without the spaces that group it, on the clipboard.
    app.click("#copy-key").await;
    app.wait_text("#toast", "Key copied").await;
    assert_eq!(clipboard().await, secret.replace(' ', ""));
    // On a phone the key and Copy key come first, the QR code folds behind a button, and the
    // Confirm button is in view without scrolling.
    app.d.set_window_rect(0, 0, 390, 844).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let layout = app
        .d
        .execute(
            "const top = (s) => document.querySelector(s).getBoundingClientRect().top;
             const b = document.querySelector('#confirm-method').getBoundingClientRect();
             return [top('#copy-key') < top('#show-qr'), b.bottom <= innerHeight];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        layout,
        serde_json::json!([true, true]),
        "key first, Confirm in view"
    );
    // The QR code is a tap away, for setting up another device's app.
    app.click("#show-qr").await;
    let shown = app
        .d
        .execute(
            "return document.querySelector('#totp-qr').offsetParent !== null",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown, serde_json::json!(true));
    app.d.set_window_rect(0, 0, 1280, 800).await.unwrap();
    app.fill("#setup-code", &server.totp(&secret)).await;
    app.click("#confirm-method").await;
    app.on_screen("setup-done").await;
    app.click("#added-continue").await;
    app.on_screen("home").await;

    // The old email method is listed with why it can't sign in, and it can go.
    app.click("#manage-2sv").await;
    app.on_screen("methods").await;
    let old = "[data-method][data-kind=\"email\"]";
    app.wait_text(&format!("{old} .method-off"), "no longer allows")
        .await;
    assert!(!app.exists(&format!("{old} .edit")).await);
    assert!(!app.exists(&format!("{old} .prefer")).await);
    app.shoot("methods-switched-off").await;
    app.click(&format!("{old} .delete")).await;
    app.wait("#confirm-delete").await;
    app.click("#confirm-delete").await;
    app.wait_text("#toast", "was deleted").await;
    app.wait_count("#method-list .method", 1).await;
    assert_eq!(server.methods_of(&id).await, 1);
    app.quit().await;
}

/// "Open in authenticator app": offered only when an app on the device opens otpauth:// links,
/// and it hands that app the setup's link (here a stand-in app registered the way any desktop
/// app is: a .desktop file and the default in mimeapps.list).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_setup_link_opens_in_the_authenticator_app_on_this_device() {
    use std::os::unix::fs::PermissionsExt;
    let server = start_server().await;
    let email = "kim@maple.example";
    server
        .add_named_person(email, "Kim Park", &[Role::Staff])
        .await;
    let data = AppData::new();
    let opened = data.path().join("opened.txt");
    let handler = data.path().join("fake-authenticator.sh");
    std::fs::write(
        &handler,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&handler, std::fs::Permissions::from_mode(0o755)).unwrap();
    let apps = data.path().join("xdg-data/applications");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::write(
        apps.join("fake-authenticator.desktop"),
        format!(
            "[Desktop Entry]\nType=Application\nName=Fake Authenticator\nExec={} %u\n\
             MimeType=x-scheme-handler/otpauth;\nNoDisplay=true\n",
            handler.display()
        ),
    )
    .unwrap();
    let config = data.path().join("xdg-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("mimeapps.list"),
        "[Default Applications]\nx-scheme-handler/otpauth=fake-authenticator.desktop\n",
    )
    .unwrap();
    // The harness points XDG_CONFIG_HOME and XDG_DATA_HOME into `data`.
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
    app.click("#setup-now").await;
    app.click("#kind-totp").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-totp").await;
    let secret = app.text("#totp-secret").await.replace(' ', "");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.attr("#open-in-app", "hidden").await.is_some() {
        assert!(std::time::Instant::now() < deadline, "not offered");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.click("#open-in-app").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !opened.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the link was not opened"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let uri = std::fs::read_to_string(&opened).unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    app.quit().await;
}
