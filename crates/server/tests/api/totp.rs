use twostep_client::api::{AddMethodRequest, Enrollment, LoginResponse};
use twostep_core::otpauth::OtpAuth;
use twostep_core::Role;

use crate::harness::*;

/// Sets up an authenticator app for a new staff member through the setup flow.
async fn enrolled(t: &TestServer, email: &str) -> (Vec<u8>, String) {
    t.add_person(email, &[Role::Staff]).await;
    let LoginResponse::Setup { setup_token, .. } = t.login(email).await else {
        panic!()
    };
    let Enrollment::Totp {
        enrollment_id,
        secret,
        otpauth_uri,
        qr_svg,
        ..
    } = t
        .client
        .add_method(&setup_token, &AddMethodRequest::Totp)
        .await
        .unwrap()
    else {
        panic!("expected a TOTP enrollment")
    };
    assert!(qr_svg.starts_with("<?xml") && qr_svg.contains("<svg"));
    assert_eq!(
        otpauth_uri,
        format!("otpauth://totp/Twostep:{email}?secret={secret}&issuer=Twostep&algorithm=SHA1&digits=6&period=30")
    );
    let parsed = OtpAuth::parse(&otpauth_uri).unwrap();
    assert_eq!(parsed.secret.expose().len(), 20, "160 bits");
    let raw = parsed.secret.expose().to_vec();
    let c = t
        .client
        .confirm_enrollment(
            &setup_token,
            &enrollment_id,
            &totp_code(&raw, t.now().timestamp()),
        )
        .await
        .unwrap();
    assert!(c.session.is_some());
    (raw, c.method.id)
}

#[db_test]
async fn an_independent_authenticator_signs_in_and_no_code_is_sent(db: Db) {
    let t = TestServer::start(db).await;
    let (secret, method_id) = enrolled(&t, "t1@acorns.example").await;
    t.advance(30);
    let LoginResponse::Verify {
        challenge_id,
        code_sent,
        ..
    } = t.login("t1@acorns.example").await
    else {
        panic!()
    };
    assert!(code_sent.is_none());
    let err = t
        .client
        .send_code(&challenge_id, &method_id)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("nothing_to_send"))
    );
    session_of(
        t.client
            .verify(
                &challenge_id,
                &method_id,
                &totp_code(&secret, t.now().timestamp()),
            )
            .await
            .unwrap(),
    );
}

#[db_test]
async fn the_step_used_to_confirm_cannot_sign_in(db: Db) {
    let t = TestServer::start(db).await;
    let (secret, method_id) = enrolled(&t, "t2@acorns.example").await;
    let LoginResponse::Verify { challenge_id, .. } = t.login("t2@acorns.example").await else {
        panic!()
    };
    let err = t
        .client
        .verify(
            &challenge_id,
            &method_id,
            &totp_code(&secret, t.now().timestamp()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_code"));
}

#[db_test]
async fn previous_and_next_steps_are_accepted_further_ones_not(db: Db) {
    let t = TestServer::start(db).await;
    let (secret, m) = enrolled(&t, "t3@acorns.example").await;
    // Each accepted step must be later than the last one: walk forward.
    t.advance(120);
    let now = t.now().timestamp();
    let LoginResponse::Verify {
        challenge_id: c, ..
    } = t.login("t3@acorns.example").await
    else {
        panic!()
    };
    for off in [-90, 60] {
        assert_eq!(
            t.client
                .verify(&c, &m, &totp_code(&secret, now + off))
                .await
                .unwrap_err()
                .code(),
            Some("invalid_code"),
            "offset {off}"
        );
    }
    session_of(
        t.client
            .verify(&c, &m, &totp_code(&secret, now - 30))
            .await
            .unwrap(),
    );
    let LoginResponse::Verify {
        challenge_id: c, ..
    } = t.login("t3@acorns.example").await
    else {
        panic!()
    };
    session_of(
        t.client
            .verify(&c, &m, &totp_code(&secret, now))
            .await
            .unwrap(),
    );
    let LoginResponse::Verify {
        challenge_id: c, ..
    } = t.login("t3@acorns.example").await
    else {
        panic!()
    };
    session_of(
        t.client
            .verify(&c, &m, &totp_code(&secret, now + 30))
            .await
            .unwrap(),
    );
}

#[db_test]
async fn a_step_once_accepted_is_refused_also_when_two_requests_race(db: Db) {
    let t = TestServer::start(db).await;
    let (secret, m) = enrolled(&t, "t4@acorns.example").await;
    t.advance(30);
    let code = totp_code(&secret, t.now().timestamp());
    let LoginResponse::Verify {
        challenge_id: c1, ..
    } = t.login("t4@acorns.example").await
    else {
        panic!()
    };
    session_of(t.client.verify(&c1, &m, &code).await.unwrap());
    let LoginResponse::Verify {
        challenge_id: c2, ..
    } = t.login("t4@acorns.example").await
    else {
        panic!()
    };
    assert_eq!(
        t.client.verify(&c2, &m, &code).await.unwrap_err().code(),
        Some("invalid_code")
    );

    for _ in 0..5 {
        t.advance(30);
        let code = totp_code(&secret, t.now().timestamp());
        let LoginResponse::Verify {
            challenge_id: a, ..
        } = t.login("t4@acorns.example").await
        else {
            panic!()
        };
        let LoginResponse::Verify {
            challenge_id: b, ..
        } = t.login("t4@acorns.example").await
        else {
            panic!()
        };
        let (ra, rb) = tokio::join!(
            t.client.verify(&a, &m, &code),
            t.client.verify(&b, &m, &code)
        );
        assert_eq!(
            [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "{ra:?} {rb:?}"
        );
    }
}

#[db_test]
async fn totp_secrets_are_sealed_at_rest(db: Db) {
    let t = TestServer::start(db).await;
    let (secret, _) = enrolled(&t, "t5@acorns.example").await;
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT secret_sealed FROM methods")
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_slice()));
    // On SQLite the whole database file holds it nowhere, in any form.
    if !db.is_postgres() {
        let b32 = data_encoding::BASE32_NOPAD.encode(&secret);
        let dump: Vec<u8> = std::fs::read(t.server.state.cfg.db_path()).unwrap();
        assert!(!dump.windows(b32.len()).any(|w| w == b32.as_bytes()));
        assert!(!dump.windows(secret.len()).any(|w| w == secret.as_slice()));
    }
}
