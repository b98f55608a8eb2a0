//! Recovery codes (API.md "Recovery codes", `recover`): made with the first method and shown
//! once, each signing in once, a new set voiding the old, a wrong one counted like a wrong
//! code, a right one opening a person locked for good, and a burst of one code signing in once.

use twostep_client::api::{AddMethodRequest, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

const EMAIL: &str = "lostphone@acorns.example";

/// A staff member who set up an authenticator at their first sign-in: the session token, the
/// authenticator, and the recovery codes that confirmation showed.
async fn staff_with_codes(t: &TestServer) -> (String, Totp, Vec<String>) {
    let (c, totp) = t.first_totp(EMAIL, &[Role::Staff]).await;
    let codes = c
        .recovery_codes
        .expect("the first method brings recovery codes");
    (c.session.unwrap().token, totp, codes)
}

async fn failures(t: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT failed_second_steps FROM people WHERE email = $1")
        .bind(EMAIL)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap()
}

fn with_subject(msgs: &[twostep_client::api::OutboxMessage], subject: &str) -> usize {
    msgs.iter().filter(|m| m.subject == subject).count()
}

#[db_test]
async fn ten_codes_of_eighty_bits_shown_once_and_stored_only_as_keyed_hashes(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _, codes) = staff_with_codes(&t).await;
    assert_eq!(codes.len(), 10);
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);
    for c in &codes {
        let groups: Vec<&str> = c.split('-').collect();
        assert_eq!(groups.len(), 4, "{c}");
        let plain: String = groups.concat();
        assert_eq!(plain.len(), 16, "{c}");
        let bytes = data_encoding::BASE32_NOPAD
            .decode(plain.as_bytes())
            .unwrap();
        assert_eq!(bytes.len() * 8, 80, "{c}");
    }

    // Counted, never shown again.
    let summary = t.client.recovery_codes(&token).await.unwrap();
    assert_eq!(summary.remaining, 10);
    assert_eq!(summary.created_at, Some(start_time()));
    assert_eq!(
        t.client
            .me(&token)
            .await
            .unwrap()
            .two_step
            .recovery_codes_left,
        10
    );
    // A second method brings no new set.
    let m = t
        .client
        .add_method(
            &token,
            &AddMethodRequest::Email {
                email: Some("second@acorns.example".into()),
            },
        )
        .await
        .unwrap();
    let code = t.last_code("second@acorns.example").await;
    let c = t
        .client
        .confirm_enrollment(&token, m.id(), &code)
        .await
        .unwrap();
    assert!(c.recovery_codes.is_none());
    assert_eq!(t.client.recovery_codes(&token).await.unwrap().remaining, 10);

    // The database holds 32-byte keyed hashes, not the codes.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(t.server.state.db.read())
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for h in &stored {
        assert_eq!(h.len(), 32);
        for c in &codes {
            let plain = c.replace('-', "");
            assert!(!h.windows(plain.len()).any(|w| w == plain.as_bytes()));
        }
    }
}

#[db_test]
async fn each_code_signs_in_once_in_any_case_and_tells_the_person(db: Db) {
    let t = TestServer::start(db).await;
    let (_, _, codes) = staff_with_codes(&t).await;

    let (challenge_id, _) = t.challenge(EMAIL).await;
    // Typed in lower case with spaces instead of dashes.
    let typed = codes[0].to_lowercase().replace('-', " ");
    let LoginResponse::Done { session, person } =
        t.client.recover(&challenge_id, &typed).await.unwrap()
    else {
        panic!("expected done")
    };
    assert!(session.recovered, "the app leads the person on");
    assert_eq!(person.two_step.recovery_codes_left, 9);
    assert!(person.two_step.enabled, "codes are not a method");
    t.client.me(&session.token).await.unwrap();
    assert_eq!(
        with_subject(&t.outbox(EMAIL).await, "A recovery code was used"),
        1
    );
    assert_eq!(t.audit_count("recovery_code_used").await, 1);

    // Spent: refused next time, and counted as a wrong code.
    let (challenge_id, _) = t.challenge(EMAIL).await;
    let err = t
        .client
        .recover(&challenge_id, &codes[0])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_code"));
    assert_eq!(err.attempts_left(), Some(4));
    assert_eq!(failures(&t).await, 1);
    // Another code of the set still works, on the same challenge.
    let LoginResponse::Done { person, .. } =
        t.client.recover(&challenge_id, &codes[1]).await.unwrap()
    else {
        panic!("expected done")
    };
    assert_eq!(person.two_step.recovery_codes_left, 8);
    assert_eq!(failures(&t).await, 0);
    // A spent challenge takes nothing more.
    let err = t
        .client
        .recover(&challenge_id, &codes[2])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("challenge_expired"));
}

#[db_test]
async fn codes_are_not_a_method_the_last_method_stays(db: Db) {
    let t = TestServer::start(db).await;
    let (token, totp, _) = staff_with_codes(&t).await;
    let err = t
        .client
        .delete_method(&token, &totp.method_id)
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("last_method")));
}

#[db_test]
async fn a_wrong_code_counts_against_the_challenge_and_the_person(db: Db) {
    let t = TestServer::start(db).await;
    let (_, _, codes) = staff_with_codes(&t).await;
    let (challenge_id, _) = t.challenge(EMAIL).await;
    for (i, wrong) in [
        "AAAA-BBBB-CCCC-DDDD",
        "not a code",
        "",
        "AAAA-BBBB-CCCC-DDDE",
    ]
    .iter()
    .enumerate()
    {
        let err = t.client.recover(&challenge_id, wrong).await.unwrap_err();
        assert_eq!(err.code(), Some("invalid_code"), "{wrong:?}");
        assert_eq!(err.attempts_left(), Some(4 - i as u32), "{wrong:?}");
    }
    assert_eq!(failures(&t).await, 4);
    assert_eq!(t.audit_count("code_failed").await, 4);
    // The fifth wrong one locks the challenge; then even a right code is refused there.
    let err = t
        .client
        .recover(&challenge_id, "ZZZZ-ZZZZ-ZZZZ-ZZZZ")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_code"));
    assert_eq!(err.attempts_left(), Some(0));
    let err = t
        .client
        .recover(&challenge_id, &codes[0])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("challenge_locked"));
    assert_eq!(
        t.client
            .recovery_codes(&signed_in(&t, &codes[0]).await)
            .await
            .unwrap()
            .remaining,
        9
    );
}

/// Signs in with a recovery code on a new challenge.
async fn signed_in(t: &TestServer, code: &str) -> String {
    let (challenge_id, _) = t.challenge(EMAIL).await;
    session_of(t.client.recover(&challenge_id, code).await.unwrap()).0
}

#[db_test]
async fn new_codes_void_the_old_ones_and_the_person_is_told(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _, old) = staff_with_codes(&t).await;
    t.advance(60);
    let new = t.client.new_recovery_codes(&token).await.unwrap();
    assert_eq!(new.codes.len(), 10);
    assert_eq!(new.created_at, t.now());
    assert!(new.codes.iter().all(|c| !old.contains(c)));
    assert_eq!(t.count("recovery_codes").await, 10);
    assert_eq!(
        with_subject(&t.outbox(EMAIL).await, "Your recovery codes were replaced"),
        1
    );
    assert_eq!(t.audit_count("recovery_codes_made").await, 1);

    let (challenge_id, _) = t.challenge(EMAIL).await;
    let err = t.client.recover(&challenge_id, &old[3]).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_code"));
    t.client
        .recover(&challenge_id, &new.codes[3])
        .await
        .unwrap();

    // Without a session, nothing.
    let err = t
        .client
        .new_recovery_codes("not-a-token")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
}

#[db_test]
async fn a_right_code_opens_a_person_locked_for_good(db: Db) {
    let t = TestServer::start_with(db, |c| {
        // Five locks' worth of failures, without waiting out the timed ones.
        c.limits.second_step_lock_secs = 1;
    })
    .await;
    let (_, totp, codes) = staff_with_codes(&t).await;
    for _ in 0..20 {
        let (challenge_id, method_id) = t.challenge(EMAIL).await;
        for _ in 0..5 {
            let _ = t.client.verify(&challenge_id, &method_id, "000000x").await;
        }
        t.advance(3600);
    }
    assert_eq!(failures(&t).await, 100);

    // The right password answers 423 with a challenge that only a recovery code answers.
    let err = t
        .client
        .login(EMAIL, PASSWORD, Some("test device"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(423), Some("two_step_locked"))
    );
    let challenge_id = err
        .challenge_id()
        .expect("a challenge to recover")
        .to_owned();
    let code = t.next_totp(&totp);
    let err = t
        .client
        .verify(&challenge_id, &totp.method_id, &code)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("two_step_locked"));
    let err = t
        .client
        .send_code(&challenge_id, &totp.method_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("two_step_locked"));
    // A wrong recovery code past the lock: counted, nothing new begins (no second notice).
    let locked_notices = |msgs: &[twostep_client::api::OutboxMessage]| {
        with_subject(
            msgs,
            "Someone entered your password but not your verification code",
        )
    };
    let before = locked_notices(&t.outbox(EMAIL).await);
    let err = t
        .client
        .recover(&challenge_id, "AAAA-BBBB-CCCC-DDDD")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_code"));
    assert_eq!(failures(&t).await, 101);
    assert_eq!(locked_notices(&t.outbox(EMAIL).await), before);

    session_of(t.client.recover(&challenge_id, &codes[5]).await.unwrap());
    assert_eq!(failures(&t).await, 0);
    // Open again: the next sign-in asks for the authenticator's code as before.
    let (challenge_id, method_id) = t.challenge(EMAIL).await;
    let code = t.next_totp(&totp);
    session_of(
        t.client
            .verify(&challenge_id, &method_id, &code)
            .await
            .unwrap(),
    );
}

#[db_test]
async fn the_wrong_code_that_locks_for_good_hands_over_a_challenge_that_still_takes_a_code(db: Db) {
    // Locked for good at the fifth failure, which is also the challenge's last attempt.
    let t = TestServer::start_with(db, |c| c.limits.second_step_max_failures = 5).await;
    let (_, _, codes) = staff_with_codes(&t).await;
    let (challenge_id, method_id) = t.challenge(EMAIL).await;
    let mut last = None;
    for _ in 0..5 {
        last = Some(
            t.client
                .verify(&challenge_id, &method_id, "000000x")
                .await
                .unwrap_err(),
        );
    }
    let err = last.unwrap();
    assert_eq!(err.code(), Some("two_step_locked"));
    let next = err.challenge_id().unwrap().to_owned();
    assert_ne!(
        next, challenge_id,
        "the spent challenge takes no more codes"
    );
    assert_eq!(
        t.client
            .recover(&challenge_id, &codes[0])
            .await
            .unwrap_err()
            .code(),
        Some("challenge_locked")
    );
    session_of(t.client.recover(&next, &codes[0]).await.unwrap());
}

#[db_test]
async fn a_timed_lock_stops_recovery_codes_too(db: Db) {
    let t = TestServer::start(db).await;
    let (_, _, codes) = staff_with_codes(&t).await;
    // A sign-in opened before the lock: the lock stops it all the same.
    let (early, _) = t.challenge(EMAIL).await;
    for _ in 0..4 {
        let (challenge_id, method_id) = t.challenge(EMAIL).await;
        for _ in 0..5 {
            let _ = t.client.verify(&challenge_id, &method_id, "000000x").await;
        }
    }
    assert_eq!(failures(&t).await, 20);
    let err = t.client.recover(&early, &codes[0]).await.unwrap_err();
    assert_eq!(err.code(), Some("challenge_locked"));
    assert_eq!(failures(&t).await, 20);
    assert_eq!(t.count("recovery_codes WHERE used_at IS NOT NULL").await, 0);
}

#[db_test]
async fn a_burst_of_one_code_signs_in_once(db: Db) {
    let t = TestServer::start(db).await;
    let (_, _, codes) = staff_with_codes(&t).await;
    let (clients, _twin) = t.clients(if db.is_postgres() { 2 } else { 1 }).await;
    const N: usize = 8;
    let mut challenges = Vec::new();
    for _ in 0..N {
        challenges.push(t.challenge(EMAIL).await.0);
    }
    let code = codes[7].clone();
    let results = burst(N, |i| {
        let (c, id, code) = (
            clients[i % clients.len()].clone(),
            challenges[i].clone(),
            code.clone(),
        );
        async move { c.recover(&id, &code).await }
    })
    .await;
    assert_eq!(
        tally(&results),
        counts(&[("ok", 1), ("invalid_code", N - 1)])
    );
    assert_eq!(t.count("recovery_codes WHERE used_at IS NOT NULL").await, 1);
    assert_eq!(
        with_subject(&t.outbox(EMAIL).await, "A recovery code was used"),
        1
    );
}

#[db_test]
async fn an_administrators_reset_ends_the_codes_too(db: Db) {
    let t = TestServer::start(db).await;
    let (_, _, codes) = staff_with_codes(&t).await;
    let admin = t
        .enrolled_with_email("boss@acorns.example", &[Role::Admin])
        .await
        .0;
    let person = t.person_seen_by_admin(&admin, EMAIL).await;
    assert_eq!(person.two_step.recovery_codes_left, 10);
    t.client.admin_reset(&admin, &person.id).await.unwrap();
    assert_eq!(
        t.count(&format!("recovery_codes WHERE person_id = '{}'", person.id))
            .await,
        0
    );
    let _ = codes;
}
