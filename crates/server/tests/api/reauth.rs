//! A fresh sign-in before a change (API.md "Fresh sign-in"): a session older than
//! `limits.reauth_secs` cannot change 2-Step Verification; `reauth` with the password and a
//! second step issues a new session and revokes the old one.

use twostep_client::api::{AddMethodRequest, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

const EMAIL: &str = "tablet@acorns.example";
const REAUTH_SECS: i64 = 15 * 60;

fn refused(r: Result<impl std::fmt::Debug, twostep_client::ClientError>) -> Option<String> {
    r.unwrap_err().code().map(str::to_owned)
}

#[db_test]
async fn an_old_session_cannot_change_two_step_verification(db: Db) {
    let t = TestServer::start(db).await;
    let (token, method_id) = t.staff_with_email(EMAIL).await;
    let second = AddMethodRequest::Email {
        email: Some("second@acorns.example".into()),
    };
    // Fresh until the last second of the window.
    t.advance(REAUTH_SECS - 60);
    let pending = t.client.add_method(&token, &second).await.unwrap();
    t.advance(60);
    t.client.recovery_codes(&token).await.unwrap();
    t.advance(1);

    let code = t.last_code("second@acorns.example").await;
    let reauth = Some("reauth_required".to_owned());
    assert_eq!(refused(t.client.add_method(&token, &second).await), reauth);
    assert_eq!(
        refused(
            t.client
                .confirm_enrollment(&token, pending.id(), &code)
                .await
        ),
        reauth
    );
    assert_eq!(
        refused(t.client.delete_method(&token, &method_id).await),
        reauth
    );
    assert_eq!(
        refused(t.client.set_preferred(&token, &method_id).await),
        reauth
    );
    assert_eq!(refused(t.client.new_recovery_codes(&token).await), reauth);
    let err = t.client.add_method(&token, &second).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    // Reading is not changing: an old session still sees everything.
    t.client.me(&token).await.unwrap();
    t.client.methods(&token).await.unwrap();
    t.client.recovery_codes(&token).await.unwrap();
    assert_eq!(t.count("methods").await, 1);
}

#[db_test]
async fn after_the_password_and_a_code_the_change_works_with_a_new_session(db: Db) {
    let t = TestServer::start(db).await;
    let (old, method_id) = t.staff_with_email(EMAIL).await;
    t.advance(REAUTH_SECS + 1);

    let LoginResponse::Verify {
        challenge_id,
        code_sent,
        ..
    } = t.client.reauth(&old, PASSWORD).await.unwrap()
    else {
        panic!("expected verify")
    };
    assert_eq!(code_sent.unwrap().method_id.as_deref(), Some(&*method_id));
    let code = t.last_code(EMAIL).await;
    // The challenge answers only with the session it refreshes presented (and a refusal for
    // that costs no attempt).
    for _ in 0..6 {
        assert_eq!(
            refused(t.client.verify(&challenge_id, &method_id, &code).await),
            Some("unauthenticated".into())
        );
    }
    let (other, _) = {
        let (c, m) = t.challenge(EMAIL).await;
        let code = t.last_code(EMAIL).await;
        session_of(t.client.verify(&c, &m, &code).await.unwrap())
    };
    assert_eq!(
        refused(
            t.client
                .send_code_as(Some(&other), &challenge_id, &method_id)
                .await
        ),
        Some("unauthenticated".into())
    );
    let (new, _) = session_of(
        t.client
            .verify_as(Some(&old), &challenge_id, &method_id, &code)
            .await
            .unwrap(),
    );
    assert_ne!(new, old);
    assert_eq!(
        refused(t.client.me(&old).await),
        Some("unauthenticated".into())
    );
    t.add_confirmed(
        &new,
        AddMethodRequest::Email {
            email: Some("second@acorns.example".into()),
        },
        "second@acorns.example",
    )
    .await;
    t.client.delete_method(&new, &method_id).await.unwrap();
    // The other device's session was not touched.
    t.client.me(&other).await.unwrap();
}

#[db_test]
async fn a_wrong_password_is_a_failed_sign_in(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email(EMAIL).await;
    let err = t.client.reauth(&token, "not it").await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(401), Some("invalid_credentials"))
    );
    assert_eq!(t.count("password_attempts").await, 1);
    // Ten in the window, as at sign-in: then refused, the right password too.
    for _ in 0..9 {
        let _ = t.client.reauth(&token, "not it").await;
    }
    assert_eq!(
        refused(t.client.reauth(&token, PASSWORD).await),
        Some("too_many_attempts".into())
    );
    // Without a session, nothing.
    assert_eq!(
        t.client
            .reauth("not-a-token", PASSWORD)
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );
}

#[db_test]
async fn a_person_without_methods_needs_only_the_password(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("parent@acorns.example", &[Role::Guardian])
        .await;
    let (old, _) = session_of(t.login("parent@acorns.example").await);
    t.advance(REAUTH_SECS + 1);
    assert_eq!(
        refused(t.client.add_method(&old, &AddMethodRequest::Totp).await),
        Some("reauth_required".into())
    );
    let (new, person) = session_of(t.client.reauth(&old, PASSWORD).await.unwrap());
    assert_eq!(person.email, "parent@acorns.example");
    assert_eq!(
        refused(t.client.me(&old).await),
        Some("unauthenticated".into())
    );
    t.client
        .add_method(&new, &AddMethodRequest::Totp)
        .await
        .unwrap();
}

#[db_test]
async fn a_recovery_code_also_passes_a_fresh_sign_in(db: Db) {
    let t = TestServer::start(db).await;
    let (c, _) = t.first_totp(EMAIL, &[Role::Staff]).await;
    let old = c.session.unwrap().token;
    let codes = c.recovery_codes.unwrap();
    t.advance(REAUTH_SECS + 1);
    let LoginResponse::Verify { challenge_id, .. } = t.client.reauth(&old, PASSWORD).await.unwrap()
    else {
        panic!("expected verify")
    };
    assert_eq!(
        refused(t.client.recover(&challenge_id, &codes[0]).await),
        Some("unauthenticated".into())
    );
    let (new, _) = session_of(
        t.client
            .recover_as(Some(&old), &challenge_id, &codes[0])
            .await
            .unwrap(),
    );
    let made = t.client.new_recovery_codes(&new).await.unwrap();
    assert_eq!(made.codes.len(), 10);
    assert_eq!(
        refused(t.client.me(&old).await),
        Some("unauthenticated".into())
    );
}
