//! The browser's shell in real browsers: the server (the test kit's) serving the UI at `/`,
//! driven over WebDriver in Debian's Chromium (chromedriver, headless) as a phone and as a
//! tablet, and in WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver, under the virtual
//! display `make test` provides) as a tablet.
//!
//! - `engine`: the browsers, started at a size and closed;
//! - `tls`: https in front of the server and for the other site (WebKit keeps no `Secure`
//!   cookie from plain http);
//! - `elsewhere`: a page served from another origin (127.0.0.2, another port);
//! - `security`: the cookie flags, the refusal of another site's writes and of framing;
//! - `site`: the test kit's server behind the TLS front, as the journeys reach it;
//! - `page`, `evidence`, `spanish`: a journey's page used as a person would, and what is checked
//!   and kept of each screen (axe-core, screenshots, Spanish with no English left);
//! - `journeys`: a parent, a teacher, "Confirm it's you", an administrator, Spanish, dark mode;
//! - `day_pass`: a teacher signs in with a one-day pass an administrator read to her; an
//!   administrator adds a person, who is invited;
//! - `passkeys` with `authenticator`: passkeys in Chromium, WebDriver's virtual authenticator
//!   standing in for the phone's.
#![allow(clippy::unwrap_used)]

mod authenticator;
mod day_pass;
mod elsewhere;
mod engine;
mod evidence;
mod journeys;
mod page;
mod passkeys;
mod security;
mod site;
mod spanish;
mod tls;
#[path = "../shared/webdriver.rs"]
mod webdriver;
