//! "This wasn't me" (API.md): every security notice ends with a single-use link; GET changes
//! nothing, POST freezes the account; an administrator of the same center unfreezes it.

use twostep_client::api::{AddMethodRequest, LoginResponse, OutboxMessage};
use twostep_core::Role;

use crate::harness::*;

const EMAIL: &str = "frozen.teacher@acorns.example";
const ADMIN: &str = "boss@acorns.example";

/// The freeze link at the end of the newest notice to `to`.
pub(crate) fn link_in(msgs: &[OutboxMessage], base: &str) -> String {
    let body = &msgs
        .iter()
        .rev()
        .find(|m| m.body.contains("/freeze/"))
        .expect("a notice with a freeze link")
        .body;
    let start = body
        .find(&format!("{base}/freeze/"))
        .expect("the server's public address");
    body[start..].split_whitespace().next().unwrap().to_owned()
}

/// A person whose second method just sent them a notice: their session and the notice's link.
async fn noticed(t: &TestServer) -> (String, String) {
    let (token, _) = t.staff_with_email(EMAIL).await;
    t.add_confirmed(
        &token,
        AddMethodRequest::Email {
            email: Some("home@acorns.example".into()),
        },
        "home@acorns.example",
    )
    .await;
    let link = link_in(&t.outbox(EMAIL).await, &t.server.url());
    (token, link)
}

#[db_test]
async fn opening_the_link_changes_nothing_and_the_page_needs_no_script(db: Db) {
    let t = TestServer::start(db).await;
    let (token, link) = noticed(&t).await;
    let http = reqwest::Client::new();
    // A mail scanner opens it twice.
    for _ in 0..2 {
        let res = http.get(&link).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let h = res.headers().clone();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("script-src"), "no script at all");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        let page = res.text().await.unwrap();
        assert!(page.contains("<form method=\"post\">") && !page.contains("<script"));
        assert!(page.contains(CENTER), "{page}");
    }
    t.client.me(&token).await.unwrap();
    assert!(!t.client.me(&token).await.unwrap().frozen);
}

#[db_test]
async fn posting_it_freezes_the_account_once_and_tells_the_administrators(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let (token, link) = noticed(&t).await;
    let http = reqwest::Client::new();
    // A plain form post, as a browser without script sends it.
    let res = http.post(&link).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("frozen"));
    assert_eq!(t.client.me(&token).await.unwrap_err().status(), Some(401));
    let err = t.client.login(EMAIL, PASSWORD, None).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(423), Some("account_frozen"))
    );
    // A wrong password still says only that.
    let err = t.client.login(EMAIL, "not it", None).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_credentials"));
    assert!(t
        .outbox(ADMIN)
        .await
        .iter()
        .any(|m| m.subject == "An account at your center was frozen" && m.body.contains(EMAIL)));
    assert_eq!(t.audit_count("account_frozen").await, 1);
    // Once.
    assert_eq!(http.post(&link).send().await.unwrap().status(), 404);
    assert_eq!(http.get(&link).send().await.unwrap().status(), 404);

    // Frozen people come first in the administrator's list.
    let people = t
        .client
        .admin_people(&admin, &Default::default())
        .await
        .unwrap()
        .people;
    assert_eq!(people[0].email, EMAIL);
    assert!(people[0].frozen);
    let unfrozen = t
        .client
        .admin_unfreeze(&admin, &people[0].id)
        .await
        .unwrap();
    assert!(!unfrozen.frozen);
    assert_eq!(t.audit_count("account_unfrozen").await, 1);
    // The person is told, and the password whoever it was used no longer opens the account:
    // it must change first, with a token good for nothing else.
    let told = t.outbox(EMAIL).await;
    assert!(told
        .iter()
        .any(|m| m.subject == "Your account was unfrozen"));
    let err = t.client.login(EMAIL, PASSWORD, None).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(409), Some("password_change_required"))
    );
    let token = err.password_token().expect("a password token").to_owned();
    assert_eq!(t.client.me(&token).await.unwrap_err().status(), Some(401));
    assert_eq!(
        t.client.methods(&token).await.unwrap_err().status(),
        Some(401)
    );
    // A weak password, or the old one (which someone else may know), is refused and the
    // token kept.
    let weak = t.client.set_new_password(&token, "password").await;
    assert_eq!(weak.unwrap_err().code(), Some("weak_password"));
    let reused = t.client.set_new_password(&token, PASSWORD).await;
    assert_eq!(reused.unwrap_err().code(), Some("password_reused"));
    // A second sign-in with the old password meanwhile gets a token of its own; both end
    // when the new password is chosen, and so does one a racing sign-in stores after that.
    let other = t.client.login(EMAIL, PASSWORD, None).await.unwrap_err();
    let other = other.password_token().unwrap().to_owned();
    const NEW: &str = "a brand new passphrase";
    let next = t.client.set_new_password(&token, NEW).await.unwrap();
    assert!(matches!(next, LoginResponse::Verify { .. }), "{next:?}");
    // Once.
    for spent in [&token, &other] {
        let again = t
            .client
            .set_new_password(spent, "another new passphrase")
            .await;
        assert_eq!(again.unwrap_err().status(), Some(401));
    }
    let (late, late_hash) = twostep_server::crypto::new_token();
    let now = t.now();
    twostep_server::store::password_tokens::insert(
        t.server.state.db.write(),
        &twostep_server::store::password_tokens::NewPasswordToken {
            hash: &late_hash,
            person_id: &t.person_id(EMAIL).await,
            device_name: None,
            device_hash: None,
            expires_at: now + chrono::Duration::minutes(15),
        },
        now,
    )
    .await
    .unwrap();
    let again = t
        .client
        .set_new_password(&late, "another new passphrase")
        .await;
    assert_eq!(again.unwrap_err().status(), Some(401));
    let old = t.client.login(EMAIL, PASSWORD, None).await.unwrap_err();
    assert_eq!(old.code(), Some("invalid_credentials"));
    let next = t.client.login(EMAIL, NEW, None).await.unwrap();
    assert!(matches!(next, LoginResponse::Verify { .. }), "{next:?}");
    assert!(t
        .outbox(EMAIL)
        .await
        .iter()
        .any(|m| m.subject == "Your password was changed"));
}

/// Freezing spends every link the person was sent; unfreezing spends them again (links sent
/// before it must not freeze the account days later); the unfreeze notice's own link works.
#[db_test]
async fn freezing_and_unfreezing_end_every_link(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let (token, first) = noticed(&t).await;
    t.client.new_recovery_codes(&token).await.unwrap();
    let second = link_in(&t.outbox(EMAIL).await, &t.server.url());
    assert_ne!(first, second);
    let http = reqwest::Client::new();
    assert_eq!(http.post(&second).send().await.unwrap().status(), 200);
    assert_eq!(http.post(&first).send().await.unwrap().status(), 404);
    let id = t.person_id(EMAIL).await;
    let live = format!("freeze_tokens WHERE used_at IS NULL AND person_id = '{id}'");
    assert_eq!(t.count(&live).await, 0);

    t.client.admin_unfreeze(&admin, &id).await.unwrap();
    let unfrozen_link = link_in(&t.outbox(EMAIL).await, &t.server.url());
    assert!(unfrozen_link != first && unfrozen_link != second);
    assert_eq!(t.count(&live).await, 1);
    assert_eq!(
        http.post(&unfrozen_link).send().await.unwrap().status(),
        200
    );
}

/// A notice to an address just removed from the account carries no link: whoever holds that
/// address now could freeze the account with it. It says to contact the center instead.
#[db_test]
async fn a_removed_address_is_told_without_a_link(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = noticed(&t).await;
    let methods = t.client.methods(&token).await.unwrap().methods;
    let home = methods
        .iter()
        .find(|m| m.hint.starts_with('h'))
        .expect("the home address");
    t.client.delete_method(&token, &home.id).await.unwrap();
    let to_home = t.outbox("home@acorns.example").await;
    let removed = to_home
        .iter()
        .rev()
        .find(|m| m.subject == "A two-factor authentication device has been removed")
        .expect("the removed address is told");
    assert!(!removed.body.contains("/freeze/"), "{}", removed.body);
    assert!(removed.body.contains("contact your center's administrator"));
    // The sign-in email, still the person's, has the link.
    let to_email = t.outbox(EMAIL).await;
    let kept = to_email
        .iter()
        .rev()
        .find(|m| m.subject == "A two-factor authentication device has been removed")
        .unwrap();
    assert!(kept.body.contains("/freeze/"));
}

#[db_test]
async fn a_link_works_seven_days_and_a_made_up_one_never(db: Db) {
    let t = TestServer::start(db).await;
    let (token, link) = noticed(&t).await;
    let http = reqwest::Client::new();
    let made_up = format!("{}/freeze/{}", t.server.url(), "A".repeat(43));
    assert_eq!(http.get(&made_up).send().await.unwrap().status(), 404);
    assert_eq!(http.post(&made_up).send().await.unwrap().status(), 404);
    t.advance(7 * 24 * 3600 + 1);
    assert_eq!(http.get(&link).send().await.unwrap().status(), 404);
    assert_eq!(http.post(&link).send().await.unwrap().status(), 404);
    t.advance(-(7 * 24 * 3600 + 1));
    t.client.me(&token).await.unwrap();
}

#[db_test]
async fn only_an_administrator_of_the_same_center_unfreezes(db: Db) {
    let t = TestServer::start(db).await;
    let (_, link) = noticed(&t).await;
    reqwest::Client::new().post(&link).send().await.unwrap();
    let id = t.count("people WHERE frozen_at IS NOT NULL").await;
    assert_eq!(id, 1);
    let person_id: String = sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
        .bind(EMAIL)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    t.add_person_in(
        "Other Center",
        "other.boss@elsewhere.example",
        &[Role::Admin],
    )
    .await;
    let (other_admin, _) = {
        let r = t.login("other.boss@elsewhere.example").await;
        match r {
            twostep_client::api::LoginResponse::Setup { setup_token, .. } => {
                let e = t
                    .client
                    .add_method(&setup_token, &AddMethodRequest::Email { email: None })
                    .await
                    .unwrap();
                let code = t.last_code("other.boss@elsewhere.example").await;
                let c = t
                    .client
                    .confirm_enrollment(&setup_token, e.id(), &code)
                    .await
                    .unwrap();
                (c.session.unwrap().token, ())
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        t.client
            .admin_unfreeze(&other_admin, &person_id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    let (staff, _) = t.staff_with_email("colleague@acorns.example").await;
    assert_eq!(
        t.client
            .admin_unfreeze(&staff, &person_id)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    assert_eq!(t.count("people WHERE frozen_at IS NOT NULL").await, 1);
}

/// A freeze that commits while a sign-in is under way (its password checked, its second step
/// pending) still holds: no session is issued, and a token that slipped past opens nothing.
#[db_test]
async fn a_sign_in_under_way_when_the_account_freezes_gets_no_session(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email(EMAIL).await;
    let (challenge_id, method_id) = t.challenge(EMAIL).await;
    let code = t.last_code(EMAIL).await;
    let person_id: String = sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
        .bind(EMAIL)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    // Only the flag, as if the freeze committed between the password and the code.
    twostep_server::store::people::set_frozen(t.server.state.db.write(), &person_id, Some(t.now()))
        .await
        .unwrap();
    let err = t
        .client
        .verify(&challenge_id, &method_id, &code)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(423), Some("account_frozen"))
    );
    assert_eq!(
        t.count("tokens WHERE kind = 'session'").await,
        1,
        "nothing issued"
    );
    assert_eq!(t.client.me(&token).await.unwrap_err().status(), Some(401));
}
