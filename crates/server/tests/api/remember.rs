//! "Don't ask for a code on this device for N days" (API.md "Sign-in", remembered devices): a
//! second step with `remember` earns a token bound to the person and the device; a password
//! sign-in from that device with it skips the second step, and from anywhere else (or with a
//! token ended, expired or made up) asks as before, silently. Every event that must end them
//! ends them all; never for a shared account or an administrator; the policy's 0 and 90.

use std::collections::BTreeMap;

use twostep_client::api::{self, AddMethodRequest, Enrollment, LoginResponse};
use twostep_client::Client;
use twostep_core::Role;

use crate::harness::*;

const PARENT: &str = "parent@acorns.example";
const ADMIN: &str = "admin@acorns.example";
const NEW_PASSWORD: &str = "a brand new passphrase for spring";
const DAY: i64 = 86_400;

/// A server whose hourly caps on codes are out of the way: these tests sign in often, and
/// every sign-in that falls back to the second step sends its code.
async fn start(db: Db) -> TestServer {
    TestServer::on(db)
        .tune(|cfg| {
            cfg.codes.per_person = 1000;
            cfg.codes.per_address = 1000;
        })
        .start()
        .await
}

/// A sign-in on `client` that passes the emailed code (the person's one method) with "Don't
/// ask" ticked: the session (with its remember token, if the device may be remembered) and the
/// days the challenge offered.
/// (With several methods, the code goes to the preferred one, which must be `email`.)
async fn sign_in_remembering(t: &TestServer, client: &Client, email: &str) -> (api::Session, u32) {
    let LoginResponse::Verify {
        challenge_id,
        code_sent,
        methods,
        remember_days,
        ..
    } = client
        .login(email, PASSWORD, Some("Jo's phone"))
        .await
        .unwrap()
    else {
        panic!("expected a second step for {email}")
    };
    let method_id = match code_sent {
        Some(sent) => sent.method_id.unwrap(),
        None => {
            let id = methods[0].id.clone();
            client.send_code(&challenge_id, &id).await.unwrap();
            id
        }
    };
    let code = t.last_code(email).await;
    let done = client
        .verify_remembering(&challenge_id, &method_id, &code)
        .await
        .unwrap();
    let LoginResponse::Done { session, .. } = done else {
        panic!("expected done, got {done:?}")
    };
    (session, remember_days)
}

/// A parent (their sign-in email their one method) whose phone, `client`, is remembered: the
/// session and the remember token.
async fn remembered_parent(t: &TestServer, client: &Client, email: &str) -> (String, String) {
    t.enrolled_with_email(email, &[Role::Guardian]).await;
    let (session, days) = sign_in_remembering(t, client, email).await;
    assert_eq!(days, 30, "families: 30 days by default");
    let token = session.remember_token.expect("a remember token");
    (session.token, token)
}

/// Whether a password sign-in with `token` skipped the second step.
async fn skips(client: &Client, email: &str, password: &str, token: &str) -> bool {
    match client
        .login_remembered(email, password, token)
        .await
        .unwrap()
    {
        LoginResponse::Done { .. } => true,
        LoginResponse::Verify { .. } => false,
        other => panic!("expected done or verify, got {other:?}"),
    }
}

/// The person's remembered devices, as the database holds them.
async fn remembered_rows(t: &TestServer, email: &str) -> i64 {
    let id = t.person_id(email).await;
    t.count(&format!("remembered_devices WHERE person_id = '{id}'"))
        .await
}

async fn put_remember_days(
    t: &TestServer,
    admin: &str,
    days: &[(api::Role, u32)],
) -> Result<api::Policy, twostep_client::ClientError> {
    let policy = api::Policy {
        remember_days: Some(days.iter().copied().collect::<BTreeMap<_, _>>()),
        ..t.client.admin_policy(admin).await.unwrap()
    };
    t.client.admin_put_policy(admin, &policy).await
}

#[db_test]
async fn a_remembered_device_signs_in_on_the_password_alone_and_no_other_does(db: Db) {
    let t = start(db).await;
    let phone = t.client_on("jos-phone");
    let (session, token) = remembered_parent(&t, &phone, PARENT).await;
    let codes_before = t.outbox(PARENT).await.len();

    assert!(skips(&phone, PARENT, PASSWORD, &token).await);
    assert_eq!(
        t.outbox(PARENT).await.len(),
        codes_before,
        "no code was sent, and the device is known: no notice either"
    );
    // The second step skipped is audited as such.
    let reason = t
        .count("audit WHERE action = 'second_step_passed' AND reason = 'remembered_device'")
        .await;
    assert_eq!(reason, 1);
    assert_eq!(t.audit_count("device_remembered").await, 1);

    // Another device with the token, a device with no id, a made-up token, no token: the
    // second step, with nothing said about why.
    assert!(!skips(&t.client_on("thiefs-laptop"), PARENT, PASSWORD, &token).await);
    assert!(!skips(&Client::new(t.url()), PARENT, PASSWORD, &token).await);
    assert!(!skips(&phone, PARENT, PASSWORD, "made-up-token").await);
    assert!(matches!(
        phone.login(PARENT, PASSWORD, None).await.unwrap(),
        LoginResponse::Verify { .. }
    ));
    // The wrong password is the wrong password, token or not.
    let err = phone
        .login_remembered(PARENT, "not the password", &token)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_credentials"));
    // Someone else's password with this token: their own second step.
    let (_, _) = t
        .enrolled_with_email("other@acorns.example", &[Role::Guardian])
        .await;
    assert!(!skips(&phone, "other@acorns.example", PASSWORD, &token).await);

    // "Where you're signed in" lists the device, never its token.
    let listed = phone.sessions(&session).await.unwrap();
    assert_eq!(listed.remembered.len(), 1);
    let r = &listed.remembered[0];
    assert_eq!(r.device_name.as_deref(), Some("Jo's phone"));
    assert!(r.current);
    assert_eq!(r.expires_at, r.created_at + chrono::Duration::days(30));
    let json = serde_json::to_string(&listed).unwrap();
    assert!(!json.contains(&token));
}

#[db_test]
async fn forget_this_device_asks_for_the_code_again(db: Db) {
    let t = start(db).await;
    let phone = t.client_on("jos-phone");
    let (session, token) = remembered_parent(&t, &phone, PARENT).await;
    let (other, _) = t
        .enrolled_with_email("other@acorns.example", &[Role::Guardian])
        .await;
    let id = phone.sessions(&session).await.unwrap().remembered[0]
        .id
        .clone();
    // Someone else's session cannot forget it (nor learn that it exists).
    let err = t.client.forget_device(&other, &id).await.unwrap_err();
    assert_eq!(err.code(), Some("not_found"));
    assert!(skips(&phone, PARENT, PASSWORD, &token).await);

    phone.forget_device(&session, &id).await.unwrap();
    assert!(!skips(&phone, PARENT, PASSWORD, &token).await);
    assert!(phone
        .sessions(&session)
        .await
        .unwrap()
        .remembered
        .is_empty());
    let err = phone.forget_device(&session, &id).await.unwrap_err();
    assert_eq!(err.code(), Some("not_found"));
    assert_eq!(t.audit_count("device_forgotten").await, 1);
}

/// Every event that must end a person's remembered devices ends them all, each event tried on
/// a person of its own.
#[db_test]
async fn every_event_that_ends_them_ends_them(db: Db) {
    let t = start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let phone = t.client_on("phone");
    let laptop = t.client_on("laptop");

    // A method added.
    let who = "added@acorns.example";
    let (session, token) = remembered_parent(&t, &phone, who).await;
    t.add_confirmed(
        &session,
        AddMethodRequest::Email {
            email: Some("home@acorns.example".into()),
        },
        "home@acorns.example",
    )
    .await;
    assert_eq!(remembered_rows(&t, who).await, 0, "method added");
    assert!(!skips(&phone, who, PASSWORD, &token).await);

    // A method deleted (the second, on a device of its own).
    let who = "deleted@acorns.example";
    let (session, _) = remembered_parent(&t, &phone, who).await;
    let extra = t
        .add_confirmed(
            &session,
            AddMethodRequest::Email {
                email: Some("deleted-home@acorns.example".into()),
            },
            "deleted-home@acorns.example",
        )
        .await;
    let (session, days) = sign_in_remembering(&t, &laptop, who).await;
    assert_eq!(days, 30);
    let token = session.remember_token.clone().unwrap();
    laptop
        .delete_method(&session.token, &extra.id)
        .await
        .unwrap();
    assert_eq!(remembered_rows(&t, who).await, 0, "method deleted");
    assert!(!skips(&laptop, who, PASSWORD, &token).await);

    // The password changed.
    let who = "changed@acorns.example";
    let (session, token) = remembered_parent(&t, &phone, who).await;
    phone
        .change_password(&session, PASSWORD, NEW_PASSWORD)
        .await
        .unwrap();
    assert_eq!(remembered_rows(&t, who).await, 0, "password changed");
    assert!(!skips(&phone, who, NEW_PASSWORD, &token).await);

    // The password reset through "Forgot password?".
    let who = "forgot@acorns.example";
    let (_, token) = remembered_parent(&t, &phone, who).await;
    t.client.password_reset(who).await.unwrap();
    let link =
        crate::password_reset::token_in(&crate::password_reset::reset_emails(&t, who, 1).await[0]);
    t.client
        .password_reset_complete(&link, NEW_PASSWORD)
        .await
        .unwrap();
    assert_eq!(remembered_rows(&t, who).await, 0, "password reset");
    assert!(!skips(&phone, who, NEW_PASSWORD, &token).await);

    // Signed out everywhere, by an administrator, and by the person from another device.
    let who = "everywhere@acorns.example";
    let (_, token) = remembered_parent(&t, &phone, who).await;
    let id = t.person_id(who).await;
    t.client.admin_end_sessions(&admin, &id).await.unwrap();
    assert_eq!(remembered_rows(&t, who).await, 0, "signed out everywhere");
    assert!(!skips(&phone, who, PASSWORD, &token).await);
    let (session, _) = sign_in_remembering(&t, &phone, who).await;
    let token = session.remember_token.unwrap();
    phone.end_other_sessions(&session.token).await.unwrap();
    assert_eq!(
        remembered_rows(&t, who).await,
        0,
        "signed out everywhere else"
    );
    assert!(!skips(&phone, who, PASSWORD, &token).await);

    // An administrator's reset of 2-Step Verification.
    let who = "reset@acorns.example";
    remembered_parent(&t, &phone, who).await;
    let id = t.person_id(who).await;
    t.client.admin_reset(&admin, &id).await.unwrap();
    // (A parent without methods then signs in on the password anyway: the rows tell.)
    assert_eq!(remembered_rows(&t, who).await, 0, "administrator's reset");

    // Disabled (and enabled again).
    let who = "disabled@acorns.example";
    let (_, token) = remembered_parent(&t, &phone, who).await;
    let id = t.person_id(who).await;
    t.client
        .admin_set_disabled(&admin, &id, true)
        .await
        .unwrap();
    assert_eq!(remembered_rows(&t, who).await, 0, "disabled");
    t.client
        .admin_set_disabled(&admin, &id, false)
        .await
        .unwrap();
    assert!(!skips(&phone, who, PASSWORD, &token).await);

    // Frozen through "This wasn't me" (and unfrozen: a new password is owed first anyway).
    let who = "frozen@acorns.example";
    let (_, token) = remembered_parent(&t, &phone, who).await;
    let link = crate::freeze::link_in(&t.outbox(who).await, &t.server.url());
    let res = reqwest::Client::new().post(&link).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(remembered_rows(&t, who).await, 0, "frozen");
    let err = phone
        .login_remembered(who, PASSWORD, &token)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("account_frozen"));
}

#[db_test]
async fn never_for_a_shared_account(db: Db) {
    let t = start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    // Staff may be remembered here, to tell the shared account's refusal from staff's 0.
    put_remember_days(&t, &admin, &[(api::Role::Staff, 30)])
        .await
        .unwrap();
    let tablet = t.client_on("room-3-tablet");
    for (email, shared, offered) in [
        ("teacher@acorns.example", false, 30),
        ("room3@acorns.example", true, 0),
    ] {
        t.add_account(CENTER, email, "Room", &[Role::Staff], shared)
            .await;
        let totp = t.set_up_totp(email).await.1;
        let LoginResponse::Verify {
            challenge_id,
            remember_days,
            ..
        } = tablet.login(email, PASSWORD, None).await.unwrap()
        else {
            panic!("expected verify")
        };
        assert_eq!(remember_days, offered, "{email}");
        let code = t.next_totp(&totp);
        let LoginResponse::Done { session, .. } = tablet
            .verify_remembering(&challenge_id, &totp.method_id, &code)
            .await
            .unwrap()
        else {
            panic!("expected done")
        };
        assert_eq!(session.remember_token.is_some(), !shared, "{email}");
        assert_eq!(remembered_rows(&t, email).await, i64::from(!shared));
    }
}

#[db_test]
async fn never_for_administrators(db: Db) {
    let t = start(db).await;
    let (admin, _) = t
        .enrolled_with_email(ADMIN, &[Role::Admin, Role::Guardian])
        .await;
    // An administrator who is also a parent: the stricter role counts.
    let (session, days) = sign_in_remembering(&t, &t.client, ADMIN).await;
    assert_eq!(days, 0, "not offered");
    assert!(
        session.remember_token.is_none(),
        "asked for anyway: ignored"
    );
    assert_eq!(remembered_rows(&t, ADMIN).await, 0);
    // Their days are 0, and stay 0.
    let policy = t.client.admin_policy(&admin).await.unwrap();
    assert_eq!(policy.remember_days.unwrap()[&api::Role::Admin], 0);
    let err = put_remember_days(&t, &admin, &[(api::Role::Admin, 1)])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
}

#[db_test]
async fn the_policys_zero_and_ninety(db: Db) {
    let t = start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let phone = t.client_on("phone");
    let (_, token) = remembered_parent(&t, &phone, PARENT).await;
    let days = t.client.admin_policy(&admin).await.unwrap().remember_days;
    let expected = BTreeMap::from([
        (api::Role::Staff, 0),
        (api::Role::Guardian, 30),
        (api::Role::Admin, 0),
    ]);
    assert_eq!(days, Some(expected));

    // 0: not offered, a request to remember ignored, and a device remembered before no
    // longer skips anything.
    let set = put_remember_days(&t, &admin, &[(api::Role::Guardian, 0)])
        .await
        .unwrap();
    assert_eq!(set.remember_days.unwrap()[&api::Role::Guardian], 0);
    assert!(!skips(&phone, PARENT, PASSWORD, &token).await);
    let (session, offered) = sign_in_remembering(&t, &phone, PARENT).await;
    assert_eq!(offered, 0);
    assert!(session.remember_token.is_none());

    // 91 (or any role's): 400, nothing changed.
    let err = put_remember_days(&t, &admin, &[(api::Role::Guardian, 91)])
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some("bad_request")));
    let err = put_remember_days(
        &t,
        &admin,
        &[(api::Role::Staff, 91), (api::Role::Guardian, 5)],
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let days = t.client.admin_policy(&admin).await.unwrap().remember_days;
    assert_eq!(
        days.unwrap()[&api::Role::Guardian],
        0,
        "nothing half-written"
    );

    // 90: remembered for 90 days, and the token from before counts again (it was made for 30).
    put_remember_days(&t, &admin, &[(api::Role::Guardian, 90)])
        .await
        .unwrap();
    assert!(skips(&phone, PARENT, PASSWORD, &token).await);
    let laptop = t.client_on("laptop");
    let (session, offered) = sign_in_remembering(&t, &laptop, PARENT).await;
    assert_eq!(offered, 90);
    assert_eq!(
        session.remembered_until,
        Some(t.now() + chrono::Duration::days(90))
    );
    let token = session.remember_token.unwrap();
    t.advance(89 * DAY);
    assert!(skips(&laptop, PARENT, PASSWORD, &token).await);
    t.advance(DAY);
    assert!(!skips(&laptop, PARENT, PASSWORD, &token).await);
}

#[db_test]
async fn a_remembered_device_expires(db: Db) {
    let t = start(db).await;
    let phone = t.client_on("phone");
    let (_, token) = remembered_parent(&t, &phone, PARENT).await;
    t.advance(30 * DAY - 60);
    assert!(skips(&phone, PARENT, PASSWORD, &token).await);
    t.advance(60);
    assert!(!skips(&phone, PARENT, PASSWORD, &token).await);
    assert!(t
        .client_on("phone")
        .sessions(&sign_in_session(&t, &phone).await)
        .await
        .unwrap()
        .remembered
        .is_empty());
}

/// A plain sign-in with the emailed code: the session.
async fn sign_in_session(t: &TestServer, client: &Client) -> String {
    let LoginResponse::Verify {
        challenge_id,
        code_sent: Some(sent),
        ..
    } = client.login(PARENT, PASSWORD, None).await.unwrap()
    else {
        panic!("expected a code")
    };
    let code = t.last_code(PARENT).await;
    session_of(
        client
            .verify(&challenge_id, sent.method_id.as_deref().unwrap(), &code)
            .await
            .unwrap(),
    )
    .0
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_sign_ins_with_one_token_all_behave(db: Db) {
    let t = start(db).await;
    let phone = t.client_on("phone");
    let (_, token) = remembered_parent(&t, &phone, PARENT).await;
    let results = burst(8, |_| {
        let (phone, token) = (phone.clone(), token.clone());
        async move { phone.login_remembered(PARENT, PASSWORD, &token).await }
    })
    .await;
    let mut sessions = std::collections::BTreeSet::new();
    for r in results {
        match r.unwrap() {
            LoginResponse::Done { session, .. } => sessions.insert(session.token),
            other => panic!("expected done, got {other:?}"),
        };
    }
    assert_eq!(sessions.len(), 8, "a session each");
    // The same burst from another device: a second step each, and no skip.
    let other = t.client_on("other");
    let results = burst(4, |_| {
        let (other, token) = (other.clone(), token.clone());
        async move { other.login_remembered(PARENT, PASSWORD, &token).await }
    })
    .await;
    for r in results {
        assert!(matches!(r.unwrap(), LoginResponse::Verify { .. }));
    }
    assert_eq!(remembered_rows(&t, PARENT).await, 1);
}

/// A center's floor raised above the kind of method that earned a remembered device ends its
/// use: the device was remembered for a second step the person may no longer give.
#[db_test]
async fn a_floor_raised_above_the_method_that_earned_it_is_not_bypassed(db: Db) {
    let t = start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let (session, email) = t.enrolled_with_email(PARENT, &[Role::Guardian]).await;
    // An authenticator app too.
    let e = t
        .client
        .add_method(&session, &AddMethodRequest::Totp)
        .await
        .unwrap();
    let Enrollment::Totp { secret, .. } = &e else {
        panic!("expected a TOTP enrollment")
    };
    let code = t.totp(secret);
    let totp = t
        .client
        .confirm_enrollment(&session, e.id(), &code)
        .await
        .unwrap()
        .method;
    t.advance(30);
    t.client.set_preferred(&session, &email).await.unwrap();
    let phone = t.client_on("phone");
    let (by_email, _) = sign_in_remembering(&t, &phone, PARENT).await;
    let token = by_email.remember_token.unwrap();
    assert!(skips(&phone, PARENT, PASSWORD, &token).await);

    let policy = api::Policy {
        min_method: Some(BTreeMap::from([(
            api::Role::Guardian,
            api::MinMethod::Authenticator,
        )])),
        ..t.client.admin_policy(&admin).await.unwrap()
    };
    t.client.admin_put_policy(&admin, &policy).await.unwrap();
    let LoginResponse::Verify { methods, .. } = phone
        .login_remembered(PARENT, PASSWORD, &token)
        .await
        .unwrap()
    else {
        panic!("expected the second step")
    };
    assert_eq!(
        methods.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        [totp.id.as_str()],
        "the authenticator alone"
    );
}

/// The notice of a sign-in from a device the person has not used in 90 days says when no code
/// was asked. (A remembered device is one signed in from within its 90 days, so the notice is
/// made to happen by forgetting the device's last sign-in.)
#[db_test]
async fn the_new_sign_in_notice_says_no_code_was_asked(db: Db) {
    let t = start(db).await;
    let phone = t.client_on("phone");
    let (_, token) = remembered_parent(&t, &phone, PARENT).await;
    sqlx::query("DELETE FROM known_devices WHERE device_hash = $1")
        .bind(twostep_server::crypto::hash_token("phone"))
        .execute(t.state().db.write())
        .await
        .unwrap();
    assert!(skips(&phone, PARENT, PASSWORD, &token).await);
    let notice = t
        .outbox(PARENT)
        .await
        .into_iter()
        .rev()
        .find(|m| m.body.contains("device you have not used recently"))
        .expect("a new-sign-in notice");
    assert!(
        notice
            .body
            .contains("No code was asked: this device was remembered"),
        "{}",
        notice.body
    );
}

/// A browser client gets the remember token as a cookie that only the sign-in is sent, never in
/// the body; signing out leaves it, and the next password sign-in with it skips the code.
#[db_test]
async fn a_browser_keeps_it_in_a_cookie_only_the_sign_in_gets(db: Db) {
    use reqwest::header::{COOKIE, SET_COOKIE};
    let t = start(db).await;
    t.enrolled_with_email(PARENT, &[Role::Guardian]).await;
    let http = reqwest::Client::new();
    let post_from = |device: &str, path: &str| {
        http.post(format!("{}/api/v1{path}", t.url()))
            .header("twostep-client", "web")
            .header("sec-fetch-site", "same-origin")
            .header("twostep-device", device)
    };
    let post = |path: &str| post_from("browser-1", path);
    let login = serde_json::json!({"email": PARENT, "password": PASSWORD});
    let step: serde_json::Value = post("/login")
        .json(&login)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(step["remember_days"], 30);
    let code = t.last_code(PARENT).await;
    let res = post(&format!("/challenges/{}/verify", step["challenge_id"].as_str().unwrap()))
        .json(&serde_json::json!({"method_id": step["code_sent"]["method_id"], "code": code, "remember": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Secure-twostep-remember="))
        .expect("the remember cookie");
    assert!(
        cookie.contains("; Path=/api/v1/login; Secure; HttpOnly; SameSite=Strict; Max-Age="),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let token = pair
        .trim_start_matches("__Secure-twostep-remember=")
        .to_owned();
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["session"].get("remember_token").is_none(), "{body}");
    assert!(!body.to_string().contains(&token));
    assert!(body["session"]["remembered_until"].is_string());

    // The next sign-in, the cookie sent as the browser sends it: no code.
    let res = post("/login")
        .header(COOKIE, &pair)
        .json(&login)
        .send()
        .await
        .unwrap();
    let step: serde_json::Value = res.json().await.unwrap();
    assert_eq!(step["next"], "done", "{step}");
    // From another browser, the same cookie is no use.
    let res = post_from("browser-2", "/login")
        .header(COOKIE, &pair)
        .json(&login)
        .send()
        .await
        .unwrap();
    let step: serde_json::Value = res.json().await.unwrap();
    assert_eq!(step["next"], "verify", "{step}");
}

/// Retention deletes a remembered device once it has expired, and no sooner.
#[db_test]
async fn retention_forgets_an_expired_remembered_device(db: Db) {
    let t = start(db).await;
    let phone = t.client_on("phone");
    remembered_parent(&t, &phone, PARENT).await;
    t.advance(30 * DAY - 60);
    twostep_server::retention::run_once(t.state())
        .await
        .unwrap();
    assert_eq!(remembered_rows(&t, PARENT).await, 1);
    t.advance(120);
    let swept = twostep_server::retention::run_once(t.state())
        .await
        .unwrap();
    assert_eq!(swept.of("remembered_devices"), 1, "{swept:?}");
    assert_eq!(remembered_rows(&t, PARENT).await, 0);
}
