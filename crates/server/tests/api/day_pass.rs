//! One-day passes (issue 25, item 3): an administrator with a fresh sign-in and their own
//! 2-Step Verification issues a staff member a single-use pass, good until the end of the day
//! in the center's time zone or 12 hours; it signs in once as a second step, like a recovery
//! code. One at a time, `passes_per_month` a month, two administrators where resets take two.

use chrono::{DateTime, Duration, Utc};
use twostep_client::api::{self, ApprovalAnswer, DayPassAnswer, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

const ADMIN: &str = "maya@acorns.example";
const OTHER_ADMIN: &str = "lee@acorns.example";
const STAFF: &str = "nia@acorns.example";

/// An administrator signed in (email method) and a staff member with an authenticator app
/// (so a sign-in sends no code): the administrator's session and the staff member's id.
async fn center(t: &TestServer) -> (String, String) {
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    t.enrolled_with_totp(STAFF, &[Role::Staff]).await;
    let staff = t.person_seen_by_admin(&admin, STAFF).await.id;
    (admin, staff)
}

async fn issue(t: &TestServer, admin: &str, person: &str) -> api::DayPassIssued {
    match t.client.admin_day_pass(admin, person).await.unwrap() {
        DayPassAnswer::Issued(p) => p,
        DayPassAnswer::Requested(r) => panic!("expected a pass, got a request {r:?}"),
    }
}

fn code(e: &twostep_client::ClientError) -> (Option<u16>, Option<&str>) {
    (e.status(), e.code())
}

/// A sign-in of the staff member answered with `pass`.
async fn use_pass(t: &TestServer, pass: &str) -> twostep_client::Result<LoginResponse> {
    let (challenge, _) = t.challenge(STAFF).await;
    t.client.sign_in_with_day_pass(&challenge, pass).await
}

async fn policy(t: &TestServer, admin: &str, tune: impl FnOnce(&mut api::Policy)) {
    let mut p = t.client.admin_policy(admin).await.unwrap();
    tune(&mut p);
    t.client.admin_put_policy(admin, &p).await.unwrap();
}

fn subjects(msgs: &[api::OutboxMessage], subject: &str) -> usize {
    msgs.iter().filter(|m| m.subject == subject).count()
}

#[db_test]
async fn a_pass_signs_in_once_and_its_person_and_the_administrators_are_told(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, staff) = center(&t).await;
    t.enrolled_with_email(OTHER_ADMIN, &[Role::Admin]).await;
    let pass = issue(&t, &admin, &staff).await;
    // Three groups of four, from an alphabet without look-alikes; 12 hours from 08:00 UTC.
    assert_eq!(pass.pass.len(), 14, "{}", pass.pass);
    assert!(pass
        .pass
        .chars()
        .all(|c| c == '-' || "23456789ABCDEFGHJKLMNPQRSTUVWXYZ".contains(c)));
    assert_eq!(pass.expires_at, t.now() + Duration::hours(12));
    // Stored hashed: the pass is nowhere in the database.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT pass_hash FROM day_passes")
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!stored.windows(4).any(|w| w == &pass.pass.as_bytes()[..4]));

    // Listed on the person's page (who, until when), never the pass.
    let page = t.client.admin_person(&admin, &staff).await.unwrap();
    let live = page.day_pass.expect("the live pass is listed");
    assert_eq!(live.issued_by.name, "Test Person");
    assert_eq!(live.expires_at, pass.expires_at);
    let raw = serde_json::to_string(&t.client.admin_person(&admin, &staff).await.unwrap()).unwrap();
    assert!(!raw.contains(&pass.pass));
    // Not on the person's own view.
    assert!(t
        .person_seen_by_admin(&admin, STAFF)
        .await
        .day_pass
        .is_none());

    // Told: the person (with the freeze link) and the other administrator.
    let to_staff = t.outbox(STAFF).await;
    assert_eq!(subjects(&to_staff, "You were issued a one-day pass"), 1);
    let notice = to_staff
        .iter()
        .find(|m| m.subject.contains("one-day pass"))
        .unwrap();
    assert!(notice.body.contains("/freeze/"), "{}", notice.body);
    assert!(
        !notice.body.contains(&pass.pass),
        "the notice never carries the pass"
    );
    let to_other = t.outbox(OTHER_ADMIN).await;
    assert_eq!(
        subjects(&to_other, "A one-day pass was issued at your center"),
        1
    );
    assert_eq!(
        subjects(
            &t.outbox(ADMIN).await,
            "A one-day pass was issued at your center"
        ),
        0
    );

    // Typed as people type: lower case, spaces for dashes.
    let typed = pass.pass.to_lowercase().replace('-', " ");
    let LoginResponse::Done { person, .. } = use_pass(&t, &typed).await.unwrap() else {
        panic!("expected done")
    };
    assert_eq!(person.email, STAFF);
    assert_eq!(
        subjects(&t.outbox(STAFF).await, "Your one-day pass was used"),
        1
    );
    assert!(t
        .client
        .admin_person(&admin, &staff)
        .await
        .unwrap()
        .day_pass
        .is_none());

    // Once: a replay on a new sign-in is a wrong code, counted.
    let err = use_pass(&t, &pass.pass).await.unwrap_err();
    assert_eq!(code(&err), (Some(401), Some("invalid_code")));
    assert_eq!(t.audit_count("day_pass_issued").await, 1);
    assert_eq!(t.audit_count("day_pass_used").await, 1);
    assert_eq!(
        t.count("audit WHERE action = 'code_failed' AND reason = 'wrong_day_pass'")
            .await,
        1
    );
    let actor: Option<String> =
        sqlx::query_scalar("SELECT actor_id FROM audit WHERE action = 'day_pass_issued'")
            .fetch_one(t.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(actor, Some(t.person_id(ADMIN).await));
}

#[db_test]
async fn notices_of_a_pass_are_in_the_persons_language(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, staff) = center(&t).await;
    sqlx::query("UPDATE people SET locale = 'es' WHERE email = $1")
        .bind(STAFF)
        .execute(t.server.state.db.write())
        .await
        .unwrap();
    let pass = issue(&t, &admin, &staff).await;
    assert_eq!(
        subjects(&t.outbox(STAFF).await, "Se le emitió un pase de un día"),
        1
    );
    use_pass(&t, &pass.pass).await.unwrap();
    assert_eq!(
        subjects(&t.outbox(STAFF).await, "Se usó su pase de un día"),
        1
    );
}

#[db_test]
async fn issuing_takes_a_fresh_sign_in_and_the_administrators_own_two_step(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, staff) = center(&t).await;
    t.advance(901);
    let err = t.client.admin_day_pass(&admin, &staff).await.unwrap_err();
    assert_eq!(code(&err), (Some(403), Some("reauth_required")));
    assert_eq!(t.count("day_passes").await, 0);
    let admin = t.fresh(&admin, ADMIN).await;
    // Never for oneself.
    let me = t.person_id(ADMIN).await;
    let err = t.client.admin_day_pass(&admin, &me).await.unwrap_err();
    assert_eq!(code(&err), (Some(403), Some("forbidden")));
    issue(&t, &admin, &staff).await;

    // An administrator without 2-Step Verification issues none.
    t.add_person("bare@acorns.example", &[Role::Admin]).await;
    let bare = match t.login("bare@acorns.example").await {
        LoginResponse::Setup { setup_token, .. } => setup_token,
        other => panic!("expected setup, got {other:?}"),
    };
    let err = t.client.admin_day_pass(&bare, &staff).await.unwrap_err();
    assert_ne!(err.status(), Some(201));
    // Another center's administrator does not find the person.
    t.add_person_in("Elsewhere", "far@else.example", &[Role::Admin])
        .await;
    let far = t.enrolled_with_email_in("far@else.example").await;
    let err = t.client.admin_day_pass(&far, &staff).await.unwrap_err();
    assert_eq!(code(&err), (Some(404), Some("not_found")));
    assert_eq!(t.count("day_passes").await, 1);
}

#[db_test]
async fn a_pass_ends_at_the_end_of_the_centers_day_or_after_twelve_hours(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, staff) = center(&t).await;
    // UTC, 08:00: midnight is 16 hours away, so the 12-hour cap.
    let pass = issue(&t, &admin, &staff).await;
    assert_eq!(pass.expires_at, t.now() + Duration::hours(12));
    t.advance(12 * 3600);
    let err = use_pass(&t, &pass.pass).await.unwrap_err();
    assert_eq!(code(&err), (Some(401), Some("invalid_code")));
    assert_eq!(t.count("day_passes WHERE ended_how = 'used'").await, 0);

    // Tokyo: issued at 09:00 UTC (18:00 there), midnight there comes first.
    let admin = t.sign_in_with_email(ADMIN).await;
    let err = t
        .client
        .admin_put_policy(
            &admin,
            &api::Policy {
                time_zone: Some("Mars/Olympus_Mons".into()),
                ..t.client.admin_policy(&admin).await.unwrap()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), (Some(422), Some("invalid_time_zone")));
    policy(&t, &admin, |p| p.time_zone = Some("Asia/Tokyo".into())).await;
    assert_eq!(
        t.client
            .admin_policy(&admin)
            .await
            .unwrap()
            .time_zone
            .as_deref(),
        Some("Asia/Tokyo")
    );
    t.advance(13 * 3600);
    assert_eq!(
        t.now().date_naive(),
        at("2026-11-27T09:00:00Z").date_naive()
    );
    let admin = t.sign_in_with_email(ADMIN).await;
    let pass = issue(&t, &admin, &staff).await;
    assert_eq!(
        pass.expires_at,
        at("2026-11-27T15:00:00Z"),
        "midnight in Tokyo"
    );
    t.advance((pass.expires_at - t.now()).num_seconds() - 1);
    let ok = use_pass(&t, &pass.pass).await.unwrap();
    assert!(matches!(ok, LoginResponse::Done { .. }));
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[db_test]
async fn one_pass_at_a_time_and_no_more_than_the_month_allows(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, staff) = center(&t).await;
    issue(&t, &admin, &staff).await;
    let err = t.client.admin_day_pass(&admin, &staff).await.unwrap_err();
    assert_eq!(code(&err), (Some(409), Some("day_pass_live")));
    // The database holds the rule too: a second live row is refused.
    let second = sqlx::query(
        "INSERT INTO day_passes (id, center_id, person_id, pass_hash, issued_by, created_at, \
         expires_at) SELECT 'x', center_id, person_id, pass_hash, issued_by, created_at, \
         expires_at FROM day_passes",
    )
    .execute(t.server.state.db.write())
    .await;
    assert!(second.is_err());

    // Three a month (revoked ones count).
    for _ in 0..2 {
        t.client
            .admin_revoke_day_pass(&admin, &staff)
            .await
            .unwrap();
        issue(&t, &admin, &staff).await;
    }
    t.client
        .admin_revoke_day_pass(&admin, &staff)
        .await
        .unwrap();
    let err = t.client.admin_day_pass(&admin, &staff).await.unwrap_err();
    assert_eq!(code(&err), (Some(409), Some("day_passes_used_up")));
    assert!(err.to_string().contains('3'), "{err}");
    assert_eq!(t.count("day_passes").await, 3);

    // December: three more.
    t.advance(5 * 24 * 3600);
    let admin = t.sign_in_with_email(ADMIN).await;
    issue(&t, &admin, &staff).await;
    t.client
        .admin_revoke_day_pass(&admin, &staff)
        .await
        .unwrap();

    // 0 switches passes off; more than 31 is refused.
    policy(&t, &admin, |p| p.passes_per_month = Some(0)).await;
    let err = t.client.admin_day_pass(&admin, &staff).await.unwrap_err();
    assert_eq!(code(&err), (Some(403), Some("day_passes_off")));
    let mut p = t.client.admin_policy(&admin).await.unwrap();
    p.passes_per_month = Some(32);
    let err = t.client.admin_put_policy(&admin, &p).await.unwrap_err();
    assert_eq!(code(&err), (Some(422), Some("invalid_passes_per_month")));
}

#[db_test]
async fn a_burst_of_issues_makes_one_pass(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, staff) = center(&t).await;
    let (clients, _twin) = t.clients(if db.is_postgres() { 2 } else { 1 }).await;
    let results = burst(10, |i| {
        let (c, admin, staff) = (
            clients[i % clients.len()].clone(),
            admin.clone(),
            staff.clone(),
        );
        async move { c.admin_day_pass(&admin, &staff).await }
    })
    .await;
    let t_ = tally(&results);
    assert_eq!(t_.get("ok"), Some(&1), "{t_:?}");
    assert_eq!(t.count("day_passes").await, 1);
}

#[db_test]
async fn a_revoked_pass_and_a_disabled_or_frozen_persons_pass_stop_working(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, staff) = center(&t).await;
    let pass = issue(&t, &admin, &staff).await;
    t.client
        .admin_revoke_day_pass(&admin, &staff)
        .await
        .unwrap();
    let err = t
        .client
        .admin_revoke_day_pass(&admin, &staff)
        .await
        .unwrap_err();
    assert_eq!(code(&err), (Some(404), Some("not_found")));
    assert!(t
        .client
        .admin_person(&admin, &staff)
        .await
        .unwrap()
        .day_pass
        .is_none());
    let err = use_pass(&t, &pass.pass).await.unwrap_err();
    assert_eq!(code(&err), (Some(401), Some("invalid_code")));
    assert_eq!(t.audit_count("day_pass_revoked").await, 1);

    // Disabling ends it with the person's other credentials.
    let pass = issue(&t, &admin, &staff).await;
    t.client
        .admin_set_disabled(&admin, &staff, true)
        .await
        .unwrap();
    t.client
        .admin_set_disabled(&admin, &staff, false)
        .await
        .unwrap();
    let err = use_pass(&t, &pass.pass).await.unwrap_err();
    assert_eq!(code(&err), (Some(401), Some("invalid_code")));
    assert_eq!(t.count("day_passes WHERE ended_how = 'ended'").await, 1);

    // "This wasn't me" on the notice of a pass she did not ask for ends it too.
    issue(&t, &admin, &staff).await;
    let link = crate::freeze::link_in(&t.outbox(STAFF).await, &t.server.url());
    let res = reqwest::Client::new().post(&link).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(t.count("day_passes WHERE ended_how = 'ended'").await, 2);
    assert_eq!(t.count("day_passes WHERE ended_at IS NULL").await, 0);
}

#[db_test]
async fn a_burst_of_ten_uses_of_one_pass_lets_one_in(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, staff) = center(&t).await;
    let pass = issue(&t, &admin, &staff).await.pass;
    let (clients, _twin) = t.clients(if db.is_postgres() { 2 } else { 1 }).await;
    const N: usize = 10;
    let mut challenges = Vec::new();
    for _ in 0..N {
        challenges.push(t.challenge(STAFF).await.0);
    }
    let results = burst(N, |i| {
        let (c, id, pass) = (
            clients[i % clients.len()].clone(),
            challenges[i].clone(),
            pass.clone(),
        );
        async move { c.sign_in_with_day_pass(&id, &pass).await }
    })
    .await;
    assert_eq!(
        tally(&results),
        counts(&[("ok", 1), ("invalid_code", N - 1)])
    );
    assert_eq!(t.count("day_passes WHERE ended_how = 'used'").await, 1);
    assert_eq!(
        subjects(&t.outbox(STAFF).await, "Your one-day pass was used"),
        1
    );
    assert_eq!(t.audit_count("day_pass_used").await, 1);
}

#[db_test]
async fn where_resets_take_two_a_pass_takes_two_administrators(db: Db) {
    let t = TestServer::start(db).await;
    let (first, staff) = center(&t).await;
    let (second, _) = t.enrolled_with_email(OTHER_ADMIN, &[Role::Admin]).await;
    policy(&t, &first, |p| p.reset_approvals = Some(2)).await;
    let DayPassAnswer::Requested(r) = t.client.admin_day_pass(&first, &staff).await.unwrap() else {
        panic!("expected a request")
    };
    assert_eq!(t.count("day_passes").await, 0);
    assert_eq!(
        subjects(&t.outbox(STAFF).await, "You were issued a one-day pass"),
        0
    );
    // Asking again answers with the same request; a reset may wait beside it.
    let DayPassAnswer::Requested(again) = t.client.admin_day_pass(&second, &staff).await.unwrap()
    else {
        panic!("expected a request")
    };
    assert_eq!(again.request_id, r.request_id);
    let list = t
        .client
        .admin_reset_requests(&second)
        .await
        .unwrap()
        .requests;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].kind, api::RequestKind::DayPass);
    assert_eq!(list[0].requested_by.email, ADMIN);

    let err = t
        .client
        .admin_approve_request(&first, &r.request_id)
        .await
        .unwrap_err();
    assert_eq!(code(&err), (Some(403), Some("approval_by_requester")));
    let ApprovalAnswer::DayPass(pass) = t
        .client
        .admin_approve_request(&second, &r.request_id)
        .await
        .unwrap()
    else {
        panic!("expected the pass")
    };
    let live = t
        .client
        .admin_person(&second, &staff)
        .await
        .unwrap()
        .day_pass
        .unwrap();
    assert_eq!(live.issued_by.id, t.person_id(ADMIN).await);
    assert_eq!(live.approved_by.unwrap().id, t.person_id(OTHER_ADMIN).await);
    assert!(matches!(
        use_pass(&t, &pass.pass).await.unwrap(),
        LoginResponse::Done { .. }
    ));
    assert_eq!(t.audit_count("day_pass_requested").await, 1);
    assert_eq!(
        t.count("audit WHERE action = 'day_pass_issued' AND reason = 'approved_by_second_administrator'")
            .await,
        1
    );
    // Spent: not approvable again.
    let err = t
        .client
        .admin_approve_request(&second, &r.request_id)
        .await
        .unwrap_err();
    assert_eq!(code(&err), (Some(404), Some("not_found")));
}
