//! Sessions people can see and end (API.md "Sessions"), and "New sign-in to your account".

use twostep_client::api::LoginResponse;

use crate::harness::*;

const EMAIL: &str = "tablet.teacher@acorns.example";
const NEW_SIGN_IN: &str = "New sign-in to your account";

/// A session of the person (one email method) from `device`.
async fn signed_in_on(t: &TestServer, device: &str) -> String {
    let LoginResponse::Verify {
        challenge_id,
        code_sent: Some(sent),
        ..
    } = t.client.login(EMAIL, PASSWORD, Some(device)).await.unwrap()
    else {
        panic!("expected verify")
    };
    let code = t.last_code(EMAIL).await;
    session_of(
        t.client
            .verify(&challenge_id, &sent.method_id.unwrap(), &code)
            .await
            .unwrap(),
    )
    .0
}

fn notices(msgs: &[twostep_client::api::OutboxMessage]) -> usize {
    msgs.iter().filter(|m| m.subject == NEW_SIGN_IN).count()
}

#[tokio::test]
async fn the_list_shows_every_device_and_never_a_token() {
    let t = TestServer::start().await;
    let (first, _) = t.staff_with_email(EMAIL).await;
    t.advance(60);
    let phone = signed_in_on(&t, "Ana's phone").await;
    let list = t.client.sessions(&phone).await.unwrap().sessions;
    assert_eq!(list.len(), 2);
    assert!(list[0].current && !list[1].current, "{list:?}");
    assert_eq!(list[0].device_name.as_deref(), Some("Ana's phone"));
    assert_eq!(list[1].device_name.as_deref(), Some("test device"));
    let json = serde_json::to_string(&list).unwrap();
    assert!(!json.contains(&phone) && !json.contains(&first));
    // An id opens nothing.
    assert_eq!(
        t.client.me(&list[1].id).await.unwrap_err().status(),
        Some(401)
    );
}

#[tokio::test]
async fn ending_a_session_ends_its_token_and_end_others_keeps_this_one() {
    let t = TestServer::start().await;
    let (tablet, _) = t.staff_with_email(EMAIL).await;
    let phone = signed_in_on(&t, "phone").await;
    let laptop = signed_in_on(&t, "laptop").await;
    let list = t.client.sessions(&phone).await.unwrap().sessions;
    let tablet_id = &list
        .iter()
        .find(|s| s.device_name.as_deref() == Some("test device"))
        .unwrap()
        .id;
    t.client.end_session(&phone, tablet_id).await.unwrap();
    assert_eq!(t.client.me(&tablet).await.unwrap_err().status(), Some(401));
    // Again, or a made-up id, or someone else's: 404.
    assert_eq!(
        t.client
            .end_session(&phone, tablet_id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    assert_eq!(
        t.client
            .end_session(&phone, "no-such")
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    let (other, _) = t.staff_with_email("someone.else@acorns.example").await;
    let others_id = t.client.sessions(&other).await.unwrap().sessions[0]
        .id
        .clone();
    assert_eq!(
        t.client
            .end_session(&phone, &others_id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    t.client.me(&other).await.unwrap();

    t.client.end_other_sessions(&phone).await.unwrap();
    assert_eq!(t.client.me(&laptop).await.unwrap_err().status(), Some(401));
    let left = t.client.sessions(&phone).await.unwrap().sessions;
    assert_eq!(left.len(), 1);
    assert!(left[0].current);
    // Ending the current one is signing out.
    t.client.end_session(&phone, &left[0].id).await.unwrap();
    assert_eq!(t.client.me(&phone).await.unwrap_err().status(), Some(401));
}

#[tokio::test]
async fn a_device_unseen_in_ninety_days_is_announced_on_every_address() {
    let t = TestServer::start().await;
    let (token, _) = t.staff_with_email(EMAIL).await;
    t.add_confirmed(
        &token,
        twostep_client::api::AddMethodRequest::Sms {
            phone: "+12015550123".into(),
        },
        "+12015550123",
    )
    .await;
    // The first sign-in is no news; the same device again neither.
    assert_eq!(notices(&t.outbox(EMAIL).await), 0);
    // (The email method, the first, is the preferred one.)
    t.advance(60);
    signed_in_on_any(&t, "test device").await;
    assert_eq!(notices(&t.outbox(EMAIL).await), 0);
    // A new device: the sign-in email and the phone hear of it.
    t.advance(60);
    signed_in_on_any(&t, "Front desk tablet").await;
    let mail = t.outbox(EMAIL).await;
    assert_eq!(notices(&mail), 1);
    let body = &mail.iter().find(|m| m.subject == NEW_SIGN_IN).unwrap().body;
    assert!(
        body.contains("Front desk tablet") && body.contains(CENTER),
        "{body}"
    );
    assert!(t
        .outbox("+12015550123")
        .await
        .iter()
        .any(|m| m.body.contains("new sign-in")));
    // Within 90 days, nothing; after, it is new again.
    t.advance(89 * 24 * 3600);
    signed_in_on_any(&t, "Front desk tablet").await;
    assert_eq!(notices(&t.outbox(EMAIL).await), 1);
    t.advance(91 * 24 * 3600);
    signed_in_on_any(&t, "Front desk tablet").await;
    assert_eq!(notices(&t.outbox(EMAIL).await), 2);
}

/// A session from `device` for a person with several methods (the email one preferred).
async fn signed_in_on_any(t: &TestServer, device: &str) -> String {
    let LoginResponse::Verify {
        challenge_id,
        preferred_method_id,
        ..
    } = t.client.login(EMAIL, PASSWORD, Some(device)).await.unwrap()
    else {
        panic!("expected verify")
    };
    let method = preferred_method_id.unwrap();
    t.client.send_code(&challenge_id, &method).await.unwrap();
    let code = t.last_code(EMAIL).await;
    session_of(
        t.client
            .verify(&challenge_id, &method, &code)
            .await
            .unwrap(),
    )
    .0
}
