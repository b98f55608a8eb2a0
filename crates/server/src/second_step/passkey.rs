//! Passkeys (WebAuthn) through webauthn-rs: the relying party this server is, and the
//! ceremonies' two halves (options out, the browser's answer in). What a ceremony is for and
//! what passing it earns is the caller's; its state goes through the database
//! (`store::ceremonies`) between the halves.

use data_encoding::BASE64URL_NOPAD;
use serde_json::Value;
use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
    WebauthnError,
};

use crate::error::ApiError;
use crate::state::AppState;

/// The relying party: this server at its public address. Its id is the address's host name;
/// a loopback server (a developer's, the tests') is `localhost`, as browsers allow WebAuthn on
/// `http://localhost` but on no IP address.
pub(crate) fn relying_party(st: &AppState) -> Result<Webauthn, ApiError> {
    let origin = Url::parse(st.public_url()).map_err(|_| ApiError::PasskeysUnavailable)?;
    let origin = twostep_core::method::passkey::browser_origin(origin);
    let rp_id = origin
        .domain()
        .ok_or(ApiError::PasskeysUnavailable)?
        .to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name(&st.cfg.issuer).build())
        .map_err(|e| ApiError::internal(format!("the WebAuthn relying party: {e}")))
}

/// A ceremony's first half: what the browser is given, the challenge it will sign (base64url,
/// what its answer is matched by), and the state to keep until the answer.
pub(crate) struct Started {
    pub options: Value,
    pub nonce: String,
    pub state: String,
}

fn started(
    options: impl serde::Serialize,
    state: impl serde::Serialize,
) -> Result<Started, ApiError> {
    let options = serde_json::to_value(options).map_err(internal)?;
    let nonce = options["publicKey"]["challenge"]
        .as_str()
        .ok_or_else(|| ApiError::internal("WebAuthn options without a challenge"))?
        .to_owned();
    let state = serde_json::to_string(&state).map_err(internal)?;
    Ok(Started {
        options,
        nonce,
        state,
    })
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("WebAuthn: {e}"))
}

/// Registering a passkey for the person whose passkeys carry `handle`. Their passkeys so far
/// are excluded (the browser says "already registered" rather than make a second). The
/// browser is asked for a discoverable credential where it can make one, so the passkey can
/// later sign in alone.
pub(crate) fn start_registration(
    rp: &Webauthn,
    handle: Uuid,
    email: &str,
    display_name: &str,
    existing: Vec<CredentialID>,
) -> Result<Started, ApiError> {
    let (ccr, state) = rp
        .start_passkey_registration(handle, email, display_name, Some(existing))
        .map_err(internal)?;
    let mut begun = started(ccr, state)?;
    // webauthn-rs discourages one; the relying party does not check what it gets.
    if let Some(sel) = begun.options["publicKey"]["authenticatorSelection"].as_object_mut() {
        sel.insert("residentKey".into(), "preferred".into());
    }
    Ok(begun)
}

/// A registered passkey, as stored: its id (base64url), the credential as JSON, its counter.
pub(crate) struct Registered {
    pub credential_id: String,
    pub credential: String,
    pub sign_count: u32,
}

/// The browser's answer to a registration: the new passkey, or `PasskeyFailed` for anything
/// the relying party refuses (another site's origin, no user verification, a malformed
/// answer).
pub(crate) fn finish_registration(
    rp: &Webauthn,
    answer: &Value,
    state: &str,
) -> Result<Registered, ApiError> {
    let state: PasskeyRegistration = serde_json::from_str(state).map_err(internal)?;
    let reg: RegisterPublicKeyCredential =
        serde_json::from_value(answer.clone()).map_err(|_| failed())?;
    let passkey = rp.finish_passkey_registration(&reg, &state).map_err(|e| {
        tracing::info!(error = %e, "a passkey registration was refused");
        failed()
    })?;
    stored(&passkey, 0)
}

fn failed() -> ApiError {
    ApiError::PasskeyFailed {
        attempts_left: None,
    }
}

fn stored(passkey: &Passkey, sign_count: u32) -> Result<Registered, ApiError> {
    Ok(Registered {
        credential_id: BASE64URL_NOPAD.encode(passkey.cred_id().as_ref()),
        credential: serde_json::to_string(passkey).map_err(internal)?,
        sign_count,
    })
}

/// A passkey's second step: the browser is asked for this one passkey.
pub(crate) fn start_authentication(rp: &Webauthn, credential: &str) -> Result<Started, ApiError> {
    let passkey: Passkey = serde_json::from_str(credential).map_err(internal)?;
    let (rcr, state) = rp
        .start_passkey_authentication(std::slice::from_ref(&passkey))
        .map_err(internal)?;
    started(rcr, state)
}

/// A sign-in with a passkey alone: the browser offers whichever of its passkeys are for this
/// site (its account picker, or autofill).
pub(crate) fn start_discoverable(rp: &Webauthn) -> Result<Started, ApiError> {
    let (rcr, state) = rp.start_discoverable_authentication().map_err(internal)?;
    started(rcr, state)
}

/// An assertion, read: the WebAuthn challenge it answers (to find its ceremony), the
/// credential id it names and the user handle it carries (a passkey signing in alone).
pub(crate) struct Assertion {
    pub credential: PublicKeyCredential,
    pub nonce: String,
    pub credential_id: String,
    pub handle: Option<Uuid>,
}

/// Reads the browser's answer to an authentication; `PasskeyFailed` if it is not one.
pub(crate) fn read_assertion(answer: &Value) -> Result<Assertion, ApiError> {
    let credential: PublicKeyCredential =
        serde_json::from_value(answer.clone()).map_err(|_| failed())?;
    let client_data: Value = serde_json::from_slice(credential.response.client_data_json.as_ref())
        .map_err(|_| failed())?;
    let nonce = client_data["challenge"]
        .as_str()
        .and_then(|c| {
            BASE64URL_NOPAD
                .decode(c.trim_end_matches('=').as_bytes())
                .ok()
        })
        .map(|bytes| BASE64URL_NOPAD.encode(&bytes))
        .ok_or_else(failed)?;
    let credential_id = BASE64URL_NOPAD.encode(credential.get_credential_id());
    let handle = credential
        .get_user_unique_id()
        .and_then(|b| Uuid::from_slice(b).ok());
    Ok(Assertion {
        credential,
        nonce,
        credential_id,
        handle,
    })
}

/// What checking an assertion against the stored passkey found.
pub(crate) enum Checked {
    /// Verified by the user (`uv`): the passkey to store back (its counter moved on).
    Passed(Registered),
    /// The signature, origin or challenge is wrong, or the user was not verified.
    Refused,
    /// Right in every way but its counter, which did not move forward: a copy of the passkey
    /// may exist. Refused, and its owner told.
    Copied,
}

/// The state a ceremony was begun with.
pub(crate) enum Begun<'a> {
    /// A second step, for the one passkey it asked for.
    SecondStep(&'a str),
    /// A sign-in with a passkey alone.
    SignIn(&'a str),
}

/// Checks an assertion against the ceremony it answers and the passkey as stored now
/// (`credential`, `sign_count`: read with the method's row locked, so that two answers at once
/// are judged one after the other).
pub(crate) fn check(
    rp: &Webauthn,
    assertion: &Assertion,
    begun: Begun<'_>,
    credential: &str,
    sign_count: u32,
) -> Result<Checked, ApiError> {
    let mut passkey: Passkey = serde_json::from_str(credential).map_err(internal)?;
    let result = match begun {
        Begun::SecondStep(state) => {
            let state: PasskeyAuthentication = serde_json::from_str(state).map_err(internal)?;
            rp.finish_passkey_authentication(&assertion.credential, &state)
        }
        Begun::SignIn(state) => {
            let state: DiscoverableAuthentication =
                serde_json::from_str(state).map_err(internal)?;
            rp.finish_discoverable_authentication_v2(&assertion.credential, state, &passkey)
        }
    };
    let result = match result {
        Ok(r) => r,
        Err(WebauthnError::CredentialPossibleCompromise) => return Ok(Checked::Copied),
        Err(e) => {
            tracing::info!(error = %e, "a passkey's answer was refused");
            return Ok(Checked::Refused);
        }
    };
    // The ceremony's state holds the counter of when it began; another answer may have moved
    // it on since. Judged against the stored one.
    if !result.user_verified() {
        return Ok(Checked::Refused);
    }
    if twostep_core::method::passkey::counter_went_back(sign_count, result.counter()) {
        return Ok(Checked::Copied);
    }
    passkey.update_credential(&result);
    Ok(Checked::Passed(stored(&passkey, result.counter())?))
}
