//! Administration: an administrator finds a staff member and resets their 2-Step
//! Verification; the staff member must then set up again, with no skip.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_resets_a_staff_member_who_must_set_up_again() {
    let server = start_server().await;
    let admin = "avery@maple.example";
    server
        .add_named_person(admin, "Avery Admin", &[Role::Admin, Role::Staff])
        .await;
    server.with_email(admin).await;
    let staff = "jordan@maple.example";
    let staff_id = server
        .add_named_person(staff, "Jordan Lee", &[Role::Staff])
        .await;
    server.with_totp(staff).await;

    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in_with_emailed_code(&server, admin).await;
    app.shoot("home-admin").await;

    // Find people by name, filter by enrolment.
    app.click("#nav-admin").await;
    app.on_screen("admin").await;
    app.wait_text("#people", "Jordan Lee").await;
    app.wait("#allow-totp").await;
    app.fill("#people-query", "jordan").await;
    app.wait_text("#people", "jordan@maple.example").await;
    app.click("#people-filter option[value=not_enrolled]").await;
    app.wait_text("#people", "No one matches").await;
    app.click("#people-filter option[value=enrolled]").await;
    app.wait_text("#people", "Jordan Lee").await;
    app.wait_text("#audit", "").await;
    app.shoot("admin").await;

    // The center's allowed methods: text messages turned off, saved on the server; families'
    // own devices remembered for 14 days (91 is refused on the form, saying the range).
    app.click("#allow-sms").await;
    app.fill("#remember-guardian", "91").await;
    app.click("#save-policy").await;
    app.wait_text("#remember-error", "from 0 to 90").await;
    app.fill("#remember-guardian", "14").await;
    app.click("#save-policy").await;
    app.wait_text("#toast", "Center policy saved.").await;
    let token = server.sign_in_with_email(admin).await;
    let policy = server.client.admin_policy(&token).await.unwrap();
    assert!(!policy
        .allowed_kinds
        .contains(&twostep_client::api::Kind::Sms));
    {
        use twostep_client::api::Role;
        let days = policy.remember_days.clone().unwrap_or_default();
        assert_eq!(days.get(&Role::Guardian), Some(&14));
        assert_eq!(days.get(&Role::Staff), Some(&0), "staff as they were");
        assert_eq!(days.get(&Role::Admin), Some(&0));
    }
    // The others as they were: passkeys too.
    let mut kinds = policy.allowed_kinds.clone();
    kinds.sort();
    {
        use twostep_client::api::Kind;
        assert_eq!(kinds, [Kind::Totp, Kind::Email, Kind::Passkey]);
    }

    // The person's page: 2-Step Verification > Reset, confirmed.
    app.click("button.person[data-email=\"jordan@maple.example\"]")
        .await;
    app.on_screen("admin-person").await;
    app.wait_text("#person-name", "Jordan Lee").await;
    app.wait_text("#person-2sv", "Authenticator app").await;
    let page = app.text("#screen").await;
    assert!(
        !page.contains("null") && !page.contains("undefined"),
        "{page}"
    );
    app.shoot("admin-person").await;
    app.click("#reset-2sv").await;
    app.wait("#confirm-reset").await;
    assert_eq!(
        server.methods_of(&staff_id).await,
        1,
        "nothing before confirming"
    );
    app.click("#confirm-reset").await;
    app.wait_text(
        "#reset-result",
        "2-Step Verification was reset for Jordan Lee",
    )
    .await;
    app.wait_text("#person-2sv", "Off").await;
    app.shoot("admin-reset-done").await;
    assert_eq!(server.methods_of(&staff_id).await, 0);
    app.click("#sign-out").await;

    // The staff member must set up again, with no skip.
    app.sign_in(staff).await;
    app.on_screen("setup-intro").await;
    app.wait("#setup-required").await;
    assert!(!app.exists("#skip-setup").await);
    app.quit().await;
}
