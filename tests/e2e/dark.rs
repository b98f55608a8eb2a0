//! Dark mode: a person whose desktop is dark gets a dark app, every screen still passing the
//! contrast rules (axe-core runs on each photographed screen).

use crate::harness::*;

/// The page's background colour as the engine computes it (`rgb(r, g, b)`).
async fn background(app: &App) -> (u8, u8, u8) {
    let v = app
        .d
        .execute(
            "const c = getComputedStyle(document.documentElement).backgroundColor;
             return c.match(/\\d+/g).slice(0, 3).map(Number);",
            vec![],
        )
        .await
        .unwrap();
    let n = |i: usize| v[i].as_u64().unwrap() as u8;
    (n(0), n(1), n(2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dark_desktop_gets_a_dark_app_that_still_reads_well() {
    let server = start_server().await;
    let email = "dee@maple.example";
    server
        .add_named_person(email, "Dee Okafor", &[Role::Staff])
        .await;
    server.with_email(email).await;
    let data = AppData::new();
    let app = App::launch_with(
        &data,
        Some(&server.url()),
        "en",
        &[("GTK_THEME", "Adwaita:dark")],
    )
    .await;

    app.on_screen("sign-in").await;
    let dark: bool = app
        .d
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(dark, "the dark GTK theme did not reach the page");
    let (r, g, b) = background(&app).await;
    assert!(
        u32::from(r) + u32::from(g) + u32::from(b) < 150,
        "background rgb({r}, {g}, {b}) is not dark"
    );
    app.shoot("dark-sign-in").await;

    app.sign_in(email).await;
    app.on_screen("verify-code").await;
    let right = server.last_code(email).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    app.fill("#code", wrong).await;
    app.click("#verify").await;
    app.wait_text(".error", "attempts left").await;
    app.click("#no-code summary").await;
    app.shoot("dark-verify-code").await;
    app.fill("#code", &right).await;
    app.click("#verify").await;
    app.on_screen("home").await;
    app.click("#nav-methods").await;
    app.on_screen("methods").await;
    app.shoot("dark-methods").await;
    app.quit().await;
}
