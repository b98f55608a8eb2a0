//! The one door from the screens to the server's API (docs/api.md): the request goes with this
//! device's credential, and a credential an answer carries is kept here and taken out before
//! the screen sees it. It is the app's cookie jar: the browser's shell makes the same requests
//! with `fetch`, and the server keeps the same credentials in `HttpOnly` cookies
//! (ui/js/transport.js, docs/api.md "Browser clients"), so a screen written on this door has one
//! implementation for both shells.
//!
//! - The credential sent: the token a sign-in under way holds (setup or password token, like
//!   the browser's setup cookie), else the session (keyring).
//! - An answer's session (`session.token` with `person`) begins this device's session, as
//!   every sign-in does (keyring, settings, a shared device's rules); `keyring_warning` tells
//!   the screen when the keyring refused it. A `setup_token`, or the `password_token` of a 409
//!   `password_change_required`, becomes the pending token.
//! - A 401 `unauthenticated` to the session ends it here.
//! - A code sent (a `sent_to`) is announced by the system's notification, a device's own job.
//!
//! Only the addresses in `FORWARDED` go through; sign-out stays a command (it forgets the
//! keyring's copy even when the server can't be reached).

use serde_json::Value;
use tauri::{AppHandle, Runtime, State};
use twostep_api::{Person, Session};
use twostep_client::Method;

use crate::error::{AppError, AppResult};
use crate::notify;
use crate::secret::Token;
use crate::session::{self, check_id};
use crate::state::{AppState, Flow, Server};

/// The API's addresses (below `/api/v1`) the app forwards, by prefix.
pub(crate) const FORWARDED: &[&str] = &[
    "/login",
    "/password-reset",
    "/challenges",
    "/me/password",
    "/me/reauth",
    "/me/locale",
    "/me/sessions",
    "/me/remembered",
    "/me/methods",
    "/me/enrollments",
    "/me/preferred-method",
    "/me/recovery-codes",
    "/admin/people",
    "/admin/policy",
    "/admin/audit",
    "/admin/report",
    "/admin/reminders",
    "/admin/reset-requests",
];

/// The fields that carry a credential in the API's answers.
const TOKEN_FIELDS: [&str; 4] = ["token", "setup_token", "password_token", "remember_token"];

#[tauri::command]
pub async fn api_request<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    method: String,
    path: String,
    body: Option<Value>,
) -> AppResult<Value> {
    let method = forwarded_method(&method)?;
    let path = forwarded_path(&path)?.to_owned();
    let server = state.server().await?;
    let credential = credential(&state).await?;
    let sent = credential.as_ref().map(|(token, _)| token.clone());
    let mut body = body;
    let remember = remembering(&state, &server, &method, &path, body.as_mut()).await;
    let result = server
        .client
        .forward_remembered(
            method,
            &path,
            sent.as_ref().map(Token::expose),
            body.as_ref(),
            remember.as_ref().map(Token::expose),
        )
        .await;
    let mut answer = match result {
        Ok(answer) => answer,
        Err(e) => {
            if let Some(token) = e.password_token() {
                state.inner.lock().await.flow = Flow::Pending {
                    token: Token::new(token.to_owned()),
                };
            }
            let e = AppError::from_client(e, &server.url);
            if let Some((token, true)) = &credential {
                if e.is_unauthenticated() {
                    session::forget_if_current(&state, token).await?;
                    return Err(AppError::SignedOut);
                }
            }
            return Err(e);
        }
    };
    keep_credentials(&state, &server, &mut answer).await?;
    announce(&app, &path, &answer);
    strip_tokens(&mut answer);
    Ok(answer)
}

/// "Don't ask for a code on this device": a sign-in (`POST /login`) carries the remember token
/// this device keeps for that email; on a shared device none is sent, and a second step's
/// `remember` is taken out of its body (the screen does not offer it there either).
async fn remembering(
    state: &AppState,
    server: &Server,
    method: &Method,
    path: &str,
    body: Option<&mut Value>,
) -> Option<Token> {
    let body = body?;
    if *method != Method::POST {
        return None;
    }
    if path.starts_with("/challenges/") && session::on_shared_device(state).await {
        if let Value::Object(map) = body {
            map.remove("remember");
        }
        return None;
    }
    if path != "/login" {
        return None;
    }
    let email = body.get("email").and_then(Value::as_str)?.trim().to_owned();
    session::remember_token(state, server, &email).await
}

/// What goes with a request: the pending sign-in's token, else the session (`true`), else
/// nothing. A session unused for the idle time on a shared device ends first.
async fn credential(state: &AppState) -> AppResult<Option<(Token, bool)>> {
    if let Flow::Pending { token } = &state.inner.lock().await.flow {
        return Ok(Some((token.clone(), false)));
    }
    if session::end_if_idle(state).await? {
        return Err(AppError::SignedOut);
    }
    match state.session().await {
        Ok((_, token)) => {
            session::touch(state).await;
            Ok(Some((token, true)))
        }
        Err(AppError::SignedOut) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Keeps what an answer hands this device: a session begins (and the screen learns whether
/// the keyring kept it), a setup token waits for the setup.
pub(super) async fn keep_credentials(
    state: &AppState,
    server: &Server,
    answer: &mut Value,
) -> AppResult<()> {
    let issued = answer
        .get("session")
        .filter(|s| s.get("token").is_some())
        .cloned()
        .zip(answer.get("person").cloned());
    if let Some((session, person)) = issued {
        let session: Session = serde_json::from_value(session)
            .map_err(|e| AppError::Internal(format!("a session in an answer: {e}")))?;
        let person: Person = serde_json::from_value(person)
            .map_err(|e| AppError::Internal(format!("a person in an answer: {e}")))?;
        let me = session::begin(state, server, session, person).await?;
        if let (Some(warning), Value::Object(map)) = (me.keyring_warning, &mut *answer) {
            map.insert("keyring_warning".into(), Value::String(warning));
        }
    } else if let Some(token) = answer.get("setup_token").and_then(Value::as_str) {
        state.inner.lock().await.flow = Flow::Pending {
            token: Token::new(token.to_owned()),
        };
    }
    Ok(())
}

/// The system's notifications, a device's own job: a code went out (to sign in, or to add a
/// method), so that a person who switched away to their mail knows where; a method was added.
fn announce<R: Runtime>(app: &AppHandle<R>, path: &str, answer: &Value) {
    let delivery = answer.get("code_sent").unwrap_or(answer);
    if let Some(to) = delivery.get("sent_to").and_then(Value::as_str) {
        notify::code_sent(app, to);
    }
    if path.starts_with("/me/enrollments/") && path.ends_with("/confirm") {
        notify::method_added(app);
    }
}

fn forwarded_method(m: &str) -> AppResult<Method> {
    match m {
        "GET" => Ok(Method::GET),
        "POST" => Ok(Method::POST),
        "PUT" => Ok(Method::PUT),
        "DELETE" => Ok(Method::DELETE),
        _ => Err(AppError::NotForwarded(format!("the method {m}"))),
    }
}

/// A path the app forwards: below one of `FORWARDED`, every segment shaped as the server's ids
/// are (`check_id`: no dots, none empty), so that nothing reaches another address or another
/// host; then perhaps a query of URL-encoded `name=value` pairs (as `URLSearchParams` writes
/// them), which can't leave the path either.
pub(crate) fn forwarded_path(p: &str) -> AppResult<&str> {
    let (path, query) = p.split_once('?').unwrap_or((p, ""));
    let shaped = p.len() <= 512
        && path
            .strip_prefix('/')
            .is_some_and(|rest| rest.split('/').all(|seg| check_id(seg).is_ok()));
    let encoded = query.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~' | b'%' | b'+' | b'=' | b'&')
    });
    let listed = FORWARDED.iter().any(|f| {
        path == *f
            || path
                .strip_prefix(f)
                .is_some_and(|rest| rest.starts_with('/'))
    });
    if shaped && encoded && listed {
        Ok(p)
    } else {
        Err(AppError::NotForwarded(format!("the address {p}")))
    }
}

/// Takes out every credential an answer carries, at any depth.
pub(crate) fn strip_tokens(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for f in TOKEN_FIELDS {
                map.remove(f);
            }
            map.values_mut().for_each(strip_tokens);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_tokens),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_addresses_in_the_apis_own_shape_are_forwarded() {
        assert!(forwarded_path("/me/sessions").is_ok());
        assert!(forwarded_path("/me/sessions/abc-1_2").is_ok());
        assert!(forwarded_path("/me/sessions/end-others").is_ok());
        assert!(forwarded_path("/me/remembered/r-1").is_ok());
        assert!(forwarded_path("/me/methods/m-1").is_ok());
        assert!(forwarded_path("/me/preferred-method").is_ok());
        assert!(forwarded_path("/login").is_ok());
        assert!(forwarded_path("/challenges/c-1/verify").is_ok());
        assert!(
            forwarded_path("/admin/audit?person_id=p-1&before=2026-12-06T10%3A00%3A00Z").is_ok()
        );
        assert!(forwarded_path("/admin/people/p-1/two-step/reset").is_ok());
        for bad in [
            "/me/sessionsx",
            "/loginx",
            "/admin",
            "/admin/peoplex",
            "/admin/audit?action=a/../../x",
            "/admin/audit?x=<script>",
            "/admin/audit?x=1#frag",
            "/dev/outbox",
            "/me/reauthx",
            "/me/sessions/../password",
            "/me/sessions/a?b c",
            "me/sessions",
            "//evil.example/me/sessions",
            "/me/sessions/http://x",
            "",
        ] {
            assert!(forwarded_path(bad).is_err(), "{bad}");
        }
        assert!(forwarded_method("PATCH").is_err());
        assert!(forwarded_method("get").is_err());
    }

    #[test]
    fn no_token_reaches_the_screen() {
        let mut v = serde_json::json!({
            "session": {"token": "t", "expires_at": "x", "remember_token": "r"},
            "setup_token": "s",
            "list": [{"password_token": "p", "id": 1}],
        });
        strip_tokens(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"session": {"expires_at": "x"}, "list": [{"id": 1}]})
        );
    }
}
