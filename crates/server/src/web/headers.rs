//! The headers every answer carries, pages and API alike (one set, nothing to forget on a new
//! route): no framing, no script or style from elsewhere or inline, no referrer, no sniffing,
//! no powerful features, and HSTS when the server's address is https. A page that sets its own
//! (the freeze pages' stricter CSP) keeps its own.

use axum::extract::Request;
use axum::http::header::{self, HeaderName};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The UI's policy: its own files only (`img-src data:` for the QR codes it draws).
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const ALWAYS: [(HeaderName, &str); 7] = [
    (header::CONTENT_SECURITY_POLICY, CSP),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
    (
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    ),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), \
         bluetooth=(), display-capture=()",
    ),
];

/// A year, with subdomains left alone (the server may share its domain).
const HSTS: &str = "max-age=31536000";

pub(crate) async fn add(hsts: bool, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in ALWAYS {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if hsts {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(HSTS));
    }
    res
}
