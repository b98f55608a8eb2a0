//! The one door from the screens to the server's API (docs/api.md) for what the app only
//! forwards: the request goes with this device's session (kept in the keyring, never in the
//! webview), and a token an answer might carry is taken out before the screen sees it. The
//! browser's shell makes the same requests with `fetch` and a cookie (ui/js/transport.js), so a
//! screen moved onto this door has one implementation for both shells.
//!
//! Only the addresses of screens moved here are forwarded (`FORWARDED`); sign-in, sign-out and
//! anything that issues a credential stay commands, which keep the keyring in step.

use serde_json::Value;
use tauri::State;
use twostep_client::Method;

use crate::error::{AppError, AppResult};
use crate::session::{self, check_id};
use crate::state::AppState;

/// The API's addresses (below `/api/v1`) the app forwards, by prefix.
pub(crate) const FORWARDED: &[&str] = &[
    "/me/sessions",
    "/me/methods",
    "/me/preferred-method",
    "/me/recovery-codes",
];

/// The fields that carry a credential in the API's answers.
const TOKEN_FIELDS: [&str; 3] = ["token", "setup_token", "password_token"];

#[tauri::command]
pub async fn api_request(
    state: State<'_, AppState>,
    method: String,
    path: String,
    body: Option<Value>,
) -> AppResult<Value> {
    let method = forwarded_method(&method)?;
    let path = forwarded_path(&path)?.to_owned();
    let mut answer = session::call(&state, |c, t| async move {
        c.forward(method, &path, Some(t.expose()), body.as_ref())
            .await
    })
    .await?;
    strip_tokens(&mut answer);
    Ok(answer)
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
/// are (`check_id`: no dots, no query, none empty), so that nothing reaches another address or
/// another host.
pub(crate) fn forwarded_path(p: &str) -> AppResult<&str> {
    let shaped = p.len() <= 256
        && p.strip_prefix('/')
            .is_some_and(|rest| rest.split('/').all(|seg| check_id(seg).is_ok()));
    let listed = FORWARDED
        .iter()
        .any(|f| p == *f || p.strip_prefix(f).is_some_and(|rest| rest.starts_with('/')));
    if shaped && listed {
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
        assert!(forwarded_path("/me/methods/m-1").is_ok());
        assert!(forwarded_path("/me/preferred-method").is_ok());
        for bad in [
            "/me/sessionsx",
            "/login",
            "/me/password",
            "/me/sessions/../password",
            "/me/sessions/a?b",
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
            "session": {"token": "t", "expires_at": "x"},
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
