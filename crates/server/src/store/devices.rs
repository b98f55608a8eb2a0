//! The devices each person has signed in from, by the hash of the random id the client keeps
//! (`Twostep-Device`), not by the name it gives itself, which anyone can copy: a sign-in from
//! one not seen in a while is announced to the person ("New sign-in to your account").

use chrono::{DateTime, Utc};

use sqlx::any::AnyRow;
use sqlx::Row;

use super::batch::Statement;
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// The device a sign-in comes from: the name it calls itself (a label, at most 64 printable
/// characters) and the SHA-256 of its id, when it sent one. A sign-in without an id is from a
/// new device every time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    pub name: Option<String>,
    pub hash: Option<Vec<u8>>,
}

/// Where sign-ins without a device id are recorded (one row per person): they count as a
/// sign-in for "is this the person's first?", and never match a device.
const NO_ID: &[u8] = b"";

/// What a new session of the person needs to know, in one read: when they last signed in from
/// `device` and from any device, and whether the account is frozen (now, in the issuing
/// transaction: a freeze that committed while the password was being checked still holds).
pub struct SignInFacts {
    pub this_device: Option<DateTime<Utc>>,
    pub any_device: Option<DateTime<Utc>>,
    pub frozen: bool,
    pub disabled: bool,
}

/// `SignInFacts` for a batch: its one row is read by `SignInFacts::from_row`.
pub fn facts_statement<'a>(person_id: &'a str, device: &'a Device) -> Statement<'a> {
    Statement::new(
        "SELECT MAX(CASE WHEN d.device_hash = $2 THEN d.last_signed_in END), \
           MAX(d.last_signed_in), (SELECT p.frozen_at FROM people p WHERE p.id = $1), \
           (SELECT p.disabled_at FROM people p WHERE p.id = $1) \
         FROM known_devices d WHERE d.person_id = $1",
    )
    .bind(person_id)
    // No id: NULL, which equals nothing.
    .bind(device.hash.as_deref())
}

impl SignInFacts {
    /// The row of `facts_statement` (an aggregate: there is always one).
    pub fn from_row(row: Option<&AnyRow>) -> Result<Self, ApiError> {
        let row = row.ok_or_else(|| ApiError::internal("the sign-in's facts read no row"))?;
        let ms = |i: usize| row.try_get::<Option<i64>, _>(i);
        Ok(SignInFacts {
            this_device: ms(0)?.map(from_ms),
            any_device: ms(1)?.map(from_ms),
            frozen: ms(2)?.is_some(),
            disabled: ms(3)?.is_some(),
        })
    }
}

/// Records a sign-in from `device` now, unless one since `refreshed_after` is recorded
/// already (a known device's time is written at most that often).
pub fn signed_in_statement<'a>(
    person_id: &'a str,
    device: &'a Device,
    now: DateTime<Utc>,
    refreshed_after: DateTime<Utc>,
) -> Statement<'a> {
    Statement::new(
        "INSERT INTO known_devices (person_id, device_hash, device_name, last_signed_in) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (person_id, device_hash) DO UPDATE \
           SET last_signed_in = excluded.last_signed_in, device_name = excluded.device_name \
         WHERE known_devices.last_signed_in < $5",
    )
    .bind(person_id)
    .bind(device.hash.as_deref().unwrap_or(NO_ID))
    .bind(device.name.as_deref())
    .bind(to_ms(now))
    .bind(to_ms(refreshed_after))
}
