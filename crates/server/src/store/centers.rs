//! Centers and their policy: the kinds of method people may add and sign in with, how many
//! administrators a reset takes, and whether families must use 2-Step Verification.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::FromRow;
use twostep_core::day_pass::time_zone;
use twostep_core::policy::{two_step_required, Floors, MinMethod, ResetApprovals};
use twostep_core::{Kind, Role};

use super::{count, flag, join_list, new_id, parse_list, unsigned, Backend, Exec};
use crate::clock::to_ms;
use crate::error::ApiError;

pub struct Center {
    pub name: String,
    pub policy: Policy,
}

/// What the center's administrators decide (API.md's Policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The kinds the center allows now; never empty.
    pub allowed: Vec<Kind>,
    pub reset_approvals: ResetApprovals,
    /// 2-Step Verification is required of families too.
    pub guardians_required: bool,
    /// A passkey may sign in alone, without the password.
    pub passkey_sign_in: bool,
    /// The weakest kind each role may sign in with.
    pub floors: Floors,
    /// Where the center is: a one-day pass ends at its midnight.
    pub time_zone: Tz,
    /// One-day passes a person may be issued in a calendar month (0: none).
    pub passes_per_month: u32,
}

impl Policy {
    /// Whether someone with these roles must use 2-Step Verification in this center.
    pub fn requires(&self, roles: &[Role]) -> bool {
        two_step_required(roles, self.guardians_required)
    }

    /// The kinds someone with these roles may add and sign in with: those the center allows,
    /// at or above their roles' floor. Below it, a method is as one of a kind switched off.
    pub fn allowed_for(&self, roles: &[Role]) -> Vec<Kind> {
        self.floors.allowed_for(&self.allowed, roles)
    }
}

/// A center's columns, selected from `centers ce` as `CENTER_COLUMNS` names them.
pub const CENTER_COLUMNS: &str =
    "ce.name AS center_name, ce.allowed_kinds, ce.reset_approvals, ce.guardians_required, \
     ce.passkey_sign_in, ce.min_method_staff, ce.min_method_guardian, ce.min_method_admin, \
     ce.time_zone, ce.passes_per_month";

#[derive(FromRow)]
pub struct StoredCenter {
    center_name: String,
    allowed_kinds: String,
    reset_approvals: i64,
    guardians_required: i64,
    passkey_sign_in: i64,
    min_method_staff: String,
    min_method_guardian: String,
    min_method_admin: String,
    time_zone: String,
    passes_per_month: i64,
}

pub async fn get<'c>(db: impl Exec<'c>, center_id: &str) -> Result<Center, ApiError> {
    let stored: StoredCenter = sqlx::query_as(&format!(
        "SELECT {CENTER_COLUMNS} FROM centers ce WHERE ce.id = $1"
    ))
    .bind(center_id)
    .fetch_one(db)
    .await?;
    Ok(stored.into())
}

impl From<StoredCenter> for Center {
    fn from(s: StoredCenter) -> Center {
        // The database allows only the known words; were it ever otherwise, the strictest.
        let floor = |w: &str| w.parse().unwrap_or(MinMethod::Passkey);
        Center {
            name: s.center_name,
            policy: Policy {
                allowed: parse_list(&s.allowed_kinds),
                // The database allows only 1 and 2; were it ever otherwise, the stricter.
                reset_approvals: ResetApprovals::from_count(unsigned(s.reset_approvals))
                    .unwrap_or(ResetApprovals::Two),
                guardians_required: s.guardians_required != 0,
                passkey_sign_in: s.passkey_sign_in != 0,
                floors: Floors {
                    staff: floor(&s.min_method_staff),
                    guardian: floor(&s.min_method_guardian),
                    admin: floor(&s.min_method_admin),
                },
                // Checked before it was stored; were it ever unknown, UTC.
                time_zone: time_zone(&s.time_zone).unwrap_or(Tz::UTC),
                passes_per_month: unsigned(s.passes_per_month),
            },
        }
    }
}

/// Locks the center's row until the transaction ends, so two administrators changing the
/// policy at once do not undo each other (PostgreSQL; SQLite's transaction holds the write
/// lock already).
pub async fn lock(tx: &mut sqlx::AnyConnection, center_id: &str) -> Result<(), ApiError> {
    if Backend::of(tx) == Backend::Postgres {
        sqlx::query("SELECT id FROM centers WHERE id = $1 FOR NO KEY UPDATE")
            .bind(center_id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The center's policy alone.
pub async fn policy<'c>(db: impl Exec<'c>, center_id: &str) -> Result<Policy, ApiError> {
    Ok(get(db, center_id).await?.policy)
}

pub async fn id_by_name<'c>(db: impl Exec<'c>, name: &str) -> Result<Option<String>, ApiError> {
    Ok(sqlx::query_scalar("SELECT id FROM centers WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await?)
}

/// Creates the center if there is none of that name (two servers racing create one).
pub async fn ensure<'c>(
    db: impl Exec<'c> + Copy,
    name: &str,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    sqlx::query(
        "INSERT INTO centers (id, name, allowed_kinds, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(new_id())
    .bind(name)
    // Every kind, passkeys included (SQLite's column default predates them).
    .bind(join_list(&Kind::ALL))
    .bind(to_ms(now))
    .execute(db)
    .await?;
    id_by_name(db, name)
        .await?
        .ok_or_else(|| ApiError::internal("a center vanished after it was created"))
}

pub async fn set_policy<'c>(
    db: impl Exec<'c>,
    center_id: &str,
    policy: &Policy,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE centers SET allowed_kinds = $1, reset_approvals = $2, guardians_required = $3, \
         passkey_sign_in = $4, min_method_staff = $5, min_method_guardian = $6, \
         min_method_admin = $7, time_zone = $9, passes_per_month = $10 WHERE id = $8",
    )
    .bind(join_list(&policy.allowed))
    .bind(count(policy.reset_approvals.count()))
    .bind(flag(policy.guardians_required))
    .bind(flag(policy.passkey_sign_in))
    .bind(policy.floors.staff.as_str())
    .bind(policy.floors.guardian.as_str())
    .bind(policy.floors.admin.as_str())
    .bind(center_id)
    .bind(policy.time_zone.name())
    .bind(count(policy.passes_per_month))
    .execute(db)
    .await?;
    Ok(())
}

/// How many days an administrator added by another one waits before counting for two-person
/// resets.
pub async fn new_admin_wait_days<'c>(db: impl Exec<'c>, center_id: &str) -> Result<u32, ApiError> {
    let days: i64 = sqlx::query_scalar("SELECT new_admin_wait_days FROM centers WHERE id = $1")
        .bind(center_id)
        .fetch_one(db)
        .await?;
    Ok(unsigned(days))
}

/// The operator's setting of `new_admin_wait_days` (0 to 90: the database refuses others).
pub async fn set_new_admin_wait_days<'c>(
    db: impl Exec<'c>,
    center_id: &str,
    days: u32,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE centers SET new_admin_wait_days = $1 WHERE id = $2")
        .bind(count(days))
        .bind(center_id)
        .execute(db)
        .await?;
    Ok(())
}
