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

    let done = invoke(&w, "skip_setup", json!({})).unwrap();
    assert_eq!(done["next"], "done");
    assert_eq!(done["me"]["person"]["email"], "jordan@maple.example");
    assert_eq!(done["me"]["profile"], "staff");
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
    let refused = invoke(&w, "skip_setup", json!({})).unwrap_err();
    assert_eq!(refused["code"], "setup_required");
}

#[test]
fn wrong_codes_come_back_as_code_and_attempts_left_then_the_right_one_signs_in() {
    let f = start();
    let email = "sam@maple.example";
    f.person(email, &[Role::Staff]);
    let w = f.window();
    sign_in(&w, email);
    let started = invoke(
        &w,
        "start_method",
        json!({ "request": { "kind": "email" } }),
    )
    .unwrap();
    let confirmed = invoke(
        &w,
        "confirm_method",
        json!({ "enrollmentId": started["enrollment_id"], "code": f.last_code(email) }),
    )
    .unwrap();
    assert_eq!(
        confirmed["me"]["person"]["email"], email,
        "setup finishes the sign-in"
    );
    invoke(&w, "sign_out", json!({})).unwrap();

    let step = sign_in(&w, email);
    assert_eq!(step["next"], "verify");
    let method_id = step["code_sent"]["method_id"].as_str().unwrap().to_owned();
    let right = f.last_code(email);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let err = invoke(
        &w,
        "verify_code",
        json!({ "methodId": method_id, "code": wrong }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_code");
    assert_eq!(err["attempts_left"], 4);
    assert!(err["message"].as_str().unwrap().len() > 10);
    let pasted = format!("{}-{}", &right[..3], &right[3..]);
    let done = invoke(
        &w,
        "verify_code",
        json!({ "methodId": method_id, "code": pasted }),
    )
    .unwrap();
    assert_eq!(done["next"], "done");
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

    let step = sign_in(&w, email);
    assert_eq!(
        step,
        json!({ "next": "new_password" }),
        "no token in the view"
    );
    let weak = invoke(&w, "set_new_password", json!({ "password": "short" })).unwrap_err();
    assert_eq!(weak["code"], "weak_password");
    assert_eq!(weak["detail"], "too_short");
    let step = invoke(
        &w,
        "set_new_password",
        json!({ "password": "a brand new passphrase for Rosa" }),
    )
    .unwrap();
    assert_eq!(step["next"], "verify", "{step}");
    let method_id = step["code_sent"]["method_id"].as_str().unwrap().to_owned();
    let done = invoke(
        &w,
        "verify_code",
        json!({ "methodId": method_id, "code": f.last_code(email) }),
    )
    .unwrap();
    assert_eq!(done["next"], "done");
    // Only once: the flow is over.
    let err = invoke(
        &w,
        "set_new_password",
        json!({ "password": "another new passphrase" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "no_flow");
    let old = block_on(f.server.client.login(email, PASSWORD, None)).unwrap_err();
    assert_eq!(old.code(), Some("invalid_credentials"));
}
