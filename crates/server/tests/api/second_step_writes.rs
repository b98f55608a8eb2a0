//! The second step's writes (`signin::verify`, statement by statement in one transaction, the
//! session issued in a batch): what a right code keeps when it wins, that a frozen account's
//! attempt keeps nothing, a new device's notice, and a batch's transaction, on both databases.

use twostep_client::api::LoginResponse;
use twostep_core::Role;
use twostep_server::store::batch::Batch;
use twostep_server::store::{AuditAction, Event};

use crate::harness::*;

const EMAIL: &str = "one.trip@acorns.example";

/// A challenge from `device` (the test client's own device for "test device"; else a device
/// whose id is its name).
async fn challenge_on(t: &TestServer, device: &str) -> String {
    let client = match device {
        "test device" => t.client.clone(),
        other => t.client_on(&other.replace(' ', "-")),
    };
    match client.login(EMAIL, PASSWORD, Some(device)).await.unwrap() {
        LoginResponse::Verify { challenge_id, .. } => challenge_id,
        other => panic!("expected verify, got {other:?}"),
    }
}

async fn person_id(t: &TestServer) -> String {
    sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
        .bind(EMAIL)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap()
}

/// A right code for a person frozen after their password: 423, and none of the attempt stays
/// (the challenge untouched, the step unclaimed): once unfrozen, the same code signs in.
#[db_test]
async fn a_frozen_account_gets_no_session_and_the_attempt_leaves_nothing(db: Db) {
    let t = TestServer::start(db).await;
    let totp = t.enrolled_with_totp(EMAIL, &[Role::Staff]).await;
    let challenge = challenge_on(&t, "test device").await;
    let sessions = t.count("tokens WHERE kind = 'session'").await;
    let id = person_id(&t).await;
    let db = &t.server.state.db;
    twostep_server::store::people::set_frozen(db.write(), &id, Some(t.now()))
        .await
        .unwrap();
    let code = totp_code(&totp.secret, t.now().timestamp());
    let err = t
        .client
        .verify(&challenge, &totp.method_id, &code)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(423), Some("account_frozen"))
    );
    assert_eq!(t.count("tokens WHERE kind = 'session'").await, sessions);
    assert_eq!(
        t.count("challenges WHERE wrong_attempts = 0 AND spent_at IS NULL")
            .await,
        1
    );
    assert_eq!(t.audit_count("second_step_passed").await, 0);
    twostep_server::store::people::set_frozen(db.write(), &id, None)
        .await
        .unwrap();
    session_of(
        t.client
            .verify(&challenge, &totp.method_id, &code)
            .await
            .unwrap(),
    );
    assert_eq!(t.count("tokens WHERE kind = 'session'").await, sessions + 1);
    assert_eq!(t.audit_count("second_step_passed").await, 1);
}

/// A sign-in with an authenticator code from a device new to the person is announced, as one
/// with a sent code is (the notice goes in the same transaction as the session).
#[db_test]
async fn a_new_device_is_announced_after_an_authenticator_code(db: Db) {
    let t = TestServer::start(db).await;
    let totp = t.enrolled_with_totp(EMAIL, &[Role::Staff]).await;
    let notices = |t: &TestServer| {
        let t = t.client.clone();
        async move {
            t.dev_outbox(Some(EMAIL))
                .await
                .unwrap()
                .messages
                .iter()
                .filter(|m| m.subject == "New sign-in to your account")
                .count()
        }
    };
    // The device of the first sign-in again: no news.
    let c = challenge_on(&t, "test device").await;
    let code = t.next_totp(&totp);
    session_of(t.client.verify(&c, &totp.method_id, &code).await.unwrap());
    assert_eq!(notices(&t).await, 0);
    let c = challenge_on(&t, "Front desk tablet").await;
    let code = t.next_totp(&totp);
    session_of(t.client.verify(&c, &totp.method_id, &code).await.unwrap());
    assert_eq!(notices(&t).await, 1);
    assert_eq!(
        t.count("known_devices WHERE device_name = 'Front desk tablet'")
            .await,
        1
    );
}

/// Eight requests with the same right code on one challenge, released at once: one session,
/// the others refused, and the challenge spent once.
#[db_test]
async fn a_burst_of_one_right_code_signs_in_once(db: Db) {
    let t = TestServer::start(db).await;
    let totp = t.enrolled_with_totp(EMAIL, &[Role::Staff]).await;
    let challenge = challenge_on(&t, "test device").await;
    let sessions = t.count("tokens WHERE kind = 'session'").await;
    let code = totp_code(&totp.secret, t.now().timestamp());
    let results = burst(8, |_| {
        let (client, challenge, method, code) = (
            t.client.clone(),
            challenge.clone(),
            totp.method_id.clone(),
            code.clone(),
        );
        async move { client.verify(&challenge, &method, &code).await }
    })
    .await;
    let counted = tally(&results);
    assert_eq!(counted.get("ok"), Some(&1), "{counted:?}");
    assert_eq!(t.count("tokens WHERE kind = 'session'").await, sessions + 1);
    assert_eq!(t.audit_count("second_step_passed").await, 1);
}

/// A batch run in a transaction that is dropped before it commits, or rolled back, keeps
/// nothing; one committed keeps all of it; one failing part way leaves nothing once its
/// transaction goes (as every `?` on the error does).
#[db_test]
async fn a_batch_transaction_dropped_before_commit_keeps_nothing(db: Db) {
    let t = TestServer::start(db).await;
    let db = &t.server.state.db;
    let before = t.audit_count("signed_out").await;
    let mut batch = Batch::new();
    batch.push(Event::new(AuditAction::SignedOut).statement(t.now()));
    batch.push(Event::new(AuditAction::SignedOut).statement(t.now()));
    let mut tx = db.begin().await.unwrap();
    batch.run(&mut tx).await.unwrap();
    drop(tx);
    assert_eq!(t.audit_count("signed_out").await, before);
    let mut tx = db.begin().await.unwrap();
    batch.run(&mut tx).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(t.audit_count("signed_out").await, before);
    let mut tx = db.begin().await.unwrap();
    let ran = batch.run(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(t.audit_count("signed_out").await, before + 2);
    drop(ran);
    // A statement that fails part way: what ran before it is rolled back too.
    let mut failing = Batch::new();
    failing.push(Event::new(AuditAction::SignedOut).statement(t.now()));
    failing.push(twostep_server::store::batch::Statement::new(
        "INSERT INTO people (id) VALUES (NULL)",
    ));
    let mut tx = db.begin().await.unwrap();
    assert!(failing.run(&mut tx).await.is_err());
    drop(tx);
    assert_eq!(t.audit_count("signed_out").await, before + 2);
}
