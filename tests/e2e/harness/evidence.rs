//! What a journey leaves behind and checks on every screen: screenshots at three sizes
//! (captured from the X display), axe-core's accessibility rules, and the window's text for a
//! failing test's message.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

use super::App;

impl App {
    /// What the window shows, for a failing test's message.
    pub async fn dump(&self) -> String {
        let screen = self
            .d
            .execute(
                "const m = document.querySelector('main'); return (m ? m.dataset.screen + ': ' + m.innerText : document.body.innerText);",
                vec![],
            )
            .await
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|e| format!("(no page: {e})"));
        screen
    }

    /// The window as it is now, for a failing test.
    pub async fn shoot_one(&self, name: &str) {
        let _ = self.capture(name).await;
    }

    /// The window's rectangle of the X display, to `target/screenshots/NAME.png`.
    async fn capture(&self, name: &str) -> bool {
        let Ok((x, y, w, h)) = self.d.get_window_rect().await else {
            return false;
        };
        let out = screenshot_dir().join(format!("{name}.png"));
        Command::new("import")
            .args(["-window", "root", "-crop"])
            .arg(format!(
                "{}x{}+{}+{}",
                w as u32, h as u32, x as i32, y as i32
            ))
            .arg(&out)
            .status()
            .await
            .expect("import (Debian: imagemagick) must be installed")
            .success()
    }

    /// The screen at phone (390×844), tablet (820×1180) and desktop (1280×800) sizes, captured
    /// from the X display (WebDriver's own screenshot hangs for a Tauri window under Xvfb).
    /// Runs axe-core (WCAG 2.2 A and AA rules) on the screen and fails on any serious or
    /// critical violation, naming the rule, what to do, and the elements.
    pub async fn check_accessibility(&self, name: &str) {
        let axe = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/node_modules/axe-core/axe.min.js"
        ))
        .expect("axe-core is missing: `make test-deps` installs it into tests/e2e/node_modules");
        self.d.execute(&axe, vec![]).await.unwrap();
        let found = self
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
        assert!(
            found.is_empty(),
            "{name}: accessibility violations:\n{}",
            found.join("\n")
        );
    }

    /// A `null` or `undefined` that slipped into the page as text (a missing value rendered by
    /// the DOM's own `append`/`replaceChildren`, or a missing catalog argument): in what the
    /// window shows, or in what a screen reader reads for a control.
    pub async fn check_no_missing_values(&self, name: &str) {
        let found = self
            .d
            .execute(
                "const bad = /\\b(null|undefined)\\b/;
                 const hits = [];
                 const text = [document.body.innerText, document.title];
                 for (const t of text) for (const line of t.split('\\n')) if (bad.test(line)) hits.push(line.trim());
                 for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]'))
                   for (const v of [el.getAttribute('aria-label'), el.getAttribute('placeholder'), el.getAttribute('title'), el.getAttribute('alt')])
                     if (v && bad.test(v)) hits.push(`${el.tagName.toLowerCase()}#${el.id}: ${v}`);
                 return hits;",
                vec![],
            )
            .await
            .unwrap();
        let found: Vec<String> = serde_json::from_value(found).unwrap();
        assert!(
            found.is_empty(),
            "{name}: the screen shows a missing value as text:\n{}",
            found.join("\n")
        );
    }

    /// A toast on show sits in a slot of its own: at phone, tablet and desktop sizes it covers
    /// no part of the screen's content or of the navigation that can be seen.
    pub async fn check_toast_covers_nothing(&self, name: &str) {
        for (size, w, h) in SIZES {
            self.d.set_window_rect(0, 0, w, h).await.unwrap();
            tokio::time::sleep(Duration::from_millis(400)).await;
            let covered = self
                .d
                .execute(
                    "const toast = document.getElementById('toast');
                     if (!toast.classList.contains('on')) return ['no toast shows'];
                     const t = toast.getBoundingClientRect();
                     // What of an element can be seen: clipped by its scrolling ancestors and the window.
                     const seen = (el) => {
                       const r = el.getBoundingClientRect();
                       let top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
                       for (let p = el.parentElement; p; p = p.parentElement) {
                         if (!/(auto|scroll|hidden)/.test(getComputedStyle(p).overflowY)) continue;
                         const q = p.getBoundingClientRect();
                         top = Math.max(top, q.top); bottom = Math.min(bottom, q.bottom);
                       }
                       return { top, bottom, left: r.left, right: r.right };
                     };
                     return ['#screen', '#nav'].map((css) => document.querySelector(css))
                       .filter((el) => el && !el.hidden)
                       .filter((el) => { const c = seen(el);
                         return t.top < c.bottom - 1 && t.bottom > c.top + 1 && t.left < c.right && t.right > c.left; })
                       .map((el) => '#' + el.id);",
                    vec![],
                )
                .await
                .unwrap();
            let covered: Vec<String> = serde_json::from_value(covered).unwrap();
            assert!(
                covered.is_empty(),
                "{name} ({size}): the toast covers {}",
                covered.join(", ")
            );
        }
    }

    pub async fn shoot(&self, name: &str) {
        self.check_no_missing_values(name).await;
        self.check_accessibility(name).await;
        for (size, w, h) in SIZES {
            self.d.set_window_rect(0, 0, w, h).await.unwrap();
            tokio::time::sleep(Duration::from_millis(400)).await;
            assert!(
                self.capture(&format!("{name}-{size}")).await,
                "screenshot {name}-{size} failed"
            );
        }
    }
}

/// The window sizes every screen is photographed at.
const SIZES: [(&str, u32, u32); 3] = [
    ("phone", 390, 844),
    ("tablet", 820, 1180),
    ("desktop", 1280, 800),
];

pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
