//! The second-step lock, with the clock moved by the test: 15 minutes at 20 consecutive
//! failures, doubling at each further 20, and at 100 locked until an administrator's reset.

use twostep_client::api::LoginResponse;
use twostep_core::Role;

use crate::harness::*;

const EMAIL: &str = "esc@acorns.example";

/// `n` failed second steps, five per sign-in (each challenge takes five wrong codes).
async fn fail(t: &TestServer, n: usize) -> Option<twostep_client::ClientError> {
    let mut last = None;
    let mut left = n;
    while left > 0 {
        let (challenge_id, method_id) = t.challenge(EMAIL).await;
        for _ in 0..left.min(5) {
            last = Some(
                t.client
                    .verify(&challenge_id, &method_id, "000000x")
                    .await
                    .unwrap_err(),
            );
            left -= 1;
        }
    }
    last
}

async fn failures(t: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT failed_second_steps FROM people WHERE email = $1")
        .bind(EMAIL)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap()
}

async fn login_refusal(t: &TestServer) -> (Option<String>, Option<u64>) {
    let e = t.client.login(EMAIL, PASSWORD, None).await.unwrap_err();
    (e.code().map(str::to_owned), e.retry_after())
}

fn lock_notices(msgs: &[twostep_client::api::OutboxMessage]) -> usize {
    msgs.iter()
        .filter(|m| m.subject == "Someone entered your password but not your verification code")
        .count()
}

#[db_test]
async fn locks_double_every_twenty_failures_and_hold_for_good_at_one_hundred(db: Db) {
    let mut t = TestServer::start(db).await;
    t.enrolled_with_totp(EMAIL, &[Role::Staff]).await;

    let mut expected_lock = 15 * 60;
    for round in 1..=4 {
        let last = fail(&t, 20).await.unwrap();
        assert_eq!(last.code(), Some("challenge_locked"), "round {round}");
        assert_eq!(
            login_refusal(&t).await,
            (Some("too_many_attempts".into()), Some(expected_lock)),
            "round {round}"
        );
        // The lock ends; the count does not.
        t.advance(expected_lock as i64);
        assert_eq!(failures(&t).await, 20 * round);
        assert!(matches!(t.login(EMAIL).await, LoginResponse::Verify { .. }));
        expected_lock *= 2;
        if round == 2 {
            // The count survives a restart.
            t = t.restart().await;
            assert_eq!(failures(&t).await, 40);
        }
    }
    // The person hears of it once, when the first lock starts.
    assert_eq!(lock_notices(&t.outbox(EMAIL).await), 1);
    assert_eq!(t.audit_count("person_locked").await, 4);

    // The hundredth failure locks the second step until an administrator resets it.
    let last = fail(&t, 20).await.unwrap();
    assert_eq!(
        (last.status(), last.code()),
        (Some(423), Some("two_step_locked"))
    );
    t.advance(7 * 24 * 3600);
    let err = t.client.login(EMAIL, PASSWORD, None).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(423), Some("two_step_locked"))
    );
    // A wrong password still says only that: the lock is shown to the password's holder alone.
    let err = t
        .client
        .login(EMAIL, "not the password", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_credentials"));
    assert_eq!(
        lock_notices(&t.outbox(EMAIL).await),
        2,
        "and when it locks for good"
    );

    let admin = t
        .enrolled_with_email("boss@acorns.example", &[Role::Admin])
        .await
        .0;
    let person = t.person_seen_by_admin(&admin, EMAIL).await;
    t.client.admin_reset(&admin, &person.id).await.unwrap();
    assert_eq!(failures(&t).await, 0);
    assert!(matches!(
        t.login(EMAIL).await,
        LoginResponse::Setup { required: true, .. }
    ));
}

#[db_test]
async fn a_successful_second_step_starts_the_count_again(db: Db) {
    let t = TestServer::start(db).await;
    let totp = t.enrolled_with_totp(EMAIL, &[Role::Staff]).await;
    fail(&t, 19).await;
    assert_eq!(failures(&t).await, 19);
    let LoginResponse::Verify { challenge_id, .. } = t.login(EMAIL).await else {
        panic!()
    };
    let code = t.next_totp(&totp);
    session_of(
        t.client
            .verify(&challenge_id, &totp.method_id, &code)
            .await
            .unwrap(),
    );
    assert_eq!(failures(&t).await, 0);
    // Nineteen more are not twenty.
    let last = fail(&t, 19).await.unwrap();
    assert_eq!(last.code(), Some("invalid_code"));
    assert!(matches!(t.login(EMAIL).await, LoginResponse::Verify { .. }));
    let last = fail(&t, 1).await.unwrap();
    assert_eq!(last.code(), Some("challenge_locked"));
}
