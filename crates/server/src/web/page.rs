//! The server's own small pages (a "This wasn't me" link's, an app's sign-in link that isn't
//! right): plain HTML that works without script, that no other site can frame or learn the
//! address of.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use twostep_core::Locale;

/// A small page that works without script, and that no other site can frame or learn the
/// address of.
pub(crate) fn html(status: StatusCode, locale: Locale, title: &str, body: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Twostep</title><style>\
         body{{font-family:-apple-system,Segoe UI,Roboto,sans-serif;font-size:18px;line-height:1.5;\
         color:#1d2a2f;background:#f4f7f6;margin:0;padding:24px}}\
         main{{max-width:560px;margin:0 auto;background:#fff;border:1px solid #d5dde0;\
         border-radius:12px;padding:24px}}\
         button{{font:inherit;font-weight:600;min-height:48px;width:100%;border:0;border-radius:10px;\
         background:#b3261e;color:#fff;cursor:pointer}}\
         button:focus-visible{{outline:3px solid #1a5fd0;outline-offset:2px}}\
         </style></head><body><main><h1>{}</h1>{body}</main></body></html>",
        locale.as_str(),
        escape(title),
        escape(title),
    );
    let mut res = (status, Html(page)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
