//! The built-in authenticator on a shared classroom device: set up with "Use this device as
//! the authenticator" behind a PIN, then sign in with the code the vault shows.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn this_device_as_the_authenticator_behind_a_pin_then_signing_in_with_its_code() {
    let server = start_server().await;
    let email = "jordan@maple.example";
    let id = server
        .add_named_person(email, "Jordan Lee", &[Role::Staff])
        .await;
    let data = AppData::new();
    let app = App::launch(&data, Some(&server.url())).await;

    // Setup: no QR code on the classroom screen; the vault's code confirms the method.
    app.sign_in(email).await;
    app.on_screen("setup-intro").await;
    app.click("#setup-now").await;
    app.on_screen("setup-choose").await;
    app.click("#kind-device").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-device").await;
    app.shoot("setup-device").await;
    app.fill("#device-pin", "12").await;
    app.click("#device-setup").await;
    app.wait_text("#form-error", "4 to 12 digits").await;
    assert_eq!(
        server.methods_of(&id).await,
        0,
        "nothing added with a bad PIN"
    );
    app.fill("#device-pin", "4821").await;
    app.click("#device-setup").await;
    app.save_recovery_codes().await;
    app.on_screen("setup-done").await;
    app.wait_text("#added", "Authenticator app").await;
    assert_eq!(server.methods_of(&id).await, 1);
    app.click("#added-continue").await;
    app.on_screen("home").await;

    // The entry is listed with its code hidden until the PIN is entered.
    app.click("#nav-vault").await;
    app.on_screen("vault").await;
    let entry = "#vault-list li.entry";
    app.wait_text(entry, email).await;
    assert_eq!(app.text(&format!("{entry} .code-text")).await, "••• •••");
    app.shoot("vault-hidden").await;
    app.click(&format!("{entry} .code-button")).await;
    app.fill("#vault-list input.pin", "1111").await;
    app.click("#vault-list .pin-form button").await;
    app.wait_text("#vault-list .error", "That PIN isn't right.")
        .await;
    app.fill("#vault-list input.pin", "4821").await;
    app.click("#vault-list .pin-form button").await;
    let shown = app.wait("#vault-list .code-button[data-code]").await;
    let code = shown.attr("data-code").await.unwrap().unwrap();
    assert_eq!(code.len(), 6);
    app.shoot("vault-revealed").await;
    // Shown for 30 seconds, then hidden again.
    tokio::time::sleep(std::time::Duration::from_secs(31)).await;
    app.wait_text(&format!("{entry} .code-button"), "••• •••")
        .await;
    assert_eq!(app.count("#vault-list .code-button[data-code]").await, 0);
    // Leaving the screen hides it too.
    app.click(&format!("{entry} .code-button")).await;
    app.fill("#vault-list input.pin", "4821").await;
    app.click("#vault-list .pin-form button").await;
    app.wait("#vault-list .code-button[data-code]").await;
    app.click("#nav-home").await;
    app.click("#nav-vault").await;
    app.on_screen("vault").await;
    app.wait_text(entry, email).await;
    assert_eq!(app.text(&format!("{entry} .code-text")).await, "••• •••");
    app.click("#sign-out").await;
    app.quit().await;

    // Later, on the same device: the server's clock is a step on from this device's, so the
    // app warns, and "Resync" makes the vault's codes follow the server.
    server.advance(30); // the next TOTP step
    let app = App::launch(&data, Some(&server.url())).await;
    app.sign_in(email).await;
    app.on_screen("verify-code").await;
    app.click("#code-from-device").await;
    app.on_screen("vault-pick").await;
    app.wait_text("#clock-warning", "30 seconds behind").await;
    app.shoot("vault-clock-warning").await;
    app.click("#resync").await;
    app.wait_text("#toast", "follow the server").await;
    assert!(!app.exists("#clock-warning").await);
    app.click(&format!("{entry} .code-button")).await;
    app.fill("#vault-list input.pin", "4821").await;
    app.click("#vault-list .pin-form button").await;
    app.wait("#vault-list .code-button[data-code]").await;
    app.shoot("vault-pick").await;
    app.click("#vault-list .use-code").await;
    app.on_screen("verify-code").await;
    assert_eq!(app.value("#code").await.len(), 6);
    app.click("#verify").await;
    app.on_screen("home").await;
    app.wait_text("#welcome", "Welcome, Jordan").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_added_by_hand_and_by_link_import_and_a_shared_device_refuses_export() {
    let data = AppData::new();
    let server = start_server().await;
    let app = App::launch(&data, Some(&server.url())).await;
    app.on_screen("sign-in").await;
    app.click("#open-vault").await;
    app.on_screen("vault").await;
    app.wait_text("#vault-list", "No accounts yet").await;
    app.click("#vault-add").await;
    app.on_screen("vault-add").await;
    app.fill("#new-entry-issuer", "Payroll").await;
    app.fill("#new-entry-account", "sam@maple.example").await;
    // An 80-bit key, as some services issue: accepted, with a note.
    app.fill("#new-entry-secret", "JBSW Y3DP EHPK 3PXP").await;
    app.shoot("vault-add").await;
    app.click("#add-manual").await;
    app.on_screen("vault").await;
    app.wait_text(".notice", "short secret").await;
    let shown = app.wait("#vault-list .code-button[data-code]").await;
    let code = shown.attr("data-code").await.unwrap().unwrap();

    // Tap to copy; the clipboard is cleared afterwards (3 s here, 60 s by default).
    app.click("#vault-list .code-button").await;
    app.wait_text("#toast", "Code copied").await;
    let copied = clipboard().await;
    assert!(
        copied.len() == code.len() && copied.chars().all(|c| c.is_ascii_digit()),
        "copied {copied:?}"
    );
    let copied_at = std::time::Instant::now();
    // When the code runs out the list is drawn again with the next one; the keyboard focus
    // stays on the code button it was on.
    let deadline = copied_at + std::time::Duration::from_secs(35);
    loop {
        let now = app.attr("#vault-list .code-button", "data-code").await;
        if now.as_deref().is_some_and(|c| c != code) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the code never changed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(
        app.is_focused("#vault-list .code-button").await,
        "the focus left the code button when the list was drawn again"
    );
    tokio::time::sleep(std::time::Duration::from_secs(5).saturating_sub(copied_at.elapsed())).await;
    assert_eq!(clipboard().await, "", "cleared");

    // Rename (an entry without a PIN needs none).
    app.click("#vault-list .rename").await;
    app.fill("#vault-list input[id^=account-]", "sam.rivera")
        .await;
    app.click("#vault-list .confirm button[type=submit]").await;
    app.wait_text("#vault-list", "sam.rivera").await;

    // A QR code image file, as a desktop user would save it from a setup page.
    let uri = "otpauth://totp/Nursery%20Portal:alex?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Nursery%20Portal";
    let png = data.path().join("qr.png");
    let img = qrcode::QrCode::new(uri.as_bytes())
        .unwrap()
        .render::<image::Luma<u8>>()
        .min_dimensions(240, 240)
        .build();
    img.save(&png).unwrap();
    app.click("#vault-add").await;
    app.on_screen("vault-add").await;
    // A file that is no picture: the web view cannot decode it, and the app says what to pick.
    let notes = data.path().join("notes.png");
    std::fs::write(&notes, "not a picture").unwrap();
    app.choose_file("#new-entry-file", &notes).await;
    app.click("#add-file").await;
    app.wait_text("#form-error", "not a picture Twostep can read")
        .await;
    app.on_screen("vault-add").await;
    // The QR code's PNG (chosen in its place): decoded by the web view, the code found by
    // the app.
    app.choose_file("#new-entry-file", &png).await;
    app.click("#add-file").await;
    app.on_screen("vault").await;
    app.wait_text("#vault-list", "Nursery Portal").await;
    app.wait_count("#vault-list li.entry", 2).await;

    app.click("#vault-transfer").await;
    app.on_screen("vault-transfer").await;
    app.set_value(
        "#import-text",
        "otpauth://totp/Portal:riley?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Portal\n\
         otpauth://totp/Broken:x?secret=***\n",
    )
    .await;
    app.click("#do-import").await;
    app.wait_text("#import-report", "1 account added.").await;
    // The broken line, and why, worded by the UI from the problem's codes.
    app.wait_text("#import-report", "Line 2: ").await;
    app.wait_text("#import-report", "The secret is not valid base32.")
        .await;
    app.click("#export-uris").await;
    app.wait_text("#export-warning", "Anyone who sees these links")
        .await;
    assert!(
        app.attr("#export-key-box", "hidden").await.is_some(),
        "links have no key"
    );
    // Encrypted: under a key the app makes, shown once, in six groups of five digits (each a
    // `code` a screen reader reads on its own), with where to keep it.
    app.click("#export-encrypted").await;
    app.wait_text("#export-key-box", "Twostep doesn't keep it")
        .await;
    assert!(app.is_focused("#export-key-box").await);
    let key = app
        .d
        .execute(
            "return [...document.querySelectorAll('#export-key code')].map((c) => c.textContent).join(' ');",
            vec![],
        )
        .await
        .unwrap();
    let key = key.as_str().unwrap().to_owned();
    let groups: Vec<&str> = key.split(' ').collect();
    assert_eq!(groups.len(), 6, "{key:?}");
    assert!(groups
        .iter()
        .all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit())));
    assert!(!app.value("#export-text").await.contains(groups[0]));
    app.shoot("vault-transfer").await;
    // The export read back with a key one digit off: refused, saying what to check, and
    // nothing added.
    let export = app.value("#export-text").await;
    let mut wrong: String = groups.concat();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(29.., last);
    app.set_value("#import-text", &export).await;
    app.set_value("#import-password", &wrong).await;
    app.click("#do-import").await;
    app.wait_text("#form-error", "the 30 digits shown when it was exported")
        .await;
    app.set_value("#import-password", "").await;
    app.click("a[href='#vault']").await;
    app.on_screen("vault").await;
    assert_eq!(app.count("#vault-list li.entry").await, 3);
    app.fill("#vault-search", "riley").await;
    app.wait_text("#vault-summary", "3 accounts").await;
    app.wait_count("#vault-list li.entry", 1).await;

    // Shared device, behind a device PIN typed twice: codes only on tap, export refused.
    app.click("#vault-shared").await;
    app.fill("#device-pin-new", "8642").await;
    app.fill("#device-pin-again", "8641").await;
    app.click("#shared-on").await;
    app.wait_text("#shared-error", "not the same").await;
    assert!(!app.is_selected("#vault-shared").await);
    app.fill("#device-pin-again", "8642").await;
    app.click("#shared-on").await;
    // What shared mode changes, and that only the device PIN undoes it, before it is on.
    app.wait_text(
        "#shared-confirm-text",
        "Only the device PIN turns shared mode off",
    )
    .await;
    app.wait_text(
        "#shared-confirm-text",
        "Changing the server takes the device PIN",
    )
    .await;
    assert!(
        !app.is_selected("#vault-shared").await,
        "not before the yes"
    );
    app.shoot("vault-shared-confirm").await;
    app.click("#shared-confirm").await;
    app.wait_text("#vault-summary", "Shared classroom device")
        .await;
    assert!(app.is_selected("#vault-shared").await);
    app.set_value("#vault-search", "").await;
    app.wait_text("#vault-list", "Payroll").await;
    assert_eq!(app.count("#vault-list .code-button[data-code]").await, 0);
    app.click("#vault-transfer").await;
    app.click("#export-uris").await;
    app.wait_text("#form-error", "shared classroom device can't export")
        .await;

    // Delete, after a confirmation step.
    app.click("a[href='#vault']").await;
    app.on_screen("vault").await;
    app.wait_text("#vault-list", "Portal").await;
    app.click("#vault-list li.entry:first-child .delete").await;
    app.wait_text("#vault-list .confirm", "Remove").await;
    assert_eq!(
        app.count("#vault-list li.entry").await,
        3,
        "nothing removed yet"
    );
    // On a shared device, deleting takes the device PIN.
    app.fill("#device-pin-delete", "1111").await;
    app.click("#confirm-vault-delete").await;
    app.wait_text("#vault-list .confirm .error", "PIN").await;
    assert_eq!(app.count("#vault-list li.entry").await, 3);
    app.fill("#device-pin-delete", "8642").await;
    app.click("#confirm-vault-delete").await;
    app.wait_text("#toast", "was removed from this device")
        .await;
    app.wait_count("#vault-list li.entry", 2).await;

    // Turning shared off takes it too; a forgotten one means clearing the device.
    app.click("#vault-shared").await;
    app.wait("#device-pin-off").await;
    app.shoot("vault-shared-off").await;
    app.click("#device-pin-forgot").await;
    app.wait_text("#shared-panel", "delete every account").await;
    // Said before anyone clears: the device stays shared, and an administrator is needed.
    app.wait_text("#clear-text", "The device stays shared")
        .await;
    app.wait_text("#clear-text", "administrator of your center")
        .await;
    app.shoot("vault-forgot-device-pin").await;
    app.fill("#device-pin-cleared", "1357").await;
    app.click("#vault-clear").await;
    app.on_screen("sign-in").await;
    app.wait_text("#notice", "Every account on this device was deleted")
        .await;
    // Still shared, behind the new device PIN: clearing switched nothing off.
    app.click("#open-vault").await;
    app.on_screen("vault").await;
    app.wait_text("#vault-list", "No accounts yet").await;
    assert!(app.is_selected("#vault-shared").await);
    // Whoever cleared it knows the new PIN, but that alone no longer turns shared mode off.
    app.click("#vault-shared").await;
    app.wait_text(
        "#unshare-admin",
        "an administrator of your center signs in on this device",
    )
    .await;
    app.shoot("vault-shared-off-needs-admin").await;
    app.fill("#device-pin-off", "1357").await;
    app.click("#shared-off").await;
    app.wait_text("#shared-error", "needs an administrator")
        .await;
    assert!(app.is_selected("#vault-shared").await);
    app.quit().await;
    // Nor does a restart.
    let app = App::launch(&data, Some(&server.url())).await;
    app.click("#open-vault").await;
    app.on_screen("vault").await;
    app.wait_text("#vault-summary", "Shared classroom device")
        .await;
    assert!(app.is_selected("#vault-shared").await);

    // An administrator of the center signs in on this device: with the device PIN, the device
    // is personal again.
    let admin = "avery@maple.example";
    server
        .add_named_person(admin, "Avery Admin", &[Role::Admin, Role::Staff])
        .await;
    server.with_email(admin).await;
    app.click("#vault-back").await;
    app.on_screen("sign-in").await;
    app.sign_in_with_emailed_code(&server, admin).await;
    app.click("#nav-vault").await;
    app.on_screen("vault").await;
    app.wait_text("#vault-summary", "Shared classroom device")
        .await;
    app.click("#vault-shared").await;
    app.fill("#device-pin-off", "8642").await;
    app.click("#shared-off").await;
    app.wait_text("#shared-error", "PIN").await;
    app.fill("#device-pin-off", "1357").await;
    app.click("#shared-off").await;
    app.wait_text("#toast", "This is now a personal device")
        .await;
    assert!(!app.is_selected("#vault-shared").await);
    app.quit().await;
}

/// A classroom tablet marked shared keeps its server: "Change" under the sign-in form takes
/// the device PIN (the demo center too), and the sign-in screen always names the server's host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_tablet_changes_its_server_only_with_the_device_pin() {
    let server = start_server().await;
    let host = server.url().trim_start_matches("http://").to_owned();
    let data = AppData::new();
    // No server preset: the demo center first, as a new install.
    let app = App::launch(&data, None).await;
    app.on_screen("sign-in").await;
    app.click("#open-vault").await;
    app.on_screen("vault").await;
    app.click("#vault-shared").await;
    app.fill("#device-pin-new", "8642").await;
    app.fill("#device-pin-again", "8642").await;
    app.click("#shared-on").await;
    app.click("#shared-confirm").await;
    app.wait_text("#vault-summary", "Shared classroom device")
        .await;
    app.click("#vault-back").await;
    app.on_screen("sign-in").await;

    // A passer-by: no PIN, a wrong one; neither the address nor the demo changes anything.
    app.click("#change-server").await;
    app.on_screen("server").await;
    app.wait_text("#server-shared", "device PIN").await;
    app.fill("#server-url", &server.url()).await;
    app.click("#connect").await;
    app.wait_text("#form-error", "That PIN isn't right").await;
    app.fill("#server-device-pin", "1111").await;
    app.click("#connect").await;
    app.wait_text("#form-error", "That PIN isn't right").await;
    app.click("#use-demo").await;
    app.wait_text("#form-error", "That PIN isn't right").await;
    app.shoot("server-shared").await;
    app.click("#server-back").await;
    app.on_screen("sign-in").await;
    app.wait_text("#server-line", "Demo center on this device")
        .await;

    // Its keeper, with the device PIN: the sign-in screen names the new server's host.
    app.click("#change-server").await;
    app.on_screen("server").await;
    app.fill("#server-url", &server.url()).await;
    app.fill("#server-device-pin", "8642").await;
    app.click("#connect").await;
    app.on_screen("sign-in").await;
    assert_eq!(app.text("#server-host").await, host);
    app.shoot("sign-in-server-host").await;
    app.quit().await;

    // Kept after a restart.
    let app = App::launch(&data, None).await;
    app.on_screen("sign-in").await;
    assert_eq!(app.text("#server-host").await, host);
    app.quit().await;
}

/// An opened link shows one card to confirm: its service and account, Add and Cancel, and
/// nowhere its key (not in the text, not in a field, not in the page's markup).
async fn link_is_confirmed_with_its_key_hidden(app: &App, issuer: &str, account: &str) {
    app.wait_text("#link-issuer", issuer).await;
    app.wait_text("#link-account", account).await;
    assert!(app.exists("#link-cancel").await);
    assert!(!app.exists("#new-entry-uri").await, "no link field");
    assert!(!app.exists("#new-entry-secret").await, "no key field");
    let markup = app
        .d
        .execute("return document.documentElement.outerHTML;", vec![])
        .await
        .unwrap();
    assert!(
        !markup.as_str().unwrap().contains("GEZDGNBV"),
        "the key is in the page"
    );
}

/// One app per data folder: a second launch with an otpauth:// link (what the desktop runs
/// when such a link is opened) exits, and the running window opens "Add an account" with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_hands_its_link_to_the_running_app() {
    let data = AppData::new();
    let app = App::launch(&data, None).await;
    app.on_screen("sign-in").await;
    let link = "otpauth://totp/Portal:riley?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Portal";
    let second = launch_again(&data, &[link]).await;
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    app.on_screen("vault-add").await;
    link_is_confirmed_with_its_key_hidden(&app, "Portal", "riley").await;
    app.wait_text("#link-received", "Choose a PIN").await;
    assert!(app.is_focused("#new-entry-pin").await);
    app.shoot("vault-add-link").await;
    app.fill("#new-entry-pin", "2468").await;
    app.click("#add-uri").await;
    app.on_screen("vault").await;
    app.wait_text("#vault-list", "Portal").await;
    app.quit().await;
}

/// A link opened while the app is closed starts it on "Add an account" with the link filled
/// in, asking for the PIN choice before anything is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_opened_with_the_app_closed_starts_it_on_add_an_account() {
    let data = AppData::new();
    let link =
        "otpauth://totp/Library:riley?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Library";
    let app = App::launch_with_link(&data, link).await;
    app.on_screen("vault-add").await;
    link_is_confirmed_with_its_key_hidden(&app, "Library", "riley").await;
    app.wait_text("#link-received", "Choose a PIN").await;
    assert!(app.is_focused("#new-entry-pin").await);
    app.click("#add-uri").await;
    app.on_screen("vault").await;
    app.wait_text("#vault-list", "Library").await;
    app.quit().await;
}

/// A managed classroom tablet (`TWOSTEP_SHARED=1`): shared from the first start, its keeper
/// chooses the device PIN, and the window offers no way to turn shared mode off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_shared_by_its_management_cannot_be_made_personal_in_the_window() {
    let server = start_server().await;
    let data = AppData::new();
    let app = App::launch_with(&data, Some(&server.url()), "en", &[("TWOSTEP_SHARED", "1")]).await;
    app.on_screen("sign-in").await;
    app.click("#open-vault").await;
    app.on_screen("vault").await;
    app.wait_text("#vault-summary", "Shared classroom device")
        .await;
    assert!(app.is_selected("#vault-shared").await);
    assert!(
        !app.is_enabled("#vault-shared").await,
        "no way to untick it"
    );
    app.wait_text("#shared-managed", "Whoever manages this device")
        .await;
    // Its keeper chooses the device PIN (nothing it guards opens before).
    app.wait("#device-pin-new").await;
    app.fill("#device-pin-new", "8642").await;
    app.fill("#device-pin-again", "8642").await;
    app.click("#shared-on").await;
    app.wait_text("#toast", "shared classroom device").await;
    assert!(!app.exists("#device-pin-new").await);
    assert!(!app.is_enabled("#vault-shared").await);
    app.shoot("vault-shared-managed").await;
    app.quit().await;
}
