//! Bad input to the commands: refused with a code, nothing changed.

use super::*;

#[test]
fn bad_input_is_refused_with_a_code_and_changes_nothing() {
    let f = start();
    let email = "casey@maple.example";
    f.person(email, &[Role::Guardian]);
    let w = f.window();

    // No sign-in under way: a challenge that was never made has nothing to act on.
    let err = api(
        &w,
        "POST",
        "/challenges/x/verify",
        json!({ "method_id": "x", "code": "123456" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "not_found", "{err}");
    let err = my_methods(&w).unwrap_err();
    assert_eq!(err["code"], "unauthenticated");

    // Wrong password: the server's words, nothing stored.
    let err = api(
        &w,
        "POST",
        "/login",
        json!({ "email": email, "password": "nope" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_credentials");
    assert!(f.token(email).is_none());

    // Missing or mistyped arguments are errors, not panics.
    assert!(api(&w, "POST", "/login", json!({ "email": email })).is_err());
    assert!(add_method(&w, json!({ "kind": "fax" })).is_err());

    sign_in(&w, email);
    // An id that would walk the URL path is refused before any request.
    let err = invoke(
        &w,
        "api_request",
        json!({ "method": "DELETE", "path": "/me/methods/../../admin/people", "body": null }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "bad_request");
    // A guardian has no staff profile and is not an administrator.
    let err = invoke(&w, "switch_profile", json!({ "profile": "staff" })).unwrap_err();
    assert_eq!(err["code"], "no_such_profile");
    let err = api(&w, "GET", "/admin/policy", Value::Null).unwrap_err();
    assert_eq!(err["code"], "forbidden");
    // The preset server can't be swapped from the UI.
    let err = invoke(
        &w,
        "choose_server",
        json!({ "url": "https://other.example" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "bad_server_address");
    let err = invoke(&w, "demo_inbox", json!({})).unwrap_err();
    assert_eq!(err["code"], "no_demo");
    assert!(f.token(email).is_some(), "still signed in");
}
