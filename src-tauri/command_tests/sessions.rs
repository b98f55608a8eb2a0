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

    let err = invoke(&w, "my_methods", json!({})).unwrap_err();
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
