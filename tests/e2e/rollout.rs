//! Administrators roll 2-Step Verification out, in the real window: the overview's counts and
//! reminders that arrive in the demo inbox; a reset that takes two administrators; the audit
//! trail filtered, a page at a time, and exported to a CSV file through the Save dialog.

use twostep_server::store::{AuditAction, Event};

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_counts_the_demo_center_and_reminders_reach_the_inbox() {
    let data = AppData::new();
    let app = App::launch(&data, None).await;
    app.on_screen("sign-in").await;
    // The demo administrator has no method yet, and an administrator gets no skip: the first
    // sign-in sets up an authenticator app.
    app.fill("#email", "avery.admin@sunnydays.example").await;
    app.fill("#password", "demo-admin-pass").await;
    app.click("#sign-in").await;
    app.on_screen("setup-intro").await;
    assert!(
        !app.exists("#skip-setup").await,
        "administrators do not skip"
    );
    app.click("#setup-now").await;
    app.on_screen("setup-choose").await;
    app.click("#kind-totp").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-totp").await;
    let secret = app.text("#totp-secret").await;
    let key = data_encoding::BASE32_NOPAD
        .decode(secret.replace(' ', "").trim_end_matches('=').as_bytes())
        .unwrap();
    // The embedded demo server runs on the system clock.
    #[allow(clippy::disallowed_methods)]
    let code = twostep_testkit::totp_code(&key, chrono::Utc::now().timestamp());
    app.fill("#setup-code", &code).await;
    app.click("#confirm-method").await;
    app.save_recovery_codes().await;
    app.on_screen("setup-done").await;
    app.click("#added-continue").await;
    app.on_screen("home").await;
    app.click("#nav-admin").await;
    app.on_screen("admin").await;

    // Seven demo people; only Avery set up.
    app.wait_text("#stat-people", "7").await;
    assert!(app.text("#stat-enrolled").await.contains('1'));
    assert!(app.text("#stat-not-enrolled").await.contains('6'));
    assert!(app.text("#stat-skipped").await.contains('0'));
    app.wait_text("#overview-roles", "Staff: 0 of 4 set up (0%)")
        .await;
    app.wait_text("#overview-roles", "Administrators: 1 of 1 set up")
        .await;
    // The totals say how they add up.
    app.wait_text(
        "#overview-counts-note",
        "1 with and 6 without 2-Step Verification make the 7 people",
    )
    .await;
    app.wait_text("#must-enroll", "4 people must still set up")
        .await;
    let list = app.text("#must-enroll").await;
    assert!(
        list.contains("jordan.lee@sunnydays.example") && !list.contains("riley.parent"),
        "families are optional: {list}"
    );
    app.shoot("admin-overview").await;

    app.click("#send-reminders").await;
    app.wait_text("#reminders-status", "Reminders sent to 4 people.")
        .await;
    // Not twice the same day.
    app.click("#send-reminders").await;
    app.wait_text("#reminders-status", "No reminders sent")
        .await;

    app.click("#nav-inbox").await;
    app.on_screen("inbox").await;
    app.wait_text("#inbox", "Set up 2-Step Verification for your account")
        .await;
    app.wait_text("#inbox", "jordan.lee@sunnydays.example")
        .await;
    app.wait_text("#inbox", "Sunny Days").await;
    let inbox = app.text("#inbox").await;
    assert!(!inbox.contains("riley.parent@family.example"), "{inbox}");
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_takes_two_administrators_and_the_audit_trail_exports_to_csv() {
    let server = start_server().await;
    let (first, second) = ("avery@maple.example", "blake@maple.example");
    server
        .add_named_person(first, "Avery Admin", &[Role::Admin])
        .await;
    server.with_email(first).await;
    server
        .add_named_person(second, "Blake Boss", &[Role::Admin])
        .await;
    server.with_email(second).await;
    let staff = "jordan@maple.example";
    let staff_id = server
        .add_named_person(staff, "Jordan Lee", &[Role::Staff])
        .await;
    server.with_totp(staff).await;

    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in_with_emailed_code(&server, first).await;
    app.click("#nav-admin").await;
    app.on_screen("admin").await;

    // The policy: resets take a second administrator.
    app.wait("#reset-two").await;
    app.wait_enabled("#save-policy").await;
    app.click("#reset-two").await;
    app.click("#save-policy").await;
    app.wait_text("#toast", "Center policy saved.").await;
    let token = server.sign_in_with_email(first).await;
    let policy = server.client.admin_policy(&token).await.unwrap();
    assert_eq!(policy.reset_approvals, Some(2));

    // The first administrator asks: nothing changes yet.
    app.click("button.person[data-email=\"jordan@maple.example\"]")
        .await;
    app.on_screen("admin-person").await;
    app.click("#reset-2sv").await;
    app.click("#confirm-reset").await;
    app.wait_text(
        "#reset-result",
        "Another administrator of your center must approve it",
    )
    .await;
    assert_eq!(server.methods_of(&staff_id).await, 1);
    app.click("#back-to-people").await;
    app.on_screen("admin").await;
    app.wait_text("#reset-requests", "You asked for this reset")
        .await;
    // What expires within a day comes before the statistics.
    let first = app
        .d
        .execute(
            "return document.querySelector('#reset-requests').compareDocumentPosition(document.querySelector('#overview')) & Node.DOCUMENT_POSITION_FOLLOWING ? 'requests' : 'overview';",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(first.as_str(), Some("requests"));
    app.click("#sign-out").await;

    // The second one approves it.
    app.sign_in_with_emailed_code(&server, second).await;
    app.click("#nav-admin").await;
    app.on_screen("admin").await;
    app.wait_text("#reset-requests", "Asked by Avery Admin")
        .await;
    app.shoot("admin-reset-request").await;
    app.click("#reset-requests .request button.danger").await;
    app.click("#reset-requests .confirm-approve").await;
    app.wait_text("#toast", "2-Step Verification was reset for Jordan Lee")
        .await;
    assert_eq!(server.methods_of(&staff_id).await, 0);
    let notice = server.outbox(staff).await.pop().unwrap();
    assert_eq!(notice.subject, "Your 2-Step Verification has been reset");

    // Jordan's events, a page at a time: 150 failed sign-ins make two pages.
    let st = server.state();
    let center: String = sqlx::query_scalar("SELECT center_id FROM people WHERE id = $1")
        .bind(&staff_id)
        .fetch_one(st.db.read())
        .await
        .unwrap();
    let mut tx = st.db.begin().await.unwrap();
    for _ in 0..150 {
        Event::new(AuditAction::SignInFailed)
            .center(Some(&center))
            .person(Some(&staff_id))
            .record(&mut *tx, st.now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    app.click("#nav-home").await;
    app.click("#nav-admin").await;
    app.on_screen("admin").await;
    app.wait(&format!("#audit-person option[value=\"{staff_id}\"]"))
        .await;
    app.click(&format!("#audit-person option[value=\"{staff_id}\"]"))
        .await;
    // One page is 100 events; the same event again and again is one row, "Wrong password × N".
    app.wait_text("#audit-status", "100 events shown").await;
    app.wait_text("#audit", "Wrong password × ").await;
    assert!(
        app.count("#audit tbody tr").await < 100,
        "repeated events grouped"
    );
    let expected = server
        .client
        .admin_audit_page(
            &server.sign_in_with_email(second).await,
            &twostep_client::api::AuditQuery {
                person_id: Some(staff_id.clone()),
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .events
        .len();
    assert!(expected > 150);
    app.click("#audit-more").await;
    app.wait_text("#audit-status", &format!("{expected} events shown"))
        .await;
    let events_shown = || async {
        let counts = app
            .d
            .execute(
                "return [...document.querySelectorAll('#audit tbody tr')].map((tr) => Number(tr.dataset.count));",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value::<Vec<usize>>(counts).unwrap()
    };
    let counts = events_shown().await;
    assert_eq!(counts.iter().sum::<usize>(), expected);
    assert!(
        counts.iter().any(|&n| n >= 150),
        "the 150 in one row: {counts:?}"
    );
    let all = app.text("#audit").await;
    assert!(all.contains("2-Step Verification reset") && all.contains("Reset asked for"));
    assert!(all.contains("Blake Boss"), "who approved it: {all}");
    assert!(!app.exists("#audit-more:not([hidden])").await);
    app.d
        .execute(
            "document.getElementById('audit-h').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    app.shoot("admin-audit").await;
    // On a phone the rows stack: nothing to scroll sideways.
    app.d.set_window_rect(0, 0, 390, 844).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let wide = app
        .d
        .execute(
            "const w = document.querySelector('#audit-section .table-wrap');
             const edge = w.getBoundingClientRect().right;
             const walk = document.createTreeWalker(w, NodeFilter.SHOW_TEXT);
             let widest = null, right = -Infinity;
             for (let n = walk.nextNode(); n; n = walk.nextNode()) {
               const r = document.createRange(); r.selectNodeContents(n);
               const x = r.getBoundingClientRect().right;
               if (x > right) { right = x; widest = n; }
             }
             return [w.scrollWidth - w.clientWidth, widest ? `${Math.round(right - edge)} px: ${widest.textContent.slice(0, 80)}` : ''];",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        wide[0].as_i64().unwrap() <= 0,
        "the audit trail is {} px too wide for a phone: {}",
        wide[0],
        wide[1]
    );
    app.d
        .execute("document.getElementById('audit').scrollIntoView();", vec![])
        .await
        .unwrap();
    app.shoot_one("admin-audit-rows-phone").await;
    app.d.set_window_rect(0, 0, 1280, 800).await.unwrap();

    // Export what is shown to a CSV file, through the Save dialog; read it back.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jordan-events.csv");
    app.click("#audit-export").await;
    answer_save_dialog(&file).await;
    app.wait_text("#audit-status", "events to the CSV file")
        .await;
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("When,Person,Event,By,Details"));
    let rows: Vec<&str> = lines.collect();
    // The file keeps every event, one a line (a row on screen may stand for many).
    assert_eq!(rows.len(), expected);
    assert!(rows
        .iter()
        .any(|r| r.contains("2-Step Verification reset,Blake Boss")));
    assert!(rows.iter().all(|r| r.contains("Jordan Lee")));
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_family_member_is_told_their_center_requires_it_too() {
    let server = start_server().await;
    let admin = "avery@maple.example";
    server
        .add_named_person(admin, "Avery Admin", &[Role::Admin])
        .await;
    server.with_email(admin).await;
    let token = server.sign_in_with_email(admin).await;
    server
        .client
        .admin_put_policy(
            &token,
            &twostep_client::api::Policy {
                allowed_kinds: vec![
                    twostep_client::api::Kind::Email,
                    twostep_client::api::Kind::Totp,
                ],
                reset_approvals: None,
                guardians_required: Some(true),
                new_admin_wait_days: None,
                passkey_sign_in: None,
                min_method: None,
                time_zone: None,
                passes_per_month: None,
                remember_days: None,
            },
        )
        .await
        .unwrap();
    let parent = "riley@family.example";
    server
        .add_named_person(parent, "Riley Parent", &[Role::Guardian])
        .await;

    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(parent).await;
    // The same one-skip rollout as staff.
    app.on_screen("setup-intro").await;
    app.click("#skip-setup").await;
    app.on_screen("home").await;
    app.wait_text(
        "#tsv-state",
        "Off. Your center requires it for families too: set it up now.",
    )
    .await;
    app.shoot("home-family-required").await;
    app.quit().await;
}
