use twostep_client::api::{AddMethodRequest, Kind, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

#[db_test]
async fn staff_may_skip_setup_once_then_must_set_up(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("jo@acorns.example", &[Role::Staff]).await;

    let LoginResponse::Setup {
        setup_token,
        required,
        allowed_kinds,
        email_prefill,
    } = t.login("jo@acorns.example").await
    else {
        panic!("first sign-in should offer setup")
    };
    assert!(!required);
    assert_eq!(
        allowed_kinds,
        vec![Kind::Totp, Kind::Email, Kind::Sms, Kind::Passkey]
    );
    assert_eq!(email_prefill.as_deref(), Some("jo@acorns.example"));
    // The setup token is not a session.
    assert_eq!(
        t.client.me(&setup_token).await.unwrap_err().code(),
        Some("setup_required")
    );
    let (session, person) = session_of(t.client.skip_setup(&setup_token).await.unwrap());
    assert_eq!(person.email, "jo@acorns.example");
    assert!(person.two_step.required && !person.two_step.enabled);
    assert_eq!(person.two_step.setup_skips_left, 0);
    t.client.me(&session).await.unwrap();
    // The setup token is spent with the session.
    assert_eq!(
        t.client.skip_setup(&setup_token).await.unwrap_err().code(),
        Some("unauthenticated")
    );

    let LoginResponse::Setup {
        setup_token,
        required,
        ..
    } = t.login("jo@acorns.example").await
    else {
        panic!("second sign-in should require setup")
    };
    assert!(required);
    let err = t.client.skip_setup(&setup_token).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(409), Some("setup_required"))
    );
    assert_eq!(
        t.count("tokens WHERE kind = 'session' AND spent_at IS NULL")
            .await,
        1,
        "no new session"
    );

    let e = t
        .client
        .add_method(&setup_token, &AddMethodRequest::Email { email: None })
        .await
        .unwrap();
    let code = t.last_code("jo@acorns.example").await;
    let c = t
        .client
        .confirm_enrollment(&setup_token, e.id(), &code)
        .await
        .unwrap();
    let session = c
        .session
        .expect("confirming with a setup token completes the sign-in");
    let me = t.client.me(&session.token).await.unwrap();
    assert!(me.two_step.enabled);
    assert_eq!(me.two_step.methods.len(), 1);
}

#[db_test]
async fn an_abandoned_first_offer_still_uses_up_the_skip(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("al@acorns.example", &[Role::Staff]).await;
    assert!(matches!(
        t.login("al@acorns.example").await,
        LoginResponse::Setup {
            required: false,
            ..
        }
    ));
    assert!(matches!(
        t.login("al@acorns.example").await,
        LoginResponse::Setup { required: true, .. }
    ));
}

#[db_test]
async fn guardians_sign_straight_in_until_they_add_a_method(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("pat@family.example", &[Role::Guardian]).await;
    let (token, person) = session_of(t.login("pat@family.example").await);
    assert!(!person.two_step.required);
    t.add_confirmed(
        &token,
        AddMethodRequest::Email { email: None },
        "pat@family.example",
    )
    .await;
    let LoginResponse::Verify {
        methods, code_sent, ..
    } = t.login("pat@family.example").await
    else {
        panic!("a guardian with a method verifies")
    };
    assert_eq!(methods.len(), 1);
    assert!(code_sent.is_some());
}

#[db_test]
async fn staff_who_are_also_guardians_must_verify(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("both@acorns.example", &[Role::Guardian, Role::Staff])
        .await;
    assert!(matches!(
        t.login("both@acorns.example").await,
        LoginResponse::Setup {
            required: false,
            ..
        }
    ));
}

#[db_test]
async fn one_email_method_gets_the_code_at_once(db: Db) {
    let t = TestServer::start(db).await;
    let (_, method_id) = t.staff_with_email("kim@acorns.example").await;
    let before = t.outbox("kim@acorns.example").await.len();
    let LoginResponse::Verify {
        challenge_id,
        code_sent,
        methods,
        preferred_method_id,
        ..
    } = t.login("kim@acorns.example").await
    else {
        panic!()
    };
    let sent = code_sent.expect("sent at once");
    assert_eq!(sent.method_id.as_deref(), Some(method_id.as_str()));
    assert_eq!(sent.sent_to, "k•••@acorns.example");
    assert_eq!(sent.expires_at, t.now() + chrono::Duration::minutes(10));
    assert_eq!(preferred_method_id.as_deref(), Some(method_id.as_str()));
    assert_eq!(methods[0].id, method_id);
    let msgs = t.outbox("kim@acorns.example").await;
    assert_eq!(msgs.len(), before + 1);
    assert_eq!(msgs.last().unwrap().subject, "User OTP from Online-Auth");
    let code = t.last_code("kim@acorns.example").await;
    let (token, person) = session_of(
        t.client
            .verify(&challenge_id, &method_id, &code)
            .await
            .unwrap(),
    );
    assert_eq!(person.email, "kim@acorns.example");
    assert!(person.two_step.methods[0].last_used_at.is_some());
    t.client.logout(&token).await.unwrap();
    assert_eq!(
        t.client.me(&token).await.unwrap_err().code(),
        Some("unauthenticated")
    );
}

#[db_test]
async fn several_methods_put_the_preferred_first_and_the_person_picks(db: Db) {
    let t = TestServer::start(db).await;
    let (token, email_id) = t.staff_with_email("lee@acorns.example").await;
    let sms = t
        .add_confirmed(
            &token,
            AddMethodRequest::Sms {
                phone: "+1 201 555 0001".into(),
            },
            "+12015550001",
        )
        .await;
    t.client.set_preferred(&token, &sms.id).await.unwrap();

    let LoginResponse::Verify {
        challenge_id,
        methods,
        preferred_method_id,
        code_sent,
        ..
    } = t.login("lee@acorns.example").await
    else {
        panic!()
    };
    assert!(
        code_sent.is_none(),
        "with several methods nothing is sent until the person picks"
    );
    assert_eq!(preferred_method_id.as_deref(), Some(sms.id.as_str()));
    assert_eq!(
        methods.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        [sms.id.as_str(), email_id.as_str()]
    );
    assert_eq!(methods[0].hint, "•••• 0001");

    let d = t.client.send_code(&challenge_id, &sms.id).await.unwrap();
    assert_eq!(d.sent_to, "•••• 0001");
    let text = t.outbox("+12015550001").await.pop().unwrap();
    assert_eq!(text.channel, "sms");
    assert!(text
        .body
        .ends_with("is your verification code. It expires in 10 minutes."));
    let code = t.last_code("+12015550001").await;
    // A code is good only for the method it was sent to.
    let err = t
        .client
        .verify(&challenge_id, &email_id, &code)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_code"));
    session_of(
        t.client
            .verify(&challenge_id, &sms.id, &code)
            .await
            .unwrap(),
    );
}

#[db_test]
async fn failed_passwords_lock_the_email_and_unknown_emails_look_the_same(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("max@acorns.example", &[Role::Guardian]).await;
    let raw = reqwest::Client::new();
    let url = format!("{}/api/v1/login", t.client.base_url());
    let attempt = |email: &'static str| {
        let raw = raw.clone();
        let url = url.clone();
        async move {
            let r = raw
                .post(&url)
                .json(&serde_json::json!({"email": email, "password": "wrong password"}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, retry, r.text().await.unwrap())
        }
    };
    let (s1, _, known) = attempt("max@acorns.example").await;
    let (s2, _, unknown) = attempt("nobody@acorns.example").await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(known, unknown, "no account enumeration");
    for _ in 1..10 {
        assert_eq!(attempt("max@acorns.example").await.0, 401);
    }
    let (status, retry, body) = attempt("max@acorns.example").await;
    assert_eq!(status, 429);
    assert_eq!(retry.as_deref(), Some("900"));
    assert!(body.contains("too_many_attempts"));
    // Even the right password waits.
    assert_eq!(
        t.client
            .login("max@acorns.example", PASSWORD, None)
            .await
            .unwrap_err()
            .code(),
        Some("too_many_attempts")
    );
    t.advance(15 * 60);
    session_of(t.login("max@acorns.example").await);
}
