//! Every limit of API.md under a burst: N requests released at the same instant, from one
//! server or split between two on one database. Each test asserts the exact number let
//! through, and that the right password or code after the limit is refused.

use twostep_client::api::{AddMethodRequest, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

const BOTH: [usize; 2] = [1, 2];

fn wrong_code(right: &str) -> &'static str {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_gets_exactly_ten_checks(db: Db) {
    for servers in BOTH {
        let t = TestServer::start(db).await;
        t.add_person("pw@acorns.example", &[Role::Guardian]).await;
        let (clients, _twin) = t.clients(servers).await;
        for email in ["pw@acorns.example", "nobody@acorns.example"] {
            let results = burst(60, |i| {
                let c = clients[i % servers].clone();
                async move { c.login(email, "wrong password!", None).await }
            })
            .await;
            // Known or unknown email, the same answers: nothing to enumerate.
            assert_eq!(
                tally(&results),
                counts(&[("invalid_credentials", 10), ("too_many_attempts", 50)]),
                "{email}, {servers} server(s)"
            );
            for r in &results {
                if let Err(e) = r {
                    if e.code() == Some("too_many_attempts") {
                        assert_eq!(e.retry_after(), Some(900));
                    }
                }
            }
        }
        // Ten checked for the person, ten for the unknown email (recorded outside any center,
        // counted on one row: a flood of made-up emails cannot fill the disk).
        let known = t.count("audit WHERE action = 'sign_in_failed' AND person_id IS NOT NULL");
        assert_eq!(known.await, 10);
        assert_eq!(t.audit_count("sign_in_failed").await, 11);
        let unknown: i64 = sqlx::query_scalar(
            "SELECT CAST(SUM(occurrences) AS BIGINT) FROM audit WHERE action = 'sign_in_failed' \
             AND person_id IS NULL",
        )
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
        assert_eq!(unknown, 10);
        // The right password after the limit is refused too.
        let err = t
            .client
            .login("pw@acorns.example", PASSWORD, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("too_many_attempts"));
        t.advance(15 * 60);
        session_of(t.login("pw@acorns.example").await);
    }
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_codes_on_one_challenge_gets_exactly_five_checks(db: Db) {
    for servers in BOTH {
        let t = TestServer::start(db).await;
        t.staff_with_email("burst@acorns.example").await;
        let (clients, _twin) = t.clients(servers).await;

        let (c, m) = t.challenge("burst@acorns.example").await;
        let right = t.last_code("burst@acorns.example").await;
        let wrong = wrong_code(&right);
        let results = burst(40, |i| {
            let (client, c, m) = (clients[i % servers].clone(), c.clone(), m.clone());
            async move { client.verify(&c, &m, wrong).await }
        })
        .await;
        assert_eq!(
            tally(&results),
            counts(&[("challenge_locked", 35), ("invalid_code", 5)]),
            "{servers} server(s)"
        );
        let right = t.last_code("burst@acorns.example").await;
        let err = t.client.verify(&c, &m, &right).await.unwrap_err();
        assert_eq!(err.code(), Some("challenge_locked"));

        // A burst that holds the right code: never more than five checked, whichever they
        // are; once the right one wins, the rest find the sign-in spent.
        t.advance(3600);
        let (c, m) = t.challenge("burst@acorns.example").await;
        let right = t.last_code("burst@acorns.example").await;
        let results = burst(40, |i| {
            let (client, c, m) = (clients[i % servers].clone(), c.clone(), m.clone());
            let code = if i == 39 {
                right.clone()
            } else {
                wrong_code(&right).to_owned()
            };
            async move { client.verify(&c, &m, &code).await }
        })
        .await;
        let n = tally(&results);
        let won = n.get("ok").copied().unwrap_or(0);
        let checked = won + n.get("invalid_code").copied().unwrap_or(0);
        assert!(won <= 1, "{n:?}");
        if won == 0 {
            assert_eq!(checked, 5, "{n:?}");
            assert_eq!(n["challenge_locked"], 35, "{n:?}");
        } else {
            assert!(checked <= 5, "{n:?}");
            let refused = n.get("challenge_locked").copied().unwrap_or(0)
                + n.get("challenge_expired").copied().unwrap_or(0);
            assert_eq!(refused, 40 - checked, "{n:?}");
        }
        let failed = n.get("invalid_code").copied().unwrap_or(0) as i64;
        assert_eq!(t.audit_count("code_failed").await, 5 + failed);
    }
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_codes_on_one_enrollment_gets_exactly_five_checks(db: Db) {
    for servers in BOTH {
        enrollment_burst(db, servers).await;
    }
}

async fn enrollment_burst(db: Db, servers: usize) {
    let t = TestServer::start(db).await;
    let (clients, _twin) = t.clients(servers).await;
    let (token, _) = t.staff_with_email("enrol@acorns.example").await;
    let e = t
        .client
        .add_method(
            &token,
            &AddMethodRequest::Sms {
                phone: "+1 201 555 0150".into(),
            },
        )
        .await
        .unwrap();
    let right = t.last_code("+12015550150").await;
    let id = e.id().to_owned();
    let wrong = wrong_code(&right);
    let results = burst(40, |i| {
        let (client, token, id) = (clients[i % servers].clone(), token.clone(), id.clone());
        async move { client.confirm_enrollment(&token, &id, wrong).await }
    })
    .await;
    assert_eq!(
        tally(&results),
        counts(&[("challenge_locked", 35), ("invalid_code", 5)]),
        "{servers} server(s)"
    );
    let err = t
        .client
        .confirm_enrollment(&token, &id, &right)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("challenge_locked"));
    assert_eq!(t.count("methods WHERE kind = 'sms'").await, 0);
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_across_challenges_gets_exactly_twenty_second_steps_then_the_person_locks(db: Db) {
    for servers in BOTH {
        let t = TestServer::start(db).await;
        let totp = t
            .enrolled_with_totp("lock@acorns.example", &[Role::Staff])
            .await;
        let (clients, _twin) = t.clients(servers).await;
        // Six sign-ins waiting for their second step; the burst uses five.
        let mut challenges = Vec::new();
        for _ in 0..6 {
            challenges.push(t.challenge("lock@acorns.example").await);
        }
        let spare = challenges.pop().unwrap();
        let results = burst(40, |i| {
            let (c, m) = challenges[i % 5].clone();
            let client = clients[i % servers].clone();
            async move { client.verify(&c, &m, "000000x").await }
        })
        .await;
        // Exactly twenty checked: nineteen told "wrong code", the twentieth locks the person;
        // every other request of the burst was refused before any check.
        assert_eq!(
            tally(&results),
            counts(&[("challenge_locked", 21), ("invalid_code", 19)]),
            "{servers} server(s)"
        );
        assert_eq!(t.audit_count("code_failed").await, 20);
        assert_eq!(t.audit_count("person_locked").await, 1);
        // The right code on a challenge that still had attempts left: refused.
        let code = t.next_totp(&totp);
        let err = t
            .client
            .verify(&spare.0, &spare.1, &code)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("challenge_locked"));
        let err = t
            .client
            .login("lock@acorns.example", PASSWORD, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("too_many_attempts"));
    }
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_new_methods_starts_exactly_ten(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email("adder@acorns.example").await;
    // The setup above started one enrollment: nine more fit in the window.
    let results = burst(30, |_| {
        let (client, token) = (t.client.clone(), token.clone());
        async move { client.add_method(&token, &AddMethodRequest::Totp).await }
    })
    .await;
    assert_eq!(
        tally(&results),
        counts(&[("ok", 9), ("too_many_codes", 21)])
    );
    assert_eq!(t.count("enrollments").await, 10);
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_texts_gets_exactly_ten_messages_per_person_an_hour(db: Db) {
    for servers in BOTH {
        person_cap_burst(db, servers).await;
    }
}

async fn person_cap_burst(db: Db, servers: usize) {
    let t = TestServer::start(db).await;
    let (clients, _twin) = t.clients(servers).await;
    let (token, _) = t.staff_with_email("caps@acorns.example").await;
    for phone in ["+12015550161", "+12015550162"] {
        t.add_confirmed(
            &token,
            AddMethodRequest::Sms {
                phone: phone.into(),
            },
            phone,
        )
        .await;
    }
    // A fresh hour: the three codes of the setup no longer count.
    t.advance(3600);
    let mut sends = Vec::new();
    for _ in 0..4 {
        let LoginResponse::Verify {
            challenge_id,
            methods,
            code_sent,
            ..
        } = t.login("caps@acorns.example").await
        else {
            panic!("expected verify")
        };
        assert!(code_sent.is_none(), "several methods: the person picks");
        for m in methods {
            sends.push((challenge_id.clone(), m.id));
        }
    }
    assert_eq!(sends.len(), 12);
    let results = burst(12, |i| {
        let (c, m) = sends[i].clone();
        let client = clients[i % servers].clone();
        async move { client.send_code(&c, &m).await }
    })
    .await;
    assert_eq!(
        tally(&results),
        counts(&[("ok", 10), ("too_many_codes", 2)]),
        "{servers} server(s)"
    );
    let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert_eq!(refused.retry_after(), Some(3600));
    assert!(refused.to_string().contains("last hour"), "{refused}");
    // Three codes while setting up, ten now: every refused send sent nothing.
    assert_eq!(t.count("outbox WHERE expires_at IS NOT NULL").await, 3 + 10);
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_to_one_number_gets_exactly_five_texts_an_hour_whoever_asks(db: Db) {
    for servers in BOTH {
        address_cap_burst(db, servers).await;
    }
}

async fn address_cap_burst(db: Db, servers: usize) {
    let t = TestServer::start(db).await;
    let (clients, _twin) = t.clients(servers).await;
    // Two parents of one family share a phone: families may.
    const PHONE: &str = "+12015550170";
    let mut emails = Vec::new();
    for who in ["mum", "dad"] {
        let email = format!("{who}@family.example");
        t.add_person(&email, &[Role::Guardian]).await;
        let (session, _) = session_of(t.login(&email).await);
        t.add_confirmed(
            &session,
            AddMethodRequest::Sms {
                phone: PHONE.into(),
            },
            PHONE,
        )
        .await;
        emails.push(email);
    }
    t.advance(3600);
    let before = t.count("challenges").await;
    let results = burst(8, |i| {
        let (client, email) = (clients[(i / 2) % servers].clone(), emails[i % 2].clone());
        async move { client.login(&email, PASSWORD, None).await }
    })
    .await;
    assert_eq!(
        tally(&results),
        counts(&[("ok", 5), ("too_many_codes", 3)]),
        "{servers} server(s)"
    );
    for r in results.iter().flatten() {
        assert!(matches!(
            r,
            LoginResponse::Verify {
                code_sent: Some(_),
                ..
            }
        ));
    }
    // A sign-in whose code could not be sent leaves no challenge behind.
    assert_eq!(t.count("challenges").await, before + 5);
}

#[db_test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_send_new_code_sends_exactly_one_per_cooldown(db: Db) {
    for servers in BOTH {
        let t = TestServer::start(db).await;
        let (clients, _twin) = t.clients(servers).await;
        t.staff_with_email("resend@acorns.example").await;
        let (c, m) = t.challenge("resend@acorns.example").await;
        t.advance(30);
        let results = burst(10, |i| {
            let (client, c, m) = (clients[i % servers].clone(), c.clone(), m.clone());
            async move { client.send_code(&c, &m).await }
        })
        .await;
        assert_eq!(
            tally(&results),
            counts(&[("ok", 1), ("resend_too_soon", 9)]),
            "{servers} server(s)"
        );
        assert_eq!(
            t.count(&format!("codes WHERE challenge_id = '{c}'")).await,
            2
        );
    }
}

#[db_test]
async fn someone_typing_your_number_cannot_use_up_its_hourly_codes(db: Db) {
    let t = TestServer::start(db).await;
    // A parent verifies with a phone and signs in with it.
    const PHONE: &str = "+12015550175";
    t.add_person("owner@family.example", &[Role::Guardian])
        .await;
    let (own, _) = session_of(t.login("owner@family.example").await);
    t.add_confirmed(
        &own,
        AddMethodRequest::Sms {
            phone: PHONE.into(),
        },
        PHONE,
    )
    .await;
    t.advance(3600);
    // Others start adding that number: two codes an hour may go to an address this way.
    let mut refused = None;
    for who in ["a", "b", "c"] {
        let email = format!("{who}@strangers.example");
        t.add_person(&email, &[Role::Guardian]).await;
        let (session, _) = session_of(t.login(&email).await);
        if let Err(e) = t
            .client
            .add_method(
                &session,
                &AddMethodRequest::Sms {
                    phone: PHONE.into(),
                },
            )
            .await
        {
            refused = Some(e);
        }
    }
    let refused = refused.expect("the third start is refused");
    assert_eq!(refused.code(), Some("too_many_codes"));
    assert_eq!(
        t.count("enrollments WHERE address = '+12015550175'").await,
        1 + 2
    );
    // The owner still signs in with a code to that number, three times this hour.
    for _ in 0..3 {
        let LoginResponse::Verify {
            code_sent: Some(_), ..
        } = t.login("owner@family.example").await
        else {
            panic!("the owner's code goes out")
        };
    }
}
