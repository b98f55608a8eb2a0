//! The app in Spanish, started with `--lang es`: sign-in, setup with an emailed code, the code
//! screen, the 2-Step Verification page and the authenticator, all in Spanish, `<html lang>`
//! following; then English and back again without signing out.

use serde_json::Value;

use crate::harness::*;

/// A sentence of the Spanish catalog, its `{placeholders}` filled.
pub(crate) fn es(key: &str, params: &[(&str, &str)]) -> String {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/i18n/es.json")).unwrap();
    let catalog: Value = serde_json::from_str(&text).unwrap();
    let mut s = key
        .split('.')
        .try_fold(&catalog, |v, k| v.get(k))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{key} is not in es.json"))
        .to_owned();
    for (name, value) in params {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

pub(crate) async fn html_lang(app: &App) -> String {
    app.d
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_speaking_teacher_does_the_whole_journey_in_spanish() {
    let server = start_server().await;
    let email = "lucia@maple.example";
    server
        .add_named_person(email, "Lucía Gómez", &[Role::Staff])
        .await;
    let data = AppData::new();
    let app = App::launch_in(&data, Some(&server.url()), "es").await;

    app.on_screen("sign-in").await;
    assert_eq!(html_lang(&app).await, "es");
    app.wait_text("h1", &es("signin.title", &[])).await;
    app.shoot("es-sign-in").await;
    app.sign_in(email).await;

    // Setup, in Spanish: an emailed code to the sign-in address.
    app.on_screen("setup-intro").await;
    app.wait_text("h1", &es("setup.intro_title", &[])).await;
    app.shoot("es-setup-intro").await;
    app.click("#setup-now").await;
    app.on_screen("setup-choose").await;
    app.wait_text("h1", &es("setup.choose_title", &[])).await;
    app.click("#kind-email").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-email").await;
    app.click("#send-setup-code").await;
    app.on_screen("setup-email-code").await;
    app.wait_text("h1", &es("setup.code_title", &[])).await;
    app.shoot("es-setup-code").await;
    app.fill("#setup-code", &server.last_code(email).await)
        .await;
    app.click("#confirm-method").await;
    app.on_screen("recovery-codes").await;
    app.wait_text("h1", &es("recovery.title", &[])).await;
    app.shoot("es-recovery-codes").await;
    app.save_recovery_codes().await;
    app.on_screen("setup-done").await;
    app.wait_text("h1", &es("setup.added_title", &[])).await;
    app.click("#added-continue").await;
    app.on_screen("home").await;
    app.wait_text("#welcome", &es("home.welcome", &[("name", "Lucía")]))
        .await;
    app.shoot("es-home").await;

    // The 2-Step Verification page and the authenticator.
    app.click("#nav-methods").await;
    app.on_screen("methods").await;
    app.wait_text("h1", &es("methods.title", &[])).await;
    app.wait_text("#method-list", &es("common.kind.email", &[]))
        .await;
    app.shoot("es-methods").await;
    app.click("#nav-vault").await;
    app.on_screen("vault").await;
    app.wait_text("h1", &es("vault.title", &[])).await;
    app.shoot("es-vault").await;

    // English, then Spanish again, without signing out.
    app.click("#bar-language option[value=en]").await;
    app.wait_text("h1", "Authenticator").await;
    app.wait_text("#nav-methods", "2-Step Verification").await;
    assert_eq!(html_lang(&app).await, "en");
    app.click("#bar-language option[value=es]").await;
    app.wait_text("h1", &es("vault.title", &[])).await;
    assert_eq!(html_lang(&app).await, "es");
    assert!(app.exists("#sign-out").await, "still signed in");

    // The next sign-in sends the code in Spanish: the choice went to the server too.
    app.click("#sign-out").await;
    app.on_screen("sign-in").await;
    app.sign_in(email).await;
    app.on_screen("verify-code").await;
    app.wait_text(
        "#code-where",
        &es("signin.where_sent", &[("to", "l•••@maple.example")]),
    )
    .await;
    app.shoot("es-verify-code").await;
    let mail = server.outbox(email).await;
    assert!(
        mail.last().unwrap().subject.starts_with("Su código"),
        "{:?}",
        mail.last().unwrap().subject
    );
    app.fill("#code", &server.last_code(email).await).await;
    app.click("#verify").await;
    app.on_screen("home").await;
    app.quit().await;
}

/// The screens the first journey does not reach, in Spanish: an administrator's (people, a
/// person, the reset), adding an authenticator app and a phone (with a wrong number), the
/// authenticator's add and transfer screens, and the demo center's sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_speaking_administrator_sees_every_other_screen_in_spanish() {
    let server = start_server().await;
    let admin = "rosa@maple.example";
    server
        .add_named_person(admin, "Rosa Díaz", &[Role::Admin, Role::Staff])
        .await;
    server.with_email(admin).await;
    server.add_sms(admin, "+12015550147").await;
    let staff = "jordan@maple.example";
    server
        .add_named_person(staff, "Jordan Lee", &[Role::Staff])
        .await;
    server.with_totp(staff).await;
    let data = AppData::new();
    let app = App::launch_in(&data, Some(&server.url()), "es").await;
    app.sign_in(admin).await;
    // Two methods: the choice, in Spanish.
    app.on_screen("verify-pick").await;
    app.shoot("es-verify-pick").await;
    app.click("input[data-kind=email]").await;
    app.click("#pick-continue").await;
    app.on_screen("verify-code").await;
    app.fill("#code", &server.last_code(admin).await).await;
    app.click("#verify").await;
    app.on_screen("home").await;
    app.shoot("es-home-admin").await;

    app.click("#nav-admin").await;
    app.on_screen("admin").await;
    app.wait_text("h1", &es("admin.title", &[])).await;
    app.wait_text("#people", "Jordan Lee").await;
    app.wait_text("#overview", &es("admin.overview.title", &[]))
        .await;
    app.wait_text("#overview", &es("admin.overview.all_enrolled", &[]))
        .await;
    // The audit trail's details in Spanish too (worded from the events' codes).
    app.wait_text("#audit", &es("admin.reason.password_accepted", &[]))
        .await;
    app.wait_text("#audit", &es("common.kind.sms", &[])).await;
    app.shoot("es-admin").await;
    app.click("button.person[data-email=\"jordan@maple.example\"]")
        .await;
    app.on_screen("admin-person").await;
    app.wait_text("#person-2sv", &es("common.kind.totp", &[]))
        .await;
    app.shoot("es-admin-person").await;
    app.click("#reset-2sv").await;
    app.wait("#confirm-reset").await;
    app.click("#confirm-reset").await;
    app.wait("#reset-result").await;
    app.shoot("es-admin-reset-done").await;

    // Adding methods: the choice, an authenticator app, a phone number that is wrong.
    app.click("#nav-methods").await;
    app.on_screen("methods").await;
    app.click("#add-method").await;
    app.on_screen("add-method").await;
    app.wait_text("h1", &es("setup.choose_title", &[])).await;
    app.shoot("es-setup-choose").await;
    app.click("#kind-totp").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-totp").await;
    app.wait_text("h1", &es("setup.totp_title", &[])).await;
    app.wait_text("#copy-key", &es("setup.copy_key", &[])).await;
    app.shoot("es-setup-totp").await;
    app.click("#nav-methods").await;
    app.on_screen("methods").await;
    app.click("#add-method").await;
    app.click("#kind-sms").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-sms").await;
    app.fill("#new-phone", "123").await;
    app.click("#send-setup-code").await;
    app.wait_text(".error", &es("errors.invalid_phone", &[]))
        .await;
    app.shoot("es-setup-sms-error").await;

    // The authenticator's other screens.
    app.click("#nav-vault").await;
    app.on_screen("vault").await;
    app.click("#vault-add").await;
    app.on_screen("vault-add").await;
    app.shoot("es-vault-add").await;
    app.click("#nav-vault").await;
    app.on_screen("vault").await;
    app.click("#vault-transfer").await;
    app.on_screen("vault-transfer").await;
    app.shoot("es-vault-transfer").await;

    // Too many wrong codes: the locked screen, one message and one button, in Spanish.
    app.click("#sign-out").await;
    app.on_screen("sign-in").await;
    app.sign_in(admin).await;
    app.on_screen("verify-pick").await;
    app.click("input[data-kind=email]").await;
    app.click("#pick-continue").await;
    app.on_screen("verify-code").await;
    let mut guess = server.last_code(admin).await;
    for _ in 0..5 {
        guess = crate::signin::wrong(&guess);
        app.fill("#code", &guess).await;
        app.click("#verify").await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    app.wait_text("#start-over", &es("signin.start_over", &[]))
        .await;
    app.shoot("es-verify-locked").await;
    app.quit().await;

    // The demo center's sign-in, with its accounts, in Spanish; the server screen.
    let demo = AppData::new();
    let app = App::launch_in(&demo, None, "es").await;
    app.on_screen("sign-in").await;
    app.click("#change-server").await;
    app.on_screen("server").await;
    app.fill("#server-url", "http://twostep.example.org").await;
    app.click("#connect").await;
    app.wait("#form-error p").await;
    app.shoot("es-server").await;
    app.click("#use-demo").await;
    app.on_screen("sign-in").await;
    app.wait_text(".demo-accounts", "avery.admin@sunnydays.example")
        .await;
    app.shoot("es-sign-in-demo").await;
    // The Spanish-speaking demo parent: a code she asks for is in the Demo inbox, in Spanish.
    app.fill("#email", "marisol.ortega@family.example").await;
    app.fill("#password", "demo-familia-pass").await;
    app.click("#sign-in").await;
    app.on_screen("home").await;
    app.click("#nav-methods").await;
    app.on_screen("methods").await;
    app.click("#add-method").await;
    app.click("#kind-email").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-email").await;
    app.click("#send-setup-code").await;
    app.on_screen("setup-email-code").await;
    app.click("#nav-inbox").await;
    app.on_screen("inbox").await;
    app.wait_text("#inbox", "Su código de verificación es")
        .await;
    app.shoot("es-inbox").await;
    app.quit().await;
}

/// A Spanish-speaking teacher on a classroom tablet: skips setup once, then must set it up,
/// makes the tablet her authenticator behind a PIN, sees the code hidden then shown, adds her
/// email (a generic classroom address refused first), opens its edit panel, and deletes the
/// tablet's method after the confirmation; a wrong emailed code at the next sign-in. Every
/// screen in Spanish, checked by axe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_speaking_teacher_on_a_classroom_tablet_in_spanish() {
    let server = start_server().await;
    let email = "ana@maple.example";
    server
        .add_named_person(email, "Ana Ruiz", &[Role::Staff])
        .await;
    let data = AppData::new();
    let app = App::launch_in(&data, Some(&server.url()), "es").await;

    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
    app.click("#skip-setup").await;
    app.on_screen("home").await;
    app.shoot("es-home-2sv-off").await;
    app.click("#sign-out").await;
    app.on_screen("sign-in").await;
    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
    app.wait_text("#setup-required", &es("setup.required_title", &[]))
        .await;
    app.shoot("es-setup-required").await;

    // This tablet as the authenticator, behind a PIN.
    app.click("#setup-now").await;
    app.click("#kind-device").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-device").await;
    app.shoot("es-setup-device").await;
    app.fill("#device-pin", "4821").await;
    app.click("#device-setup").await;
    app.save_recovery_codes().await;
    app.on_screen("setup-done").await;
    app.wait_text("h1", &es("setup.added_title", &[])).await;
    app.shoot("es-setup-done").await;
    app.click("#added-continue").await;
    app.on_screen("home").await;
    app.click("#nav-vault").await;
    app.on_screen("vault").await;
    app.wait("#vault-list li.entry").await;
    app.shoot("es-vault-hidden").await;
    app.click("#vault-list .code-button").await;
    app.fill("#vault-list input.pin", "4821").await;
    app.click("#vault-list .pin-form button").await;
    app.wait("#vault-list .code-button[data-code]").await;
    app.shoot("es-vault-revealed").await;

    // Her email as a second method; a generic classroom address first, refused.
    app.click("#nav-methods").await;
    app.on_screen("methods").await;
    app.shoot("es-methods-one").await;
    app.click("#add-method").await;
    app.click("#kind-email").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-email").await;
    app.fill("#new-email", "classroom@maple.example").await;
    app.click("#send-setup-code").await;
    app.wait_text(".error", &es("errors.generic_email", &[]))
        .await;
    app.shoot("es-setup-email-generic").await;
    app.fill("#new-email", email).await;
    app.click("#send-setup-code").await;
    app.on_screen("setup-email-code").await;
    app.fill("#setup-code", &server.last_code(email).await)
        .await;
    app.click("#confirm-method").await;
    app.on_screen("setup-done").await;
    app.click("#added-continue").await;
    app.on_screen("methods").await;
    app.wait_count("#method-list .method", 2).await;
    app.shoot("es-methods-two").await;
    let mail = "[data-kind=\"email\"]";
    app.click(&format!("{mail} .edit")).await;
    app.wait("#edit-add-new").await;
    app.shoot("es-methods-edit").await;
    app.click("#nav-methods").await;
    app.on_screen("methods").await;
    app.click("[data-kind=\"totp\"] .delete").await;
    app.wait("#confirm-delete").await;
    app.shoot("es-methods-confirm-delete").await;
    app.click("#confirm-delete").await;
    app.wait_count("#method-list .method", 1).await;

    // The next sign-in: a wrong code says how many tries are left, in Spanish.
    app.click("#sign-out").await;
    app.on_screen("sign-in").await;
    app.sign_in(email).await;
    app.on_screen("verify-code").await;
    let wrong = crate::signin::wrong(&server.last_code(email).await);
    app.fill("#code", &wrong).await;
    app.click("#verify").await;
    app.wait("#form-error p").await;
    app.shoot("es-verify-wrong-code").await;
    app.quit().await;
}
