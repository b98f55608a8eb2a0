//! Signing in through the commands: setup offered and skipped, wrong codes, a new password owed after an unfreeze.

use super::*;

#[test]
fn first_sign_in_offers_setup_and_skip_signs_in_without_showing_the_token() {
    let f = start();
    f.person("jordan@maple.example", &[Role::Staff]);
    let w = f.window();
    let step = sign_in(&w, "jordan@maple.example");
    assert_eq!(step["next"], "setup");
    assert_eq!(step["required"], false);
    assert!(
        step.get("setup_token").is_none(),
        "the setup token stays in Rust"
    );

    let done = api(&w, "POST", "/login/skip-setup", Value::Null).unwrap();
    assert_eq!(done["next"], "done");
    assert_eq!(done["person"]["email"], "jordan@maple.example");
    assert!(done["session"].get("token").is_none(), "{done}");
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(
        status["me"]["profile"], "staff",
        "the app keeps the session"
    );
    let token = f
        .token("jordan@maple.example")
        .expect("token kept in the store");
    assert!(
        !done.to_string().contains(&token),
        "the webview never sees the token"
    );
    let settings = Settings::load(&f.settings_path());
    assert_eq!(
        settings.signed_in_email.as_deref(),
        Some("jordan@maple.example")
    );

    // The skip was the one allowed: the next sign-in must set up.
    invoke(&w, "sign_out", json!({})).unwrap();
    assert!(f.token("jordan@maple.example").is_none());
    let again = sign_in(&w, "jordan@maple.example");
    assert_eq!(again["required"], true);
    let refused = api(&w, "POST", "/login/skip-setup", Value::Null).unwrap_err();
    assert_eq!(refused["code"], "setup_required");
}

#[test]
fn wrong_codes_come_back_as_code_and_attempts_left_then_the_right_one_signs_in() {
    let f = start();
    let email = "sam@maple.example";
    f.person(email, &[Role::Staff]);
    let w = f.window();
    sign_in(&w, email);
    let started = add_method(&w, json!({ "kind": "email" })).unwrap();
    let confirmed = confirm_method(&w, &started, &f.last_code(email)).unwrap();
    assert_eq!(
        confirmed["person"]["email"], email,
        "setup finishes the sign-in"
    );
    invoke(&w, "sign_out", json!({})).unwrap();

    let step = sign_in(&w, email);
    assert_eq!(step["next"], "verify");
    let right = f.last_code(email);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let err = verify(&w, &step, &wrong).unwrap_err();
    assert_eq!(err["code"], "invalid_code");
    assert_eq!(err["attempts_left"], 4);
    assert!(err["message"].as_str().unwrap().len() > 10);
    let pasted = format!("{}-{}", &right[..3], &right[3..]);
    let done = verify(&w, &step, &pasted).unwrap();
    assert_eq!(done["next"], "done");
    assert!(f.token(email).is_some(), "the session is in the keyring");
}

#[test]
fn after_an_unfreeze_the_sign_in_asks_for_a_new_password_then_goes_on() {
    let f = start();
    let email = "rosa@maple.example";
    f.person(email, &[Role::Staff]);
    let w = f.window();
    sign_in_fully(&f, &w, email);
    invoke(&w, "sign_out", json!({})).unwrap();
    // What an administrator's unfreeze leaves on the account.
    block_on(
        sqlx::query("UPDATE people SET must_change_password = 1 WHERE email = $1")
            .bind(email)
            .execute(f.server.state().db.write()),
    )
    .unwrap();

    let owed = api(
        &w,
        "POST",
        "/login",
        json!({ "email": email, "password": PASSWORD }),
    )
    .unwrap_err();
    assert_eq!(owed["code"], "password_change_required");
    assert!(
        owed.get("password_token").is_none(),
        "no token in the view: {owed}"
    );
    let new_password = |p: &str| api(&w, "PUT", "/me/password", json!({ "new_password": p }));
    let weak = new_password("short").unwrap_err();
    assert_eq!(weak["code"], "weak_password");
    assert_eq!(weak["detail"], "too_short");
    let step = new_password("a brand new passphrase for Rosa").unwrap();
    assert_eq!(step["next"], "verify", "{step}");
    let done = verify(&w, &step, &f.last_code(email)).unwrap();
    assert_eq!(done["next"], "done");
    // Only once: the password token went with the sign-in, and a signed-in change needs the
    // current password.
    assert!(new_password("another new passphrase").is_err());
    let old = block_on(f.server.client.login(email, PASSWORD, None)).unwrap_err();
    assert_eq!(old.code(), Some("invalid_credentials"));
    let other = block_on(f.server.client.login(email, "another new passphrase", None));
    assert_eq!(
        other.unwrap_err().code(),
        Some("invalid_credentials"),
        "unchanged"
    );
}

/// "Confirm it's you" through the door: the fresh sign-in's new session replaces the old one in
/// the keyring (the old one is revoked), and the profile the person chose stays.
#[test]
fn a_fresh_sign_in_replaces_the_kept_session_and_keeps_the_profile() {
    let f = start();
    let email = "lee@maple.example";
    f.person(email, &[Role::Staff, Role::Guardian]);
    let w = f.window();
    sign_in_fully(&f, &w, email);
    let old = f.token(email).unwrap();
    let family = invoke(&w, "switch_profile", json!({ "profile": "guardian" })).unwrap();
    assert_eq!(family["profile"], "guardian");

    let step = api(&w, "POST", "/me/reauth", json!({ "password": PASSWORD })).unwrap();
    assert_eq!(step["next"], "verify", "{step}");
    let done = verify(&w, &step, &f.last_code(email)).unwrap();
    assert_eq!(done["next"], "done");
    let new = f.token(email).unwrap();
    assert_ne!(new, old, "the keyring has the new session");
    assert!(!done.to_string().contains(&new), "and the screen has none");
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["me"]["profile"], "guardian");
    let revoked = block_on(f.server.client.me(&old)).unwrap_err();
    assert_eq!(revoked.code(), Some("unauthenticated"));
    assert!(my_methods(&w).is_ok(), "the app goes on with the new one");
}

/// A language chosen in the app: this device keeps it (settings), and the screen's request
/// through the door tells the server, whose emails and texts then follow it.
#[test]
fn a_chosen_language_is_kept_here_and_told_to_the_server() {
    let f = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let w = f.window();
    sign_in(&w, email);
    invoke(&w, "set_language", json!({ "locale": "es" })).unwrap();
    assert_eq!(
        Settings::load(&f.settings_path()).locale,
        Some(twostep_core::Locale::Es)
    );
    api(&w, "PUT", "/me/locale", json!({ "locale": "es" })).unwrap();
    let token = f.token(email).unwrap();
    let me = block_on(f.server.client.me(&token)).unwrap();
    assert_eq!(me.locale, twostep_client::api::Locale::Es);
    let err = invoke(&w, "set_language", json!({ "locale": "xx" })).unwrap_err();
    assert_eq!(err["code"], "unknown_language", "{err}");
}
