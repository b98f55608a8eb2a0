//! Changing one's password (API.md "Password"): the current one, a fresh session, a new one
//! that is long enough and not easy to guess; other sessions end, the person is told.

use crate::harness::*;

const EMAIL: &str = "maria.lopez@acorns.example";
const NEW: &str = "purple tractor under rain";

#[db_test]
async fn a_weak_new_password_is_refused_with_the_reason_and_nothing_changes(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email(EMAIL).await;
    for (new, why) in [
        ("short1!", "too_short"),
        (EMAIL, "like_email"),
        ("Maria.Lopez", "like_email"),
        ("password1", "common_password"),
        ("aaaaaaaaaaaa", "repeats"),
    ] {
        let err = t
            .client
            .change_password(&token, PASSWORD, new)
            .await
            .unwrap_err();
        assert_eq!(
            (err.status(), err.code(), err.weakness()),
            (Some(422), Some("weak_password"), Some(why)),
            "{new}"
        );
    }
    let long = "x".repeat(129);
    let err = t
        .client
        .change_password(&token, PASSWORD, &long)
        .await
        .unwrap_err();
    assert_eq!(err.weakness(), Some("too_long"));
    // The old password still signs in; no failure was counted for the refusals.
    assert_eq!(t.count("password_attempts").await, 0);
    t.client.login(EMAIL, PASSWORD, None).await.unwrap();
}

#[db_test]
async fn the_current_password_and_a_fresh_session_are_required(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email(EMAIL).await;
    let err = t
        .client
        .change_password(&token, "not the password", NEW)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(401), Some("invalid_credentials"))
    );
    assert_eq!(t.count("password_attempts").await, 1);
    t.advance(15 * 60 + 1);
    let err = t
        .client
        .change_password(&token, PASSWORD, NEW)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("reauth_required"));
    t.client.login(EMAIL, PASSWORD, None).await.unwrap();
}

#[db_test]
async fn other_sessions_end_and_only_the_new_password_signs_in(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email(EMAIL).await;
    let (other, _) = {
        let (c, m) = t.challenge(EMAIL).await;
        let code = t.last_code(EMAIL).await;
        session_of(t.client.verify(&c, &m, &code).await.unwrap())
    };
    t.client
        .change_password(&token, PASSWORD, NEW)
        .await
        .unwrap();
    t.client.me(&token).await.unwrap();
    assert_eq!(t.client.me(&other).await.unwrap_err().status(), Some(401));
    assert_eq!(
        t.client
            .login(EMAIL, PASSWORD, None)
            .await
            .unwrap_err()
            .code(),
        Some("invalid_credentials")
    );
    t.client.login(EMAIL, NEW, None).await.unwrap();
    let told = t
        .outbox(EMAIL)
        .await
        .iter()
        .filter(|m| m.subject == "Your password was changed")
        .count();
    assert_eq!(told, 1);
    assert_eq!(t.audit_count("password_changed").await, 1);
    // The hash stored is Argon2id, never the password.
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM people WHERE email = $1")
        .bind(EMAIL)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains(NEW));
}
