//! The UI's files (`ui/`), served at `/`: built into the binary in release builds, read from
//! the folder in debug builds (rust-embed), so a change to a screen shows on reload.
//!
//! A phone on a slow network is who waits for them, so they go gzipped to a browser that takes
//! it (a third of the bytes), and a browser keeps its copy of every file but the page and asks
//! each time whether it is still good (`no-cache` with an `ETag`: a `304` with no body when
//! it is), so the screens never mix files of two versions of the server. The page itself stays
//! `no-store`, as every API answer. Only these files are compressed: an API answer may put a
//! secret beside words the client chose, and its compressed size could give the secret away
//! (BREACH).

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use tower_http::compression::CompressionLayer;

use crate::error::ApiError;

#[derive(RustEmbed)]
#[folder = "../../ui/"]
struct Ui;

/// The compression of the UI's files (gzip; images are left as they are, already compressed).
pub(crate) fn compression() -> CompressionLayer {
    CompressionLayer::new().gzip(true)
}

/// The page: always fetched anew (the files' versions are fixed by it, and it is small).
const PAGE: &str = "index.html";

/// Whatever no route answered: a file of the UI for a `GET`, else the API's errors.
pub(crate) async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    // The API's addresses answer in JSON, never with a page.
    if path == "api" || path.starts_with("api/") {
        return ApiError::NotFound("That address").into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return ApiError::method_not_allowed().into_response();
    }
    let path = if path.is_empty() { PAGE } else { path };
    let Some(file) = Ui::get(path) else {
        return ApiError::NotFound("That address").into_response();
    };
    if path == PAGE {
        return answer(StatusCode::OK, file, None);
    }
    let tag = etag(&file.metadata.sha256_hash());
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| still_good(v, &tag));
    let status = if unchanged {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    answer(status, file, Some(tag))
}

/// A file's answer: its type, and for a file kept by the browser its tag.
fn answer(status: StatusCode, file: rust_embed::EmbeddedFile, tag: Option<String>) -> Response {
    let mut res = if status == StatusCode::NOT_MODIFIED {
        status.into_response()
    } else {
        (status, file.data).into_response()
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(file.metadata.mimetype()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Some(v) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        h.insert(header::ETAG, v);
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    res
}

/// A weak tag (the same file gzipped or not is the same file to the browser): the start of
/// the file's SHA-256.
fn etag(sha256: &[u8; 32]) -> String {
    format!("W/\"{}\"", data_encoding::HEXLOWER.encode(&sha256[..12]))
}

/// Whether `If-None-Match` names the file's tag (weakly compared, as RFC 9110 says for it).
fn still_good(if_none_match: &str, tag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| bare(t) == bare(tag))
}

#[cfg(test)]
mod tests {
    use super::{etag, still_good, Ui};

    /// The screens the browser needs are built in: the page, its script, its style, both
    /// catalogs, the manifest and its icons.
    #[test]
    fn the_ui_is_built_in() {
        for f in [
            "index.html",
            "js/app.js",
            "style.css",
            "i18n/en.json",
            "i18n/es.json",
        ] {
            assert!(Ui::get(f).is_some(), "{f}");
        }
        assert!(Ui::get("../Cargo.toml").is_none());
    }

    #[test]
    fn a_tag_matches_itself_weak_or_strong_and_nothing_else() {
        let tag = etag(&[7; 32]);
        assert_eq!(tag, "W/\"070707070707070707070707\"");
        assert!(still_good(&tag, &tag));
        assert!(still_good("\"070707070707070707070707\"", &tag));
        assert!(still_good("W/\"aa\", W/\"070707070707070707070707\"", &tag));
        assert!(still_good("*", &tag));
        assert!(!still_good("W/\"070707070707070707070708\"", &tag));
        assert!(!still_good("", &tag));
    }
}
