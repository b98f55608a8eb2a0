//! Confirmed verification methods.

use chrono::{DateTime, Utc};
use sqlx::SqliteExecutor;
use twostep_core::Kind;

use crate::clock::to_ms;
use crate::error::ApiError;

pub struct NewMethod<'a> {
    pub id: &'a str,
    pub person_id: &'a str,
    pub kind: Kind,
    pub address: Option<&'a str>,
    pub secret_sealed: Option<&'a [u8]>,
    /// The TOTP step used to confirm it: spent, it can sign no one in afterwards.
    pub last_step: Option<i64>,
    /// For a staff member's address: their center. Two staff members of a center never
    /// verify with one address (a unique index holds it, whatever the race).
    pub staff_center_id: Option<&'a str>,
}

/// Inserts a method: `AlreadyAdded` when the person has it, `AddressInUse` when another staff
/// member of the center does.
pub async fn insert(
    db: impl SqliteExecutor<'_>,
    m: &NewMethod<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let r = sqlx::query(
        "INSERT INTO methods (id, person_id, kind, address, secret_sealed, last_step, created_at, \
         last_used_at, staff_center_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(m.id)
    .bind(m.person_id)
    .bind(m.kind.as_str())
    .bind(m.address)
    .bind(m.secret_sealed)
    .bind(m.last_step)
    .bind(to_ms(now))
    .bind(to_ms(now))
    .bind(m.staff_center_id)
    .execute(db)
    .await;
    match r {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            // SQLite names the columns of the index that refused the row.
            if d.message().contains("staff_center_id") {
                Err(ApiError::AddressInUse)
            } else {
                Err(ApiError::AlreadyAdded)
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes every method of the person (an administrator's reset) and returns them. A write
/// first: it may open a transaction.
pub async fn delete_all_of(
    db: impl SqliteExecutor<'_>,
    person_id: &str,
) -> Result<Vec<super::MethodRow>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "DELETE FROM methods WHERE person_id = ? RETURNING {}",
        super::METHOD_COLUMNS
    ))
    .bind(person_id)
    .fetch_all(db)
    .await?)
}

/// Whether another staff member of the center already verifies with this address.
pub async fn address_used_by_other_staff(
    db: impl SqliteExecutor<'_>,
    center_id: &str,
    kind: Kind,
    address: &str,
    person_id: &str,
) -> Result<bool, ApiError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM methods WHERE staff_center_id = ? AND kind = ? AND address = ? \
         AND person_id <> ? LIMIT 1",
    )
    .bind(center_id)
    .bind(kind.as_str())
    .bind(address)
    .bind(person_id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Marks a TOTP step used (and the method used now); false if that step or a later one was
/// used already: a step once accepted is never accepted again.
pub async fn claim_totp_step(
    db: impl SqliteExecutor<'_>,
    method_id: &str,
    step: i64,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let r = sqlx::query(
        "UPDATE methods SET last_step = ?, last_used_at = ? \
         WHERE id = ? AND (last_step IS NULL OR last_step < ?)",
    )
    .bind(step)
    .bind(to_ms(now))
    .bind(method_id)
    .bind(step)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn mark_used(
    db: impl SqliteExecutor<'_>,
    method_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE methods SET last_used_at = ? WHERE id = ?")
        .bind(to_ms(now))
        .bind(method_id)
        .execute(db)
        .await?;
    Ok(())
}
