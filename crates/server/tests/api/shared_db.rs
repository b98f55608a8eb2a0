//! Two server processes on one database: the limits and invariants are the database's, so they
//! hold across both. (Two servers in one test process each have their own connection pool,
//! which is what SQLite sees of two processes.)

use twostep_client::api::{AddMethodRequest, LoginResponse};

use crate::harness::*;

#[db_test]
async fn limits_and_the_last_method_rule_hold_across_two_servers(db: Db) {
    let t = TestServer::start(db).await;
    let (other, b) = t.twin().await;

    let (token, email_id) = t.staff_with_email("two@acorns.example").await;
    let LoginResponse::Verify { challenge_id, .. } = t.login("two@acorns.example").await else {
        panic!()
    };
    // The code went out through the first server; the cooldown holds on the second.
    assert_eq!(
        b.send_code(&challenge_id, &email_id)
            .await
            .unwrap_err()
            .code(),
        Some("resend_too_soon")
    );
    let code = t.last_code("two@acorns.example").await;
    let (session_b, _) = session_of(b.verify(&challenge_id, &email_id, &code).await.unwrap());
    assert_eq!(
        t.client
            .verify(&challenge_id, &email_id, &code)
            .await
            .unwrap_err()
            .code(),
        Some("challenge_expired")
    );

    let sms = t
        .add_confirmed(
            &token,
            AddMethodRequest::Sms {
                phone: "+12015550777".into(),
            },
            "+12015550777",
        )
        .await;
    let (ra, rb) = tokio::join!(
        t.client.delete_method(&token, &email_id),
        b.delete_method(&session_b, &sms.id)
    );
    assert_eq!(
        [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{ra:?} {rb:?}"
    );
    assert_eq!(t.client.me(&token).await.unwrap().two_step.methods.len(), 1);
    other.stop().await;
}
