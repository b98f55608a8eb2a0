//! The embedded default: no server configured, the app runs the demo center itself. Also the
//! server screen, which refuses plain http off this machine.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_server_the_app_opens_on_the_demo_center() {
    let data = AppData::new();
    let app = App::launch(&data, None).await;
    app.on_screen("sign-in").await;
    // The Linux app's page is marked before it is read, and takes the generic fonts that
    // WebKitGTK finds without a lookup the first screen would wait for (ui/style.css).
    let fonts = app
        .d
        .execute(
            "return [document.documentElement.className, getComputedStyle(document.body).fontFamily,
                     getComputedStyle(document.querySelector('h1')).fontFamily];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fonts,
        serde_json::json!(["gtk", "sans-serif", "sans-serif"])
    );
    app.wait_text(".demo-accounts", "avery.admin@sunnydays.example")
        .await;
    app.wait_text(".server-line", "Demo center on this device")
        .await;
    app.shoot("sign-in-demo").await;

    // The server screen: an address that isn't https is refused with what to do.
    app.click("#change-server").await;
    app.on_screen("server").await;
    app.fill("#server-url", "http://twostep.example.org").await;
    app.click("#connect").await;
    app.wait_text("#form-error", "must start with https://")
        .await;
    app.shoot("server").await;
    app.click("#use-demo").await;

    // A demo parent signs in; a code sent while adding an email lands in the Demo inbox.
    app.on_screen("sign-in").await;
    app.click(".demo-accounts li:first-child button.account")
        .await;
    assert_eq!(app.value("#email").await, "avery.admin@sunnydays.example");
    assert_eq!(app.value("#password").await, "demo-admin-pass");
    let riley = "riley.parent@family.example";
    let accounts = app.count("button.account").await;
    assert_eq!(accounts, twostep_server::demo::ACCOUNTS.len());
    app.fill("#email", riley).await;
    app.fill("#password", "demo-family-pass").await;
    app.click("#sign-in").await;
    app.on_screen("home").await;
    app.click("#manage-2sv").await;
    app.on_screen("methods").await;
    app.click("#add-method").await;
    app.click("#kind-email").await;
    app.click("#choose-continue").await;
    app.on_screen("setup-email").await;
    app.click("#send-setup-code").await;
    app.on_screen("setup-email-code").await;
    let code_font = app
        .d
        .execute(
            "return getComputedStyle(document.querySelector('input.code')).fontFamily;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(code_font, "monospace");
    app.click("#nav-inbox").await;
    app.on_screen("inbox").await;
    app.wait_text("#inbox", "User OTP from Online-Auth").await;
    app.wait_text("#inbox", riley).await;
    app.shoot("inbox").await;
    app.quit().await;
}
