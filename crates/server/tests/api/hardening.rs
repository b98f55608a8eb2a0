//! Nothing stale, nothing borrowed: an administrator's session left open is not enough to
//! change anything, one administrator cannot be two, and a lock past the lock for good still
//! holds.

use twostep_client::api::{self, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

const ADMIN: &str = "boss@acorns.example";
const STAFF: &str = "nia@acorns.example";
const NEW_ADMIN: &str = "puppet@acorns.example";
const DAY: i64 = 24 * 3600;

fn new_admin() -> api::NewPerson {
    api::NewPerson {
        email: NEW_ADMIN.into(),
        name: "Second Admin".into(),
        roles: vec![api::Role::Admin],
        // Invited: they choose their own password (PASSWORD, in these tests).
        password: None,
        shared: None,
        locale: None,
    }
}

fn policy(approvals: u32) -> api::Policy {
    api::Policy {
        allowed_kinds: vec![api::Kind::Email, api::Kind::Totp, api::Kind::Sms],
        reset_approvals: Some(approvals),
        guardians_required: None,
        new_admin_wait_days: None,
        passkey_sign_in: None,
        min_method: None,
        time_zone: None,
        passes_per_month: None,
        remember_days: None,
    }
}

/// An administrator's session 16 minutes after its sign-in: every write answers 403
/// `reauth_required` and changes nothing; reads still work; a fresh sign-in writes again.
#[db_test]
async fn a_stale_administrator_session_changes_nothing(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    t.staff_with_email(STAFF).await;
    let staff = t.person_id(STAFF).await;
    t.advance(16 * 60);
    let people_before = t.count("people").await;
    let c = &t.client;
    let stale = |r: Result<(), twostep_client::ClientError>| {
        let e = r.unwrap_err();
        assert_eq!((e.status(), e.code()), (Some(403), Some("reauth_required")));
    };
    // The chain a stolen session would take starts with making a second administrator.
    stale(c.admin_create_person(&admin, &new_admin()).await.map(drop));
    stale(c.admin_set_disabled(&admin, &staff, true).await.map(drop));
    stale(c.admin_set_disabled(&admin, &staff, false).await.map(drop));
    stale(c.admin_unfreeze(&admin, &staff).await.map(drop));
    stale(c.admin_end_sessions(&admin, &staff).await);
    stale(c.admin_send_reminders(&admin).await.map(drop));
    stale(c.admin_put_policy(&admin, &policy(1)).await.map(drop));
    stale(c.admin_reset_or_request(&admin, &staff).await.map(drop));
    assert_eq!(t.count("people").await, people_before);
    assert_eq!(
        t.count(&format!("methods WHERE person_id = '{staff}'"))
            .await,
        1
    );
    assert!(matches!(t.login(STAFF).await, LoginResponse::Verify { .. }));
    // Reading is not changing.
    c.admin_people(&admin, &Default::default()).await.unwrap();
    c.admin_report(&admin).await.unwrap();
    c.admin_audit(&admin, None).await.unwrap();
    // A fresh sign-in, and the same writes go through.
    let admin = t.fresh(&admin, ADMIN).await;
    c.admin_create_person(&admin, &new_admin()).await.unwrap();
}

/// An administrator's first sign-in must set up 2-Step Verification (no skip), so a second
/// administrator made from a borrowed session has no session without a second factor; and a
/// reset, even one administrator's, needs the acting administrator's own 2-Step Verification.
#[db_test]
async fn new_administrators_set_up_first_and_resets_need_the_actors_own_two_step(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    t.staff_with_email(STAFF).await;
    let staff = t.person_id(STAFF).await;
    t.client
        .admin_create_person(&admin, &new_admin())
        .await
        .unwrap();
    let LoginResponse::Setup {
        setup_token,
        required: true,
        ..
    } = t.accept_invitation(NEW_ADMIN).await
    else {
        panic!("a new administrator must set up")
    };
    let err = t.client.skip_setup(&setup_token).await.unwrap_err();
    assert_eq!(err.code(), Some("setup_required"));
    // An administrator's session from before this rule, whose methods are gone: no reset.
    sqlx::query("DELETE FROM methods WHERE person_id = (SELECT id FROM people WHERE email = $1)")
        .bind(ADMIN)
        .execute(t.server.state.db.write())
        .await
        .unwrap();
    let err = t.client.admin_reset(&admin, &staff).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(403), Some("own_two_step_required"))
    );
    assert_eq!(
        t.count(&format!("methods WHERE person_id = '{staff}'"))
            .await,
        1
    );
}

/// One administrator makes a second, enrols it, and tries to be two people: the second does
/// not count for two-person resets (neither to switch them on, nor to ask, nor to approve)
/// until seven days after it was made. Every administrator hears that it was made.
#[db_test]
async fn a_second_administrator_made_by_the_first_counts_after_seven_days(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    t.staff_with_email(STAFF).await;
    let staff = t.person_id(STAFF).await;
    t.client
        .admin_create_person(&admin, &new_admin())
        .await
        .unwrap();
    let told = t.outbox(ADMIN).await;
    let notice = told
        .iter()
        .find(|m| m.subject == "An administrator was added to your center")
        .expect("every administrator is told");
    assert!(
        notice.body.contains(NEW_ADMIN) && notice.body.contains(ADMIN),
        "{}",
        notice.body
    );
    assert!(notice.body.contains("/freeze/"), "a notice like any other");
    t.accept_invitation(NEW_ADMIN).await;
    let puppet = t.enrolled_with_email_in(NEW_ADMIN).await;

    // Not two people yet: the policy cannot go to two approvals.
    let err = t
        .client
        .admin_put_policy(&admin, &policy(2))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("needs_two_admins"));
    // No administrator can shorten the wait: the operator's alone.
    let shorter = api::Policy {
        new_admin_wait_days: Some(0),
        passkey_sign_in: None,
        min_method: None,
        remember_days: None,
        ..policy(1)
    };
    let err = t
        .client
        .admin_put_policy(&admin, &shorter)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("operator_only"));
    let seen = t.client.admin_policy(&admin).await.unwrap();
    assert_eq!(seen.new_admin_wait_days, Some(7));
    // Where the operator set two approvals, the new administrator neither asks nor approves.
    let center = t.server.state.db.read();
    let center_id: String = sqlx::query_scalar("SELECT center_id FROM people WHERE id = $1")
        .bind(&staff)
        .fetch_one(center)
        .await
        .unwrap();
    let set_approvals = |n: i64| {
        sqlx::query("UPDATE centers SET reset_approvals = $1 WHERE id = $2")
            .bind(n)
            .bind(center_id.clone())
            .execute(t.server.state.db.write())
    };
    set_approvals(2).await.unwrap();
    let err = t
        .client
        .admin_reset_or_request(&puppet, &staff)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(403), Some("admin_too_new"))
    );
    let request = match t
        .client
        .admin_reset_or_request(&admin, &staff)
        .await
        .unwrap()
    {
        api::ResetAnswer::Requested(r) => r,
        api::ResetAnswer::Done(_) => panic!("expected a request"),
    };
    let err = t
        .client
        .admin_approve_reset(&puppet, &request.request_id)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(403), Some("admin_too_new"))
    );
    assert_eq!(
        t.count(&format!("methods WHERE person_id = '{staff}'"))
            .await,
        1
    );

    // Seven days on, it counts.
    set_approvals(1).await.unwrap();
    t.advance(7 * DAY);
    let admin = t.sign_in_with_email(ADMIN).await;
    t.client.admin_put_policy(&admin, &policy(2)).await.unwrap();
    let puppet = t.sign_in_with_email(NEW_ADMIN).await;
    let request = match t
        .client
        .admin_reset_or_request(&admin, &staff)
        .await
        .unwrap()
    {
        api::ResetAnswer::Requested(r) => r,
        api::ResetAnswer::Done(_) => panic!("expected a request"),
    };
    t.client
        .admin_approve_reset(&puppet, &request.request_id)
        .await
        .unwrap();
    assert_eq!(
        t.count(&format!("methods WHERE person_id = '{staff}'"))
            .await,
        0
    );
}

/// Past the lock for good (100 consecutive failures), wrong recovery codes are still limited:
/// every 20 more lock for the longest timed lock (2 hours), the right code included.
#[db_test]
async fn past_one_hundred_every_twenty_wrong_recovery_codes_lock_again(db: Db) {
    let t = TestServer::start(db).await;
    let (c, _totp) = t.first_totp(STAFF, &[Role::Staff]).await;
    let codes = c.recovery_codes.expect("recovery codes");
    sqlx::query("UPDATE people SET failed_second_steps = 100 WHERE email = $1")
        .bind(STAFF)
        .execute(t.server.state.db.write())
        .await
        .unwrap();
    let recover_only = |t: &TestServer| {
        let client = t.client.clone();
        async move {
            let err = client.login(STAFF, PASSWORD, None).await.unwrap_err();
            assert_eq!(err.code(), Some("two_step_locked"), "{err:?}");
            err.challenge_id().unwrap().to_owned()
        }
    };
    // 19 wrong codes (a challenge takes five): locked for good, no timed lock yet.
    let mut wrong = 0;
    while wrong < 19 {
        let challenge = recover_only(&t).await;
        for _ in 0..5.min(19 - wrong) {
            let err = t
                .client
                .recover(&challenge, "AAAA-BBBB-CCCC-DDDD")
                .await
                .unwrap_err();
            assert_eq!(err.code(), Some("invalid_code"));
            wrong += 1;
        }
    }
    let challenge = recover_only(&t).await;
    // The 20th: the longest lock begins.
    let err = t
        .client
        .recover(&challenge, "AAAA-BBBB-CCCC-DDDD")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("challenge_locked"));
    // The right code is refused for two hours, and so is the password's way to a challenge.
    let err = t.client.recover(&challenge, &codes[0]).await.unwrap_err();
    assert_eq!(err.code(), Some("challenge_locked"));
    let err = t.client.login(STAFF, PASSWORD, None).await.unwrap_err();
    assert_eq!(err.code(), Some("too_many_attempts"));
    assert!(err.retry_after().unwrap() > 7000, "{err:?}");
    t.advance(2 * 3600 + 1);
    let challenge = recover_only(&t).await;
    session_of(t.client.recover(&challenge, &codes[0]).await.unwrap());
}

/// Expiry is judged when the write happens: a right code typed at 9:59 of its 10 minutes while
/// the database's writer is held up past 10:00 is refused (and nothing of the attempt kept),
/// and accepted when the writer is free in time.
#[db_test]
async fn a_code_is_judged_at_the_time_it_is_written(db: Db) {
    let t = TestServer::start(db).await;
    t.staff_with_email(STAFF).await;
    for held_past_expiry in [false, true] {
        let LoginResponse::Verify {
            challenge_id,
            code_sent: Some(sent),
            ..
        } = t.login(STAFF).await
        else {
            panic!("expected a code sent")
        };
        let code = t.last_code(STAFF).await;
        let method = sent.method_id.unwrap();
        t.advance(10 * 60 - 1);
        // Hold the writer (SQLite: the one write transaction; PostgreSQL: the person's row).
        let mut held = t.server.state.db.begin().await.unwrap();
        twostep_server::store::people::lock(&mut held, &t.person_id(STAFF).await)
            .await
            .unwrap();
        let c = t.client.clone();
        let (id, m, code2) = (challenge_id.clone(), method.clone(), code.clone());
        let verifying = tokio::spawn(async move { c.verify(&id, &m, &code2).await });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        if held_past_expiry {
            t.advance(2);
        }
        held.rollback().await.unwrap();
        let answer = verifying.await.unwrap();
        if held_past_expiry {
            let err = answer.unwrap_err();
            assert_eq!(err.code(), Some("invalid_code"), "{err:?}");
            assert_eq!(
                err.attempts_left(),
                Some(5),
                "the late attempt is not counted"
            );
        } else {
            session_of(answer.unwrap());
        }
        t.advance(3600);
    }
}

/// twostep-client follows no redirect: a server (or something in the way) answering 308 to
/// another address does not get the password sent on, and plain http:// is refused except on
/// this machine.
#[db_test]
async fn the_client_follows_no_redirect_and_refuses_plain_http_off_loopback(db: Db) {
    let t = TestServer::start(db).await;
    t.add_person(STAFF, &[Role::Staff]).await;
    let target = format!("{}/api/v1/login", t.server.url());
    let redirecting = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move {
            (
                axum::http::StatusCode::PERMANENT_REDIRECT,
                [(axum::http::header::LOCATION, target)],
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, redirecting).await });
    let client = twostep_client::Client::new(format!("http://{addr}"));
    let err = client.login(STAFF, PASSWORD, None).await.unwrap_err();
    assert_eq!(err.status(), Some(308), "{err:?}");
    assert_eq!(
        t.audit_count("sign_in_passed").await,
        0,
        "nothing reached the server"
    );

    let remote = twostep_client::Client::new("http://twostep.example.org");
    let err = remote.login(STAFF, PASSWORD, None).await.unwrap_err();
    assert!(
        matches!(err, twostep_client::ClientError::Refused(_)),
        "{err:?}"
    );
}

/// An administrator whose every method is of a kind the center has switched off has no second
/// factor: no reset, and no fresh sign-in on the password alone.
#[db_test]
async fn an_administrator_without_an_allowed_method_neither_resets_nor_refreshes(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    t.staff_with_email(STAFF).await;
    let staff = t.person_id(STAFF).await;
    let totp_only = api::Policy {
        allowed_kinds: vec![api::Kind::Totp],
        ..policy(1)
    };
    t.client.admin_put_policy(&admin, &totp_only).await.unwrap();
    let err = t.client.admin_reset(&admin, &staff).await.unwrap_err();
    assert_eq!(err.code(), Some("own_two_step_required"));
    let err = t.client.reauth(&admin, PASSWORD).await.unwrap_err();
    assert_eq!(err.code(), Some("setup_required"));
    assert_eq!(
        t.count(&format!("methods WHERE person_id = '{staff}'"))
            .await,
        1
    );
}
