//! The audit trail a page at a time: newest first, without gaps or repeats, by person and by
//! action.

use std::collections::BTreeSet;

use twostep_client::api::{self, AuditQuery};
use twostep_core::Role;
use twostep_server::store::{AuditAction, Event};

use crate::harness::*;

const ADMIN: &str = "boss@acorns.example";

/// Every page of the query, in order: the events' ids.
async fn all_pages(t: &TestServer, admin: &str, q: AuditQuery) -> (Vec<i64>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut q = q;
    loop {
        let page = t.client.admin_audit_page(admin, &q).await.unwrap();
        pages += 1;
        assert!(page.events.len() <= q.limit.unwrap_or(100) as usize);
        ids.extend(page.events.iter().map(|e| e.id));
        match page.next_before {
            Some(b) => q.before = Some(b),
            None => break,
        }
    }
    (ids, pages)
}

#[db_test]
async fn twenty_five_hundred_events_page_by_hundred_in_order_without_gaps_or_repeats(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let center: String = sqlx::query_scalar("SELECT center_id FROM people WHERE email = $1")
        .bind(ADMIN)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    let a = t.add_person("a@acorns.example", &[Role::Staff]).await;
    let b = t.add_person("b@acorns.example", &[Role::Staff]).await;
    let other = t
        .add_person_in("Other Center", "x@elsewhere.example", &[Role::Staff])
        .await;
    let other_center: String = sqlx::query_scalar("SELECT center_id FROM people WHERE id = $1")
        .bind(&other)
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    let before: i64 = t.count("audit").await;
    let mut tx = t.server.state.db.begin().await.unwrap();
    for i in 0..2500 {
        let (who, action) = match i % 5 {
            0 => (&a, AuditAction::SignInFailed),
            1 | 2 => (&b, AuditAction::SecondStepPassed),
            _ => (&a, AuditAction::CodeSent),
        };
        Event::new(action)
            .center(Some(&center))
            .person(Some(who))
            .record(&mut *tx, t.now())
            .await
            .unwrap();
        // The other center's events interleave; none of them may show.
        if i % 10 == 0 {
            Event::new(AuditAction::SignInFailed)
                .center(Some(&other_center))
                .person(Some(&other))
                .record(&mut *tx, t.now())
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();
    let ours: i64 = t
        .count(&format!("audit WHERE center_id = '{center}'"))
        .await;
    assert!(ours >= 2500 && t.count("audit").await == before + 2750);

    let q = AuditQuery {
        limit: Some(100),
        ..Default::default()
    };
    let (ids, pages) = all_pages(&t, &admin, q).await;
    assert_eq!(ids.len() as i64, ours, "every event of the center, once");
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len());
    assert_eq!(pages, (ours as usize).div_ceil(100));

    // By person, by action, both; the default page is 100.
    let by = |person: Option<&str>, action: Option<&str>| AuditQuery {
        person_id: person.map(str::to_owned),
        action: action.map(str::to_owned),
        ..Default::default()
    };
    let (ids, _) = all_pages(&t, &admin, by(Some(&b), None)).await;
    assert_eq!(ids.len(), 1001, "a thousand second steps and being added");
    let (ids, _) = all_pages(&t, &admin, by(Some(&b), Some("second_step_passed"))).await;
    assert_eq!(ids.len(), 1000);
    let (ids, _) = all_pages(&t, &admin, by(None, Some("code_sent"))).await;
    assert_eq!(
        ids.len(),
        1001,
        "a's thousand and the administrator's own setup code"
    );
    let (ids, _) = all_pages(&t, &admin, by(Some(&a), Some("sign_in_failed"))).await;
    assert_eq!(ids.len(), 500);
    let (ids, _) = all_pages(&t, &admin, by(Some(&other), None)).await;
    assert!(ids.is_empty(), "another center's person: nothing");
    let page = t
        .client
        .admin_audit_page(
            &admin,
            &AuditQuery {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.events.len(), 1000);
    for e in &page.events {
        assert!(e.person_id.as_deref() != Some(other.as_str()));
    }
}

#[db_test]
async fn a_bad_page_request_is_refused_clearly(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    for (q, code) in [
        (
            AuditQuery {
                limit: Some(0),
                ..Default::default()
            },
            "invalid_limit",
        ),
        (
            AuditQuery {
                limit: Some(1001),
                ..Default::default()
            },
            "invalid_limit",
        ),
        (
            AuditQuery {
                action: Some("drop_table".into()),
                ..Default::default()
            },
            "invalid_action",
        ),
    ] {
        let err = t.client.admin_audit_page(&admin, &q).await.unwrap_err();
        assert_eq!((err.status(), err.code()), (Some(422), Some(code)));
    }
    let err = t
        .client
        .admin_audit_page(
            &admin,
            &AuditQuery {
                before: None,
                ..Default::default()
            },
        )
        .await;
    assert!(err.is_ok());
    // A `before` that is not a number is a bad request, in the API's shape.
    let res = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/admin/audit?before=yesterday",
            t.server.url()
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: api::ErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, "bad_request");
}
