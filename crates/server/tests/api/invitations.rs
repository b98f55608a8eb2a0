//! Invitations instead of chosen passwords (API.md "Administrators"): a person added without a
//! password is emailed a single-use link to choose one, for 72 hours; an administrator can
//! send another until it is used; a password an administrator chose is theirs to replace at
//! the first sign-in; the operator's `person add --invite`.

use std::process::{Command, Stdio};

use twostep_client::api::{self, LoginResponse};
use twostep_core::Role;

use crate::harness::*;

const ADMIN: &str = "admin@acorns.example";
const INVITED: &str = "new.teacher@acorns.example";

fn invited_teacher(password: Option<&str>) -> api::NewPerson {
    api::NewPerson {
        email: INVITED.into(),
        name: "New Teacher".into(),
        roles: vec![api::Role::Staff],
        password: password.map(str::to_owned),
        shared: None,
        locale: Some(api::Locale::Es),
    }
}

#[db_test]
async fn an_invited_person_chooses_their_password_once_then_sets_up(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let person = t
        .client
        .admin_create_person(&admin, &invited_teacher(None))
        .await
        .unwrap();
    let invitation = t
        .outbox(INVITED)
        .await
        .into_iter()
        .find(|m| m.body.contains("/invitation/"))
        .expect("an invitation");
    assert_eq!(
        invitation.subject, "Tiene una invitación a Twostep",
        "in their language"
    );
    assert!(invitation.body.contains("72 horas") && invitation.body.contains("Little Acorns"));
    // Nobody knows the account's password until they choose it.
    assert_eq!(
        t.client
            .login(INVITED, PASSWORD, None)
            .await
            .unwrap_err()
            .code(),
        Some("invalid_credentials")
    );
    let token = t.invitation_token(INVITED).await;
    let opened = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/invitation/{token}", t.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        opened.headers()["location"].to_str().unwrap(),
        format!("/#invitation/{token}")
    );
    let weak = t
        .client
        .accept_invitation(&token, "password")
        .await
        .unwrap_err();
    assert_eq!(
        weak.code(),
        Some("weak_password"),
        "and the link still works"
    );
    let next = t.client.accept_invitation(&token, PASSWORD).await.unwrap();
    assert!(
        matches!(next, LoginResponse::Setup { .. }),
        "a staff member sets up next, got {next:?}"
    );
    let again = t
        .client
        .accept_invitation(&token, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("not_found"));
    assert!(matches!(
        t.login(INVITED).await,
        LoginResponse::Setup { .. }
    ));
    // Accepted: nothing to send again.
    let refused = t
        .client
        .admin_resend_invitation(&admin, &person.id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("not_invited"));
}

#[db_test]
async fn an_invitation_is_sent_again_until_used_and_lasts_three_days(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let person = t
        .client
        .admin_create_person(&admin, &invited_teacher(None))
        .await
        .unwrap();
    let first = t.invitation_token(INVITED).await;
    t.advance(73 * 3600);
    let expired = t
        .client
        .accept_invitation(&first, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Some("not_found"));
    // (Three days on, the administrator signs in anew.)
    let admin = t.sign_in_with_email(ADMIN).await;
    t.client
        .admin_resend_invitation(&admin, &person.id)
        .await
        .unwrap();
    let second = t.invitation_token(INVITED).await;
    assert_ne!(first, second);
    assert!(t.client.accept_invitation(&second, PASSWORD).await.is_ok());
    assert_eq!(t.audit_count("invitation_sent").await, 2);
}

#[db_test]
async fn a_password_an_administrator_chose_is_replaced_at_the_first_sign_in(db: Db) {
    let t = TestServer::start(db).await;
    let (admin, _) = t.enrolled_with_email(ADMIN, &[Role::Admin]).await;
    let person = t
        .client
        .admin_create_person(&admin, &invited_teacher(Some(PASSWORD)))
        .await
        .unwrap();
    let owed = t.client.login(INVITED, PASSWORD, None).await.unwrap_err();
    assert_eq!(owed.code(), Some("password_change_required"));
    let next = t
        .client
        .set_new_password(
            owed.password_token().unwrap(),
            "my very own passphrase 2026",
        )
        .await
        .unwrap();
    assert!(matches!(next, LoginResponse::Setup { .. }));
    // Added with a password: there is no invitation to send.
    let refused = t
        .client
        .admin_resend_invitation(&admin, &person.id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("not_invited"));
}

#[db_test]
async fn the_operator_invites_at_the_command_line(db: Db) {
    if db == Db::Postgres {
        return; // The command line's data folder is SQLite's; its PostgreSQL is the same code.
    }
    let t = TestServer::start(db).await;
    let data = t.state().cfg.data.clone();
    let out = Command::new(env!("CARGO_BIN_EXE_twostep-server"))
        .args(["person", "add", "--center", CENTER, "--email", INVITED])
        .args([
            "--name",
            "New Teacher",
            "--role",
            "staff",
            "--invite",
            "--data",
        ])
        .arg(&data)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("invitation"));
    // Without --invite the password is required on standard input.
    let out = Command::new(env!("CARGO_BIN_EXE_twostep-server"))
        .args([
            "person",
            "add",
            "--center",
            CENTER,
            "--email",
            "other@acorns.example",
        ])
        .args(["--name", "Other", "--role", "staff", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(matches!(
        t.accept_invitation(INVITED).await,
        LoginResponse::Setup { .. }
    ));
}
