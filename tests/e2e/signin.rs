//! Signing in: first sign-in with "Skip for now", then forced setup with an authenticator
//! app; a guardian with no method; a wrong code; switching profiles.

use crate::harness::*;

/// A 6-digit code that is certainly not `right`.
pub fn wrong(right: &str) -> String {
    let n: u32 = right.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_skips_once_then_must_set_up_an_authenticator_app() {
    let server = start_server().await;
    let email = "jordan@maple.example";
    let id = server
        .add_named_person(email, "Jordan Lee", &[Role::Staff])
        .await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;

    // First sign-in: setup is offered, and may be skipped once.
    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
    assert!(app.exists("#skip-setup").await);
    assert!(!app.exists("#setup-required").await);
    app.shoot("setup-intro").await;
    app.click("#skip-setup").await;
    app.on_screen("home").await;
    app.wait_text("#tsv-state", "Off").await;
    app.shoot("home-2sv-off").await;
    app.click("#sign-out").await;

    // Second sign-in: required, no way around it but signing out.
    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
    app.wait_text("#setup-required", "requires 2-Step Verification")
        .await;
    assert!(!app.exists("#skip-setup").await, "no skip the second time");
    assert!(app.exists("#setup-sign-out").await);
    // Why, in one sentence.
    app.wait_text("#why-required", "stolen password").await;
    app.shoot("setup-required").await;
    app.click("#setup-now").await;
    app.on_screen("setup-choose").await;
    app.shoot("setup-choose").await;
    app.click("#kind-totp").await;
    app.click("#choose-continue").await;

    // The QR code and the key by hand; the test's own TOTP from the key shown.
    app.on_screen("setup-totp").await;
    app.wait("#totp-qr").await;
    let secret = app.text("#totp-secret").await;
    assert_eq!(secret.replace(' ', "").len(), 32, "160-bit key: {secret}");
    // No app on this machine opens otpauth:// links: "Open in authenticator app" is not offered.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.attr("#open-in-app", "hidden").await.is_some());
    app.shoot("setup-totp").await;
    let right = server.totp(&secret);
    app.fill("#setup-code", &wrong(&right)).await;
    app.click("#confirm-method").await;
    app.wait_text(".error", "attempts left").await;
    app.fill("#setup-code", &right).await;
    app.click("#confirm-method").await;
    app.save_recovery_codes().await;
    app.on_screen("setup-done").await;
    app.wait_text("#added", "A confirmation email is on its way.")
        .await;
    // The first method: a nudge toward a second.
    app.wait_text("#add-another", "all three").await;
    app.shoot("setup-done").await;
    app.click("#added-continue").await;

    // Straight into the app with the new method.
    app.on_screen("home").await;
    app.wait_text("#tsv-state", "On").await;
    assert_eq!(server.methods_of(&id).await, 1);
    let mail = server.outbox(email).await;
    assert!(mail
        .iter()
        .any(|m| m.subject == "A two-factor authentication device has been added"));
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_shows_the_attempts_left_then_the_right_one_signs_in() {
    let server = start_server().await;
    let email = "sam@maple.example";
    server
        .add_named_person(email, "Sam Rivera", &[Role::Staff])
        .await;
    server.with_email(email).await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;

    // One email method: the code is sent at once and the screen says where.
    app.on_screen("verify-code").await;
    app.wait_text("#code-where", "We sent a code to s•••@maple.example")
        .await;
    app.wait_text("#code-expiry", "expires in").await;
    let right = server.last_code(email).await;
    app.fill("#code", &wrong(&right)).await;
    app.click("#verify").await;
    app.wait_text(".error", "That code isn't right. 4 attempts left.")
        .await;
    // The field itself is marked wrong, and the error is part of what a screen reader reads
    // on it.
    let (invalid, described) = app.field_error_state("#code").await;
    assert_eq!(invalid.as_deref(), Some("true"));
    assert!(described.contains("form-error"), "{described}");
    // Help for a code that doesn't come, folded until asked for.
    app.click("#no-code summary").await;
    app.wait_text("#no-code", "spam").await;
    app.shoot("verify-wrong-code").await;
    app.fill("#code", &wrong(&wrong(&right))).await;
    app.click("#verify").await;
    app.wait_text(".error", "3 attempts left").await;
    // Pasted with a space, as people copy it from an email.
    app.fill("#code", &format!("{} {}", &right[..3], &right[3..]))
        .await;
    app.click("#verify").await;
    app.on_screen("home").await;
    app.wait_text("#welcome", "Welcome, Sam").await;
    // The window's title names the screen.
    let title = app.title().await;
    assert!(title.ends_with(" · Twostep"), "{title}");
    assert!(title.contains(&app.text("h1").await), "{title}");
    app.wait_native_title(&title).await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_with_no_method_signs_straight_in() {
    let server = start_server().await;
    server
        .add_named_person("riley@family.example", "Riley Parent", &[Role::Guardian])
        .await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.on_screen("sign-in").await;
    assert!(
        !app.exists("#change-server").await,
        "preset server: no way to change it"
    );
    app.shoot("sign-in").await;
    app.sign_in("riley@family.example").await;
    app.on_screen("home").await;
    app.wait_text("#welcome", "Welcome, Riley").await;
    app.wait_text("#profile-line", "Family profile").await;
    assert!(
        !app.exists("#nav-admin").await,
        "no administration for a parent"
    );
    app.shoot("home-guardian").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_adds_a_text_message_method_and_then_signs_in_with_it() {
    let server = start_server().await;
    let email = "lee@family.example";
    let id = server
        .add_named_person(email, "Lee Parent", &[Role::Guardian])
        .await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("home").await;
    app.click("#manage-2sv").await;
    app.on_screen("methods").await;
    app.wait_text("#method-list", "no verification methods yet")
        .await;
    app.click("#add-method").await;
    app.click("#kind-sms").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-sms").await;
    // A number that can't be a phone number is refused, with what to type.
    app.fill("#new-phone", "12").await;
    app.click("#send-setup-code").await;
    app.wait_text("#form-error", "too short").await;
    let said = app.text("#form-error").await;
    assert!(
        !said.contains("from this center") && !said.contains('+'),
        "too short is not the center's country rule, and the one example is the hint's: {said}"
    );
    // A landline: a mobile number is asked for, without the too-short sentence.
    app.fill("#new-phone", "+44 20 7946 0018").await;
    app.click("#send-setup-code").await;
    app.wait_text("#form-error", "Enter a mobile number").await;
    app.wait_text("#form-error", "landline").await;
    app.fill("#new-phone", "12").await;
    app.click("#send-setup-code").await;
    app.wait_text("#form-error", "too short").await;
    app.shoot("setup-sms").await;
    app.fill("#new-phone", "(201) 555-0123").await;
    app.click("#send-setup-code").await;
    app.on_screen("setup-sms-code").await;
    // The number as just typed, whole: a slip shows at once.
    app.wait_text("#code-where", "(201) 555-0123").await;
    let texts = server.outbox("+12015550123").await;
    assert_eq!(texts.last().unwrap().channel, "sms");
    app.fill("#setup-code", &server.last_code("+12015550123").await)
        .await;
    app.click("#confirm-method").await;
    app.save_recovery_codes().await;
    app.on_screen("setup-done").await;
    assert_eq!(server.methods_of(&id).await, 1);
    app.click("#added-continue").await;
    app.click("#sign-out").await;

    // Optional for a parent, but once set up it is asked for.
    app.sign_in(email).await;
    app.on_screen("verify-code").await;
    app.wait_text("#code-where", "We sent a code to •••• 0123")
        .await;
    app.fill("#code", &server.last_code("+12015550123").await)
        .await;
    app.click("#verify").await;
    app.on_screen("home").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_who_is_also_a_parent_switches_profiles() {
    let server = start_server().await;
    let email = "casey@maple.example";
    server
        .add_named_person(email, "Casey Morgan", &[Role::Staff, Role::Guardian])
        .await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
    app.click("#skip-setup").await;
    app.on_screen("home").await;
    app.wait_text("#profile-line", "Staff profile").await;
    app.click("#profile-guardian").await;
    app.wait_text("#profile-line", "Family profile").await;
    let pressed = app
        .wait("#profile-guardian")
        .await
        .attr("aria-pressed")
        .await
        .unwrap();
    assert_eq!(pressed.as_deref(), Some("true"));
    app.shoot("home-profile-switch").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_wrong_codes_lock_the_sign_in_with_the_way_back() {
    let server = start_server().await;
    let email = "alex@maple.example";
    server
        .add_named_person(email, "Alex Kim", &[Role::Staff])
        .await;
    server.with_email(email).await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("verify-code").await;
    let right = server.last_code(email).await;
    let mut guess = right.clone();
    for left in (0..5).rev() {
        guess = wrong(&guess);
        app.fill("#code", &guess).await;
        app.click("#verify").await;
        if left > 0 {
            app.wait_text(".error", &format!("{left} attempt")).await;
        }
    }
    // Locked: the way back is signing in again.
    app.wait_text(".error", "that was the last try. Sign in again")
        .await;
    app.wait("#start-over").await;
    // One message and one button: no code field, Verify, Send new code, help or other links
    // to compete with it, even after the countdown would have ticked.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    for gone in ["#code", "#verify", "#resend"] {
        assert!(!app.exists(gone).await, "{gone} is still there");
    }
    let visible_controls: i64 = app
        .d
        .execute(
            "return [...document.querySelectorAll('#screen a, #screen button, #screen input')]
               .filter((el) => el.offsetParent !== null).length;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(visible_controls, 1, "only Sign in again is left");
    app.shoot("verify-locked").await;
    app.click("#start-over").await;
    app.on_screen("sign-in").await;
    app.sign_in_with_emailed_code(&server, email).await;
    app.quit().await;
}
