//! The devices each person has signed in from, by device name: a sign-in from one not seen in
//! a while is announced to the person ("New sign-in to your account").

use chrono::{DateTime, Utc};

use super::Exec;
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// When the person last signed in from `device` (any device at all when `device` is none):
/// `(this device, any device)`.
pub async fn last_sign_in<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    device: &str,
) -> Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>), ApiError> {
    let row: (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT MAX(CASE WHEN device_name = $2 THEN last_signed_in END), MAX(last_signed_in) \
         FROM known_devices WHERE person_id = $1",
    )
    .bind(person_id)
    .bind(device)
    .fetch_one(db)
    .await?;
    Ok((row.0.map(from_ms), row.1.map(from_ms)))
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
