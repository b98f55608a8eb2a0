//! Issue 25's screens in a browser: a teacher without her phone signs in with a one-day pass
//! that an administrator issued on her page and read to her ("Lost your phone?" on the code
//! screen, then the pass); an administrator adds a person through "Add a person", without a
//! password, and the invitation is in the outbox. Chromium as a phone and a tablet, WebKit as
//! a tablet. One browser at a time (`engine`): the administrator's closes before the
//! teacher's opens, as on two devices in a classroom.

use twostep_core::policy::Role;

use crate::engine::{Device, Engine, Scheme};
use crate::journeys::runs_everywhere;
use crate::page::Page;
use crate::site::Site;

runs_everywhere!(
    a_teacher_signs_in_with_a_pass_an_administrator_read_to_her,
    an_administrator_adds_a_person_who_is_invited,
);

async fn open(site: &Site, engine: Engine, device: Device, journey: &'static str) -> Page {
    Page::open(engine, device, Scheme::Light, &site.url, journey).await
}

/// The administrator opens the teacher's page, reads which to choose, issues a pass (a fresh
/// sign-in is hers already) and reads it off the screen; the page then lists it. The teacher
/// signs in, chooses "Lost your phone?", then the pass, and types what she heard.
async fn a_teacher_signs_in_with_a_pass_an_administrator_read_to_her(
    engine: Engine,
    device: Device,
) {
    let site = Site::start().await;
    let (t, admin, teacher) = (&site.t, "avery@acorns.example", "jordan@acorns.example");
    t.add_named_person(admin, "Avery Admin", &[Role::Admin])
        .await;
    t.with_email(admin).await;
    t.add_named_person(teacher, "Jordan Lee", &[Role::Staff])
        .await;
    t.with_totp(teacher).await;

    let p = open(&site, engine, device, "day-pass-admin").await;
    p.sign_in(admin).await;
    p.enter_code(t, admin).await;
    p.on_screen("home").await;
    p.click("#nav-admin").await;
    p.on_screen("admin").await;
    p.fill("#people-query", "jordan").await;
    p.wait_text("#people", "jordan@acorns.example").await;
    p.click("button.person[data-email=\"jordan@acorns.example\"]")
        .await;
    p.on_screen("admin-person").await;
    p.wait_text("#day-pass-which", "Reset 2-Step Verification")
        .await;
    p.shoot("person-day-pass").await;
    p.click("#issue-day-pass").await;
    p.wait("#confirm-day-pass").await;
    p.shoot("day-pass-confirm").await;
    p.click("#confirm-day-pass").await;
    p.wait("#day-pass-value").await;
    // Read off the screen, as the administrator reads it aloud.
    let groups = p
        .script(
            "return [...document.querySelectorAll('#day-pass-value code')].map((c) => c.textContent).join('-');",
            vec![],
        )
        .await;
    let pass = groups.as_str().unwrap().to_owned();
    assert_eq!(pass.len(), 14, "{pass:?}");
    p.wait_text("#day-pass-expiry", "once").await;
    p.shoot("day-pass-shown").await;
    p.click("#day-pass-done").await;
    p.wait_text("#day-pass-live", "Avery Admin").await;
    assert!(
        !p.text("#day-pass").await.contains(&pass),
        "shown once only"
    );
    p.shoot("day-pass-live").await;
    p.close().await;

    let p = open(&site, engine, device, "day-pass-teacher").await;
    p.on_screen("sign-in").await;
    p.wait("#lost-phone-help").await;
    p.sign_in(teacher).await;
    p.on_screen("verify-code").await;
    p.click("#lost-phone").await;
    p.on_screen("verify-lost-phone").await;
    p.shoot("lost-phone").await;
    p.click("#lost-pass").await;
    p.on_screen("verify-day-pass").await;
    // Typed as heard: lower case, spaces between the groups.
    p.fill("#day-pass-input", &pass.to_lowercase().replace('-', " "))
        .await;
    p.shoot("day-pass-enter").await;
    p.click("#use-day-pass").await;
    p.on_screen("home").await;
    assert_eq!(t.audit_count("day_pass_used").await, 1);
    p.close().await;
}

/// "Add a person" on the people screen: each missing field is said on the field; a person
/// added with a name, an email and a role (no password) opens on their page, and the
/// invitation is in the outbox.
async fn an_administrator_adds_a_person_who_is_invited(engine: Engine, device: Device) {
    let site = Site::start().await;
    let (t, admin, new) = (&site.t, "avery@acorns.example", "sam@acorns.example");
    t.add_named_person(admin, "Avery Admin", &[Role::Admin])
        .await;
    t.with_email(admin).await;

    let p = open(&site, engine, device, "add-person").await;
    p.sign_in(admin).await;
    p.enter_code(t, admin).await;
    p.on_screen("home").await;
    p.click("#nav-admin").await;
    p.on_screen("admin").await;
    p.click("#add-person").await;
    p.wait("#add-person-form:not([hidden])").await;
    p.fill("#add-name", "Sam Rivera").await;
    p.click("#add-submit").await;
    p.wait_text("#add-email-error", "email").await;
    p.shoot("add-person-missing-email").await;
    p.fill("#add-email", admin).await;
    p.click("#add-role-staff").await;
    p.click("#add-submit").await;
    // Someone signs in with that address already: said on the email field.
    p.wait_text("#add-email-error", "already").await;
    p.fill("#add-email", new).await;
    p.click("#add-submit").await;
    p.on_screen("admin-person").await;
    p.wait_text("#person-name", "Sam Rivera").await;
    p.wait_text("#reset-result", new).await;
    p.shoot("add-person-done").await;
    let invitation = t
        .outbox(new)
        .await
        .into_iter()
        .find(|m| m.body.contains("/invitation/"));
    assert!(invitation.is_some(), "the invitation is in the outbox");
    p.close().await;
}
