//! Passkeys (API.md "Passkeys"), with a software authenticator that is a real WebAuthn
//! authenticator (crates/testkit/src/passkey.rs): added with a ceremony kept in the database,
//! a second step, a sign-in of its own; another site's origin, a replayed answer, a copy whose
//! counter goes back and an answer without user verification refused; a ceremony finished on
//! another server; the center's floor per role and its switch for passkeys alone.

use std::collections::BTreeMap;

use twostep_client::api::{self, AddMethodRequest, Kind, LoginResponse, MinMethod};
use twostep_core::Role;
use twostep_testkit::TestPasskey;

use crate::harness::*;

const PARENT: &str = "parent@acorns.example";

async fn failures(t: &TestServer, email: &str) -> i64 {
    sqlx::query_scalar("SELECT failed_second_steps FROM people WHERE email = $1")
        .bind(email)
        .fetch_one(t.state().db.read())
        .await
        .unwrap()
}

async fn audit_reasons(t: &TestServer, reason: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE reason = $1")
        .bind(reason)
        .fetch_one(t.state().db.read())
        .await
        .unwrap()
}

/// A sign-in with a passkey alone, `passkey` answering; the answer.
async fn alone(
    t: &TestServer,
    passkey: &mut TestPasskey,
) -> Result<LoginResponse, twostep_client::ClientError> {
    let asked = t.client.passkey_sign_in().await.unwrap();
    let answer = passkey.get(&asked.options);
    t.client
        .passkey_sign_in_answer(asked.ceremony_id.as_deref().unwrap(), answer)
        .await
}

#[db_test]
async fn a_passkey_is_added_at_setup_and_is_the_second_step(db: Db) {
    let t = TestServer::start(db).await;
    let (mut passkey, c) = t
        .first_passkey("teacher@acorns.example", &[Role::Staff])
        .await;
    assert!(c.session.is_some(), "setup ends in a session");
    assert_eq!(c.recovery_codes.as_ref().map(Vec::len), Some(10));
    assert_eq!(c.method.kind, Kind::Passkey);
    assert_eq!(c.method.hint, "My phone");
    let added = t.outbox("teacher@acorns.example").await;
    assert!(
        added.iter().any(|m| m.body.contains("My phone")),
        "the method-added notice names it"
    );
    // What is stored is the public credential: no private key is ever the server's.
    let stored: String =
        sqlx::query_scalar("SELECT credential FROM methods WHERE kind = 'passkey'")
            .fetch_one(t.state().db.read())
            .await
            .unwrap();
    assert!(stored.contains("cred_id") && !stored.contains("private"));

    let LoginResponse::Verify {
        challenge_id,
        methods,
        code_sent,
        ..
    } = t.login("teacher@acorns.example").await
    else {
        panic!("expected verify")
    };
    assert!(code_sent.is_none(), "nothing is sent for a passkey");
    assert_eq!(methods[0].kind, Kind::Passkey);
    let asked = t
        .client
        .send_passkey(None, &challenge_id, &methods[0].id)
        .await
        .unwrap();
    let pk = &asked.options["publicKey"];
    assert_eq!(pk["userVerification"], "required");
    assert_eq!(pk["rpId"], "localhost");
    assert_eq!(
        pk["allowCredentials"][0]["id"],
        data_encoding::BASE64URL_NOPAD.encode(&passkey.credential_id)
    );
    let answer = passkey.get(&asked.options);
    let done = t
        .client
        .verify_passkey(None, &challenge_id, &methods[0].id, answer)
        .await
        .unwrap();
    assert!(matches!(done, LoginResponse::Done { .. }));
    assert_eq!(
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM audit WHERE action = 'second_step_passed' AND kind = 'passkey'"
        )
        .fetch_one(t.state().db.read())
        .await
        .unwrap(),
        1
    );
}

#[db_test]
async fn another_sites_origin_and_an_unverified_user_are_refused_and_counted(db: Db) {
    let t = TestServer::start(db).await;
    let (passkey, c) = t.first_passkey(PARENT, &[Role::Guardian]).await;
    let method = c.method.id;

    let mut phished = passkey.clone();
    phished.origin = "http://localhost.evil.example".into();
    let refused = t
        .sign_in_with_passkey(PARENT, &mut phished, &method)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("passkey_failed"));
    assert_eq!(failures(&t, PARENT).await, 1, "counted like a wrong code");

    let mut unverified = passkey.clone();
    unverified.verifies_user = false;
    let refused = t
        .sign_in_with_passkey(PARENT, &mut unverified, &method)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("passkey_failed"));
    assert_eq!(failures(&t, PARENT).await, 2);

    let mut right = passkey;
    assert!(t
        .sign_in_with_passkey(PARENT, &mut right, &method)
        .await
        .is_ok());
    assert_eq!(
        failures(&t, PARENT).await,
        0,
        "a right one starts the count again"
    );
}

#[db_test]
async fn an_answer_is_good_once_for_the_ceremony_it_answers(db: Db) {
    let t = TestServer::start(db).await;
    let (mut passkey, c) = t.first_passkey(PARENT, &[Role::Guardian]).await;
    let method = c.method.id;
    let (challenge, _) = t.challenge(PARENT).await;
    let asked = t
        .client
        .send_passkey(None, &challenge, &method)
        .await
        .unwrap();
    let answer = passkey.get(&asked.options);

    // The same answer, eight times at once: one signs in.
    let results = burst(8, |_| {
        let client = t.client.clone();
        let (challenge, method, answer) = (challenge.clone(), method.clone(), answer.clone());
        async move {
            client
                .verify_passkey(None, &challenge, &method, answer)
                .await
        }
    })
    .await;
    let tallied = tally(&results);
    assert_eq!(tallied.get("ok"), Some(&1), "{tallied:?}");

    // Replayed on a new sign-in: it answers no ceremony of it.
    let (again, _) = t.challenge(PARENT).await;
    t.client.send_passkey(None, &again, &method).await.unwrap();
    let replayed = t
        .client
        .verify_passkey(None, &again, &method, answer)
        .await
        .unwrap_err();
    assert_eq!(replayed.code(), Some("passkey_failed"));
}

#[db_test]
async fn a_copy_whose_counter_goes_back_is_refused_and_its_owner_told(db: Db) {
    let t = TestServer::start(db).await;
    let (passkey, c) = t.first_passkey(PARENT, &[Role::Guardian]).await;
    let method = c.method.id;
    let mut key = passkey.counting();
    assert!(t
        .sign_in_with_passkey(PARENT, &mut key, &method)
        .await
        .is_ok());
    let mut copy = key.clone();
    assert!(t
        .sign_in_with_passkey(PARENT, &mut key, &method)
        .await
        .is_ok());
    // The copy signs with the counter the original has already used.
    let refused = t
        .sign_in_with_passkey(PARENT, &mut copy, &method)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("passkey_failed"));
    assert_eq!(audit_reasons(&t, "passkey_may_be_copied").await, 1);
    let told = t.outbox(PARENT).await;
    assert!(
        told.iter().any(
            |m| m.subject == "A passkey on your account may have been copied"
                && m.body.contains("My phone")
        ),
        "{told:?}"
    );
    // The original goes on.
    assert!(t
        .sign_in_with_passkey(PARENT, &mut key, &method)
        .await
        .is_ok());
}

#[db_test]
async fn a_passkey_alone_signs_in_without_the_password(db: Db) {
    let t = TestServer::start(db).await;
    let (mut passkey, _) = t.first_passkey(PARENT, &[Role::Guardian]).await;
    let asked = t.client.passkey_sign_in().await.unwrap();
    let pk = &asked.options["publicKey"];
    assert!(
        pk["allowCredentials"].as_array().is_none_or(Vec::is_empty),
        "the browser offers its own passkeys: nobody is named"
    );
    assert_eq!(pk["userVerification"], "required");
    let answer = passkey.get(&asked.options);
    let id = asked.ceremony_id.unwrap();
    let (token, person) = session_of(
        t.client
            .passkey_sign_in_answer(&id, answer.clone())
            .await
            .unwrap(),
    );
    assert_eq!(person.email, PARENT);
    assert!(t.client.me(&token).await.is_ok());
    assert_eq!(audit_reasons(&t, "passkey_alone").await, 1);
    // Its ceremony is spent.
    let again = t
        .client
        .passkey_sign_in_answer(&id, answer)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("passkey_failed"));

    // Without user verification it is one factor: refused, and counted.
    let mut unverified = passkey.clone();
    unverified.verifies_user = false;
    let refused = alone(&t, &mut unverified).await.unwrap_err();
    assert_eq!(refused.code(), Some("passkey_failed"));
    assert_eq!(failures(&t, PARENT).await, 1);
    // A passkey nobody registered is refused the same way.
    let mut stranger = passkey.clone();
    stranger.credential_id = vec![7; 16];
    assert_eq!(
        alone(&t, &mut stranger).await.unwrap_err().code(),
        Some("passkey_failed")
    );
    assert!(alone(&t, &mut passkey).await.is_ok());
}

#[db_test]
async fn a_ceremony_begun_on_one_server_finishes_on_another(db: Db) {
    let t = TestServer::start(db).await;
    let (mut passkey, c) = t.first_passkey(PARENT, &[Role::Guardian]).await;
    let (_other, there) = t.twin_behind_same_address().await;
    // Sign-in alone: begun here, answered there.
    let asked = t.client.passkey_sign_in().await.unwrap();
    let answer = passkey.get(&asked.options);
    assert!(there
        .passkey_sign_in_answer(asked.ceremony_id.as_deref().unwrap(), answer)
        .await
        .is_ok());
    // The second step: asked there, answered here.
    let (challenge, _) = t.challenge(PARENT).await;
    let asked = there
        .send_passkey(None, &challenge, &c.method.id)
        .await
        .unwrap();
    let answer = passkey.get(&asked.options);
    assert!(t
        .client
        .verify_passkey(None, &challenge, &c.method.id, answer)
        .await
        .is_ok());
}

#[db_test]
async fn freeze_disable_and_the_centers_switch_stop_a_passkey_alone(db: Db) {
    let t = TestServer::start(db).await;
    let admin = t
        .enrolled_with_email("admin@acorns.example", &[Role::Admin])
        .await
        .0;
    let (mut passkey, _) = t.first_passkey(PARENT, &[Role::Guardian]).await;
    for (column, code) in [
        ("frozen_at", "account_frozen"),
        ("disabled_at", "account_disabled"),
    ] {
        sqlx::query(&format!("UPDATE people SET {column} = 1 WHERE email = $1"))
            .bind(PARENT)
            .execute(t.state().db.write())
            .await
            .unwrap();
        assert_eq!(
            alone(&t, &mut passkey).await.unwrap_err().code(),
            Some(code)
        );
        sqlx::query(&format!(
            "UPDATE people SET {column} = NULL WHERE email = $1"
        ))
        .bind(PARENT)
        .execute(t.state().db.write())
        .await
        .unwrap();
    }
    let policy = api::Policy {
        passkey_sign_in: Some(false),
        ..t.client.admin_policy(&admin).await.unwrap()
    };
    let set = t.client.admin_put_policy(&admin, &policy).await.unwrap();
    assert_eq!(set.passkey_sign_in, Some(false));
    assert_eq!(
        alone(&t, &mut passkey).await.unwrap_err().code(),
        Some("passkey_sign_in_off")
    );
    // With the password it is still the second step.
    let (challenge, method) = t.challenge(PARENT).await;
    let asked = t
        .client
        .send_passkey(None, &challenge, &method)
        .await
        .unwrap();
    let answer = passkey.get(&asked.options);
    assert!(t
        .client
        .verify_passkey(None, &challenge, &method, answer)
        .await
        .is_ok());
}

#[db_test]
async fn a_centers_floor_sends_an_administrator_to_set_up_a_passkey(db: Db) {
    let t = TestServer::start(db).await;
    let admin = t
        .enrolled_with_email("admin@acorns.example", &[Role::Admin])
        .await
        .0;
    let (staff, _) = t.staff_with_email("teacher@acorns.example").await;
    let policy = api::Policy {
        min_method: Some(BTreeMap::from([
            (api::Role::Admin, MinMethod::Passkey),
            (api::Role::Staff, MinMethod::Authenticator),
        ])),
        ..t.client.admin_policy(&admin).await.unwrap()
    };
    let set = t.client.admin_put_policy(&admin, &policy).await.unwrap();
    assert_eq!(
        set.min_method.unwrap()[&api::Role::Guardian],
        MinMethod::Any,
        "a role left out keeps its floor"
    );

    // The administrator's email no longer signs them in: setup, required, passkeys only.
    let LoginResponse::Setup {
        setup_token,
        required,
        allowed_kinds,
        ..
    } = t.login("admin@acorns.example").await
    else {
        panic!("expected setup")
    };
    assert!(required);
    assert_eq!(allowed_kinds, vec![Kind::Passkey]);
    let not_this = t
        .client
        .add_method(&setup_token, &AddMethodRequest::Totp)
        .await
        .unwrap_err();
    assert_eq!(not_this.code(), Some("kind_not_allowed"));
    let (mut passkey, c) = t.add_passkey(&setup_token, "Office key").await;
    assert!(c.session.is_some());
    assert!(t
        .sign_in_with_passkey("admin@acorns.example", &mut passkey, &c.method.id)
        .await
        .is_ok());

    // The staff member's email is below an authenticator: it is listed, not allowed.
    let methods = t.client.methods(&staff).await.unwrap();
    assert_eq!(methods.allowed_kinds, vec![Kind::Totp, Kind::Passkey]);
    assert!(methods.methods.iter().all(|m| !m.allowed));
}

#[db_test]
async fn the_report_counts_who_is_below_their_roles_floor(db: Db) {
    let t = TestServer::start(db).await;
    let admin = t
        .enrolled_with_email("admin@acorns.example", &[Role::Admin])
        .await
        .0;
    t.staff_with_email("teacher@acorns.example").await;
    t.add_person("app@acorns.example", &[Role::Staff]).await;
    t.with_totp("app@acorns.example").await;
    t.add_person("new@acorns.example", &[Role::Staff]).await;
    let below = || async { t.client.admin_report(&admin).await.unwrap().below_floor };
    assert_eq!(below().await, 0, "every floor is `any` at first");

    let policy = api::Policy {
        min_method: Some(BTreeMap::from([
            (api::Role::Admin, MinMethod::Passkey),
            (api::Role::Staff, MinMethod::Authenticator),
        ])),
        ..t.client.admin_policy(&admin).await.unwrap()
    };
    t.client.admin_put_policy(&admin, &policy).await.unwrap();
    // The administrator's email and the teacher's are below; the app meets staff's floor;
    // someone with no method is not enrolled rather than below.
    assert_eq!(below().await, 2);

    let LoginResponse::Setup { setup_token, .. } = t.login("admin@acorns.example").await else {
        panic!("expected setup")
    };
    t.add_passkey(&setup_token, "Office key").await;
    assert_eq!(
        below().await,
        1,
        "the administrator's passkey meets the floor"
    );
}

#[db_test]
async fn a_passkey_counts_as_the_one_method_that_must_remain(db: Db) {
    let t = TestServer::start(db).await;
    let (_, c) = t
        .first_passkey("teacher@acorns.example", &[Role::Staff])
        .await;
    let token = c.session.unwrap().token;
    let refused = t
        .client
        .delete_method(&token, &c.method.id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("last_method"));
    // Adding the same passkey twice is refused by the browser (it is excluded) and, were a
    // browser to send it anyway, by the server.
    let e = t
        .client
        .add_method(&token, &AddMethodRequest::Passkey { name: None })
        .await
        .unwrap();
    let api::Enrollment::Passkey { options, .. } = e else {
        panic!("expected options")
    };
    assert_eq!(
        options["publicKey"]["excludeCredentials"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let bad_name = t
        .client
        .add_method(
            &token,
            &AddMethodRequest::Passkey {
                name: Some("x".repeat(65)),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad_name.code(), Some("invalid_passkey_name"));
}
