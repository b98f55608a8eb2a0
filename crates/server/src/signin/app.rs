//! Native apps signing in through the system browser (RFC 8252 with PKCE, RFC 7636), for an
//! app whose webview has no WebAuthn: the app opens `GET /oauth/authorize` with the challenge
//! of a verifier only it knows and its loopback address; the browser signs in with a passkey
//! (`POST /api/v1/oauth/code`) and is sent to that address with a one-time code; the app
//! exchanges the code and its verifier for its own session (`POST /api/v1/oauth/token`). A
//! code caught on the way is useless without the verifier; one sent anywhere but the
//! loopback address the app named is never made.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use data_encoding::BASE64URL_NOPAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use twostep_api as api;
use twostep_core::Locale;
use url::Url;

use super::passkey::{answered, Passed, Then};
use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, devices::Device, people};

/// How long a code waits for its exchange: the app is listening already.
pub(super) const CODE_TTL_SECS: i64 = 60;

/// The one client: Twostep's own app.
pub const CLIENT_ID: &str = "twostep-app";

/// What an authorization request asks, checked: the app's loopback address and its PKCE
/// challenge.
struct AppRequest<'a> {
    redirect_uri: Url,
    code_challenge: &'a str,
}

/// Checks an app's request (the query of `GET /oauth/authorize`, or the fields the page
/// passes on): only `code`, Twostep's app, `S256`, a challenge shaped as one, and a loopback
/// address (RFC 8252 §7.3: `http`, an IP literal of this machine, an explicit port).
fn checked<'a>(
    response_type: Option<&str>,
    client_id: Option<&str>,
    redirect_uri: &str,
    code_challenge: &'a str,
    method: &str,
) -> Result<AppRequest<'a>, &'static str> {
    if response_type.is_some_and(|t| t != "code") {
        return Err("response_type must be code");
    }
    if client_id.is_some_and(|c| c != CLIENT_ID) {
        return Err("unknown client_id");
    }
    if method != "S256" {
        return Err("code_challenge_method must be S256");
    }
    let challenge_shaped =
        code_challenge.len() == 43 && BASE64URL_NOPAD.decode(code_challenge.as_bytes()).is_ok();
    if !challenge_shaped {
        return Err("code_challenge must be base64url of a SHA-256");
    }
    let url = Url::parse(redirect_uri).map_err(|_| "redirect_uri is not an address")?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    let plain = url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    if url.scheme() != "http" || !loopback || url.port().is_none() || !plain {
        return Err("redirect_uri must be http://127.0.0.1:PORT/… or http://[::1]:PORT/…");
    }
    Ok(AppRequest {
        redirect_uri: url,
        code_challenge,
    })
}

/// `GET /oauth/authorize`: a request that checks out goes on to the page's sign-in for the
/// app (`/?…`, the same query: the page's files are relative to `/`); one that does not gets
/// a page that says so, and is never sent to the address it named.
pub async fn authorize_page(q: api::AuthorizeQuery) -> Response {
    let ok = checked(
        Some(&q.response_type),
        Some(&q.client_id),
        &q.redirect_uri,
        &q.code_challenge,
        &q.code_challenge_method,
    );
    match ok {
        Ok(_) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("client_id", &q.client_id)
                .append_pair("redirect_uri", &q.redirect_uri)
                .append_pair("code_challenge", &q.code_challenge)
                .append_pair("code_challenge_method", &q.code_challenge_method)
                .append_pair("state", q.state.as_deref().unwrap_or(""))
                .finish();
            Redirect::to(&format!("/?{query}")).into_response()
        }
        Err(why) => {
            tracing::info!(why, "an app's sign-in request was refused");
            crate::web::page::html(
                StatusCode::BAD_REQUEST,
                Locale::En,
                "This sign-in link isn't right",
                "<p>Go back to the Twostep app and choose \"Sign in with a passkey\" again.</p>\
                 <p lang=\"es\">Este enlace para iniciar sesión no es correcto. Vuelva a la \
                 aplicación Twostep y elija \"Iniciar sesión con una llave de acceso\" otra \
                 vez.</p>",
            )
        }
    }
}

/// `POST /api/v1/oauth/code`: a passkey's answer in the browser, judged as a sign-in with a
/// passkey alone is; passing makes a one-time code for the app's loopback address.
pub async fn issue_code(
    st: &AppState,
    req: api::AppCodeRequest,
) -> Result<api::AppCodeAnswer, ApiError> {
    let app = checked(
        None,
        None,
        &req.redirect_uri,
        &req.code_challenge,
        &req.code_challenge_method,
    )
    .map_err(|why| {
        ApiError::BadRequest(format!("This request for the app is not right: {why}."))
    })?;
    let then = Then::AppCode {
        redirect_uri: app.redirect_uri.as_str(),
        code_challenge: app.code_challenge,
    };
    let Passed::AppCode(code) = answered(st, &req.ceremony_id, &req.credential, then).await? else {
        return Err(ApiError::internal("a code was asked for"));
    };
    let mut to = app.redirect_uri;
    to.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", req.state.as_deref().unwrap_or(""));
    Ok(api::AppCodeAnswer {
        redirect_to: to.to_string(),
    })
}

/// Whether `verifier` is the one whose S256 challenge is `challenge` (RFC 7636 §4.6), compared
/// in constant time. A verifier is 43 to 128 unreserved characters.
fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let shaped = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let computed = BASE64URL_NOPAD.encode(&Sha256::digest(verifier.as_bytes()));
    shaped && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// `POST /api/v1/oauth/token`: the code, its verifier and the address it was sent to, for this
/// device's session. Any mismatch spends the code and answers `invalid_grant`, all alike.
pub async fn exchange(
    st: &AppState,
    req: api::TokenRequest,
    device_hash: Option<Vec<u8>>,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let hash = crate::crypto::hash_token(&req.code);
    let mut tx = st.db.begin().await?;
    let Some(code) = store::app_codes::claim(&mut *tx, &hash, now).await? else {
        return Err(ApiError::InvalidGrant);
    };
    let same_address = Url::parse(&req.redirect_uri).is_ok_and(|u| u.as_str() == code.redirect_uri);
    if !same_address || !verifier_matches(&req.code_verifier, &code.code_challenge) {
        tx.commit().await?;
        return Err(ApiError::InvalidGrant);
    }
    let person = people::by_id(&mut *tx, &code.person_id)
        .await?
        .ok_or(ApiError::InvalidGrant)?;
    let device = Device {
        name: auth::device_label(req.device_name.as_deref()),
        hash: device_hash,
    };
    // Frozen or disabled since the browser's sign-in: `begin` refuses, and nothing is kept.
    let session = auth::session::begin(&mut tx, st, &person, &device, now).await?;
    tx.commit().await?;
    Ok(api::LoginResponse::Done {
        session,
        person: store::person_view(&st.db, &person).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn the_rfc_7636_example_verifier_matches_its_challenge_and_nothing_else_does() {
        assert!(verifier_matches(VERIFIER, CHALLENGE));
        assert!(!verifier_matches(&VERIFIER.replace('d', "e"), CHALLENGE));
        assert!(!verifier_matches("short", CHALLENGE));
        assert!(!verifier_matches(&format!("{VERIFIER} "), CHALLENGE));
    }

    #[test]
    fn only_a_loopback_address_with_a_port_and_s256_are_taken() {
        let ok = |uri: &str| checked(Some("code"), Some(CLIENT_ID), uri, CHALLENGE, "S256").is_ok();
        assert!(ok("http://127.0.0.1:53682/callback"));
        assert!(ok("http://[::1]:53682/"));
        assert!(!ok("http://127.0.0.1/callback"), "no port");
        assert!(!ok("https://127.0.0.1:53682/callback"));
        assert!(
            !ok("http://localhost:53682/callback"),
            "a name can be re-pointed"
        );
        assert!(!ok("http://evil.example:53682/callback"));
        assert!(!ok("http://10.0.0.2:53682/callback"));
        assert!(!ok("http://127.0.0.1:53682/callback?x=1"));
        assert!(!ok("http://user@127.0.0.1:53682/callback"));
        assert!(checked(
            Some("token"),
            Some(CLIENT_ID),
            "http://127.0.0.1:1/",
            CHALLENGE,
            "S256"
        )
        .is_err());
        assert!(checked(
            Some("code"),
            Some("other"),
            "http://127.0.0.1:1/",
            CHALLENGE,
            "S256"
        )
        .is_err());
        assert!(checked(
            Some("code"),
            Some(CLIENT_ID),
            "http://127.0.0.1:1/",
            CHALLENGE,
            "plain"
        )
        .is_err());
        assert!(checked(
            Some("code"),
            Some(CLIENT_ID),
            "http://127.0.0.1:1/",
            "abc",
            "S256"
        )
        .is_err());
    }
}
