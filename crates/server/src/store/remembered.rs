//! Remembered devices ("Don't ask for a code on this device for N days"): stored by the SHA-256
//! of their token, bound to the person and the device id's hash, one per person and device.
//! Every one of a person ends together (`end_all_of`) on each event that must end them: a
//! method added or removed, a password changed or reset, signed out everywhere, a freeze, an
//! administrator's reset, a disable.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use twostep_core::remember::RememberDays;
use twostep_core::Kind;

use super::{count, unsigned, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// A device being remembered.
pub struct NewRemembered<'a> {
    pub id: &'a str,
    pub hash: &'a [u8],
    pub person_id: &'a str,
    pub device_hash: &'a [u8],
    pub device_name: Option<&'a str>,
    /// The method whose second step earned it.
    pub kind: Kind,
    pub expires_at: DateTime<Utc>,
}

/// A remembered device, as its person sees it (never its token).
#[derive(Debug, Clone)]
pub struct RememberedRow {
    pub id: String,
    pub person_id: String,
    pub device_hash: Vec<u8>,
    pub device_name: Option<String>,
    pub kind: Kind,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct Stored {
    id: String,
    person_id: String,
    device_hash: Vec<u8>,
    device_name: Option<String>,
    kind: String,
    created_at: i64,
    expires_at: i64,
}

impl From<Stored> for RememberedRow {
    fn from(s: Stored) -> Self {
        Self {
            id: s.id,
            person_id: s.person_id,
            device_hash: s.device_hash,
            device_name: s.device_name,
            // The database allows only the four kinds; were it ever otherwise, the strictest.
            kind: s.kind.parse().unwrap_or(Kind::Passkey),
            created_at: from_ms(s.created_at),
            expires_at: from_ms(s.expires_at),
        }
    }
}

const COLUMNS: &str = "id, person_id, device_hash, device_name, kind, created_at, expires_at";

/// Remembers the device, in place of any earlier remembering of the same device by the person.
pub async fn insert(
    tx: &mut sqlx::AnyConnection,
    new: &NewRemembered<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM remembered_devices WHERE person_id = $1 AND device_hash = $2")
        .bind(new.person_id)
        .bind(new.device_hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO remembered_devices (id, hash, person_id, device_hash, device_name, kind, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new.id)
    .bind(new.hash)
    .bind(new.person_id)
    .bind(new.device_hash)
    .bind(new.device_name)
    .bind(new.kind.as_str())
    .bind(to_ms(now))
    .bind(to_ms(new.expires_at))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The remembered device a token names, if it is still good at `now` and for this device (a
/// token copied to another device is no token there).
pub async fn find<'c>(
    db: impl Exec<'c>,
    hash: &[u8],
    device_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<RememberedRow>, ApiError> {
    let row: Option<Stored> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM remembered_devices \
         WHERE hash = $1 AND device_hash = $2 AND expires_at > $3"
    ))
    .bind(hash)
    .bind(device_hash)
    .bind(to_ms(now))
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

/// The person's remembered devices still good at `now`, the newest first.
pub async fn of_person<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<RememberedRow>, ApiError> {
    let rows: Vec<Stored> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM remembered_devices WHERE person_id = $1 AND expires_at > $2 \
         ORDER BY created_at DESC, id"
    ))
    .bind(person_id)
    .bind(to_ms(now))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// "Forget this device": whether the person had it (another person's id is as unknown as a
/// made-up one).
pub async fn forget<'c>(db: impl Exec<'c>, person_id: &str, id: &str) -> Result<bool, ApiError> {
    let r = sqlx::query("DELETE FROM remembered_devices WHERE person_id = $1 AND id = $2")
        .bind(person_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Ends every remembered device of the person: the one call each ending event makes.
pub async fn end_all_of<'c>(db: impl Exec<'c>, person_id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM remembered_devices WHERE person_id = $1")
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The center's `remember_days`.
pub async fn days_of<'c>(db: impl Exec<'c>, center_id: &str) -> Result<RememberDays, ApiError> {
    let (staff, guardian): (i64, i64) = sqlx::query_as(
        "SELECT remember_days_staff, remember_days_guardian FROM centers WHERE id = $1",
    )
    .bind(center_id)
    .fetch_one(db)
    .await?;
    Ok(RememberDays {
        staff: unsigned(staff),
        guardian: unsigned(guardian),
    })
}

pub async fn set_days<'c>(
    db: impl Exec<'c>,
    center_id: &str,
    days: RememberDays,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE centers SET remember_days_staff = $1, remember_days_guardian = $2 WHERE id = $3",
    )
    .bind(count(days.staff))
    .bind(count(days.guardian))
    .bind(center_id)
    .execute(db)
    .await?;
    Ok(())
}
