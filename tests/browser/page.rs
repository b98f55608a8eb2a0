//! The UI in a browser, read and used as a person would over WebDriver: waiting for an element
//! or a screen, tapping, typing, reading; the sign-in steps every journey takes. The same
//! selectors as the app's journeys (`tests/e2e/harness/page.rs`): the screens are the same.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::Value;
use twostep_testkit::{TestServer, PASSWORD};

use crate::engine::{Browser, Device, Engine, Scheme};

/// How long a step may take: WebKit on two busy cores is slow, not stuck.
const PATIENCE: Duration = Duration::from_secs(20);

/// A journey's browser on the site: what it drives, and the journey's name for its screenshots
/// (`browser-<engine>-<device>-<journey>-<screen>.png`).
pub struct Page {
    pub b: Browser,
    pub device: Device,
    journey: &'static str,
}

impl Page {
    /// A browser opened on the site's `/`.
    pub async fn open(
        engine: Engine,
        device: Device,
        scheme: Scheme,
        url: &str,
        journey: &'static str,
    ) -> Page {
        let b = Browser::open_in(engine, device, scheme).await;
        b.d.goto(&format!("{url}/")).await.unwrap();
        Page { b, device, journey }
    }

    /// Closes the browser.
    pub async fn close(self) {
        self.b.close().await;
    }

    /// `engine-device-journey`, as screenshots are named.
    pub fn name(&self) -> String {
        format!(
            "{}-{}-{}",
            self.b.engine.name(),
            self.device.name,
            self.journey
        )
    }

    pub async fn wait(&self, css: &str) -> Element {
        match self
            .b
            .d
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => self.fail(&format!("{css} did not appear ({e})")).await,
        }
    }

    /// Waits until the current screen is `name` (`main[data-screen]`).
    pub async fn on_screen(&self, name: &str) {
        self.wait(&format!("main[data-screen=\"{name}\"]")).await;
    }

    /// Taps `css`, brought to the middle of the viewport first (not under the phone's tab bar).
    pub async fn click(&self, css: &str) {
        // A list drawn again between finding and clicking (the people list refreshing after a
        // change) leaves the element found stale: it is found again, a few times at most.
        for _ in 0..5 {
            let el = self.wait(css).await;
            let scrolled = self
                .b
                .d
                .execute(
                    "arguments[0].scrollIntoView({block: 'center'});",
                    vec![serde_json::to_value(&el).unwrap()],
                )
                .await;
            let clicked = match scrolled {
                Ok(_) => el.click().await,
                Err(e) => Err(e),
            };
            match clicked {
                Ok(()) => return,
                Err(e) if e.to_string().contains("stale element") => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => self.fail(&format!("clicking {css}: {e}")).await,
            }
        }
        self.fail(&format!(
            "clicking {css}: it was drawn again five times over"
        ))
        .await;
    }

    /// Chooses the option `value` of the select `css`, as a person picking it would (the
    /// select's `change` fires).
    pub async fn choose(&self, css: &str, value: &str) {
        let el = self.wait(css).await;
        self.script(
            "arguments[0].value = arguments[1];
             arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::to_value(&el).unwrap(), value.into()],
        )
        .await;
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap()
    }

    /// Waits until `css` shows text containing `needle`: the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let shown = match self.b.d.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.ok(),
                Err(_) => None,
            };
            if let Some(t) = &shown {
                if t.contains(needle) {
                    return t.clone();
                }
            }
            if Instant::now() > deadline {
                self.fail(&format!("{css} shows {shown:?}, not {needle:?}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.b.d.find(Locator::Css(css)).await.is_ok()
    }

    pub async fn count(&self, css: &str) -> usize {
        self.b.d.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// Waits until `css` matches exactly `n` elements.
    pub async fn wait_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + PATIENCE;
        while self.count(css).await != n {
            if Instant::now() > deadline {
                self.fail(&format!("{css} never matched {n} elements"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn script(&self, js: &str, args: Vec<Value>) -> Value {
        self.b.d.execute(js, args).await.unwrap()
    }

    /// What the page shows, for a failing test's message.
    pub async fn dump(&self) -> String {
        self.b
            .d
            .execute(
                "const m = document.querySelector('main');
                 return (m ? m.dataset.screen + ': ' : '') + document.body.innerText;",
                vec![],
            )
            .await
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|e| format!("(no page: {e})"))
    }

    /// Fails the test saying what the page shows, with a screenshot of it.
    pub async fn fail(&self, what: &str) -> ! {
        let _ = self.capture("failed").await;
        panic!(
            "{}: {what}; the page shows:\n{}",
            self.name(),
            self.dump().await
        )
    }

    /// Email and password on the sign-in screen, then "Sign in".
    pub async fn sign_in(&self, email: &str) {
        self.on_screen("sign-in").await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("#sign-in").await;
    }

    /// The code `t` sent to `to`, typed on the code screen, then "Verify".
    pub async fn enter_code(&self, t: &TestServer, to: &str) {
        self.on_screen("verify-code").await;
        self.fill("#code", &t.last_code(to).await).await;
        self.click("#verify").await;
    }

    /// Signs out from the bar, back on the sign-in screen.
    pub async fn sign_out(&self) {
        self.click("#sign-out").await;
        self.on_screen("sign-in").await;
    }

    /// The recovery codes screen: `shot` taken, ten codes shown, continued once the box is
    /// ticked.
    pub async fn save_recovery_codes(&self, shot: bool) {
        self.on_screen("recovery-codes").await;
        self.wait_count("#recovery-codes li", 10).await;
        if shot {
            self.shoot("recovery-codes").await;
        }
        self.click("#codes-saved").await;
        self.click("#codes-continue").await;
    }
}
