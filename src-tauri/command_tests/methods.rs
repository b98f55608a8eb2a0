//! Methods through the commands: an authenticator app's QR, methods and the preferred one, this device as the authenticator.

use twostep_client::api::{AddMethodRequest, Enrollment, LoginResponse};

use super::*;

#[test]
fn totp_setup_answers_a_qr_and_confirms_with_the_app_code() {
    let f = start();
    let email = "riley@maple.example";
    f.person(email, &[Role::Staff]);
    let w = f.window();
    sign_in(&w, email);
    let e = add_method(&w, json!({ "kind": "totp" })).unwrap();
    assert_eq!(e["kind"], "totp");
    // The screen shows it as a `data:` image (setup.js): the strict CSP allows no other.
    assert!(e["qr_svg"].as_str().unwrap().contains("<svg"));
    let key = data_encoding::BASE32_NOPAD
        .decode(e["secret"].as_str().unwrap().as_bytes())
        .unwrap();
    let now = f.server.now().timestamp();
    let code = twostep_testkit::totp_code(&key, now);
    let done = confirm_method(&w, &e, &code).unwrap();
    assert_eq!(done["method"]["kind"], "totp");
    assert!(done["person"]["two_step"]["enabled"].as_bool().unwrap());
}

#[test]
fn enrollment_by_api_then_methods_and_preferred_through_commands() {
    let f = start();
    let email = "alex@maple.example";
    f.person(email, &[Role::Staff]);
    // An email method set up through the API, as another device would.
    let LoginResponse::Setup { setup_token, .. } =
        block_on(f.server.client.login(email, PASSWORD, None)).unwrap()
    else {
        panic!("setup expected")
    };
    let e = block_on(
        f.server
            .client
            .add_method(&setup_token, &AddMethodRequest::Email { email: None }),
    )
    .unwrap();
    assert!(matches!(e, Enrollment::Code { .. }));
    block_on(
        f.server
            .client
            .confirm_enrollment(&setup_token, e.id(), &f.last_code(email)),
    )
    .unwrap();
    let w = f.window();
    let step = sign_in(&w, email);
    let method_id = step["code_sent"]["method_id"].as_str().unwrap().to_owned();
    verify(&w, &step, &f.last_code(email)).unwrap();
    let listed = my_methods(&w).unwrap();
    assert_eq!(listed["methods"].as_array().unwrap().len(), 1);
    // Through the screens' door to the API (api_request), as the methods screen does.
    let delete =
        json!({"method": "DELETE", "path": format!("/me/methods/{method_id}"), "body": null});
    let err = invoke(&w, "api_request", delete).unwrap_err();
    assert_eq!(err["code"], "last_method");
    let prefer =
        json!({"method": "PUT", "path": "/me/preferred-method", "body": {"method_id": method_id}});
    assert_eq!(invoke(&w, "api_request", prefer).unwrap(), Value::Null);
}

#[test]
fn use_this_device_as_the_authenticator_finishes_setup_and_its_code_signs_in() {
    let f = start();
    let email = "jo@maple.example";
    f.person(email, &[Role::Staff]);
    let w = f.window();
    sign_in(&w, email);
    let bad = invoke(&w, "use_device_as_authenticator", json!({ "pin": "12" })).unwrap_err();
    assert_eq!(bad["code"], "bad_pin");
    let done = invoke(&w, "use_device_as_authenticator", json!({ "pin": "4821" })).unwrap();
    assert_eq!(done["method"]["kind"], "totp");
    assert_eq!(done["me"]["person"]["email"], email, "signed in");
    assert!(
        !done.to_string().contains("secret"),
        "no secret to the webview"
    );

    let list = invoke(&w, "vault_list", json!({})).unwrap();
    let entry = &list["entries"][0];
    assert_eq!(entry["account"], email);
    assert_eq!(entry["has_pin"], true);
    assert!(entry["code"].is_null(), "hidden behind the PIN");
    let id = entry["id"].as_str().unwrap().to_owned();
    let wrong = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "0000" })).unwrap_err();
    assert_eq!(wrong["code"], "wrong_pin");
    // Neither renamed nor deleted without the PIN.
    let err = invoke(&w, "vault_delete", json!({ "id": id })).unwrap_err();
    assert_eq!(err["code"], "wrong_pin");
    let code = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "4821" })).unwrap();
    assert_eq!(code["code"].as_str().unwrap().len(), 6);

    // The vault's code signs in later (the setup's step is spent).
    invoke(&w, "sign_out", json!({})).unwrap();
    // Two steps on: the manual clock stands still while real time (the vault's) moves.
    f.server.advance(60);
    let step = sign_in(&w, email);
    let resynced = invoke(&w, "vault_resync", json!({})).unwrap();
    assert_eq!(resynced["warning"], Value::Null);
    let code = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "4821" })).unwrap();
    let done = verify(&w, &step, code["code"].as_str().unwrap()).unwrap();
    assert_eq!(done["next"], "done");
}
