//! What a journey checks and keeps of every screen it visits: axe-core's WCAG rules (no
//! serious or critical finding), no `null` or `undefined` shown as text, and a screenshot to
//! `target/screenshots/browser-<engine>-<device>-<journey>-<screen>.png`.
//!
//! axe-core goes in through WebDriver's "execute script", which runs as the browser's own
//! automation and not as a page's script: the server's CSP (`script-src 'self'`) stays as it
//! is, and the page could not load axe itself (no inline script, no other origin).

use std::path::{Path, PathBuf};

use tokio::process::Command;

use crate::engine::Engine;
use crate::page::Page;

impl Page {
    /// Checks the screen as it is now, then photographs it as `screen`.
    pub async fn shoot(&self, screen: &str) {
        self.check_no_missing_values(screen).await;
        self.check_accessibility(screen).await;
        if let Err(e) = self.capture(screen).await {
            panic!("{}-{screen}: no screenshot: {e}", self.name());
        }
    }

    /// axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on the whole document: any serious or
    /// critical violation fails, naming the rule, what to do and the first elements.
    pub async fn check_accessibility(&self, screen: &str) {
        let loaded = self
            .script("return typeof window.axe !== 'undefined';", vec![])
            .await;
        if loaded != true {
            let axe = std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/e2e/node_modules/axe-core/axe.min.js"
            ))
            .expect(
                "axe-core is missing: `make test-deps` installs it into tests/e2e/node_modules",
            );
            self.b.d.execute(&axe, vec![]).await.unwrap();
        }
        let found = self
            .b
            .d
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values:
                   ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                   .then((r) => done(r.violations
                     .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                     .map((v) => `${v.impact} ${v.id}: ${v.help} [${v.nodes.slice(0, 3)
                       .map((n) => n.target.join(' ')).join(' | ')}]`)))
                   .catch((e) => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        let found: Vec<String> = serde_json::from_value(found).unwrap();
        if !found.is_empty() {
            let _ = self.capture(&format!("{screen}-failed")).await;
            panic!(
                "{}-{screen}: accessibility violations:\n{}",
                self.name(),
                found.join("\n")
            );
        }
    }

    /// A `null` or `undefined` shown as text, in what the page shows or in what a screen
    /// reader reads for a control.
    pub async fn check_no_missing_values(&self, screen: &str) {
        let found = self
            .script(
                "const bad = /\\b(null|undefined)\\b/;
                 const hits = [];
                 for (const t of [document.body.innerText, document.title])
                   for (const line of t.split('\\n')) if (bad.test(line)) hits.push(line.trim());
                 for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]'))
                   for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
                     const v = el.getAttribute(a);
                     if (v && bad.test(v)) hits.push(`${el.tagName.toLowerCase()}#${el.id} ${a}: ${v}`);
                   }
                 return hits;",
                vec![],
            )
            .await;
        let found: Vec<String> = serde_json::from_value(found).unwrap();
        assert!(
            found.is_empty(),
            "{}-{screen}: a missing value shown as text:\n{}",
            self.name(),
            found.join("\n")
        );
    }

    /// The viewport as it is now, to the screenshots folder. Chromium: WebDriver's screenshot
    /// (headless). WebKit: the MiniBrowser's window cut out of the virtual display (`import`),
    /// as the app's journeys do; its toolbar shows the address.
    pub async fn capture(&self, screen: &str) -> Result<(), String> {
        let out = screenshot_dir().join(format!("browser-{}-{screen}.png", self.name()));
        match self.b.engine {
            Engine::Chromium => {
                let png = self.b.d.screenshot().await.map_err(|e| e.to_string())?;
                std::fs::write(&out, png).map_err(|e| e.to_string())
            }
            Engine::WebKit => {
                let (x, y, w, h) = self
                    .b
                    .d
                    .get_window_rect()
                    .await
                    .map_err(|e| e.to_string())?;
                let done = Command::new("import")
                    .args(["-window", "root", "-crop"])
                    .arg(format!(
                        "{}x{}+{}+{}",
                        w as u32, h as u32, x as i32, y as i32
                    ))
                    // The cut-out as an image of its own, not a window onto the display.
                    .arg("+repage")
                    .arg(&out)
                    .status()
                    .await
                    .map_err(|e| format!("import (Debian: imagemagick): {e}"))?;
                done.success()
                    .then_some(())
                    .ok_or_else(|| format!("import ended with {done}"))
            }
        }
    }

    /// The page's background as the engine computes it, `(r, g, b)`.
    pub async fn background(&self) -> (u8, u8, u8) {
        let v = self
            .script(
                "const c = getComputedStyle(document.documentElement).backgroundColor;
                 return c.match(/\\d+/g).slice(0, 3).map(Number);",
                vec![],
            )
            .await;
        let n = |i: usize| v[i].as_u64().unwrap() as u8;
        (n(0), n(1), n(2))
    }
}

pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
