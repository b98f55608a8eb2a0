//! What the server says and to whom: codes that die with their message, notices to every
//! address, and phone numbers that can receive texts in the countries the center serves.

use std::time::{Duration, Instant};

use twostep_client::api::{AddMethodRequest, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

#[db_test]
async fn the_dev_outbox_keeps_a_code_only_while_it_lives(db: Db) {
    let t = TestServer::start(db).await;
    t.staff_with_email("dev@acorns.example").await;
    t.advance(3600);
    assert!(matches!(
        t.login("dev@acorns.example").await,
        LoginResponse::Verify { .. }
    ));
    let code = t.last_code("dev@acorns.example").await;
    t.advance(599);
    assert!(t
        .outbox("dev@acorns.example")
        .await
        .last()
        .unwrap()
        .body
        .contains(&code));
    t.advance(1);
    assert!(t
        .outbox("dev@acorns.example")
        .await
        .last()
        .unwrap()
        .body
        .is_empty());
    // And the courier erases it from the table.
    let start = Instant::now();
    while t
        .count(
            "outbox WHERE to_addr = 'dev@acorns.example' AND body <> '' AND expires_at IS NOT NULL",
        )
        .await
        > 0
    {
        assert!(start.elapsed() < Duration::from_secs(10), "never erased");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The notices with `subject` sent to each address (emails) or each text with `needle`.
async fn notices_to(t: &TestServer, to: &str, subject: &str, needle: &str) -> usize {
    t.outbox(to)
        .await
        .iter()
        .filter(|m| {
            if m.channel == "sms" {
                m.body.contains(needle)
            } else {
                m.subject == subject
            }
        })
        .count()
}

#[db_test]
async fn security_notices_reach_every_address_of_the_person(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email("all@acorns.example").await;
    t.add_confirmed(
        &token,
        AddMethodRequest::Sms {
            phone: "+12015550140".into(),
        },
        "+12015550140",
    )
    .await;
    let home = t
        .add_confirmed(
            &token,
            AddMethodRequest::Email {
                email: Some("all.home@family.example".into()),
            },
            "all.home@family.example",
        )
        .await;
    let added = "A two-factor authentication device has been added";
    // Three methods added: the sign-in email heard of each, the phone of the two added while
    // it was there (its own and the next), the new address of itself.
    for (to, n) in [
        ("all@acorns.example", 3),
        ("+12015550140", 2),
        ("all.home@family.example", 1),
    ] {
        assert_eq!(notices_to(&t, to, added, "was added").await, n, "{to}");
    }
    let text = t.outbox("+12015550140").await.pop().unwrap();
    // One short sentence, then the freeze link (two text segments at most).
    let (sentence, link) = text.body.split_once(" Freeze your account: ").unwrap();
    assert!(sentence.chars().count() <= 160 && sentence.contains("Contact your center"));
    assert!(link.contains("/freeze/") && text.body.chars().count() <= 306);

    // A removed address hears of its removal.
    t.client.delete_method(&token, &home.id).await.unwrap();
    let removed = "A two-factor authentication device has been removed";
    for to in ["all@acorns.example", "all.home@family.example"] {
        assert_eq!(notices_to(&t, to, removed, "").await, 1, "{to}");
    }
    assert_eq!(notices_to(&t, "+12015550140", "", "was removed").await, 1);
}

#[db_test]
async fn numbers_that_cannot_take_a_text_or_are_abroad_are_refused(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t.staff_with_email("tel@acorns.example").await;
    for (phone, why) in [
        ("+44 20 7946 0018", "landline"),
        ("+1 800 555 0100", "landline"),
        ("+44 7400 123456", "country"),
        ("+1 876 210 1234", "country"),
        ("+1 555 010 0000", "no such number"),
    ] {
        let err = t
            .client
            .add_method(
                &token,
                &AddMethodRequest::Sms {
                    phone: phone.into(),
                },
            )
            .await
            .unwrap_err();
        let code = match why {
            "landline" => "phone_cannot_text",
            "country" => "phone_country_not_served",
            _ => "invalid_phone",
        };
        assert_eq!(
            (err.status(), err.code()),
            (Some(422), Some(code)),
            "{phone}"
        );
        assert!(err.to_string().contains(why), "{phone}: {err}");
    }
    assert_eq!(t.count("enrollments").await, 1, "only the setup's");

    // A center that serves the UK as well texts a UK mobile.
    let uk = TestServer::start_with(db, |c| {
        c.sms = Some(twostep_server::config::SmsConfig {
            countries: vec!["US".into(), "GB".into()],
            ..Default::default()
        })
    })
    .await;
    let (token, _) = uk.staff_with_email("uk@acorns.example").await;
    uk.add_confirmed(
        &token,
        AddMethodRequest::Sms {
            phone: "0044 7400 123456".into(),
        },
        "+447400123456",
    )
    .await;
}

#[db_test]
async fn the_lock_notice_goes_to_every_address(db: Db) {
    let t = TestServer::start(db).await;
    let (token, _) = t
        .enrolled_with_email("nudge@acorns.example", &[Role::Staff])
        .await;
    t.add_confirmed(
        &token,
        AddMethodRequest::Sms {
            phone: "+12015550141".into(),
        },
        "+12015550141",
    )
    .await;
    let mut last = None;
    for _ in 0..4 {
        let (challenge_id, method_id) = t.challenge("nudge@acorns.example").await;
        for _ in 0..5 {
            last = t
                .client
                .verify(&challenge_id, &method_id, "000000x")
                .await
                .err();
        }
    }
    assert_eq!(last.unwrap().code(), Some("challenge_locked"));
    let subject = "Someone entered your password but not your verification code";
    assert_eq!(notices_to(&t, "nudge@acorns.example", subject, "").await, 1);
    assert_eq!(
        notices_to(&t, "+12015550141", "", "entered your password").await,
        1
    );
}
