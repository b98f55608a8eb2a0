//! The journeys that make sense in a browser (issue 23, item 5), on the server's UI behind TLS:
//! a parent adds a method and signs in with a code; a teacher skips setup once, then must set
//! up an authenticator app; "Confirm it's you" before deleting a method; an administrator
//! resets a person; Spanish; dark mode; a parent ticks "Don't ask for a code on this device",
//! signs in next time with the password alone, then forgets the device. Every screen a journey visits passes axe-core and is
//! photographed (`evidence`). Each runs in Chromium as a phone (touch) and as a tablet, and in
//! WebKit as a tablet, one browser at a time: about ten seconds a journey in Chromium, twenty
//! in WebKit.

use twostep_core::policy::Role;

use crate::engine::{Device, Engine, Scheme};
use crate::page::Page;
use crate::site::Site;
use crate::spanish::catalog;

/// A module of three tests of `journey` (a function of this module): Chromium as a phone and
/// as a tablet, WebKit as a tablet.
macro_rules! runs_everywhere {
    ($($journey:ident),+ $(,)?) => {
        $(
            mod $journey {
                use crate::engine::{Engine, PHONE, TABLET};

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn chromium_phone() {
                    super::$journey(Engine::Chromium, PHONE).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn chromium_tablet() {
                    super::$journey(Engine::Chromium, TABLET).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn webkit_tablet() {
                    super::$journey(Engine::WebKit, TABLET).await;
                }
            }
        )+
    };
}

/// For other journeys' modules (`day_pass.rs`).
pub(crate) use runs_everywhere;

runs_everywhere!(
    a_parent_adds_an_email_and_signs_in_with_a_code,
    a_teacher_skips_once_then_sets_up_an_authenticator_app,
    deleting_a_method_asks_to_confirm_it_s_you,
    an_administrator_resets_a_person_who_must_set_up_again,
    a_parent_switches_to_spanish_and_signs_in_in_spanish,
    a_dark_system_gets_dark_screens_that_read_well,
    a_parent_ticks_dont_ask_and_signs_in_next_time_with_the_password_alone,
);

/// A guardian with no method signs in on the password alone, adds their email from "2-Step
/// Verification" (the emailed code confirms it, recovery codes follow), signs out, and signs
/// in again with a code sent to that email.
async fn a_parent_adds_an_email_and_signs_in_with_a_code(engine: Engine, device: Device) {
    let site = Site::start().await;
    let (t, parent) = (&site.t, "riley@family.example");
    let id = t
        .add_named_person(parent, "Riley Parent", &[Role::Guardian])
        .await;
    let p = open(&site, engine, device, "parent").await;

    p.on_screen("sign-in").await;
    // Browsers refuse WebAuthn at an address that is a number (and WebKitGTK has none):
    // no passkey is offered here (`passkeys.rs` has them, at http://localhost).
    assert!(!p.exists("#passkey-sign-in").await);
    // A browser shows the platform's interface font: the page is not the Linux app's.
    let fonts = p
        .script(
            "return [document.documentElement.className, getComputedStyle(document.body).fontFamily];",
            vec![],
        )
        .await;
    assert_eq!(fonts[0], "", "no shell marked this page");
    let family = fonts[1].as_str().unwrap();
    assert!(family.starts_with("system-ui"), "{family}");
    p.shoot("sign-in").await;
    p.sign_in(parent).await;
    p.on_screen("home").await;
    p.wait_text("#tsv-state", "Off").await;
    p.shoot("home-2sv-off").await;
    p.click("#nav-methods").await;
    p.on_screen("methods").await;
    p.shoot("methods-none").await;
    p.click("#add-method").await;
    p.on_screen("add-method").await;
    assert!(!p.exists("#kind-passkey").await);
    p.shoot("add-method").await;
    p.click("#kind-email").await;
    p.click("#choose-continue").await;
    p.on_screen("setup-email").await;
    p.shoot("setup-email").await;
    p.click("#send-setup-code").await;
    p.on_screen("setup-email-code").await;
    // The whole address just typed, and the way back to correct it.
    p.wait_text("#code-where", &format!("We sent a code to {parent}."))
        .await;
    p.wait("#change-address").await;
    p.shoot("setup-email-code").await;
    p.fill("#setup-code", &t.last_code(parent).await).await;
    p.click("#confirm-method").await;
    p.save_recovery_codes(true).await;
    p.on_screen("setup-done").await;
    p.shoot("setup-done").await;
    p.click("#added-continue").await;
    p.wait("#method-list [data-kind=email]").await;
    p.shoot("methods-email").await;
    assert_eq!(t.methods_of(&id).await, 1);
    p.sign_out().await;

    p.sign_in(parent).await;
    p.on_screen("verify-code").await;
    p.wait_text("#code-where", "r•••@family.example").await;
    p.shoot("verify-code").await;
    p.enter_code(t, parent).await;
    // Signing out forgot the section signed out from (#methods): the next sign-in starts at
    // home, where the next person on a shared tablet expects to.
    p.on_screen("home").await;
    assert!(
        !p.b.d.current_url().await.unwrap().as_str().contains('#'),
        "the address keeps no section"
    );
    p.wait_text("#tsv-state", "On").await;
    p.shoot("home-2sv-on").await;
    p.close().await;
}

/// A teacher skips setup at the first sign-in; at the next it is required. The authenticator
/// app's key is read off the page and its code computed by the test (an independent TOTP);
/// recovery codes saved, Home. On a touch screen "Open in authenticator app" is a plain
/// `otpauth://` link (a phone hands it to the installed app); without touch it is hidden.
async fn a_teacher_skips_once_then_sets_up_an_authenticator_app(engine: Engine, device: Device) {
    let site = Site::start().await;
    let (t, teacher) = (&site.t, "jordan@acorns.example");
    let id = t
        .add_named_person(teacher, "Jordan Lee", &[Role::Staff])
        .await;
    let p = open(&site, engine, device, "teacher").await;

    p.sign_in(teacher).await;
    p.on_screen("setup-intro").await;
    assert!(!p.exists("#setup-required").await);
    p.shoot("setup-intro").await;
    p.click("#skip-setup").await;
    p.on_screen("home").await;
    p.wait_text("#tsv-state", "Off").await;
    p.shoot("home-skipped").await;
    p.sign_out().await;

    p.sign_in(teacher).await;
    p.on_screen("setup-intro").await;
    p.wait_text("#setup-required", "requires 2-Step Verification")
        .await;
    assert!(!p.exists("#skip-setup").await, "no skip the second time");
    p.shoot("setup-required").await;
    p.click("#setup-now").await;
    p.on_screen("setup-choose").await;
    p.shoot("setup-choose").await;
    p.click("#kind-totp").await;
    p.click("#choose-continue").await;
    p.on_screen("setup-totp").await;
    let secret = p.text("#totp-secret").await;
    assert_eq!(secret.replace(' ', "").len(), 32, "160-bit key: {secret}");
    let open_in_app = p
        .script(
            "const a = document.getElementById('open-in-app');
             return [a.tagName, a.hidden, a.getAttribute('href') || ''];",
            vec![],
        )
        .await;
    assert_eq!(open_in_app[0], "A", "{open_in_app}");
    assert_eq!(
        open_in_app[1], !device.touch,
        "shown on touch: {open_in_app}"
    );
    assert!(
        open_in_app[2]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/"),
        "{open_in_app}"
    );
    p.shoot("setup-totp").await;
    p.fill("#setup-code", &t.totp(&secret)).await;
    p.click("#confirm-method").await;
    p.save_recovery_codes(true).await;
    p.on_screen("setup-done").await;
    p.shoot("setup-done").await;
    p.click("#added-continue").await;
    p.on_screen("home").await;
    p.wait_text("#tsv-state", "On").await;
    p.shoot("home-2sv-on").await;
    assert_eq!(t.methods_of(&id).await, 1);
    p.close().await;
}

/// A person with an email and a phone signs in; a quarter of an hour later (the server's clock
/// moved on past the fresh sign-in window) they delete the phone: "Confirm it's you" asks for
/// the password, then a code sent to the email, and the delete goes through by itself.
async fn deleting_a_method_asks_to_confirm_it_s_you(engine: Engine, device: Device) {
    let site = Site::start().await;
    let (t, email, phone) = (&site.t, "casey@acorns.example", "+12015550147");
    let id = t
        .add_named_person(email, "Casey Morgan", &[Role::Staff])
        .await;
    t.with_email(email).await;
    t.add_sms(email, phone).await;
    assert_eq!(t.methods_of(&id).await, 2);
    let p = open(&site, engine, device, "reauth").await;

    p.sign_in(email).await;
    p.on_screen("verify-pick").await;
    p.shoot("verify-pick").await;
    p.click("input[data-kind=email]").await;
    p.click("#pick-continue").await;
    p.enter_code(t, email).await;
    p.on_screen("home").await;
    p.click("#nav-methods").await;
    p.on_screen("methods").await;
    p.wait_count("#method-list .method", 2).await;
    p.shoot("methods-two").await;

    t.advance(16 * 60);
    p.click("#method-list [data-kind=sms] .delete").await;
    p.wait("#confirm-delete").await;
    p.shoot("confirm-delete").await;
    p.click("#confirm-delete").await;
    p.wait("#reauth[open] #reauth-password").await;
    p.shoot("reauth-password").await;
    assert_eq!(t.methods_of(&id).await, 2, "nothing deleted yet");
    p.fill("#reauth-password", twostep_testkit::PASSWORD).await;
    p.click("#reauth-continue").await;
    p.wait("#reauth-code").await;
    // Two methods: the preferred one (the email, added first) is chosen; a code is sent on
    // asking.
    let before = t.outbox(email).await.len();
    p.click("#reauth-send").await;
    p.wait_text("#reauth-where", "c•••@acorns.example").await;
    assert_eq!(t.outbox(email).await.len(), before + 1);
    p.shoot("reauth-code").await;
    p.fill("#reauth-code", &t.last_code(email).await).await;
    p.click("#reauth-confirm").await;
    p.wait_text("#toast", "was deleted").await;
    assert!(!p.exists("#reauth").await, "the dialog is gone");
    p.wait_count("#method-list .method", 1).await;
    p.wait("#method-list [data-kind=email]").await;
    p.shoot("methods-one").await;
    assert_eq!(t.methods_of(&id).await, 1);
    p.close().await;
}

/// An administrator finds a teacher on the administration screens and resets their 2-Step
/// Verification after confirming; the teacher's next sign-in asks for setup, with no skip.
async fn an_administrator_resets_a_person_who_must_set_up_again(engine: Engine, device: Device) {
    let site = Site::start().await;
    let (t, admin, teacher) = (&site.t, "avery@acorns.example", "jordan@acorns.example");
    t.add_named_person(admin, "Avery Admin", &[Role::Admin])
        .await;
    t.with_email(admin).await;
    let id = t
        .add_named_person(teacher, "Jordan Lee", &[Role::Staff])
        .await;
    t.with_totp(teacher).await;
    let p = open(&site, engine, device, "admin-reset").await;

    p.sign_in(admin).await;
    p.enter_code(t, admin).await;
    p.on_screen("home").await;
    p.click("#nav-admin").await;
    p.on_screen("admin").await;
    p.wait_text("#people", "Jordan Lee").await;
    p.shoot("admin").await;
    p.fill("#people-query", "jordan").await;
    p.wait_text("#people", "jordan@acorns.example").await;
    p.click("button.person[data-email=\"jordan@acorns.example\"]")
        .await;
    p.on_screen("admin-person").await;
    p.wait_text("#person-name", "Jordan Lee").await;
    p.wait_text("#person-2sv", "Authenticator app").await;
    p.shoot("admin-person").await;
    p.click("#reset-2sv").await;
    p.wait("#confirm-reset").await;
    p.shoot("admin-reset-confirm").await;
    assert_eq!(t.methods_of(&id).await, 1, "nothing before confirming");
    p.click("#confirm-reset").await;
    p.wait_text(
        "#reset-result",
        "2-Step Verification was reset for Jordan Lee",
    )
    .await;
    p.wait_text("#person-2sv", "Off").await;
    p.shoot("admin-reset-done").await;
    assert_eq!(t.methods_of(&id).await, 0);
    p.sign_out().await;

    p.sign_in(teacher).await;
    p.on_screen("setup-intro").await;
    p.wait("#setup-required").await;
    assert!(!p.exists("#skip-setup").await, "no skip after a reset");
    p.shoot("setup-required").await;
    p.close().await;
}

/// The sign-in screen's language switch turns it to Spanish; a parent with an email method
/// then signs in with a code and opens "2-Step Verification" and its "Add a method": every
/// screen's heading is the Spanish catalog's, and no English wording is left on any.
async fn a_parent_switches_to_spanish_and_signs_in_in_spanish(engine: Engine, device: Device) {
    let site = Site::start().await;
    let (t, parent) = (&site.t, "marisol@family.example");
    t.add_named_person(parent, "Marisol Ortega", &[Role::Guardian])
        .await;
    t.enroll_email(parent).await;
    let p = open(&site, engine, device, "spanish").await;
    let es = |key: &str| catalog("es", key);

    p.on_screen("sign-in").await;
    p.wait_text("h1", &catalog("en", "signin.title")).await;
    // The check below sees English where there is some.
    let english = p.english_shown().await;
    assert!(
        english.contains(&catalog("en", "signin.title")),
        "{english:?}"
    );
    p.choose("#language", "es").await;
    p.wait_text("h1", &es("signin.title")).await;
    p.check_spanish("sign-in").await;
    p.shoot("sign-in").await;
    p.sign_in(parent).await;

    p.on_screen("verify-code").await;
    p.wait_text("h1", &es("signin.code_title")).await;
    // The wait's number and its unit stay on one line ("(en 30 s)" on a phone).
    let resend = p
        .script(
            "return document.getElementById('resend').textContent;",
            vec![],
        )
        .await;
    let resend = resend.as_str().unwrap();
    assert!(
        resend.contains("(en\u{a0}") && resend.ends_with("\u{a0}s)"),
        "{resend:?}"
    );
    p.check_spanish("verify-code").await;
    p.shoot("verify-code").await;
    p.enter_code(t, parent).await;
    p.on_screen("home").await;
    p.wait_text("#welcome", &es("home.welcome").replace("{name}", "Marisol"))
        .await;
    p.check_spanish("home").await;
    p.shoot("home").await;
    p.click("#nav-methods").await;
    p.on_screen("methods").await;
    p.wait_text("h1", &es("methods.title")).await;
    p.wait("#method-list [data-kind=email]").await;
    p.check_spanish("methods").await;
    p.shoot("methods").await;
    p.click("#add-method").await;
    p.on_screen("add-method").await;
    p.wait_text("h1", &es("setup.choose_title")).await;
    p.check_spanish("add-method").await;
    p.shoot("add-method").await;
    p.close().await;
}

/// A system set to dark: the sign-in screen, the code screen, Home and "2-Step Verification"
/// are dark (the page's background) and pass axe's contrast rules.
async fn a_dark_system_gets_dark_screens_that_read_well(engine: Engine, device: Device) {
    let site = Site::start().await;
    let (t, email) = (&site.t, "dee@acorns.example");
    t.add_named_person(email, "Dee Okafor", &[Role::Staff])
        .await;
    t.with_email(email).await;
    let p = Page::open(engine, device, Scheme::Dark, &site.url, "dark").await;

    p.on_screen("sign-in").await;
    let dark = p
        .script(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await;
    assert_eq!(dark, true, "the dark system did not reach the page");
    dark_shot(&p, "sign-in").await;
    p.sign_in(email).await;
    p.on_screen("verify-code").await;
    dark_shot(&p, "verify-code").await;
    p.enter_code(t, email).await;
    p.on_screen("home").await;
    dark_shot(&p, "home").await;
    p.click("#nav-methods").await;
    p.on_screen("methods").await;
    p.wait("#method-list [data-kind=email]").await;
    dark_shot(&p, "methods").await;
    p.close().await;
}

/// "Don't ask for a code on this device for 30 days": a parent ticks it on the code screen,
/// signs out, and signs in next time with the password alone (no code sent); "Where you're
/// signed in" lists the browser with "Forget this device", and once it is forgotten the next
/// sign-in asks for a code again. The token lives in an `HttpOnly` cookie only the sign-in is
/// sent: the page never sees it.
async fn a_parent_ticks_dont_ask_and_signs_in_next_time_with_the_password_alone(
    engine: Engine,
    device: Device,
) {
    let site = Site::start().await;
    let (t, parent) = (&site.t, "robin@family.example");
    let id = t
        .add_named_person(parent, "Robin Parent", &[Role::Guardian])
        .await;
    t.enroll_email(parent).await;
    let p = open(&site, engine, device, "remember").await;

    p.sign_in(parent).await;
    p.on_screen("verify-code").await;
    p.wait_text(
        "label[for=remember-device]",
        "Don't ask for a code on this device for 30 days",
    )
    .await;
    p.shoot("verify-code-remember").await;
    p.fill("#code", &t.last_code(parent).await).await;
    p.click("#remember-device").await;
    p.click("#verify").await;
    p.on_screen("home").await;
    p.wait_count("#remembered-list li", 1).await;
    p.wait("#remembered-list li[data-current=true] .forget-device")
        .await;
    p.shoot("home-remembered").await;
    let cookies = p.script("return document.cookie;", vec![]).await;
    assert_eq!(cookies, "", "no token the page can read");
    p.sign_out().await;

    // Next time: the password alone, and no code is sent.
    let sent = t.outbox(parent).await.len();
    p.sign_in(parent).await;
    p.on_screen("home").await;
    assert_eq!(t.outbox(parent).await.len(), sent, "no code sent");
    let skipped = t
        .count(&format!(
            "audit WHERE person_id = '{id}' AND reason = 'remembered_device'"
        ))
        .await;
    assert_eq!(skipped, 1);

    // "Forget this device": the next sign-in asks for a code again.
    p.click("#remembered-list .forget-device").await;
    p.wait("#remembered[hidden]").await;
    p.shoot("home-forgotten").await;
    p.sign_out().await;
    p.sign_in(parent).await;
    p.on_screen("verify-code").await;
    assert!(p.exists("#remember-device").await);
    assert!(
        !p.exists("#remember-device:checked").await,
        "unticked by default"
    );
    p.enter_code(t, parent).await;
    p.on_screen("home").await;
    p.close().await;
}

/// The screen's background is dark, then the screen is checked and photographed.
async fn dark_shot(p: &Page, screen: &str) {
    let (r, g, b) = p.background().await;
    assert!(
        u32::from(r) + u32::from(g) + u32::from(b) < 150,
        "{}-{screen}: background rgb({r}, {g}, {b}) is not dark",
        p.name()
    );
    p.shoot(screen).await;
}

/// A light browser on the site, for `journey`'s screenshots.
async fn open(site: &Site, engine: Engine, device: Device, journey: &'static str) -> Page {
    Page::open(engine, device, Scheme::Light, &site.url, journey).await
}
