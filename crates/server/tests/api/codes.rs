use twostep_client::api::AddMethodRequest;
use twostep_core::Role;

use crate::harness::*;

#[db_test]
async fn an_emailed_code_lives_ten_minutes_from_its_request(db: Db) {
    let t = TestServer::start(db).await;
    t.staff_with_email("a@acorns.example").await;

    let (c, m) = t.challenge("a@acorns.example").await;
    let code = t.last_code("a@acorns.example").await;
    t.advance(10 * 60 - 1);
    session_of(t.client.verify(&c, &m, &code).await.unwrap());

    let (c, m) = t.challenge("a@acorns.example").await;
    let code = t.last_code("a@acorns.example").await;
    t.advance(10 * 60);
    let err = t.client.verify(&c, &m, &code).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(401), Some("invalid_code"))
    );
}

#[db_test]
async fn an_earlier_code_still_works_after_send_new_code_and_each_works_once(db: Db) {
    let t = TestServer::start(db).await;
    t.staff_with_email("b@acorns.example").await;
    let (c, m) = t.challenge("b@acorns.example").await;
    let first = t.last_code("b@acorns.example").await;
    t.advance(30);
    t.client.send_code(&c, &m).await.unwrap();
    let second = t.last_code("b@acorns.example").await;
    assert_ne!(first, second);
    session_of(t.client.verify(&c, &m, &first).await.unwrap());
    // The challenge is spent, and every code sent for it with it.
    let err = t.client.verify(&c, &m, &second).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(410), Some("challenge_expired"))
    );
    let err = t.client.verify(&c, &m, &first).await.unwrap_err();
    assert_eq!(err.code(), Some("challenge_expired"));
    // Nor is a code good for another challenge.
    let (c2, m2) = t.challenge("b@acorns.example").await;
    assert_eq!(
        t.client.verify(&c2, &m2, &second).await.unwrap_err().code(),
        Some("invalid_code")
    );
}

#[db_test]
async fn cooldown_and_outstanding_cap_answer_429_with_retry_after(db: Db) {
    let t = TestServer::start(db).await;
    t.staff_with_email("c@acorns.example").await;
    // The setup code leaves the hour's count of messages to this address.
    t.advance(3600);
    let (c, m) = t.challenge("c@acorns.example").await; // code 1, sent at once
    let err = t.client.send_code(&c, &m).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code(), err.retry_after()),
        (Some(429), Some("resend_too_soon"), Some(30))
    );
    t.advance(10);
    assert_eq!(
        t.client.send_code(&c, &m).await.unwrap_err().retry_after(),
        Some(20)
    );
    for _ in 0..4 {
        t.advance(30);
        t.client.send_code(&c, &m).await.unwrap();
    }
    // Five outstanding: the first expires 10 minutes after it was sent, 130 s ago.
    t.advance(30);
    let err = t.client.send_code(&c, &m).await.unwrap_err();
    assert_eq!(
        (err.code(), err.retry_after()),
        (Some("too_many_codes"), Some(600 - 160))
    );
    assert_eq!(
        t.count(&format!("codes WHERE challenge_id = '{c}'")).await,
        5
    );
    // One code email during setup, five for this sign-in: the refused sends sent nothing.
    // (Five is also the hourly cap per address: a sixth would be refused for that too.)
    let sent = t
        .outbox("c@acorns.example")
        .await
        .iter()
        .filter(|m| m.subject == "User OTP from Online-Auth")
        .count();
    assert_eq!(sent, 6);
}

#[db_test]
async fn wrong_codes_count_down_then_lock(db: Db) {
    let t = TestServer::start(db).await;
    t.staff_with_email("d@acorns.example").await;
    let (c, m) = t.challenge("d@acorns.example").await;
    let right = t.last_code("d@acorns.example").await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for left in (0..5).rev() {
        let err = t.client.verify(&c, &m, wrong).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code(), err.attempts_left()),
            (Some(401), Some("invalid_code"), Some(left))
        );
    }
    let err = t.client.verify(&c, &m, &right).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(423), Some("challenge_locked"))
    );
    assert_eq!(
        t.client.send_code(&c, &m).await.unwrap_err().code(),
        Some("challenge_locked")
    );
    // Signing in again is the way back.
    let (c, m) = t.challenge("d@acorns.example").await;
    let code = t.last_code("d@acorns.example").await;
    session_of(t.client.verify(&c, &m, &code).await.unwrap());
}

#[db_test]
async fn twenty_failed_second_steps_lock_the_person_for_fifteen_minutes(db: Db) {
    let t = TestServer::start(db).await;
    // An authenticator app: signing in sends no code, so only the lock is at play.
    t.enrolled_with_totp("e@acorns.example", &[Role::Staff])
        .await;
    let mut locked = false;
    for round in 0..4 {
        let (c, m) = t.challenge("e@acorns.example").await;
        for i in 0..5 {
            let err = t.client.verify(&c, &m, "not-a-code").await.unwrap_err();
            if round == 3 && i == 4 {
                assert_eq!(err.code(), Some("challenge_locked"));
                locked = true;
            }
        }
    }
    assert!(locked);
    let err = t
        .client
        .login("e@acorns.example", PASSWORD, None)
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.retry_after()),
        (Some("too_many_attempts"), Some(900))
    );
    t.advance(15 * 60);
    t.challenge("e@acorns.example").await;
}

#[db_test]
async fn the_same_code_verified_twice_at_once_signs_in_once(db: Db) {
    let t = TestServer::start(db).await;
    t.staff_with_email("f@acorns.example").await;
    for _ in 0..5 {
        // Five codes an hour per address: each round an hour later.
        t.advance(3600);
        let (c, m) = t.challenge("f@acorns.example").await;
        let code = t.last_code("f@acorns.example").await;
        let (a, b) = tokio::join!(
            t.client.verify(&c, &m, &code),
            t.client.verify(&c, &m, &code)
        );
        assert_eq!(
            [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "{a:?} {b:?}"
        );
    }
}

#[db_test]
async fn enrollment_codes_follow_the_same_limits(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email("g@acorns.example").await;
    let e = t
        .client
        .add_method(
            &token,
            &AddMethodRequest::Email {
                email: Some("g.home@family.example".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.client
            .resend_enrollment(&token, e.id())
            .await
            .unwrap_err()
            .code(),
        Some("resend_too_soon")
    );
    let first = t.last_code("g.home@family.example").await;
    t.advance(30);
    t.client.resend_enrollment(&token, e.id()).await.unwrap();
    for left in (3..5).rev() {
        let err = t
            .client
            .confirm_enrollment(&token, e.id(), "999999x")
            .await
            .unwrap_err();
        assert_eq!(err.attempts_left(), Some(left));
    }
    // The earlier code still works after a resend.
    t.client
        .confirm_enrollment(&token, e.id(), &first)
        .await
        .unwrap();
}
