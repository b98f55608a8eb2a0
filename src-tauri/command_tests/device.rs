//! What the app asks of the system: screens kept out of capture, its own setup link not taken back.

use super::*;

/// Screens with a secret are kept out of screen capture (where the system allows it), and the
/// others are not.
#[test]
fn screens_with_secrets_ask_for_capture_protection() {
    let f = start();
    let w = f.window();
    for (screen, protected) in [
        ("vault", true),
        ("setup-totp", true),
        ("recovery-codes", true),
        ("home", false),
        ("sign-in", false),
    ] {
        let r = invoke(&w, "screen_shown", json!({ "screen": screen })).unwrap();
        assert_eq!(r, protected, "{screen}");
    }
}

/// Where the system may hand a setup's link back to Twostep itself (the only app here that
/// takes otpauth:// links), that link is dropped rather than opening "Add an account" with
/// the secret; any other link, or the same one opened again later, still arrives.
#[test]
fn a_setup_link_handed_back_to_twostep_itself_is_dropped() {
    use tauri::Manager;
    let f = start();
    let w = f.window();
    let app = w.app_handle();
    let link = "otpauth://totp/Twostep:jordan%40maple.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Twostep";
    app.state::<AppState>().note_sent_link(link);
    // As the deep-link plugin passes it on: through a URL parser.
    crate::links::deliver(app, url::Url::parse(link).unwrap().to_string());
    assert_eq!(
        invoke(&w, "take_pending_link", json!({})).unwrap(),
        Value::Null
    );
    crate::links::deliver(app, link.to_owned());
    assert_eq!(invoke(&w, "take_pending_link", json!({})).unwrap(), link);
}
