//! The browser's shell in real browsers: the server (the test kit's) serving the UI at `/`,
//! driven over WebDriver in Debian's Chromium (chromedriver, headless) as a phone and as a
//! tablet, and in WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver, under the virtual
//! display `make test` provides) as a tablet.
//!
//! - `engine`: the browsers, started at a size and closed;
//! - `tls`: https in front of the server and for the other site (WebKit keeps no `Secure`
//!   cookie from plain http);
//! - `elsewhere`: a page served from another origin (127.0.0.2, another port);
//! - `security`: the cookie flags, the refusal of another site's writes and of framing.
#![allow(clippy::unwrap_used)]

mod elsewhere;
mod engine;
mod security;
mod tls;
#[path = "../shared/webdriver.rs"]
mod webdriver;
