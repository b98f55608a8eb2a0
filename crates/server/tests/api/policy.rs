//! Who must verify, with what: administrators on 2-Step Verification, setup tokens spent with
//! the session, the center's policy at sign-in, and addresses that are a staff member's own.

use twostep_client::api::{AddMethodRequest, Kind, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

/// An administrator's account can reset everyone else's: it gets no skip of setup, not even
/// at the first sign-in, where staff may skip once.
#[db_test]
async fn an_administrator_must_set_up_at_the_first_sign_in(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("head@acorns.example", &[Role::Admin]).await;
    t.add_person("both@acorns.example", &[Role::Staff, Role::Admin])
        .await;
    for email in ["head@acorns.example", "both@acorns.example"] {
        let LoginResponse::Setup {
            setup_token,
            required: true,
            ..
        } = t.login(email).await
        else {
            panic!("an administrator must set up at the first sign-in")
        };
        assert_eq!(
            t.client.skip_setup(&setup_token).await.unwrap_err().code(),
            Some("setup_required")
        );
    }
    // Staff still get their one skip.
    t.add_person("teacher@acorns.example", &[Role::Staff]).await;
    assert!(matches!(
        t.login("teacher@acorns.example").await,
        LoginResponse::Setup {
            required: false,
            ..
        }
    ));
}

#[db_test]
async fn every_setup_token_is_spent_when_a_session_is_issued(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("two@acorns.example", &[Role::Staff]).await;
    let LoginResponse::Setup {
        setup_token: first, ..
    } = t.login("two@acorns.example").await
    else {
        panic!()
    };
    let LoginResponse::Setup {
        setup_token: second,
        ..
    } = t.login("two@acorns.example").await
    else {
        panic!()
    };
    // The second confirms a method: a session, and the first token is spent with it.
    let e = t
        .client
        .add_method(&second, &AddMethodRequest::Email { email: None })
        .await
        .unwrap();
    let code = t.last_code("two@acorns.example").await;
    let c = t
        .client
        .confirm_enrollment(&second, e.id(), &code)
        .await
        .unwrap();
    assert!(c.session.is_some());
    let refused = [
        t.client.skip_setup(&first).await.err(),
        t.client.methods(&first).await.err(),
        t.client
            .add_method(&first, &AddMethodRequest::Totp)
            .await
            .err(),
    ];
    for err in refused {
        assert_eq!(err.unwrap().code(), Some("unauthenticated"));
    }

    // A skip spends the other token too.
    t.add_person("skip@acorns.example", &[Role::Staff]).await;
    let LoginResponse::Setup { setup_token: a, .. } = t.login("skip@acorns.example").await else {
        panic!()
    };
    // A guardian-less staff member's second sign-in requires setup; its token is `b`.
    let LoginResponse::Setup { setup_token: b, .. } = t.login("skip@acorns.example").await else {
        panic!()
    };
    session_of(t.client.skip_setup(&a).await.unwrap());
    assert_eq!(
        t.client
            .add_method(&b, &AddMethodRequest::Totp)
            .await
            .unwrap_err()
            .code(),
        Some("unauthenticated")
    );
}

async fn set_policy(t: &TestServer, admin: &str, kinds: &[Kind]) {
    t.client.admin_set_policy(admin, kinds).await.unwrap();
}

#[db_test]
async fn a_kind_the_center_no_longer_allows_is_neither_offered_nor_accepted(db: Db) {
    let t = TestServer::start(db).await;
    let admin = t
        .enrolled_with_email("admin@acorns.example", &[Role::Admin])
        .await
        .0;
    let (token, email_id) = t.staff_with_email("pol@acorns.example").await;
    t.add_confirmed(
        &token,
        AddMethodRequest::Sms {
            phone: "+12015550180".into(),
        },
        "+12015550180",
    )
    .await;
    set_policy(&t, &admin, &[Kind::Sms, Kind::Totp]).await;

    let LoginResponse::Verify {
        challenge_id,
        methods,
        preferred_method_id,
        code_sent,
        ..
    } = t.login("pol@acorns.example").await
    else {
        panic!("expected verify")
    };
    // Only the text message is offered, so its code goes out at once.
    assert_eq!(
        methods.iter().map(|m| m.kind).collect::<Vec<_>>(),
        [Kind::Sms]
    );
    assert!(code_sent.is_some());
    assert_eq!(preferred_method_id.as_deref(), Some(methods[0].id.as_str()));
    let err = t
        .client
        .send_code(&challenge_id, &email_id)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(422), Some("kind_not_allowed"))
    );
    let old_email_code = t.last_code("pol@acorns.example").await;
    let err = t
        .client
        .verify(&challenge_id, &email_id, &old_email_code)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("kind_not_allowed"));
    // Refused before anything was counted or checked.
    let counted = format!("challenges WHERE id = '{challenge_id}' AND wrong_attempts = 0");
    assert_eq!(t.count(&counted).await, 1);
    let person = "people WHERE email = 'pol@acorns.example' AND failed_second_steps = 0";
    assert_eq!(t.count(person).await, 1);

    // The methods list keeps it, marked, and it may be deleted.
    let listed = t.client.methods(&token).await.unwrap();
    let email = listed.methods.iter().find(|m| m.id == email_id).unwrap();
    assert!(!email.allowed);
    assert!(listed
        .methods
        .iter()
        .any(|m| m.kind == Kind::Sms && m.allowed));
    let me = t.client.me(&token).await.unwrap();
    assert!(me.two_step.methods.iter().any(|m| !m.allowed));
    let code = t.last_code("+12015550180").await;
    session_of(
        t.client
            .verify(&challenge_id, &methods[0].id, &code)
            .await
            .unwrap(),
    );
    t.client.delete_method(&token, &email_id).await.unwrap();
}

#[db_test]
async fn a_person_left_with_only_disallowed_methods_must_set_up_another(db: Db) {
    let t = TestServer::start(db).await;
    let admin = t
        .enrolled_with_email("admin@acorns.example", &[Role::Admin])
        .await
        .0;
    t.staff_with_email("only@acorns.example").await;
    let (family, _) = t
        .enrolled_with_email("parent@family.example", &[Role::Guardian])
        .await;
    set_policy(&t, &admin, &[Kind::Totp]).await;

    for email in ["only@acorns.example", "parent@family.example"] {
        let LoginResponse::Setup {
            setup_token,
            required,
            allowed_kinds,
            ..
        } = t.login(email).await
        else {
            panic!("{email}: expected setup")
        };
        assert!(required, "{email}: no skip");
        assert_eq!(allowed_kinds, [Kind::Totp]);
        assert_eq!(
            t.client.skip_setup(&setup_token).await.unwrap_err().code(),
            Some("setup_required")
        );
    }
    // With an authenticator added, the old email method can go.
    let LoginResponse::Setup { setup_token, .. } = t.login("parent@family.example").await else {
        panic!()
    };
    let e = t
        .client
        .add_method(&setup_token, &AddMethodRequest::Totp)
        .await
        .unwrap();
    let twostep_client::api::Enrollment::Totp { secret, .. } = &e else {
        panic!()
    };
    let raw = data_encoding::BASE32_NOPAD
        .decode(secret.trim_end_matches('=').as_bytes())
        .unwrap();
    let c = t
        .client
        .confirm_enrollment(&setup_token, e.id(), &totp_code(&raw, t.now().timestamp()))
        .await
        .unwrap();
    let session = c.session.unwrap().token;
    let methods = t.client.methods(&session).await.unwrap().methods;
    let old = methods.iter().find(|m| !m.allowed).unwrap();
    assert_eq!(old.kind, Kind::Email);
    t.client.delete_method(&session, &old.id).await.unwrap();
    drop(family);
}

#[db_test]
async fn staff_never_share_a_verification_address_and_families_may(db: Db) {
    let t = TestServer::start(db).await;
    let (ana, _) = t.staff_with_email("ana@acorns.example").await;
    let (ben, _) = t.staff_with_email("ben@acorns.example").await;
    t.add_confirmed(
        &ana,
        AddMethodRequest::Sms {
            phone: "+12015550190".into(),
        },
        "+12015550190",
    )
    .await;
    let sent_before = t.outbox("+12015550190").await.len();
    let err = t
        .client
        .add_method(
            &ben,
            &AddMethodRequest::Sms {
                phone: "(201) 555-0190".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(422), Some("address_in_use"))
    );
    assert_eq!(
        t.outbox("+12015550190").await.len(),
        sent_before,
        "no code sent"
    );
    let err = t
        .client
        .add_method(
            &ben,
            &AddMethodRequest::Email {
                email: Some("ANA@acorns.example".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("address_in_use"));

    // Two guardians of one family share a phone; a staff member may use a family's too.
    let mut guardians = Vec::new();
    for email in ["mum@family.example", "dad@family.example"] {
        t.add_person(email, &[Role::Guardian]).await;
        guardians.push(session_of(t.login(email).await).0);
    }
    for g in &guardians {
        t.add_confirmed(
            g,
            AddMethodRequest::Sms {
                phone: "+12015550191".into(),
            },
            "+12015550191",
        )
        .await;
    }
    // (Two codes an hour may go to an address for methods being added: an hour later, when
    // changes need a fresh sign-in.)
    t.advance(3600);
    let ben = t.fresh(&ben, "ben@acorns.example").await;
    let ana = t.fresh(&ana, "ana@acorns.example").await;
    t.add_confirmed(
        &ben,
        AddMethodRequest::Sms {
            phone: "+12015550191".into(),
        },
        "+12015550191",
    )
    .await;

    // Two staff members confirming one new address at once: the database lets one in.
    let mut pending = Vec::new();
    for token in [&ana, &ben] {
        let e = t
            .client
            .add_method(
                token,
                &AddMethodRequest::Email {
                    email: Some("team.lead@acorns.example".into()),
                },
            )
            .await
            .unwrap();
        let code = t.last_code("team.lead@acorns.example").await;
        pending.push((token.clone(), e.id().to_owned(), code));
    }
    let results = burst(2, |i| {
        let (client, (token, id, code)) = (t.client.clone(), pending[i].clone());
        async move { client.confirm_enrollment(&token, &id, &code).await }
    })
    .await;
    assert_eq!(tally(&results), counts(&[("address_in_use", 1), ("ok", 1)]));
}
