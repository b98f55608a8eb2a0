//! The devices each person has signed in from, by device name: a sign-in from one not seen in
//! a while is announced to the person ("New sign-in to your account").

use chrono::{DateTime, Utc};

use super::Exec;
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// What a new session of the person needs to know, in one read: when they last signed in from
/// `device` and from any device, and whether the account is frozen (now, in the issuing
/// transaction: a freeze that committed while the password was being checked still holds).
pub struct SignInFacts {
    pub this_device: Option<DateTime<Utc>>,
    pub any_device: Option<DateTime<Utc>>,
    pub frozen: bool,
    pub disabled: bool,
}

pub async fn facts<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    device: &str,
) -> Result<SignInFacts, ApiError> {
    let row: (Option<i64>, Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT MAX(CASE WHEN d.device_name = $2 THEN d.last_signed_in END), \
           MAX(d.last_signed_in), (SELECT p.frozen_at FROM people p WHERE p.id = $1), \
           (SELECT p.disabled_at FROM people p WHERE p.id = $1) \
         FROM known_devices d WHERE d.person_id = $1",
    )
    .bind(person_id)
    .bind(device)
    .fetch_one(db)
    .await?;
    Ok(SignInFacts {
        this_device: row.0.map(from_ms),
        any_device: row.1.map(from_ms),
        frozen: row.2.is_some(),
        disabled: row.3.is_some(),
    })
}

/// Records a sign-in from `device` now.
pub async fn signed_in<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    device: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO known_devices (person_id, device_name, last_signed_in) VALUES ($1, $2, $3) \
         ON CONFLICT (person_id, device_name) DO UPDATE SET last_signed_in = excluded.last_signed_in",
    )
    .bind(person_id)
    .bind(device)
    .bind(to_ms(now))
    .execute(db)
    .await?;
    Ok(())
}
