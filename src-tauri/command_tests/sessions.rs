//! The session the app keeps: forgotten when the server revoked it, restored at start.

use super::*;

#[test]
fn a_revoked_token_signs_the_app_out_and_is_forgotten() {
    let f = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let w = f.window();
    assert_eq!(sign_in(&w, email)["next"], "done");
    let token = f.token(email).unwrap();
    block_on(f.server.client.logout(&token)).unwrap();

    let err = my_methods(&w).unwrap_err();
    assert_eq!(err["code"], "unauthenticated");
    assert!(f.token(email).is_none());
    assert_eq!(Settings::load(&f.settings_path()).signed_in_email, None);
}

#[test]
fn a_remembered_session_is_restored_at_start() {
    let f = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let w = f.window();
    sign_in(&w, email);
    drop(w);

    // A new app (same settings file and store), as after a restart.
    let w = f.window();
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["me"]["person"]["email"], email);
    assert_eq!(status["preset"], true);
    assert_eq!(status["demo_available"], false);
}

/// The screens' door to the API (`api_request`): the sessions list goes with the session the
/// app keeps and comes back without any token; ending the others works through it; an
/// address the app does not forward is refused before it reaches the server.
#[test]
fn the_api_door_forwards_the_sessions_screen_and_nothing_else() {
    let f = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let w = f.window();
    sign_in(&w, email);
    let token = f.token(email).unwrap();
    let args = |m: &str, p: &str| json!({"method": m, "path": p, "body": null});
    let list = invoke(&w, "api_request", args("GET", "/me/sessions")).unwrap();
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["current"], true);
    assert!(
        !list.to_string().contains(&token),
        "no token reaches the screen"
    );

    // Another device of the person, then "Sign out everywhere else" through the door.
    let other = block_on(f.server.client_on("other-device").login(
        email,
        twostep_testkit::PASSWORD,
        Some("Kitchen tablet"),
    ))
    .unwrap();
    assert!(matches!(
        other,
        twostep_client::api::LoginResponse::Done { .. }
    ));
    let list = invoke(&w, "api_request", args("GET", "/me/sessions")).unwrap();
    assert_eq!(list["sessions"].as_array().unwrap().len(), 2);
    let ended = invoke(&w, "api_request", args("POST", "/me/sessions/end-others")).unwrap();
    assert_eq!(ended, Value::Null);
    let list = invoke(&w, "api_request", args("GET", "/me/sessions")).unwrap();
    assert_eq!(list["sessions"].as_array().unwrap().len(), 1);

    for (m, p) in [
        ("GET", "/me"),
        ("PUT", "/me/password"),
        ("GET", "/me/sessions/../methods"),
        ("PATCH", "/me/sessions"),
    ] {
        let err = invoke(&w, "api_request", args(m, p)).unwrap_err();
        assert_eq!(err["code"], "bad_request", "{m} {p}");
    }
}

/// "Don't ask for a code on this device": the app keeps the remember token in the keyring (the
/// screen never sees it), sends it with the next sign-in of that person, which then skips the
/// code; a shared device neither keeps one nor asks for one.
#[test]
fn a_remembered_device_signs_in_without_a_code_but_never_a_shared_one() {
    let f = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    block_on(f.server.enroll_email(email));
    let remembered = |f: &Fixture| {
        f.store
            .load_remember(&f.server.url(), email)
            .unwrap()
            .map(|t| t.expose().to_owned())
    };
    let w = f.window();
    let step = sign_in(&w, email);
    assert_eq!(step["next"], "verify");
    assert_eq!(step["remember_days"], 30);
    let challenge = step["challenge_id"].as_str().unwrap();
    let method_id = step["code_sent"]["method_id"].as_str().unwrap();
    let done = api(
        &w,
        "POST",
        &format!("/challenges/{challenge}/verify"),
        json!({ "method_id": method_id, "code": f.last_code(email), "remember": true }),
    )
    .unwrap();
    assert_eq!(done["next"], "done");
    let token = remembered(&f).expect("kept in the keyring");
    assert!(done["session"].get("remember_token").is_none());
    assert!(!done.to_string().contains(&token), "never on the screen");
    invoke(&w, "sign_out", json!({})).unwrap();
    assert_eq!(
        remembered(&f).as_deref(),
        Some(token.as_str()),
        "a sign-out keeps it"
    );
    assert_eq!(sign_in(&w, email)["next"], "done", "no code asked");
    let listed = api(&w, "GET", "/me/sessions", Value::Null).unwrap();
    assert_eq!(listed["remembered"].as_array().unwrap().len(), 1);
    invoke(&w, "sign_out", json!({})).unwrap();

    // The device made shared: the remembered token is not sent, and none is asked for.
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    let step = sign_in(&w, email);
    assert_eq!(step["next"], "verify", "a shared device always asks");
    let challenge = step["challenge_id"].as_str().unwrap();
    let method_id = step["code_sent"]["method_id"].as_str().unwrap();
    let done = api(
        &w,
        "POST",
        &format!("/challenges/{challenge}/verify"),
        json!({ "method_id": method_id, "code": f.last_code(email), "remember": true }),
    )
    .unwrap();
    assert_eq!(done["next"], "done");
    assert!(done["session"].get("remembered_until").is_none());
    assert_eq!(
        block_on(f.server.audit_count("device_remembered")),
        1,
        "the shared device's `remember` was taken out"
    );
}
