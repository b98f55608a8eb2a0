//! The built-in authenticator (the vault) through the commands: PINs, imports, exports, QR images, the clipboard.

use super::*;

#[test]
fn vault_pins_import_report_and_what_may_be_exported() {
    let f = start();
    let w = f.window();
    let added = invoke(
        &w,
        "vault_add",
        json!({ "entry": { "source": "manual", "issuer": "Payroll", "account": "sam",
                           "secret": "JBSWY3DPEHPK3PXP" }, "pin": "2468" }),
    )
    .unwrap();
    assert!(added["note"].as_str().unwrap().contains("short secret"));
    assert_eq!(added["short_secret"], true);
    let id = added["entry"]["id"].as_str().unwrap().to_owned();

    let bad_uri = invoke(
        &w,
        "vault_add",
        json!({ "entry": { "source": "uri", "uri": "https://x" } }),
    )
    .unwrap_err();
    assert_eq!(bad_uri["code"], "invalid_otpauth");
    assert_eq!(bad_uri["detail"], "not_otpauth");
    let report = invoke(
        &w,
        "vault_import",
        json!({ "text": "otpauth://totp/A:a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\nnot a link\n" }),
    )
    .unwrap();
    assert_eq!(report["added"], 1);
    assert_eq!(report["problems"][0]["item"], "line 2");
    assert_eq!(report["problems"][0]["line"], 2);
    assert_eq!(report["problems"][0]["code"], "invalid_otpauth");
    assert_eq!(report["problems"][0]["detail"], "not_a_uri");

    // An account behind a PIN never leaves the device; its owner can remove the PIN.
    let refused = invoke(&w, "vault_export", json!({ "kind": "uris" })).unwrap_err();
    assert_eq!(refused["code"], "pin_protected");
    let err = invoke(
        &w,
        "vault_set_pin",
        json!({ "id": id, "currentPin": "1357", "newPin": null }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "wrong_pin");
    invoke(
        &w,
        "vault_set_pin",
        json!({ "id": id, "currentPin": "2468", "newPin": null }),
    )
    .unwrap();

    // A personal device exports under a key it makes and shows once; the encrypted export
    // imports back on another device with that key, typed in any grouping.
    let sealed = invoke(&w, "vault_export", json!({ "kind": "encrypted" })).unwrap();
    let text = sealed["text"].as_str().unwrap().to_owned();
    assert!(!text.contains("Payroll"));
    let key = sealed["key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 35, "six groups of five digits: {key:?}");
    assert!(!text.contains(&key.replace(' ', "")));
    let again = invoke(&w, "vault_export", json!({ "kind": "encrypted" })).unwrap();
    assert_ne!(again["key"], sealed["key"], "a key for each export");
    let links = invoke(&w, "vault_export", json!({ "kind": "uris" })).unwrap();
    assert!(links["key"].is_null());
    let g = start();
    let w2 = g.window();
    let wrong = invoke(
        &w2,
        "vault_import",
        json!({ "text": text, "password": "nope" }),
    )
    .unwrap_err();
    assert_eq!(wrong["code"], "vault_wrong_password");
    let back = invoke(
        &w2,
        "vault_import",
        json!({ "text": text, "password": key.replace(' ', "-") }),
    )
    .unwrap();
    assert_eq!(back["added"], 2);

    // Shared takes a device PIN; without it, the device stays personal.
    let bad = invoke(&w, "vault_set_shared", json!({ "shared": true })).unwrap_err();
    assert_eq!(bad["code"], "bad_pin");
    invoke(
        &w,
        "vault_set_shared",
        json!({ "shared": true, "devicePin": "8642" }),
    )
    .unwrap();
    let list = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(list["shared"], true);
    assert!(list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["code"].is_null()));
    let refused = invoke(&w, "vault_export", json!({ "kind": "uris" })).unwrap_err();
    assert_eq!(refused["code"], "shared_device");
    // The device PIN guards turning shared off, importing and deleting; nothing changes
    // without it.
    for (cmd, args) in [
        (
            "vault_set_shared",
            json!({ "shared": false, "devicePin": "1111" }),
        ),
        (
            "vault_import",
            json!({ "text": "otpauth://totp/B:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" }),
        ),
        ("vault_delete", json!({ "id": id, "pin": "2468" })),
    ] {
        let e = invoke(&w, cmd, args).unwrap_err();
        assert_eq!(e["code"], "wrong_pin", "{cmd}");
    }
    let after = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(after["shared"], true);
    assert_eq!(after["total"], list["total"], "nothing imported or deleted");
    let report = invoke(
        &w,
        "vault_import",
        json!({ "text": "otpauth://totp/B:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "devicePin": "8642" }),
    )
    .unwrap();
    assert_eq!(report["added"], 1);

    // On a shared device, an account without a PIN gets one (or a new name) only with the
    // device PIN: a child can't lock a teacher out of their codes.
    for (cmd, args) in [
        (
            "vault_set_pin",
            json!({ "id": id, "currentPin": null, "newPin": "1111" }),
        ),
        (
            "vault_rename",
            json!({ "id": id, "issuer": "Mine", "account": "now" }),
        ),
    ] {
        let e = invoke(&w, cmd, args).unwrap_err();
        assert_eq!(e["code"], "wrong_pin", "{cmd}");
    }
    // Five wrong PINs lock the entry for a while: even the right PIN waits.
    invoke(
        &w,
        "vault_set_pin",
        json!({ "id": id, "currentPin": null, "newPin": "2468", "devicePin": "8642" }),
    )
    .unwrap();
    for _ in 0..5 {
        let e = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "1111" })).unwrap_err();
        assert_eq!(e["code"], "wrong_pin");
    }
    let locked = invoke(&w, "vault_reveal", json!({ "id": id, "pin": "2468" })).unwrap_err();
    assert_eq!(locked["code"], "pin_locked");
}

#[test]
fn a_qr_code_picture_adds_its_account() {
    use crate::qr::tests::qr_picture;
    let f = start();
    let w = f.window();
    let uri = "otpauth://totp/Portal:riley?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Portal";
    let mut entry = serde_json::to_value(picture_json(&qr_picture(uri, 240))).unwrap();
    entry["source"] = "qr_picture".into();
    let added = invoke(&w, "vault_add", json!({ "entry": entry })).unwrap();
    assert_eq!(added["entry"]["issuer"], "Portal");
    assert_eq!(added["entry"]["account"], "riley");
    assert_eq!(added["entry"]["code"].as_str().unwrap().len(), 6);
    // What the web view sends for a file it could not decode.
    let err = invoke(
        &w,
        "vault_add",
        json!({ "entry": { "source": "qr_picture", "width": 0, "height": 0, "grey_base64": "" } }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "not_an_image");
}

/// A picture as the web view sends it (ui/js/picture.js).
fn picture_json(p: &crate::qr::GreyPicture) -> serde_json::Value {
    json!({ "width": p.width, "height": p.height, "grey_base64": p.grey_base64 })
}

/// Google Authenticator's "Transfer accounts" QR codes, two of them, imported at once; an
/// account that cannot be read is reported, the rest added.
#[test]
fn google_authenticator_export_codes_import_from_their_images() {
    use crate::qr::tests::{qr_picture, sent};
    use prost::Message;
    use twostep_core::vault::import::google::{MigrationPayload, OtpParameters};
    let f = start();
    let w = f.window();
    let account = |issuer: &str, name: &str, kind: i32| OtpParameters {
        secret: b"12345678901234567890".to_vec(),
        name: name.into(),
        issuer: issuer.into(),
        algorithm: 1,
        digits: 1,
        r#type: kind,
        counter: 0,
    };
    let picture_of = |accounts: Vec<OtpParameters>| {
        let bytes = MigrationPayload {
            otp_parameters: accounts,
            version: 1,
            batch_size: 2,
            batch_index: 0,
            batch_id: 42,
        }
        .encode_to_vec();
        let data: String =
            url::form_urlencoded::byte_serialize(data_encoding::BASE64.encode(&bytes).as_bytes())
                .collect();
        let link = format!("otpauth-migration://offline?data={data}");
        picture_json(&qr_picture(&link, 300))
    };
    // A photo without a code among them (the wrong picture picked) is reported too.
    let blank = picture_json(&sent(&image::GrayImage::from_pixel(
        200,
        200,
        image::Luma([255]),
    )));
    let images = [
        picture_of(vec![
            account("Twostep", "Twostep:jordan@maple.example", 2),
            account("Bank", "me", 1),
        ]),
        blank.clone(),
        picture_of(vec![account("Payroll", "sam", 2)]),
    ];
    let report = invoke(
        &w,
        "vault_import",
        json!({ "text": "", "pictures": images }),
    )
    .unwrap();
    assert_eq!(report["added"], 2);
    assert_eq!(report["problems"].as_array().unwrap().len(), 2);
    assert_eq!(report["problems"][0]["image"], 2);
    assert_eq!(report["problems"][0]["code"], "no_qr_code");
    assert_eq!(report["problems"][1]["name"], "Bank");
    assert_eq!(report["problems"][1]["detail"], "counter_based");
    // Nothing but a picture without a code: that is the answer, and nothing changes.
    let err = invoke(
        &w,
        "vault_import",
        json!({ "text": "", "pictures": [blank] }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "no_qr_code");
    let all = invoke(&w, "vault_list", json!({})).unwrap();
    assert_eq!(all["total"], 2);
    let list = invoke(&w, "vault_list", json!({ "query": "jordan" })).unwrap();
    assert_eq!(list["entries"][0]["issuer"], "Twostep");
    // More images than any export has: refused before any is read.
    let many: Vec<serde_json::Value> = (0..21).map(|_| images[1].clone()).collect();
    let err = invoke(&w, "vault_import", json!({ "text": "", "pictures": many })).unwrap_err();
    assert_eq!(
        (err["code"].as_str(), err["detail"].as_str()),
        (Some("import_unreadable"), Some("too_large"))
    );
}

/// A copied code leaves the clipboard when the app quits (a clipboard manager would keep it
/// otherwise), unless something else was copied since.
#[test]
fn a_copied_code_leaves_the_clipboard_at_quit_unless_something_else_was_copied() {
    use tauri::Manager;
    let f = start();
    let w = f.window();
    let added = invoke(
        &w,
        "vault_add",
        json!({ "entry": { "source": "uri", "uri": "otpauth://totp/Twostep:jordan?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Twostep" } }),
    )
    .unwrap();
    let id = added["entry"]["id"].as_str().unwrap().to_owned();
    let app = w.app_handle();
    // Read and written as another program would: through a connection of its own.
    let mut other = arboard::Clipboard::new().unwrap();
    let mut on_clipboard = || other.get_text().unwrap_or_default();

    let copied = invoke(&w, "vault_copy", json!({ "id": id })).unwrap();
    assert_eq!(on_clipboard(), copied["code"].as_str().unwrap());
    assert!(crate::clipboard::clear_at_quit(app));
    assert_eq!(on_clipboard(), "", "cleared at quit");
    assert!(
        !crate::clipboard::clear_at_quit(app),
        "nothing left to clear"
    );

    invoke(&w, "vault_copy", json!({ "id": id })).unwrap();
    arboard::Clipboard::new()
        .unwrap()
        .set_text("the lunch menu")
        .unwrap();
    assert!(!crate::clipboard::clear_at_quit(app));
    assert_eq!(
        on_clipboard(),
        "the lunch menu",
        "someone else's copy is left alone"
    );
}
