//! Bearer tokens: issuing them, and the extractors that check them.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use twostep_api as api;

use crate::config::Limits;
use crate::crypto::{hash_token, new_token};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::batch::Batch;
use crate::store::devices::Device;
use crate::store::tokens::{self, NewToken};
use crate::store::{self, Exec, PersonRow};

pub use crate::store::tokens::TokenKind;

/// A session's last use is written at most this often: authenticated reads stay reads.
const TOUCH_EVERY_SECS: i64 = 60;

/// Who is calling, and with which token.
#[derive(Clone)]
pub struct Principal {
    pub person: PersonRow,
    pub kind: TokenKind,
    pub token_hash: Vec<u8>,
    /// For a setup token: whether `skip-setup` may use it.
    pub skippable: bool,
    /// The device the token was issued to.
    pub device: Device,
    /// When the token was issued: for a session, when its second step (or, for a person
    /// without methods, its password) was passed, since every sign-in and every fresh
    /// sign-in issues a new session.
    pub issued_at: DateTime<Utc>,
}

impl Principal {
    /// A change to 2-Step Verification or the password needs a recent sign-in (ASVS 5.0 7.5.1):
    /// a session from the last `reauth_secs`, or a setup token (which a password just made).
    pub fn require_fresh(&self, now: DateTime<Utc>, limits: &Limits) -> Result<(), ApiError> {
        let fresh = match self.kind {
            TokenKind::Setup => true,
            TokenKind::Session => now - self.issued_at <= Duration::seconds(limits.reauth_secs),
        };
        if fresh {
            Ok(())
        } else {
            Err(ApiError::ReauthRequired)
        }
    }
}

/// Never the token's hash.
impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("person", &self.person)
            .field("kind", &self.kind)
            .field("token_hash", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// A session token: full access.
pub struct SessionAuth(pub Principal);
/// A session or a setup token: the enrollment endpoints.
pub struct EnrollAuth(pub Principal);
/// A setup token only: `skip-setup`.
pub struct SetupAuth(pub Principal);

/// The request's bearer token, if it carries one.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The hash of the request's bearer token, unchecked, if there is one: `verify`, `send` and
/// `recover` need it only for a fresh sign-in's challenge, which compares it.
pub struct PresentedToken(pub Option<Vec<u8>>);

impl FromRequestParts<AppState> for PresentedToken {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        Ok(Self(bearer(parts).map(hash_token)))
    }
}

/// The device a request comes from: the SHA-256 of its `Twostep-Device` id (1 to 128 visible
/// ASCII characters; anything else is no id) and, from the body, the name it gives itself.
pub struct DeviceId(pub Option<Vec<u8>>);

impl FromRequestParts<AppState> for DeviceId {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let id = parts
            .headers
            .get(DEVICE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|id| (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()));
        Ok(Self(id.map(hash_token)))
    }
}

/// The header a client names its device with (a random id it keeps).
pub const DEVICE_HEADER: &str = "twostep-device";

/// The header a client sends a remembered device's token in (a browser's cookie becomes it).
pub const REMEMBER_HEADER: &str = "twostep-remember";

/// The SHA-256 of the request's remember token (`Twostep-Remember`), if it carries one shaped
/// like a token; anything else is none, silently.
pub struct RememberToken(pub Option<Vec<u8>>);

impl FromRequestParts<AppState> for RememberToken {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(REMEMBER_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| (1..=128).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_graphic()));
        Ok(Self(token.map(hash_token)))
    }
}

/// A device's name as a label: printable characters only (no control or direction-changing
/// ones, which could disguise it in a notice), at most 64; none if nothing is left.
pub fn device_label(name: Option<&str>) -> Option<String> {
    // Invisible or direction-changing characters (zero-width ones, line and paragraph
    // separators, bidi marks and overrides, the byte-order mark, the Arabic letter mark).
    let hidden = |c: char| {
        matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
    };
    name.map(|d| {
        d.trim()
            .chars()
            .filter(|c| !c.is_control() && !hidden(*c))
            // Quoted in notices as what the device "calls itself": its own quotes may not end
            // the quotation.
            .map(|c| if c == '"' { '\'' } else { c })
            .take(64)
            .collect::<String>()
            .trim()
            .to_owned()
    })
    .filter(|d| !d.is_empty())
}

async fn principal(parts: &Parts, st: &AppState) -> Result<Principal, ApiError> {
    let token = bearer(parts).ok_or(ApiError::Unauthenticated)?;
    let hash = hash_token(token);
    let row = tokens::get(st.db.read(), &hash)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let now = st.now();
    let idle_ok = match row.kind {
        TokenKind::Session => {
            row.last_seen_at + Duration::seconds(st.cfg.limits.session_idle_secs) > now
        }
        TokenKind::Setup => true,
    };
    if row.spent || row.expires_at <= now || !idle_ok {
        return Err(ApiError::Unauthenticated);
    }
    if row.kind == TokenKind::Session
        && now - row.last_seen_at >= Duration::seconds(TOUCH_EVERY_SECS)
    {
        tokens::touch(st.db.write(), &hash, now).await?;
    }
    let person = store::people::by_id(st.db.read(), &row.person_id)
        .await?
        // A frozen account's tokens are gone; one that slipped past a freeze opens nothing.
        .filter(|p| !p.frozen && !p.disabled)
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Principal {
        person,
        kind: row.kind,
        token_hash: hash,
        skippable: row.skippable,
        device: row.device,
        issued_at: row.created_at,
    })
}

impl FromRequestParts<AppState> for SessionAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let p = principal(parts, st).await?;
        match p.kind {
            TokenKind::Session => Ok(Self(p)),
            // A setup token is good only for enrollment; anything else needs the sign-in done.
            TokenKind::Setup => Err(ApiError::SetupRequired),
        }
    }
}

/// `PUT /me/password`: a session, or the token of a 409 `password_change_required` (by the
/// hash of the bearer; `password::change_with_token` checks and spends it).
pub enum PasswordAuth {
    Session(Box<Principal>),
    PasswordToken(Vec<u8>),
}

impl FromRequestParts<AppState> for PasswordAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::Unauthenticated)?;
        let hash = hash_token(token);
        if store::password_tokens::get(st.db.read(), &hash, st.now())
            .await?
            .is_some()
        {
            return Ok(Self::PasswordToken(hash));
        }
        SessionAuth::from_request_parts(parts, st)
            .await
            .map(|SessionAuth(p)| Self::Session(Box::new(p)))
    }
}

impl FromRequestParts<AppState> for EnrollAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        principal(parts, st).await.map(Self)
    }
}

impl FromRequestParts<AppState> for SetupAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let p = principal(parts, st).await?;
        match p.kind {
            TokenKind::Setup => Ok(Self(p)),
            TokenKind::Session => Err(ApiError::BadRequest(
                "You are already signed in: there is no setup to skip.".into(),
            )),
        }
    }
}

/// Issues a session for `person_id`, good for the configured absolute lifetime, in `batch`
/// (run inside the issuing transaction). Every setup token of the person is spent with it: a
/// second setup token must not skip to a session with no second step once the person has one.
pub fn issue_session_in<'a>(
    batch: &mut Batch<'a>,
    person_id: &'a str,
    device: &Device,
    now: DateTime<Utc>,
    limits: &Limits,
) -> api::Session {
    batch.push(tokens::spend_setups_of_statement(person_id, now));
    let expires_at = now + Duration::seconds(limits.session_absolute_secs);
    let (token, hash) = new_token();
    let new = NewToken {
        hash: &hash,
        kind: TokenKind::Session,
        person_id,
        device,
        expires_at,
        skippable: false,
    };
    batch.push(tokens::insert_statement(&new, now));
    api::Session {
        token: token.to_string(),
        expires_at,
        recovered: false,
        remember_token: None,
        remembered_until: None,
    }
}

/// Issues a setup token; `skippable` lets `skip-setup` use it.
pub async fn issue_setup<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    device: &Device,
    now: DateTime<Utc>,
    limits: &Limits,
    skippable: bool,
) -> Result<api::Session, ApiError> {
    let expires_at = now + Duration::seconds(limits.setup_token_ttl_secs);
    issue(
        db,
        TokenKind::Setup,
        person_id,
        device,
        expires_at,
        skippable,
        now,
    )
    .await
}

/// Stores a new token and returns it; the token itself is never stored.
async fn issue<'c>(
    db: impl Exec<'c>,
    kind: TokenKind,
    person_id: &str,
    device: &Device,
    expires_at: DateTime<Utc>,
    skippable: bool,
    now: DateTime<Utc>,
) -> Result<api::Session, ApiError> {
    let (token, hash) = new_token();
    let new = NewToken {
        hash: &hash,
        kind,
        person_id,
        device,
        expires_at,
        skippable,
    };
    tokens::insert(db, &new, now).await?;
    Ok(api::Session {
        token: token.to_string(),
        expires_at,
        recovered: false,
        remember_token: None,
        remembered_until: None,
    })
}

/// Spends a setup token; false if it was already spent (a race lost).
pub async fn spend_setup_token<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    tokens::spend_setup(db, hash, now).await
}

#[cfg(test)]
mod tests {
    use super::device_label;

    #[test]
    fn a_device_name_is_a_plain_label() {
        assert_eq!(
            device_label(Some("  Jordan's iPad ")).as_deref(),
            Some("Jordan's iPad")
        );
        assert_eq!(
            device_label(Some("a\u{202e}b\u{200b}c\u{2028}d\u{feff}e\u{7}f\"g")).as_deref(),
            Some("abcdef'g")
        );
        assert_eq!(
            device_label(Some("x".repeat(100).as_str())).map(|d| d.len()),
            Some(64)
        );
        assert_eq!(device_label(Some(" \u{200b} ")), None);
        assert_eq!(device_label(None), None);
    }
}

pub(crate) mod admin;
pub(crate) mod password;
pub(crate) mod session;

pub(crate) use admin::{require_admin, require_admin_write};
