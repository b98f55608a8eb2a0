//! The rollout of 2-Step Verification: the administrator's report, reminders, and the policy
//! that requires families too.

use twostep_client::api::{self, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

const ADMIN: &str = "boss@acorns.example";

/// Freezes the person as "This wasn't me" does (the test is about the report, not the link).
async fn freeze(t: &TestServer, id: &str) {
    twostep_server::store::people::set_frozen(t.server.state.db.write(), id, Some(t.now()))
        .await
        .unwrap();
}

/// A center with every state: enrolled (email, authenticator app), not enrolled, skipped once,
/// frozen, disabled; staff, families and administrators; and someone in another center.
async fn seeded(db: Db) -> (TestServer, String) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    t.enrolled_with_totp("app@acorns.example", &[Role::Staff])
        .await;
    t.add_person("new@acorns.example", &[Role::Staff]).await;
    t.add_person("skipper@acorns.example", &[Role::Staff]).await;
    let LoginResponse::Setup { setup_token, .. } = t.login("skipper@acorns.example").await else {
        panic!("expected setup")
    };
    t.client.skip_setup(&setup_token).await.unwrap();
    t.add_person("parent@acorns.example", &[Role::Guardian])
        .await;
    let frozen = t.add_person("frozen@acorns.example", &[Role::Staff]).await;
    freeze(&t, &frozen).await;
    let gone = t.add_person("gone@acorns.example", &[Role::Staff]).await;
    t.client
        .admin_set_disabled(&admin, &gone, true)
        .await
        .unwrap();
    t.add_person_in("Other Center", "far@elsewhere.example", &[Role::Staff])
        .await;
    (t, admin)
}

#[db_test]
async fn the_report_counts_every_state_of_the_center_and_nothing_else(db: Db) {
    let (t, admin) = seeded(db).await;
    let r = t.client.admin_report(&admin).await.unwrap();
    assert_eq!(r.people, 7, "the other center's person is not counted");
    assert_eq!(r.by_role[&api::Role::Staff], 5);
    assert_eq!(r.by_role[&api::Role::Guardian], 1);
    assert_eq!(r.by_role[&api::Role::Admin], 1);
    assert_eq!((r.enrolled, r.not_enrolled), (2, 5));
    assert_eq!(r.enrolled_by_role[&api::Role::Staff], 1);
    assert_eq!(r.enrolled_by_role[&api::Role::Admin], 1);
    assert_eq!(r.enrolled_by_role[&api::Role::Guardian], 0);
    assert_eq!(r.skipped_once, 1);
    assert_eq!((r.frozen, r.disabled), (1, 1));
    assert_eq!(r.by_kind[&api::Kind::Email], 1);
    assert_eq!(r.by_kind[&api::Kind::Totp], 1);
    assert_eq!(r.by_kind[&api::Kind::Sms], 0);
    let mut must: Vec<_> = r
        .required_not_enrolled
        .iter()
        .map(|p| p.email.as_str())
        .collect();
    must.sort();
    // Not the parent (optional for families), not the disabled account.
    assert_eq!(
        must,
        [
            "frozen@acorns.example",
            "new@acorns.example",
            "skipper@acorns.example"
        ]
    );

    // Administrators only.
    let (staff, _) = t.staff_with_email("teacher@acorns.example").await;
    assert_eq!(
        t.client.admin_report(&staff).await.unwrap_err().status(),
        Some(403)
    );
}

#[db_test]
async fn reminders_go_to_who_must_and_has_not_once_a_day_in_their_language(db: Db) {
    let (t, admin) = seeded(db).await;
    // One of them reads Spanish.
    let es = t
        .client
        .admin_create_person(
            &admin,
            &api::NewPerson {
                email: "maestra@acorns.example".into(),
                name: "Ana Maestra".into(),
                roles: vec![api::Role::Staff],
                password: Some("a long enough password".into()),
                shared: None,
                locale: Some(api::Locale::Es),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.client.admin_send_reminders(&admin).await.unwrap().sent,
        3,
        "new, skipper and the Spanish reader; not the frozen, disabled, enrolled or parent"
    );
    for to in ["new@acorns.example", "skipper@acorns.example"] {
        let msgs = t.outbox(to).await;
        let m = msgs.last().unwrap();
        assert_eq!(m.subject, "Set up 2-Step Verification for your account");
        assert!(m
            .body
            .contains("Little Acorns asks you to turn on 2-Step Verification"));
        assert!(!m.body.contains("/freeze/"), "a reminder is not a notice");
    }
    let m = t.outbox(&es.email).await.pop().unwrap();
    assert_eq!(
        m.subject,
        "Configure la verificación en dos pasos de su cuenta"
    );
    assert!(m
        .body
        .contains("le pide que active la verificación en dos pasos"));
    for nobody in [
        "frozen@acorns.example",
        "gone@acorns.example",
        "parent@acorns.example",
        "far@elsewhere.example",
    ] {
        assert!(t.outbox(nobody).await.is_empty(), "{nobody} was reminded");
    }
    let reminded = |msgs: Vec<api::OutboxMessage>| {
        msgs.iter()
            .filter(|m| m.subject.contains("Set up 2-Step Verification"))
            .count()
    };
    assert_eq!(reminded(t.outbox("app@acorns.example").await), 0);

    // Not again the same day, even in a burst from two administrators' tabs…
    let results = burst(6, |_| {
        let c = t.client.clone();
        let a = admin.clone();
        async move { c.admin_send_reminders(&a).await.unwrap().sent }
    })
    .await;
    assert_eq!(results.iter().sum::<u32>(), 0);
    t.advance(23 * 3600);
    let admin = t.sign_in_with_email(ADMIN).await;
    assert_eq!(t.client.admin_send_reminders(&admin).await.unwrap().sent, 0);
    // …but the next day; and not to whoever enrolled in between.
    t.advance(3600);
    let LoginResponse::Setup { setup_token, .. } = t.login("new@acorns.example").await else {
        panic!("expected setup")
    };
    let e = t
        .client
        .add_method(&setup_token, &api::AddMethodRequest::Email { email: None })
        .await
        .unwrap();
    let code = t.last_code("new@acorns.example").await;
    t.client
        .confirm_enrollment(&setup_token, e.id(), &code)
        .await
        .unwrap();
    // An administrator's writes take a fresh sign-in: the one of an hour ago is not.
    let stale = t.client.admin_send_reminders(&admin).await.unwrap_err();
    assert_eq!(stale.code(), Some("reauth_required"));
    let admin = t.sign_in_with_email(ADMIN).await;
    let results = burst(6, |_| {
        let c = t.client.clone();
        let a = admin.clone();
        async move { c.admin_send_reminders(&a).await.unwrap().sent }
    })
    .await;
    assert_eq!(
        results.iter().sum::<u32>(),
        2,
        "each person once, in a burst"
    );
    assert_eq!(reminded(t.outbox("skipper@acorns.example").await), 2);
    assert_eq!(t.audit_count("reminder_sent").await, 5);
    assert_eq!(t.audit_count("reminders_sent").await, 2);

    let (staff, _) = t.staff_with_email("teacher@acorns.example").await;
    assert_eq!(
        t.client
            .admin_send_reminders(&staff)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
}

#[db_test]
async fn a_center_can_require_families_too_with_the_same_one_skip_rollout(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    t.add_person("parent@acorns.example", &[Role::Guardian])
        .await;
    // Optional by default: no second step, no setup.
    assert!(matches!(
        t.login("parent@acorns.example").await,
        LoginResponse::Done { .. }
    ));
    let policy = t
        .client
        .admin_put_policy(
            &admin,
            &api::Policy {
                allowed_kinds: vec![api::Kind::Email, api::Kind::Totp],
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
    assert_eq!(policy.guardians_required, Some(true));
    assert_eq!(policy.reset_approvals, Some(1), "left out: kept");
    let p = t
        .person_seen_by_admin(&admin, "parent@acorns.example")
        .await;
    assert!(p.two_step.required);
    // One skip, then required, as for staff.
    let LoginResponse::Setup {
        required,
        setup_token,
        ..
    } = t.login("parent@acorns.example").await
    else {
        panic!("expected setup")
    };
    assert!(!required);
    t.client.skip_setup(&setup_token).await.unwrap();
    let LoginResponse::Setup { required, .. } = t.login("parent@acorns.example").await else {
        panic!("expected setup")
    };
    assert!(required);
    let r = t.client.admin_report(&admin).await.unwrap();
    assert_eq!(r.required_not_enrolled.len(), 1);
    assert_eq!(r.skipped_once, 1);

    // Back to optional: the parent signs in with the password alone again.
    t.client
        .admin_put_policy(
            &admin,
            &api::Policy {
                allowed_kinds: vec![api::Kind::Email],
                reset_approvals: None,
                guardians_required: Some(false),
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
    assert!(matches!(
        t.login("parent@acorns.example").await,
        LoginResponse::Done { .. }
    ));
    let got = t.client.admin_policy(&admin).await.unwrap();
    assert_eq!(
        (got.allowed_kinds, got.guardians_required),
        (vec![api::Kind::Email], Some(false))
    );
}

#[db_test]
async fn a_policy_with_a_reset_of_three_administrators_is_refused_and_changes_nothing(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    for n in [0, 3] {
        let err = t
            .client
            .admin_put_policy(
                &admin,
                &api::Policy {
                    allowed_kinds: vec![api::Kind::Email],
                    reset_approvals: Some(n),
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
            .unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(422), Some("invalid_reset_approvals"))
        );
    }
    let p = t.client.admin_policy(&admin).await.unwrap();
    assert_eq!(p.allowed_kinds.len(), 4, "every kind, passkeys included");
    assert_eq!(
        (p.reset_approvals, p.guardians_required),
        (Some(1), Some(false))
    );
}
