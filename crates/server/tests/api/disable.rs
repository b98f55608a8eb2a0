//! An administrator disables and enables a person, and signs a person out everywhere; the
//! person's 2-Step Verification is kept through both.

use twostep_client::api::LoginResponse;
use twostep_core::Role;

use crate::harness::*;

const ADMIN: &str = "boss@acorns.example";
const EMAIL: &str = "leaving@acorns.example";

#[db_test]
async fn a_disabled_person_cannot_sign_in_and_an_enabled_one_can_with_their_methods(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let (token, _) = t.staff_with_email(EMAIL).await;
    let person = t.person_seen_by_admin(&admin, EMAIL).await;

    let p = t
        .client
        .admin_set_disabled(&admin, &person.id, true)
        .await
        .unwrap();
    assert!(p.disabled && p.two_step.enabled);
    assert_eq!(t.client.me(&token).await.unwrap_err().status(), Some(401));
    let err = t.client.login(EMAIL, PASSWORD, None).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(403), Some("account_disabled"))
    );
    let err = t.client.login(EMAIL, "not it", None).await.unwrap_err();
    assert_eq!(
        err.code(),
        Some("invalid_credentials"),
        "only the password's holder learns it"
    );
    assert!(t.person_seen_by_admin(&admin, EMAIL).await.disabled);
    assert_eq!(t.count("methods").await, 2, "2-Step Verification kept");

    let p = t
        .client
        .admin_set_disabled(&admin, &person.id, false)
        .await
        .unwrap();
    assert!(!p.disabled);
    assert!(matches!(t.login(EMAIL).await, LoginResponse::Verify { .. }));
    assert_eq!(t.audit_count("account_disabled").await, 1);
    assert_eq!(t.audit_count("account_enabled").await, 1);

    // Only an administrator, of the same center, and never their own account.
    let (staff, _) = t.staff_with_email("colleague@acorns.example").await;
    assert_eq!(
        t.client
            .admin_set_disabled(&staff, &person.id, true)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    let me = t.person_seen_by_admin(&admin, ADMIN).await;
    let err = t
        .client
        .admin_set_disabled(&admin, &me.id, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("cannot_disable_self"));
    t.add_person_in("Other Center", "stranger@elsewhere.example", &[Role::Staff])
        .await;
    let stranger: String = sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
        .bind("stranger@elsewhere.example")
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    assert_eq!(
        t.client
            .admin_set_disabled(&admin, &stranger, true)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}

#[db_test]
async fn sign_out_everywhere_keeps_two_step_verification(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let (token, _) = t.staff_with_email(EMAIL).await;
    let person = t.person_seen_by_admin(&admin, EMAIL).await;
    t.client
        .admin_end_sessions(&admin, &person.id)
        .await
        .unwrap();
    assert_eq!(t.client.me(&token).await.unwrap_err().status(), Some(401));
    t.client.me(&admin).await.unwrap();
    assert!(matches!(t.login(EMAIL).await, LoginResponse::Verify { .. }));
    assert_eq!(t.audit_count("signed_out_everywhere").await, 1);
}
