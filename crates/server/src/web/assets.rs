//! The UI's files (`ui/`), served at `/`: built into the binary in release builds, read from
//! the folder in debug builds (rust-embed), so a change to a screen shows on reload.

use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::ApiError;

#[derive(RustEmbed)]
#[folder = "../../ui/"]
struct Ui;

/// Whatever no route answered: a file of the UI for a `GET`, else the API's errors.
pub(crate) async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    // The API's addresses answer in JSON, never with a page.
    if path == "api" || path.starts_with("api/") {
        return ApiError::NotFound("That address").into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return ApiError::method_not_allowed().into_response();
    }
    let path = if path.is_empty() { "index.html" } else { path };
    let Some(file) = Ui::get(path) else {
        return ApiError::NotFound("That address").into_response();
    };
    let mime = file.metadata.mimetype();
    let mut res = (StatusCode::OK, file.data).into_response();
    if let Ok(v) = HeaderValue::from_str(mime) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::Ui;

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
}
