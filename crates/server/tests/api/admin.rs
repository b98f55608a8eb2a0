use twostep_client::api::{
    AddMethodRequest, Kind, LoginResponse, NewPerson, PeopleQuery, Role as ApiRole, TwoStepFilter,
};
use twostep_core::Role;

use crate::harness::*;

/// An administrator, signed in with their second step (administrators use 2SV as staff do).
async fn admin_session(t: &TestServer) -> String {
    t.enrolled_with_email("admin@acorns.example", &[Role::Admin])
        .await
        .0
}

#[db_test]
async fn reset_removes_everything_notifies_and_forces_setup_without_skip(db: Db) {
    let t = TestServer::start(db).await;
    let admin = admin_session(&t).await;
    let (staff, _) = t.staff_with_email("nia@acorns.example").await;
    t.add_confirmed(
        &staff,
        AddMethodRequest::Sms {
            phone: "+12015550400".into(),
        },
        "+12015550400",
    )
    .await;
    // A pending challenge with a code outstanding.
    assert!(matches!(
        t.login("nia@acorns.example").await,
        LoginResponse::Verify { .. }
    ));
    let nia = t.client.me(&staff).await.unwrap();

    let after = t.client.admin_reset(&admin, &nia.id).await.unwrap();
    assert!(!after.two_step.enabled && after.two_step.methods.is_empty());
    assert_eq!(after.two_step.setup_skips_left, 0);
    for table in ["methods", "challenges", "tokens", "enrollments"] {
        assert_eq!(
            t.count(&format!("{table} WHERE person_id = '{}'", nia.id))
                .await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        t.count(&format!("codes WHERE person_id = '{}'", nia.id))
            .await,
        0
    );
    assert_eq!(
        t.client.me(&staff).await.unwrap_err().code(),
        Some("unauthenticated")
    );
    let notice = t.outbox("nia@acorns.example").await.pop().unwrap();
    assert_eq!(notice.subject, "Your 2-Step Verification has been reset");

    let LoginResponse::Setup {
        setup_token,
        required,
        ..
    } = t.login("nia@acorns.example").await
    else {
        panic!()
    };
    assert!(required);
    assert_eq!(
        t.client.skip_setup(&setup_token).await.unwrap_err().code(),
        Some("setup_required")
    );

    let events = t
        .client
        .admin_audit(&admin, Some(&nia.id))
        .await
        .unwrap()
        .events;
    assert!(events.iter().any(|e| e.action == "two_step_reset"));
    // Events say what they are about in codes, for the app to word in the reader's language.
    let added = events.iter().find(|e| e.action == "method_added").unwrap();
    assert_eq!(added.kind, Some(Kind::Sms));
    assert_eq!(added.hint.as_deref(), Some("•••• 0400"));
    let required = events.iter().find(|e| e.action == "setup_offered").unwrap();
    assert_eq!(required.reason.as_deref(), Some("setup_required"));
    let passed = events
        .iter()
        .find(|e| e.action == "sign_in_passed")
        .unwrap();
    assert_eq!(passed.reason.as_deref(), Some("password_accepted"));
    // The audit trail never holds a code.
    let code = t.last_code("+12015550400").await;
    assert!(events.iter().all(|e| !e.detail.contains(&code)));
}

#[db_test]
async fn only_admins_and_only_their_own_center(db: Db) {
    let t = TestServer::start(db).await;
    let admin = admin_session(&t).await;
    t.add_person("g@family.example", &[Role::Guardian]).await;
    let (guardian, _) = session_of(t.login("g@family.example").await);
    let err = t
        .client
        .admin_people(&guardian, &PeopleQuery::default())
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(403), Some("forbidden")));
    let other = t
        .add_person_in("Other Center", "x@other.example", &[Role::Staff])
        .await;
    let err = t.client.admin_person(&admin, &other).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some("not_found")));
    assert_eq!(
        t.client
            .admin_reset(&admin, &other)
            .await
            .unwrap_err()
            .code(),
        Some("not_found")
    );
    let all = t
        .client
        .admin_people(&admin, &PeopleQuery::default())
        .await
        .unwrap()
        .people;
    assert!(all.iter().all(|p| p.center.name == CENTER));
    assert_eq!(all.len(), 2);
}

#[db_test]
async fn people_are_found_by_name_role_and_enrolment(db: Db) {
    let t = TestServer::start(db).await;
    let admin = admin_session(&t).await;
    let created = t
        .client
        .admin_create_person(
            &admin,
            &NewPerson {
                email: "New.Teacher@Acorns.example".into(),
                name: "Robin Teacher".into(),
                roles: vec![ApiRole::Staff],
                password: Some("a long enough password".into()),
                shared: None,
                locale: Some(twostep_client::api::Locale::Es),
            },
        )
        .await
        .unwrap();
    assert_eq!(created.email, "new.teacher@acorns.example");
    assert_eq!(created.locale, twostep_client::api::Locale::Es);
    let dup = NewPerson {
        email: "new.teacher@acorns.example".into(),
        name: "Again".into(),
        roles: vec![ApiRole::Staff],
        password: Some("a long enough password".into()),
        shared: None,
        locale: None,
    };
    assert_eq!(
        t.client
            .admin_create_person(&admin, &dup)
            .await
            .unwrap_err()
            .code(),
        Some("email_taken")
    );
    let weak = NewPerson {
        email: "w@acorns.example".into(),
        password: Some("short".into()),
        ..dup
    };
    assert_eq!(
        t.client
            .admin_create_person(&admin, &weak)
            .await
            .unwrap_err()
            .code(),
        Some("weak_password")
    );
    t.staff_with_email("enrolled@acorns.example").await;

    let q = |query: Option<&str>, role, two_step| PeopleQuery {
        query: query.map(str::to_owned),
        role,
        two_step,
    };
    let names = |people: Vec<twostep_client::api::Person>| {
        people.into_iter().map(|p| p.email).collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            t.client
                .admin_people(&admin, &q(Some("robin"), None, None))
                .await
                .unwrap()
                .people
        ),
        ["new.teacher@acorns.example"]
    );
    assert_eq!(
        names(
            t.client
                .admin_people(&admin, &q(None, Some(ApiRole::Admin), None))
                .await
                .unwrap()
                .people
        ),
        ["admin@acorns.example"]
    );
    assert_eq!(
        names(
            t.client
                .admin_people(&admin, &q(None, None, Some(TwoStepFilter::Enrolled)))
                .await
                .unwrap()
                .people
        ),
        // The administrator too: administrators use 2-Step Verification.
        ["admin@acorns.example", "enrolled@acorns.example"]
    );
    assert_eq!(
        t.client
            .admin_people(
                &admin,
                &q(None, Some(ApiRole::Staff), Some(TwoStepFilter::NotEnrolled))
            )
            .await
            .unwrap()
            .people
            .len(),
        1
    );
}
