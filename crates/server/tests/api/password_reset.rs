//! "Forgot password?" (API.md "Sign-in", password reset): the same answer for every email, a
//! single-use link to the owner's sign-in email only, a new password under the change's rule,
//! and then the second step as at sign-in: a reset password alone never opens an account with
//! 2-Step Verification. Every session ends, every other link is spent, the owner is told on
//! every address; three links an hour at most, whatever the burst.

use std::time::Duration;

use twostep_client::api::LoginResponse;
use twostep_core::Role;

use crate::harness::*;

const TEACHER: &str = "teacher@acorns.example";
const NEW_PASSWORD: &str = "a brand new passphrase for spring";
const SUBJECT: &str = "Reset your Twostep password";

/// The reset emails sent to `to` so far, waiting a little for the ones the server sends after
/// its answer (at least `at_least`).
pub(crate) async fn reset_emails(t: &TestServer, to: &str, at_least: usize) -> Vec<String> {
    for _ in 0..100 {
        let found: Vec<String> = t
            .outbox(to)
            .await
            .into_iter()
            .filter(|m| m.subject == SUBJECT)
            .map(|m| m.body)
            .collect();
        if found.len() >= at_least {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Vec::new()
}

pub(crate) fn token_in(body: &str) -> String {
    let start = body.find("/reset-password/").expect("a reset link") + "/reset-password/".len();
    body[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_owned()
}

#[db_test]
async fn the_answer_is_the_same_for_every_email_and_only_the_owner_gets_a_link(db: Db) {
    let t = TestServer::start(db).await;
    t.staff_with_email(TEACHER).await;
    let known = t.client.password_reset(TEACHER).await.unwrap();
    let unknown = t
        .client
        .password_reset("nobody@acorns.example")
        .await
        .unwrap();
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.status, "accepted");
    let sent = reset_emails(&t, TEACHER, 1).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains(&format!("{}/reset-password/", t.url())));
    assert!(sent[0].contains("30 minutes"));
    // Nothing went anywhere else, and nothing is kept for the unknown address.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(t.outbox("nobody@acorns.example").await.is_empty());
    assert_eq!(t.count("password_links").await, 1);
    // Stored as a hash.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT hash FROM password_links")
        .fetch_one(t.state().db.read())
        .await
        .unwrap();
    assert_ne!(stored, token_in(&sent[0]).as_bytes());
}

#[db_test]
async fn a_new_password_then_the_second_step_and_everything_else_ends(db: Db) {
    let t = TestServer::start(db).await;
    let (old_session, _) = t.staff_with_email(TEACHER).await;
    t.client.password_reset(TEACHER).await.unwrap();
    t.client.password_reset(TEACHER).await.unwrap();
    let sent = reset_emails(&t, TEACHER, 2).await;
    let (first, second) = (token_in(&sent[0]), token_in(&sent[1]));

    // The link opens the page, the token in the fragment.
    let opened = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/reset-password/{first}", t.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 303);
    assert_eq!(
        opened.headers()["location"].to_str().unwrap(),
        format!("/#reset-password/{first}")
    );

    // A weak one spends nothing.
    let weak = t
        .client
        .password_reset_complete(&first, "password")
        .await
        .unwrap_err();
    assert_eq!(weak.code(), Some("weak_password"));
    let next = t
        .client
        .password_reset_complete(&first, NEW_PASSWORD)
        .await
        .unwrap();
    let LoginResponse::Verify {
        challenge_id,
        code_sent: Some(sent_code),
        ..
    } = next
    else {
        panic!("the second step follows, got {next:?}")
    };
    // Every session ended; every link spent; the old password opens nothing.
    assert_eq!(
        t.client.me(&old_session).await.unwrap_err().code(),
        Some("unauthenticated")
    );
    for token in [&first, &second] {
        let again = t
            .client
            .password_reset_complete(token, NEW_PASSWORD)
            .await
            .unwrap_err();
        assert_eq!(again.code(), Some("not_found"));
    }
    assert_eq!(
        t.client
            .login(TEACHER, PASSWORD, None)
            .await
            .unwrap_err()
            .code(),
        Some("invalid_credentials")
    );
    // The second step, then a session.
    let code = t.last_code(TEACHER).await;
    let done = t
        .client
        .verify(
            &challenge_id,
            sent_code.method_id.as_deref().unwrap(),
            &code,
        )
        .await
        .unwrap();
    assert!(matches!(done, LoginResponse::Done { .. }));
    assert!(t
        .outbox(TEACHER)
        .await
        .iter()
        .any(|m| m.subject == "Your password was changed" && m.body.contains("/freeze/")));
    assert!(matches!(
        t.client.login(TEACHER, NEW_PASSWORD, None).await.unwrap(),
        LoginResponse::Verify { .. }
    ));
}

#[db_test]
async fn three_links_an_hour_whatever_the_burst_and_none_for_a_frozen_account(db: Db) {
    let t = TestServer::start(db).await;
    t.staff_with_email(TEACHER).await;
    let answers = burst(8, |_| {
        let client = t.client.clone();
        async move { client.password_reset(TEACHER).await }
    })
    .await;
    assert!(answers.iter().all(Result::is_ok));
    reset_emails(&t, TEACHER, 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(reset_emails(&t, TEACHER, 3).await.len(), 3);
    t.advance(3601);
    t.client.password_reset(TEACHER).await.unwrap();
    assert_eq!(reset_emails(&t, TEACHER, 4).await.len(), 4, "a new hour");

    t.add_person("frozen@acorns.example", &[Role::Guardian])
        .await;
    sqlx::query("UPDATE people SET frozen_at = 1 WHERE email = $1")
        .bind("frozen@acorns.example")
        .execute(t.state().db.write())
        .await
        .unwrap();
    t.client
        .password_reset("frozen@acorns.example")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(reset_emails(&t, "frozen@acorns.example", 1)
        .await
        .is_empty());
}
