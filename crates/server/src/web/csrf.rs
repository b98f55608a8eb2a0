//! Cross-site requests refused, by the algorithm of Go 1.25's `CrossOriginProtection` (Filippo
//! Valsorda's, which tower-http 0.7's `csrf` layer also implements): a `GET`, `HEAD` or
//! `OPTIONS` passes (none changes anything); otherwise a browser's `Sec-Fetch-Site` must be
//! `same-origin` or `none`, or, from a browser that sends none, its `Origin` must be this host.
//! A request with neither header is no browser's, and passes: the app and scripts use bearer
//! tokens, which a page elsewhere cannot add. The credential cookie is `SameSite=Strict` as
//! well; this also covers another port of the same host, which is the same site.

use axum::extract::Request;
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Whether a request may go on.
pub(crate) fn allowed(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    // An opaque origin ("null": a sandboxed frame, a file) is never this host.
    let authority = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

pub(crate) async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if allowed(req.method(), req.headers()) {
        next.run(req).await
    } else {
        tracing::info!("a cross-site request was refused");
        ApiError::CrossSite.into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn reads_pass_and_writes_from_elsewhere_do_not() {
        let post = Method::POST;
        assert!(allowed(
            &Method::GET,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(allowed(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(allowed(&post, &headers(&[("sec-fetch-site", "none")])));
        assert!(!allowed(
            &post,
            &headers(&[("sec-fetch-site", "same-site")])
        ));
        assert!(!allowed(
            &post,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        // No Fetch Metadata: the Origin decides.
        let here = [
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ];
        assert!(allowed(&post, &headers(&here)));
        let other = [
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.2:9090"),
        ];
        assert!(!allowed(&post, &headers(&other)));
        let port = [
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:9090"),
        ];
        assert!(!allowed(&post, &headers(&port)));
        assert!(!allowed(
            &post,
            &headers(&[("host", "a"), ("origin", "null")])
        ));
        // Neither: not a browser (the app, a script with a bearer token).
        assert!(allowed(&post, &headers(&[("host", "127.0.0.1:8080")])));
        assert!(allowed(&Method::DELETE, &HeaderMap::new()));
    }
}
