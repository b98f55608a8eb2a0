//! Two-person reset: with the center's `reset_approvals: 2`, one administrator asks and a
//! different one approves within a day; nothing changes until then.

use twostep_client::api::{self, LoginResponse, ResetAnswer};
use twostep_core::Role;

use crate::harness::*;

const FIRST: &str = "first@acorns.example";
const SECOND: &str = "second@acorns.example";
const STAFF: &str = "nia@acorns.example";

/// Two administrators, a staff member with 2-Step Verification, and the policy at two.
async fn two_admins(db: Db) -> (TestServer, String, String, String) {
    let t = TestServer::start(db).await;
    let (first, _) = t.enrolled_with_email(FIRST, &[Role::Admin]).await;
    let (second, _) = t.enrolled_with_email(SECOND, &[Role::Admin]).await;
    t.staff_with_email(STAFF).await;
    let p = t
        .client
        .admin_put_policy(
            &first,
            &api::Policy {
                allowed_kinds: vec![api::Kind::Email, api::Kind::Totp, api::Kind::Sms],
                reset_approvals: Some(2),
                guardians_required: None,
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
    assert_eq!(p.reset_approvals, Some(2));
    let staff = t.person_seen_by_admin(&first, STAFF).await.id;
    (t, first, second, staff)
}

async fn request(t: &TestServer, admin: &str, person: &str) -> api::ResetRequested {
    match t
        .client
        .admin_reset_or_request(admin, person)
        .await
        .unwrap()
    {
        ResetAnswer::Requested(r) => r,
        ResetAnswer::Done(_) => panic!("expected a request, got a reset"),
    }
}

#[db_test]
async fn a_request_changes_nothing_until_a_different_administrator_approves_it(db: Db) {
    let (t, first, second, staff) = two_admins(db).await;
    let notices =
        |msgs: Vec<api::OutboxMessage>| msgs.iter().filter(|m| !is_code_message(m)).count();
    let before = notices(t.outbox(STAFF).await);
    let r = request(&t, &first, &staff).await;
    assert_eq!(r.expires_at, t.now() + chrono::Duration::hours(24));
    let methods = format!("methods WHERE person_id = '{staff}'");
    assert_eq!(t.count(&methods).await, 1);
    assert!(matches!(t.login(STAFF).await, LoginResponse::Verify { .. }));
    assert_eq!(
        notices(t.outbox(STAFF).await),
        before,
        "no notice before the reset happens"
    );
    // Asking again answers with the same request.
    assert_eq!(request(&t, &first, &staff).await.request_id, r.request_id);
    assert_eq!(request(&t, &second, &staff).await.request_id, r.request_id);

    // Listed for both, with who asked.
    let list = t
        .client
        .admin_reset_requests(&second)
        .await
        .unwrap()
        .requests;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, r.request_id);
    assert_eq!(list[0].person.email, STAFF);
    assert_eq!(list[0].requested_by.email, FIRST);

    // The one who asked cannot approve.
    let err = t
        .client
        .admin_approve_reset(&first, &r.request_id)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(403), Some("approval_by_requester"))
    );
    assert_eq!(t.audit_count("two_step_reset").await, 0);

    let p = t
        .client
        .admin_approve_reset(&second, &r.request_id)
        .await
        .unwrap();
    assert!(!p.two_step.enabled);
    let notice = t.outbox(STAFF).await.pop().unwrap();
    assert_eq!(notice.subject, "Your 2-Step Verification has been reset");
    let LoginResponse::Setup { required, .. } = t.login(STAFF).await else {
        panic!("expected setup")
    };
    assert!(required, "no skip after a reset");
    assert_eq!(t.audit_count("reset_requested").await, 1);
    assert_eq!(t.audit_count("two_step_reset").await, 1);
    let approver: String =
        sqlx::query_scalar("SELECT actor_id FROM audit WHERE action = 'two_step_reset'")
            .fetch_one(t.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(approver, t.person_seen_by_admin(&first, SECOND).await.id);

    // Done: not approvable again, no longer listed.
    let err = t
        .client
        .admin_approve_reset(&second, &r.request_id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(t
        .client
        .admin_reset_requests(&first)
        .await
        .unwrap()
        .requests
        .is_empty());
}

#[db_test]
async fn another_centers_administrator_and_staff_cannot_see_or_approve_it(db: Db) {
    let (t, first, _, staff) = two_admins(db).await;
    let r = request(&t, &first, &staff).await;
    t.add_person_in("Other Center", "boss@elsewhere.example", &[Role::Admin])
        .await;
    let stranger = t.enrolled_with_email_in("boss@elsewhere.example").await;
    let err = t
        .client
        .admin_approve_reset(&stranger, &r.request_id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(t
        .client
        .admin_reset_requests(&stranger)
        .await
        .unwrap()
        .requests
        .is_empty());
    let (teacher, _) = t.staff_with_email("teacher@acorns.example").await;
    assert_eq!(
        t.client
            .admin_approve_reset(&teacher, &r.request_id)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    assert_eq!(
        t.client
            .admin_approve_reset(&first, "no-such-request")
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    assert_eq!(t.audit_count("two_step_reset").await, 0);
}

#[db_test]
async fn an_expired_request_cannot_be_approved_and_a_new_one_can_be_made(db: Db) {
    let (t, first, _, staff) = two_admins(db).await;
    let r = request(&t, &first, &staff).await;
    t.advance(24 * 3600);
    // A day later, each signs in again.
    let first = t.sign_in_with_email(FIRST).await;
    let second = t.sign_in_with_email(SECOND).await;
    let err = t
        .client
        .admin_approve_reset(&second, &r.request_id)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(410), Some("reset_request_expired"))
    );
    assert!(t
        .client
        .admin_reset_requests(&second)
        .await
        .unwrap()
        .requests
        .is_empty());
    assert!(t.person_seen_by_admin(&first, STAFF).await.two_step.enabled);
    let again = request(&t, &first, &staff).await;
    assert_ne!(again.request_id, r.request_id);
    t.client
        .admin_approve_reset(&second, &again.request_id)
        .await
        .unwrap();
    assert!(!t.person_seen_by_admin(&first, STAFF).await.two_step.enabled);
}

#[db_test]
async fn a_burst_of_approvals_resets_once(db: Db) {
    let (t, first, second, staff) = two_admins(db).await;
    let (third, _) = t
        .enrolled_with_email("third@acorns.example", &[Role::Admin])
        .await;
    let r = request(&t, &first, &staff).await;
    let results = burst(8, |i| {
        let c = t.client.clone();
        let who = if i % 2 == 0 {
            second.clone()
        } else {
            third.clone()
        };
        let id = r.request_id.clone();
        async move { c.admin_approve_reset(&who, &id).await }
    })
    .await;
    assert_eq!(tally(&results), counts(&[("ok", 1), ("not_found", 7)]));
    assert_eq!(t.audit_count("two_step_reset").await, 1);
    let notices = t
        .outbox(STAFF)
        .await
        .into_iter()
        .filter(|m| m.subject == "Your 2-Step Verification has been reset")
        .count();
    assert_eq!(notices, 1, "told once");
}

#[db_test]
async fn with_one_approval_a_reset_is_one_step_as_before(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(FIRST, &[Role::Admin]).await;
    t.staff_with_email(STAFF).await;
    let staff = t.person_seen_by_admin(&admin, STAFF).await.id;
    match t
        .client
        .admin_reset_or_request(&admin, &staff)
        .await
        .unwrap()
    {
        ResetAnswer::Done(p) => assert!(!p.two_step.enabled),
        ResetAnswer::Requested(_) => panic!("one approval: done at once"),
    }
}

#[db_test]
async fn one_administrator_cannot_undo_the_two_person_rule(db: Db) {
    let (t, first, second, staff) = two_admins(db).await;
    let both = |n| api::Policy {
        allowed_kinds: vec![api::Kind::Email, api::Kind::Totp],
        reset_approvals: Some(n),
        guardians_required: None,
        new_admin_wait_days: None,
        passkey_sign_in: None,
        min_method: None,
        time_zone: None,
        passes_per_month: None,
        remember_days: None,
    };
    // Not by turning it off…
    let err = t
        .client
        .admin_put_policy(&first, &both(1))
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(403), Some("operator_only"))
    );
    assert_eq!(
        t.client.admin_policy(&first).await.unwrap().reset_approvals,
        Some(2)
    );
    // …nor by making a second administrator to approve with.
    let err = t
        .client
        .admin_create_person(
            &first,
            &api::NewPerson {
                email: "puppet@acorns.example".into(),
                name: "Puppet Admin".into(),
                roles: vec![api::Role::Admin],
                password: Some("a long enough password".into()),
                shared: None,
                locale: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("operator_only"));
    assert_eq!(t.audit_count("person_added").await, 3, "nobody was added");

    // The person being reset does not approve their own reset, even as an administrator.
    let second_id = t.person_seen_by_admin(&first, SECOND).await.id;
    let r = request(&t, &first, &second_id).await;
    let err = t
        .client
        .admin_approve_reset(&second, &r.request_id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));

    // An old session confirms it's the administrator first.
    let r = request(&t, &first, &staff).await;
    t.advance(16 * 60);
    let err = t
        .client
        .admin_approve_reset(&second, &r.request_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("reauth_required"));
    let err = t
        .client
        .admin_reset_or_request(&first, &staff)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("reauth_required"));
    assert_eq!(t.audit_count("two_step_reset").await, 0);

    // The server's operator can (what `twostep-server policy --reset-approvals 1` calls).
    let center: String = sqlx::query_scalar("SELECT center_id FROM people WHERE id = $1")
        .bind(&staff)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    let p = twostep_server::operate::set_policy_of(&t.server.state, &center, both(1), None)
        .await
        .unwrap();
    assert_eq!(p.reset_approvals, Some(1));
}

#[db_test]
async fn a_request_of_an_administrator_since_disabled_cannot_be_approved(db: Db) {
    let (t, first, second, staff) = two_admins(db).await;
    let (third, _) = t
        .enrolled_with_email("third@acorns.example", &[Role::Admin])
        .await;
    let r = request(&t, &first, &staff).await;
    let first_id = t.person_seen_by_admin(&second, FIRST).await.id;
    t.client
        .admin_set_disabled(&second, &first_id, true)
        .await
        .unwrap();
    let err = t
        .client
        .admin_approve_reset(&third, &r.request_id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(
        t.person_seen_by_admin(&second, STAFF)
            .await
            .two_step
            .enabled
    );
}

#[db_test]
async fn two_approvals_need_two_administrators_who_use_two_step_verification(db: Db) {
    let t = TestServer::start(db).await;
    let (first, _) = t.enrolled_with_email(FIRST, &[Role::Admin]).await;
    // A second administrator without a method does not count.
    t.add_person(SECOND, &[Role::Admin]).await;
    let two = api::Policy {
        allowed_kinds: vec![api::Kind::Email],
        reset_approvals: Some(2),
        guardians_required: None,
        new_admin_wait_days: None,
        passkey_sign_in: None,
        min_method: None,
        time_zone: None,
        passes_per_month: None,
        remember_days: None,
    };
    let err = t.client.admin_put_policy(&first, &two).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(422), Some("needs_two_admins"))
    );
    t.enrolled_with_email("third@acorns.example", &[Role::Admin])
        .await;
    let p = t.client.admin_put_policy(&first, &two).await.unwrap();
    assert_eq!(p.reset_approvals, Some(2));
    assert_eq!(t.audit_count("reset_approvals_changed").await, 1);
    // Saving it again changes nothing and records no change of it.
    t.client.admin_put_policy(&first, &two).await.unwrap();
    assert_eq!(t.audit_count("reset_approvals_changed").await, 1);
}
