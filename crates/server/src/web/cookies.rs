//! Credentials in cookies for browser clients. A browser client (the UI served at `/`, which
//! says so with `Twostep-Client: web`) never sees a token: the session token a JSON answer
//! carries goes into `__Host-twostep-session`, a setup or password token (the steps before a
//! session) into `__Host-twostep-setup` (`HttpOnly; Secure; SameSite=Strict; Path=/`), and out
//! of the body; the cookie is the bearer of the next requests. Every other client (the app,
//! scripts) keeps `Authorization: Bearer` and tokens in bodies, unchanged. One credential is
//! current in a browser at a time: setting one cookie clears the other, so a sign-in as
//! someone else never acts with the last person's session.
//!
//! A remembered device's token ("Don't ask for a code on this device") goes into a cookie of
//! its own, `__Secure-twostep-remember`, sent only to `POST /api/v1/login` (its `Path`), where
//! it becomes the request's `Twostep-Remember`. Signing out leaves it: it is what lets the next
//! sign-in skip the code.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The session's cookie. `__Host-`: set only with `Secure`, `Path=/` and no `Domain`, so no
/// other host (nor a subdomain) can set or read it.
pub(crate) const SESSION_COOKIE: &str = "__Host-twostep-session";
/// A setup token's or a password token's cookie.
pub(crate) const SETUP_COOKIE: &str = "__Host-twostep-setup";
/// A remembered device's token. `__Secure-` (set only with `Secure`); its `Path` is the
/// sign-in's, so no other request carries it.
pub(crate) const REMEMBER_COOKIE: &str = "__Secure-twostep-remember";
/// The one address the remember cookie goes to.
const REMEMBER_PATH: &str = "/api/v1/login";
/// The header a browser client names itself with (`web`).
pub(crate) const CLIENT_HEADER: &str = "twostep-client";
/// Answers larger than this are not rewritten (none of the API's with a token is near it).
const LARGEST_ANSWER: usize = 4 * 1024 * 1024;

fn is_browser(headers: &HeaderMap) -> bool {
    headers
        .get(CLIENT_HEADER)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"web"))
}

/// The token in the request's cookie `name`, if it carries one shaped like a token.
fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn cookie(name: &str, value: &str, max_age: Option<i64>) -> Option<HeaderValue> {
    cookie_at(name, value, "/", max_age)
}

fn cookie_at(name: &str, value: &str, path: &str, max_age: Option<i64>) -> Option<HeaderValue> {
    let age = max_age
        .map(|s| format!("; Max-Age={}", s.max(0)))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Secure; HttpOnly; SameSite=Strict{age}"
    ))
    .ok()
}

fn clear(headers: &mut HeaderMap, name: &str) {
    if let Some(v) = cookie(name, "", Some(0)) {
        headers.append(SET_COOKIE, v);
    }
}

/// The middleware: the cookie becomes the request's bearer (when it has none of its own), and a
/// browser client's answer gives its token to the cookie.
pub(crate) async fn browser(mut req: Request, next: Next) -> Response {
    let browser = is_browser(req.headers());
    let from_cookie = if req.headers().contains_key(AUTHORIZATION) {
        false
    } else if let Some(token) = cookie_token(req.headers(), SESSION_COOKIE)
        .or_else(|| cookie_token(req.headers(), SETUP_COOKIE))
    {
        match HeaderValue::from_str(&format!("Bearer {token}")) {
            Ok(v) => {
                req.headers_mut().insert(AUTHORIZATION, v);
                true
            }
            Err(_) => false,
        }
    } else {
        false
    };
    // A sign-in: the remember cookie is its `Twostep-Remember` (unless it sent its own).
    if browser
        && req.uri().path() == REMEMBER_PATH
        && !req.headers().contains_key(crate::auth::REMEMBER_HEADER)
    {
        if let Some(v) = cookie_token(req.headers(), REMEMBER_COOKIE)
            .and_then(|token| HeaderValue::from_str(&token).ok())
        {
            req.headers_mut().insert(crate::auth::REMEMBER_HEADER, v);
        }
    }
    let signing_out = req.uri().path() == "/api/v1/logout";
    let res = next.run(req).await;
    if !browser {
        return res;
    }
    let status = res.status();
    let mut res = take_token(res).await;
    // Signed out, or the cookie's token is no longer good: the cookies go.
    if (signing_out && status.is_success()) || (from_cookie && status == StatusCode::UNAUTHORIZED) {
        clear(res.headers_mut(), SESSION_COOKIE);
        clear(res.headers_mut(), SETUP_COOKIE);
    }
    res
}

/// A JSON answer's token, moved into the cookie.
async fn take_token(res: Response) -> Response {
    let json = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, LARGEST_ANSWER).await else {
        return crate::error::ApiError::internal("an answer too large to read").into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let Some((token, max_age)) = remember_token_of(&mut value) {
        if let Some(v) = cookie_at(REMEMBER_COOKIE, &token, REMEMBER_PATH, max_age) {
            parts.headers.append(SET_COOKIE, v);
        }
    }
    let Some(Taken {
        token,
        session,
        max_age,
    }) = token_of(&mut value)
    else {
        // (A remember token comes only with a session's: nothing was taken out.)
        return Response::from_parts(parts, Body::from(bytes));
    };
    let (set, other) = if session {
        (SESSION_COOKIE, SETUP_COOKIE)
    } else {
        (SETUP_COOKIE, SESSION_COOKIE)
    };
    if let Some(v) = cookie(set, &token, max_age) {
        parts.headers.append(SET_COOKIE, v);
    }
    clear(&mut parts.headers, other);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&value).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

/// Seconds from now until an RFC 3339 time, as the browser counts (its own clock).
fn seconds_until(at: Option<&Value>) -> Option<i64> {
    at.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|end| {
            #[allow(clippy::disallowed_methods)] // the browser counts in its own time
            let now = Utc::now();
            (end.with_timezone(&Utc) - now).num_seconds()
        })
}

/// Takes a remembered device's token out of a session's answer (`session.remember_token`),
/// with how long its cookie lasts (until `session.remembered_until`).
fn remember_token_of(value: &mut Value) -> Option<(String, Option<i64>)> {
    let session = value.get_mut("session")?.as_object_mut()?;
    let Some(Value::String(token)) = session.remove("remember_token") else {
        return None;
    };
    Some((token, seconds_until(session.get("remembered_until"))))
}

/// A token taken out of an answer.
#[derive(Debug, PartialEq)]
struct Taken {
    token: String,
    /// A session's (else a setup or password token).
    session: bool,
    /// How long the cookie lasts; none: while the browser is open.
    max_age: Option<i64>,
}

/// Takes the token out of an answer: a session's (`session.token`, kept until the session's
/// end), a setup token (`setup_token`) or a password token (`password_token`, in a 409),
/// both for as long as the browser is open. The field is left out of the body.
fn token_of(value: &mut Value) -> Option<Taken> {
    let obj = value.as_object_mut()?;
    if let Some(session) = obj.get_mut("session").and_then(Value::as_object_mut) {
        if let Some(Value::String(token)) = session.remove("token") {
            let max_age = seconds_until(session.get("expires_at"));
            return Some(Taken {
                token,
                session: true,
                max_age,
            });
        }
    }
    for field in ["setup_token", "password_token"] {
        if let Some(Value::String(token)) = obj.remove(field) {
            return Some(Taken {
                token,
                session: false,
                max_age: None,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_token_leaves_the_body_for_the_cookie() {
        let mut v = serde_json::json!({"next": "done", "session": {"token": "abc_-1", "expires_at": "2999-01-01T00:00:00Z"}, "person": {}});
        let taken = token_of(&mut v).expect("a token");
        assert_eq!(taken.token, "abc_-1");
        assert!(taken.session);
        assert!(taken.max_age.is_some_and(|a| a > 0));
        assert!(v["session"].get("token").is_none());
        assert_eq!(v["session"]["expires_at"], "2999-01-01T00:00:00Z");
    }

    #[test]
    fn setup_and_password_tokens_leave_the_body_too() {
        let mut v = serde_json::json!({"next": "setup", "setup_token": "s1", "required": true});
        let setup = Taken {
            token: "s1".into(),
            session: false,
            max_age: None,
        };
        assert_eq!(token_of(&mut v), Some(setup));
        assert!(v.get("setup_token").is_none());
        let mut v = serde_json::json!({"code": "password_change_required", "password_token": "p1"});
        assert_eq!(
            token_of(&mut v).map(|t| (t.token, t.session)),
            Some(("p1".into(), false))
        );
        let mut v = serde_json::json!({"methods": []});
        assert_eq!(token_of(&mut v), None);
    }

    #[test]
    fn only_the_credential_cookie_is_read_and_only_a_token_shaped_value() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=b; __Host-twostep-session=tok_en-1; c=d"),
        );
        assert_eq!(
            cookie_token(&h, SESSION_COOKIE).as_deref(),
            Some("tok_en-1")
        );
        assert_eq!(cookie_token(&h, SETUP_COOKIE), None);
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("twostep-session=x; __Host-twostep-session=a b"),
        );
        assert_eq!(cookie_token(&h, SESSION_COOKIE), None);
    }

    #[test]
    fn a_remember_token_leaves_the_body_for_a_cookie_of_the_sign_in_alone() {
        let mut v = serde_json::json!({"next": "done", "session": {"token": "s", "expires_at": "2999-01-01T00:00:00Z", "remember_token": "r_1", "remembered_until": "2999-01-01T00:00:00Z"}});
        let (token, age) = remember_token_of(&mut v).expect("a remember token");
        assert_eq!(token, "r_1");
        assert!(age.is_some_and(|a| a > 0));
        assert!(v["session"].get("remember_token").is_none());
        assert_eq!(token_of(&mut v).map(|t| t.token).as_deref(), Some("s"));
        let c = cookie_at(REMEMBER_COOKIE, "r_1", REMEMBER_PATH, Some(60)).expect("a header");
        assert_eq!(
            c.to_str().expect("ascii"),
            "__Secure-twostep-remember=r_1; Path=/api/v1/login; Secure; HttpOnly; SameSite=Strict; Max-Age=60"
        );
    }

    #[test]
    fn the_cookie_has_every_flag() {
        let c = cookie(SESSION_COOKIE, "t", Some(60)).expect("a header");
        assert_eq!(
            c.to_str().expect("ascii"),
            "__Host-twostep-session=t; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=60"
        );
    }
}
