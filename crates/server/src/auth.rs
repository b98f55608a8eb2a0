//! Bearer tokens: issuing them, and the extractors that check them.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};
use twostep_api as api;

use crate::clock::{from_ms, to_ms};
use crate::config::Limits;
use crate::crypto::{hash_token, new_token};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, PersonRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    Setup,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Setup => "setup",
        }
    }
}

/// Who is calling, and with which token.
#[derive(Clone)]
pub struct Principal {
    pub person: PersonRow,
    pub kind: TokenKind,
    pub token_hash: Vec<u8>,
    /// For a setup token: whether `skip-setup` may use it.
    pub skippable: bool,
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

#[derive(FromRow)]
struct TokenRow {
    kind: String,
    person_id: String,
    last_seen_at: i64,
    expires_at: i64,
    skippable: bool,
    spent_at: Option<i64>,
}

async fn principal(parts: &Parts, st: &AppState) -> Result<Principal, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthenticated)?;
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated)?;
    let hash = hash_token(token);
    let row: TokenRow = sqlx::query_as(
        "SELECT kind, person_id, last_seen_at, expires_at, skippable, spent_at \
         FROM tokens WHERE hash = ?",
    )
    .bind(&hash)
    .fetch_optional(&st.db)
    .await?
    .ok_or(ApiError::Unauthenticated)?;
    let now = st.now();
    let kind = match row.kind.as_str() {
        "session" => TokenKind::Session,
        _ => TokenKind::Setup,
    };
    let idle_ok = match kind {
        TokenKind::Session => {
            from_ms(row.last_seen_at) + Duration::seconds(st.cfg.limits.session_idle_secs) > now
        }
        TokenKind::Setup => true,
    };
    if row.spent_at.is_some() || from_ms(row.expires_at) <= now || !idle_ok {
        return Err(ApiError::Unauthenticated);
    }
    if kind == TokenKind::Session {
        sqlx::query("UPDATE tokens SET last_seen_at = ? WHERE hash = ?")
            .bind(to_ms(now))
            .bind(&hash)
            .execute(&st.db)
            .await?;
    }
    let person = store::person_by_id(&st.db, &row.person_id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Principal {
        person,
        kind,
        token_hash: hash,
        skippable: row.skippable,
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

/// Issues a session for `person_id`, good for the configured absolute lifetime. Every setup
/// token of the person is spent with it: a second setup token must not skip to a session
/// with no second step once the person has one (call inside the issuing transaction).
pub async fn issue_session(
    tx: &mut SqliteConnection,
    person_id: &str,
    device_name: Option<&str>,
    now: DateTime<Utc>,
    limits: &Limits,
) -> Result<api::Session, ApiError> {
    sqlx::query(
        "UPDATE tokens SET spent_at = ? WHERE person_id = ? AND kind = 'setup' AND spent_at IS NULL",
    )
    .bind(to_ms(now))
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    let lifetime = limits.session_absolute_secs;
    issue(
        &mut *tx,
        TokenKind::Session,
        person_id,
        device_name,
        now,
        lifetime,
        false,
    )
    .await
}

/// Issues a setup token; `skippable` lets `skip-setup` use it.
pub async fn issue_setup(
    db: impl SqliteExecutor<'_>,
    person_id: &str,
    now: DateTime<Utc>,
    limits: &Limits,
    skippable: bool,
) -> Result<api::Session, ApiError> {
    let lifetime = limits.setup_token_ttl_secs;
    issue(
        db,
        TokenKind::Setup,
        person_id,
        None,
        now,
        lifetime,
        skippable,
    )
    .await
}

/// Stores a new token and returns it; the token itself is never stored.
async fn issue(
    db: impl SqliteExecutor<'_>,
    kind: TokenKind,
    person_id: &str,
    device_name: Option<&str>,
    now: DateTime<Utc>,
    lifetime_secs: i64,
    skippable: bool,
) -> Result<api::Session, ApiError> {
    let (token, hash) = new_token();
    let expires_at = now + Duration::seconds(lifetime_secs);
    sqlx::query(
        "INSERT INTO tokens (hash, kind, person_id, device_name, created_at, last_seen_at, \
         expires_at, skippable) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&hash)
    .bind(kind.as_str())
    .bind(person_id)
    .bind(device_name)
    .bind(to_ms(now))
    .bind(to_ms(now))
    .bind(to_ms(expires_at))
    .bind(skippable)
    .execute(db)
    .await?;
    Ok(api::Session {
        token: token.to_string(),
        expires_at,
    })
}

/// Spends a setup token; false if it was already spent (a race lost).
pub async fn spend_setup_token(
    db: impl SqliteExecutor<'_>,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let r = sqlx::query(
        "UPDATE tokens SET spent_at = ? WHERE hash = ? AND kind = 'setup' AND spent_at IS NULL",
    )
    .bind(to_ms(now))
    .bind(hash)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}
