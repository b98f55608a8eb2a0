//! Shared devices: no session kept, signed out when idle, the server and shared mode behind the device PIN.

use super::*;

#[test]
fn a_shared_device_never_keeps_a_session_and_signs_out_when_idle() {
    use std::sync::atomic::{AtomicI64, Ordering::SeqCst};
    let f = start();
    let email = "pat@family.example";
    f.person(email, &[Role::Guardian]);
    let now = Arc::new(AtomicI64::new(chrono::Utc::now().timestamp()));
    let clock: crate::authenticator::DeviceClock = {
        let now = now.clone();
        Arc::new(move || chrono::DateTime::from_timestamp(now.load(SeqCst), 0).unwrap_or_default())
    };
    let sessions = || -> i64 {
        block_on(
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM tokens t JOIN people p ON p.id = t.person_id \
                 WHERE p.email = $1",
            )
            .bind(email)
            .fetch_one(f.server.state().db.read()),
        )
        .unwrap()
    };
    let alive = |w: &WebviewWindow<MockRuntime>, active: bool| {
        invoke(w, "session_alive", json!({ "active": active })).unwrap()
    };
    let w = f.window_with_clock(clock.clone());
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    sign_in(&w, email);
    assert!(
        f.token(email).is_none(),
        "never in the keyring on a shared device"
    );
    assert_eq!(sessions(), 1);

    // Used, then left: the idle time runs from the last use.
    now.fetch_add(4 * 60, SeqCst);
    assert_eq!(alive(&w, true), false);
    now.fetch_add(4 * 60, SeqCst);
    assert_eq!(alive(&w, false), false, "four minutes since it was used");
    now.fetch_add(60, SeqCst);
    // A tap after the idle time does not bring the session back.
    assert_eq!(alive(&w, true), true, "five: signed out");
    let err = my_methods(&w).unwrap_err();
    assert_eq!(err["code"], "unauthenticated");
    assert_eq!(sessions(), 0, "ended on the server too");

    // A shorter idle time, set behind the device PIN; a command after it signs out too.
    let wrong = invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 1, "devicePin": "1111" }),
    )
    .unwrap_err();
    assert_eq!(wrong["code"], "wrong_pin");
    let bad = invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 0, "devicePin": "8642" }),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "bad_idle_time");
    invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 1, "devicePin": "8642" }),
    )
    .unwrap();
    assert_eq!(
        invoke(&w, "vault_list", json!({})).unwrap()["idle_minutes"],
        1
    );
    sign_in(&w, email);
    now.fetch_add(61, SeqCst);
    let err = my_methods(&w).unwrap_err();
    assert_eq!(err["code"], "unauthenticated");

    // A clock set back cannot keep a session alive either.
    sign_in(&w, email);
    now.fetch_sub(3600, SeqCst);
    assert_eq!(alive(&w, true), true);
    now.fetch_add(3600, SeqCst);

    // A restart never restores a session on a shared device.
    sign_in(&w, email);
    drop(w);
    let w = f.window_with_clock(clock);
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert!(status["me"].is_null(), "{status}");
}

#[test]
fn a_shared_device_changes_its_server_only_with_the_device_pin_and_stays_shared_after_a_reset() {
    let f = start();
    let other = start();
    let admin = "avery@maple.example";
    let staff = "sam@maple.example";
    f.person(admin, &[Role::Admin, Role::Staff]);
    f.person(staff, &[Role::Staff]);
    let w = unpreset_window(&f);
    invoke(&w, "choose_server", json!({ "url": f.server.url() })).unwrap();
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["shared"], true);
    assert_eq!(status["shared_managed"], false);

    // No PIN, a wrong one: the server stays; the demo too takes the PIN (asked before it
    // starts, so not "no demo in this build").
    for pin in [Value::Null, json!("1111")] {
        let err = invoke(
            &w,
            "choose_server",
            json!({ "url": other.server.url(), "devicePin": pin }),
        )
        .unwrap_err();
        assert_eq!(err["code"], "wrong_pin", "{err}");
        let err = invoke(&w, "use_demo", json!({ "devicePin": pin })).unwrap_err();
        assert_eq!(err["code"], "wrong_pin", "{err}");
    }
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["server"]["url"], f.server.url());
    assert_eq!(
        Settings::load(&f.settings_path()).server.as_deref(),
        Some(f.server.url().as_str())
    );
    // The keeper's PIN changes it (and back).
    let status = invoke(
        &w,
        "choose_server",
        json!({ "url": other.server.url(), "devicePin": "8642" }),
    )
    .unwrap();
    assert_eq!(status["server"]["url"], other.server.url());
    invoke(
        &w,
        "choose_server",
        json!({ "url": f.server.url(), "devicePin": "8642" }),
    )
    .unwrap();

    // "Forgot the device PIN?": every account goes, the device stays shared, and the new PIN
    // alone no longer turns shared mode off.
    invoke(&w, "vault_clear", json!({ "devicePin": "1357" })).unwrap();
    let list = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(list["shared"], true);
    assert_eq!(list["unshare_needs_admin"], true);
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "1357" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "admin_to_unshare");
    // Not with someone who is not an administrator either.
    sign_in_fully(&f, &w, staff);
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "1357" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "admin_to_unshare");
    // Still shared after a restart.
    drop(w);
    let w = unpreset_window(&f);
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["shared"], true);
    assert_eq!(
        invoke(&w, "vault_list", json!({})).unwrap()["unshare_needs_admin"],
        true
    );

    // An administrator, signed in here just now: with the device PIN, shared mode goes off.
    let done = sign_in_fully(&f, &w, admin);
    // Setup's confirmation answers the app's view (`me`); a code, the API's answer.
    let person = done.get("me").map_or(&done["person"], |me| &me["person"]);
    assert_eq!(person["email"], admin, "{done}");
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "8642" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "wrong_pin", "the old PIN is gone");
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "1357" }),
    )
    .unwrap();
    let list = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(list["shared"], false);
    assert_eq!(list["unshare_needs_admin"], false);
    assert!(!Settings::load(&f.settings_path()).unshare_needs_admin);
    // Personal again: the server changes without a PIN.
    invoke(&w, "choose_server", json!({ "url": other.server.url() })).unwrap();
}

#[test]
fn an_administrator_signed_in_long_ago_does_not_turn_shared_mode_off_after_a_reset() {
    use std::sync::atomic::{AtomicI64, Ordering::SeqCst};
    let f = start();
    let admin = "avery@maple.example";
    f.person(admin, &[Role::Admin, Role::Staff]);
    let now = Arc::new(AtomicI64::new(chrono::Utc::now().timestamp()));
    let clock: crate::authenticator::DeviceClock = {
        let now = now.clone();
        Arc::new(move || chrono::DateTime::from_timestamp(now.load(SeqCst), 0).unwrap_or_default())
    };
    let w = f.window_with_clock(clock);
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    invoke(&w, "vault_clear", json!({ "devicePin": "1357" })).unwrap();
    sign_in_fully(&f, &w, admin);
    invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 60, "devicePin": "1357" }),
    )
    .unwrap();
    // Used all along (not idle), but the sign-in itself is 6 minutes old.
    now.fetch_add(3 * 60, SeqCst);
    invoke(&w, "session_alive", json!({ "active": true })).unwrap();
    now.fetch_add(3 * 60, SeqCst);
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "1357" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "admin_to_unshare");
    assert_eq!(invoke(&w, "vault_list", json!({})).unwrap()["shared"], true);
}

#[test]
fn a_device_shared_by_its_management_is_never_made_personal_in_the_app() {
    let f = start();
    let w = f.window_of(f.state().with_managed_shared());
    let list = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(list["shared"], true);
    assert_eq!(list["managed"], true);
    assert_eq!(list["needs_device_pin"], true, "its keeper chooses one");
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["shared"], true);
    assert_eq!(status["shared_managed"], true);
    // Nothing the device PIN guards opens before there is one.
    let err = invoke(&w, "vault_export", json!({ "kind": "uris" })).unwrap_err();
    assert_eq!(err["code"], "shared_device");
    let err = invoke(
        &w,
        "vault_set_idle",
        json!({ "minutes": 3, "devicePin": "" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "no_device_pin", "{err}");
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    assert_eq!(
        invoke(&w, "vault_list", json!({})).unwrap()["needs_device_pin"],
        false
    );
    let err = invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": false, "devicePin": "8642" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "shared_managed");
    assert_eq!(invoke(&w, "vault_list", json!({})).unwrap()["shared"], true);
}
