use twostep_client::api::{AddMethodRequest, Kind};
use twostep_core::Role;

use crate::harness::*;

#[db_test]
async fn refused_addresses_and_kinds_each_have_their_code_and_store_nothing(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email("h@acorns.example").await;
    // A shared classroom account's own address is generic too.
    demo_shared(&t, "sunflowers@acorns.example").await;
    let cases = [
        (
            AddMethodRequest::Email {
                email: Some("classroom4@acorns.example".into()),
            },
            "generic_email",
        ),
        (
            AddMethodRequest::Email {
                email: Some("office@acorns.example".into()),
            },
            "generic_email",
        ),
        (
            AddMethodRequest::Email {
                email: Some("Sunflowers@acorns.example".into()),
            },
            "generic_email",
        ),
        (
            AddMethodRequest::Email {
                email: Some("not an email".into()),
            },
            "invalid_email",
        ),
        (
            AddMethodRequest::Sms {
                phone: "555-CALL-NOW".into(),
            },
            "invalid_phone",
        ),
        (
            AddMethodRequest::Sms {
                phone: "+1 555".into(),
            },
            "invalid_phone",
        ),
        (
            AddMethodRequest::Email {
                email: Some("H@Acorns.example".into()),
            },
            "already_added",
        ),
    ];
    let (methods, enrollments, outbox) = (
        t.count("methods").await,
        t.count("enrollments").await,
        t.count("outbox").await,
    );
    for (req, code) in cases {
        let err = t.client.add_method(&token, &req).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(422), Some(code)),
            "{req:?}"
        );
        assert!(!err.to_string().is_empty());
    }
    assert_eq!(
        (
            t.count("methods").await,
            t.count("enrollments").await,
            t.count("outbox").await
        ),
        (methods, enrollments, outbox)
    );
}

async fn demo_shared(t: &TestServer, email: &str) {
    t.add_account(CENTER, email, "Sunflowers Room", &[Role::Staff], true)
        .await;
}

#[db_test]
async fn the_centers_policy_limits_what_can_be_added(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.staff_with_email("boss@acorns.example").await;
    sqlx::query("UPDATE people SET roles = 'admin,staff'")
        .execute(t.server.state.db.write())
        .await
        .unwrap();
    t.client
        .admin_set_policy(&admin, &[Kind::Email])
        .await
        .unwrap();
    let err = t
        .client
        .add_method(
            &admin,
            &AddMethodRequest::Sms {
                phone: "+12015550109".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(422), Some("kind_not_allowed"))
    );
    assert_eq!(
        t.client.methods(&admin).await.unwrap().allowed_kinds,
        vec![Kind::Email]
    );
    let err = t.client.admin_set_policy(&admin, &[]).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(422), Some("empty_policy"))
    );
}

#[db_test]
async fn the_last_method_cannot_be_deleted_and_editing_is_add_then_delete(db: Db) {
    let t = TestServer::start(db).await;
    let (token, old) = t.staff_with_email("i@acorns.example").await;
    let err = t.client.delete_method(&token, &old).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("last_method")));
    let new = t
        .add_confirmed(
            &token,
            AddMethodRequest::Email {
                email: Some("i.new@acorns.example".into()),
            },
            "i.new@acorns.example",
        )
        .await;
    t.client.delete_method(&token, &old).await.unwrap();
    let me = t.client.me(&token).await.unwrap();
    assert_eq!(
        me.two_step
            .methods
            .iter()
            .map(|m| &m.id)
            .collect::<Vec<_>>(),
        [&new.id]
    );
    assert_eq!(
        me.two_step.preferred_method_id.as_deref(),
        Some(new.id.as_str())
    );
    let notices: Vec<_> = t
        .outbox("i@acorns.example")
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert!(notices.contains(&"A two-factor authentication device has been removed".to_owned()));
    assert_eq!(
        t.client
            .delete_method(&token, &old)
            .await
            .unwrap_err()
            .code(),
        Some("not_found")
    );
}

#[db_test]
async fn two_concurrent_deletes_of_the_last_two_methods_leave_one(db: Db) {
    let t = TestServer::start(db).await;
    for round in 0..5 {
        let email = format!("race{round}@acorns.example");
        let (token, a) = t.staff_with_email(&email).await;
        let b = t
            .add_confirmed(
                &token,
                AddMethodRequest::Sms {
                    phone: format!("+1201555020{round}"),
                },
                &format!("+1201555020{round}"),
            )
            .await;
        let (ra, rb) = tokio::join!(
            t.client.delete_method(&token, &a),
            t.client.delete_method(&token, &b.id)
        );
        let oks = [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count();
        assert_eq!(oks, 1, "{ra:?} {rb:?}");
        let err = ra.err().or(rb.err()).unwrap();
        assert_eq!(err.code(), Some("last_method"));
        assert_eq!(t.client.me(&token).await.unwrap().two_step.methods.len(), 1);
    }
}

#[db_test]
async fn adding_a_method_sends_the_confirmation_email(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email("j@acorns.example").await;
    let added: Vec<_> = t
        .outbox("j@acorns.example")
        .await
        .into_iter()
        .filter(|m| m.subject == "A two-factor authentication device has been added")
        .collect();
    assert_eq!(added.len(), 1);
    assert!(added[0].body.contains("Email (j•••@acorns.example)"));
    t.add_confirmed(
        &token,
        AddMethodRequest::Sms {
            phone: "(201) 555-0300".into(),
        },
        "+12015550300",
    )
    .await;
    let added = t
        .outbox("j@acorns.example")
        .await
        .into_iter()
        .filter(|m| m.subject == "A two-factor authentication device has been added")
        .count();
    assert_eq!(
        added, 2,
        "the confirmation goes to the sign-in email, whatever the method"
    );
}

#[db_test]
async fn a_setup_token_cannot_delete_or_prefer(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person("k@acorns.example", &[Role::Staff]).await;
    let twostep_client::api::LoginResponse::Setup { setup_token, .. } =
        t.login("k@acorns.example").await
    else {
        panic!()
    };
    assert_eq!(
        t.client.methods(&setup_token).await.unwrap().methods.len(),
        0
    );
    assert_eq!(
        t.client
            .delete_method(&setup_token, "x")
            .await
            .unwrap_err()
            .code(),
        Some("setup_required")
    );
    assert_eq!(
        t.client
            .set_preferred(&setup_token, "x")
            .await
            .unwrap_err()
            .code(),
        Some("setup_required")
    );
    assert_eq!(
        t.client
            .admin_policy(&setup_token)
            .await
            .unwrap_err()
            .code(),
        Some("setup_required")
    );
}
