//! What the window shows, read and used as a person would over WebDriver: waiting for an
//! element, clicking, typing, reading; and the sign-in steps every journey takes.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::Locator;
use twostep_testkit::{TestServer, PASSWORD};

use super::App;

impl App {
    pub async fn wait(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .d
                .wait()
                .at_most(left)
                .for_element(Locator::Css(css))
                .await
            {
                Ok(el) => return el,
                // The screen was drawn again between finding the element and handing it over
                // (a list that refreshes): look again, until the deadline.
                Err(e) if e.to_string().contains("Stale element") && !left.is_zero() => {}
                Err(e) => panic!(
                    "{css} did not appear ({e}); the window shows:\n{}",
                    self.dump().await
                ),
            }
        }
    }

    /// Waits until the current screen is `name` (`main[data-screen]`).
    pub async fn on_screen(&self, name: &str) {
        self.wait(&format!("main[data-screen=\"{name}\"]")).await;
    }

    pub async fn click(&self, css: &str) {
        if let Err(e) = self.wait(css).await.click().await {
            self.shoot_one(&format!(
                "failed-click-{}",
                css.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ))
            .await;
            panic!(
                "clicking {css}: {e}; the window shows:\n{}",
                self.dump().await
            );
        }
    }

    /// Sets a field's value directly (multi-line text, which typing would turn into Enter keys).
    pub async fn set_value(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        self.d
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
                vec![serde_json::to_value(&el).unwrap(), serde_json::Value::String(text.into())],
            )
            .await
            .unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        el.clear().await.unwrap();
        if !text.is_empty() {
            el.send_keys(text).await.unwrap();
        }
    }

    /// Chooses `file` in the file field `css`, as a person picking it would (in place of any
    /// file chosen before).
    pub async fn choose_file(&self, css: &str, file: &std::path::Path) {
        let el = self.wait(css).await;
        el.send_keys(file.to_str().unwrap()).await.unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap()
    }

    /// Waits until `css` shows text containing `needle`.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        self.wait_text_for(css, needle, Duration::from_secs(20))
            .await
    }

    /// `wait_text`, waiting up to `limit` (something that happens after a set time).
    pub async fn wait_text_for(&self, css: &str, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(el) = self.d.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if t.contains(needle) {
                        return t;
                    }
                    if Instant::now() > deadline {
                        panic!(
                            "{css} shows {t:?}, not {needle:?}; the window shows:\n{}",
                            self.dump().await
                        );
                    }
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "{css} never showed {needle:?}; the window shows:\n{}",
                    self.dump().await
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// The current value of an input.
    pub async fn value(&self, css: &str) -> String {
        self.wait(css)
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    pub async fn count(&self, css: &str) -> usize {
        self.d.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// Waits until `css` is enabled (a cooldown ran out).
    pub async fn wait_enabled(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.is_enabled(css).await {
            assert!(Instant::now() < deadline, "{css} stayed disabled");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A field's `aria-invalid` and `aria-describedby`.
    pub async fn field_error_state(&self, css: &str) -> (Option<String>, String) {
        let v = self
            .d
            .execute(
                "const el = document.querySelector(arguments[0]);
                 return [el.getAttribute('aria-invalid'), el.getAttribute('aria-describedby') || ''];",
                vec![css.into()],
            )
            .await
            .unwrap();
        (
            v[0].as_str().map(str::to_owned),
            v[1].as_str().unwrap().to_owned(),
        )
    }

    /// An attribute of the first element `css` matches, if it and the attribute exist.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let v = self
            .d
            .execute(
                "const el = document.querySelector(arguments[0]);
                 return el ? el.getAttribute(arguments[1]) : null;",
                vec![css.into(), name.into()],
            )
            .await
            .unwrap();
        v.as_str().map(str::to_owned)
    }

    /// Whether the first element `css` matches has the keyboard focus.
    pub async fn is_focused(&self, css: &str) -> bool {
        self.d
            .execute(
                "return document.activeElement === document.querySelector(arguments[0]);",
                vec![css.into()],
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap()
    }

    /// The window's title (`document.title`).
    pub async fn title(&self) -> String {
        self.d.title().await.unwrap()
    }

    /// Whether a checkbox is ticked.
    pub async fn is_selected(&self, css: &str) -> bool {
        self.wait(css).await.is_selected().await.unwrap()
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.d.find(Locator::Css(css)).await.is_ok()
    }

    pub async fn is_enabled(&self, css: &str) -> bool {
        self.wait(css).await.is_enabled().await.unwrap()
    }

    /// Waits until `css` matches exactly `n` elements.
    pub async fn wait_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.count(css).await != n {
            assert!(
                Instant::now() < deadline,
                "{css} never matched {n} elements"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The "Save your recovery codes" screen that follows a first method: ten codes, and
    /// continuing only once the box is ticked. The codes, as shown.
    pub async fn save_recovery_codes(&self) -> Vec<String> {
        self.on_screen("recovery-codes").await;
        self.wait_count("#recovery-codes li", 10).await;
        // As a person copying them by hand would get them (innerText): one per line.
        let shown = self
            .d
            .execute(
                "return document.querySelector('#recovery-codes').innerText;",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let codes: Vec<String> = shown
            .lines()
            .map(str::trim)
            .filter(|w| w.len() == 19 && w.matches('-').count() == 3)
            .map(str::to_owned)
            .collect();
        assert_eq!(codes.len(), 10, "{shown:?}");
        self.click("#codes-saved").await;
        self.click("#codes-continue").await;
        codes
    }

    /// Signs `email` in with the code its one email method was sent, and waits for Home.
    pub async fn sign_in_with_emailed_code(&self, server: &TestServer, email: &str) {
        self.sign_in(email).await;
        self.on_screen("verify-code").await;
        self.fill("#code", &server.last_code(email).await).await;
        self.click("#verify").await;
        self.on_screen("home").await;
    }

    /// Email and password on the sign-in screen, then "Sign in".
    pub async fn sign_in(&self, email: &str) {
        self.on_screen("sign-in").await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("#sign-in").await;
    }
}
