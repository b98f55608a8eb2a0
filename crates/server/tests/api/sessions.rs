//! Sessions people can see and end (API.md "Sessions"), and "New sign-in to your account".

use twostep_client::api::LoginResponse;
use twostep_client::Client;

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

#[db_test]
async fn the_list_shows_every_device_and_never_a_token(db: Db) {
    let t = TestServer::start(db).await;
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

#[db_test]
async fn ending_a_session_ends_its_token_and_end_others_keeps_this_one(db: Db) {
    let t = TestServer::start(db).await;
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

#[db_test]
async fn a_device_unseen_in_ninety_days_is_announced_on_every_address(db: Db) {
    let t = TestServer::start(db).await;
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

/// A session from `device` (the test client's own device for "test device"; else a device
/// whose id is its name) for a person with several methods (the email one preferred).
async fn signed_in_on_any(t: &TestServer, device: &str) -> String {
    let client = match device {
        "test device" => t.client.clone(),
        other => t.client_on(&other.replace(' ', "-")),
    };
    signed_in_as(t, &client, device).await
}

/// A session from `client`'s device, which calls itself `name`.
async fn signed_in_as(t: &TestServer, client: &Client, name: &str) -> String {
    let LoginResponse::Verify {
        challenge_id,
        preferred_method_id,
        code_sent,
        ..
    } = client.login(EMAIL, PASSWORD, Some(name)).await.unwrap()
    else {
        panic!("expected verify")
    };
    let method = preferred_method_id.unwrap();
    if code_sent.is_none() {
        client.send_code(&challenge_id, &method).await.unwrap();
    }
    let code = t.last_code(EMAIL).await;
    session_of(client.verify(&challenge_id, &method, &code).await.unwrap()).0
}

/// A device is known by the id its client keeps, not the name it gives itself: someone with
/// the password and a code who calls their device "test device" is still a new device, and
/// the notice quotes the name as the device's own words, cleaned of what could disguise it.
#[db_test]
async fn a_copied_device_name_is_still_a_new_device(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email(EMAIL).await;
    drop(token);
    t.advance(3600); // (five codes an hour per address)
    signed_in_on_any(&t, "test device").await;
    assert_eq!(notices(&t.outbox(EMAIL).await), 0);
    // The same name, another device id: announced.
    t.advance(3600);
    let intruder = t.client_on("intruder-device");
    signed_in_as(&t, &intruder, "test device").await;
    assert_eq!(notices(&t.outbox(EMAIL).await), 1);
    // No device id at all: new every time.
    let anonymous = Client::new(t.server.url());
    t.advance(3600);
    signed_in_as(&t, &anonymous, "test device").await;
    t.advance(3600);
    signed_in_as(&t, &anonymous, "test device").await;
    assert_eq!(notices(&t.outbox(EMAIL).await), 3);
    // The name is a label: quoted, at most 64 printable characters, no direction tricks.
    t.advance(3600);
    let long = format!("Jordan\u{202e}s iPad\u{0007}{}", "x".repeat(100));
    signed_in_as(&t, &t.client_on("another-device"), &long).await;
    let mail = t.outbox(EMAIL).await;
    let last = mail
        .iter()
        .rev()
        .find(|m| m.subject == NEW_SIGN_IN)
        .unwrap();
    let expected = format!("\"Jordans iPad{}\"", "x".repeat(52));
    assert!(last.body.contains(&expected), "{}", last.body);
    assert!(!last.body.contains('\u{202e}') && !last.body.contains('\u{7}'));
    let stored: Vec<Option<String>> =
        sqlx::query_scalar("SELECT device_name FROM known_devices ORDER BY last_signed_in DESC")
            .fetch_all(t.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(stored[0].as_deref().map(|n| n.chars().count()), Some(64));
}
