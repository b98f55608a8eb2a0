//! WebAuthn ceremonies between their options and their answer, kept in the database so that
//! one begun on one server finishes on another. Each is spent once: its claim is one
//! conditional write, so of two answers to one ceremony exactly one gets its state.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::Exec;
use crate::clock::to_ms;
use crate::error::ApiError;

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Registering a passkey for `person_id`, to be called `name`.
    Register,
    /// A passkey as the second step of `challenge_id`, for the method `method_id`.
    SecondStep,
    /// A sign-in with a passkey alone: whose it is, the passkey says.
    SignIn,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SecondStep => "second_step",
            Self::SignIn => "sign_in",
        }
    }
}

pub struct NewCeremony<'a> {
    pub id: &'a str,
    pub purpose: Purpose,
    pub person_id: Option<&'a str>,
    pub challenge_id: Option<&'a str>,
    pub method_id: Option<&'a str>,
    pub name: Option<&'a str>,
    /// The WebAuthn challenge, base64url: what the answer is matched by.
    pub nonce: &'a str,
    /// webauthn-rs's state, as JSON.
    pub state: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert<'c>(
    db: impl Exec<'c>,
    c: &NewCeremony<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO ceremonies (id, purpose, person_id, challenge_id, method_id, name, nonce, \
         state, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(c.id)
    .bind(c.purpose.as_str())
    .bind(c.person_id)
    .bind(c.challenge_id)
    .bind(c.method_id)
    .bind(c.name)
    .bind(c.nonce)
    .bind(c.state)
    .bind(to_ms(now))
    .bind(to_ms(c.expires_at))
    .execute(db)
    .await?;
    Ok(())
}

/// A claimed ceremony: what it was begun with (the rest is in what claimed it).
#[derive(Debug, FromRow)]
pub struct Claimed {
    /// A registration's name for the passkey.
    pub name: Option<String>,
    /// webauthn-rs's state, as JSON.
    pub state: String,
}

/// Which open ceremony an answer claims.
pub enum Which<'a> {
    /// A registration of this person's, by its id (the enrollment id).
    Register { id: &'a str, person_id: &'a str },
    /// A second step of this challenge with this method, by the WebAuthn challenge answered.
    SecondStep {
        challenge_id: &'a str,
        method_id: &'a str,
        nonce: &'a str,
    },
    /// A sign-in with a passkey alone, by its id and the WebAuthn challenge answered.
    SignIn { id: &'a str, nonce: &'a str },
}

/// Spends the open ceremony an answer is for and returns it; `None` when there is none (never
/// begun, someone else's, answered already, or expired).
pub async fn claim<'c>(
    db: impl Exec<'c>,
    which: &Which<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Claimed>, ApiError> {
    const OPEN: &str = "used_at IS NULL AND expires_at > $1";
    const RETURNING: &str = "RETURNING name, state";
    let (filter, args): (&str, Vec<&str>) = match *which {
        Which::Register { id, person_id } => (
            "id = $2 AND person_id = $3 AND purpose = 'register'",
            vec![id, person_id],
        ),
        Which::SecondStep {
            challenge_id,
            method_id,
            nonce,
        } => (
            "nonce = $2 AND challenge_id = $3 AND method_id = $4 AND purpose = 'second_step'",
            vec![nonce, challenge_id, method_id],
        ),
        Which::SignIn { id, nonce } => (
            "id = $2 AND nonce = $3 AND purpose = 'sign_in'",
            vec![id, nonce],
        ),
    };
    let sql = format!("UPDATE ceremonies SET used_at = $1 WHERE {filter} AND {OPEN} {RETURNING}");
    let mut q = sqlx::query_as(&sql).bind(to_ms(now));
    for arg in args {
        q = q.bind(arg);
    }
    Ok(q.fetch_optional(db).await?)
}
