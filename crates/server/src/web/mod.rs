//! The browser's shell, at the edge of the HTTP application: the UI's files at `/` (the same
//! screens the app shows), the headers that keep a page safe, credentials in `__Host-` cookies
//! for browser clients (never in a body or in script), and the refusal of cross-site writes.
//! Nothing here knows a flow: the slices answer the same JSON to every client.

pub(crate) mod assets;
pub(crate) mod cookies;
pub(crate) mod csrf;
pub(crate) mod headers;
pub(crate) mod page;
