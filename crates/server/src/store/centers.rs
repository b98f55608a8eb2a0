//! Centers and their policy: the kinds of method people may add and sign in with, how many
//! administrators a reset takes, and whether families must use 2-Step Verification.

use chrono::{DateTime, Utc};
use twostep_core::policy::{two_step_required, ResetApprovals};
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
}

impl Policy {
    /// Whether someone with these roles must use 2-Step Verification in this center.
    pub fn requires(&self, roles: &[Role]) -> bool {
        two_step_required(roles, self.guardians_required)
    }
}

pub async fn get<'c>(db: impl Exec<'c>, center_id: &str) -> Result<Center, ApiError> {
    let (name, kinds, approvals, guardians): (String, String, i64, i64) = sqlx::query_as(
        "SELECT name, allowed_kinds, reset_approvals, guardians_required FROM centers \
         WHERE id = $1",
    )
    .bind(center_id)
    .fetch_one(db)
    .await?;
    Ok(Center::from_stored(name, &kinds, approvals, guardians))
}

impl Center {
    /// The center from its columns (`name, allowed_kinds, reset_approvals, guardians_required`).
    pub fn from_stored(name: String, kinds: &str, approvals: i64, guardians: i64) -> Center {
        Center {
            name,
            policy: Policy {
                allowed: parse_list(kinds),
                // The database allows only 1 and 2; were it ever otherwise, the stricter.
                reset_approvals: ResetApprovals::from_count(unsigned(approvals))
                    .unwrap_or(ResetApprovals::Two),
                guardians_required: guardians != 0,
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
        "INSERT INTO centers (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
    )
    .bind(new_id())
    .bind(name)
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
        "UPDATE centers SET allowed_kinds = $1, reset_approvals = $2, guardians_required = $3 \
         WHERE id = $4",
    )
    .bind(join_list(&policy.allowed))
    .bind(count(policy.reset_approvals.count()))
    .bind(flag(policy.guardians_required))
    .bind(center_id)
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
