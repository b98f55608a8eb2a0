//! Centers and their policy: the kinds of method people may add and sign in with.

use chrono::{DateTime, Utc};
use twostep_core::Kind;

use super::{join_list, new_id, parse_list, Exec};
use crate::clock::to_ms;
use crate::error::ApiError;

pub struct Center {
    pub name: String,
    /// The kinds the center allows now; never empty.
    pub allowed: Vec<Kind>,
}

pub async fn get<'c>(db: impl Exec<'c>, center_id: &str) -> Result<Center, ApiError> {
    let (name, kinds): (String, String) =
        sqlx::query_as("SELECT name, allowed_kinds FROM centers WHERE id = $1")
            .bind(center_id)
            .fetch_one(db)
            .await?;
    Ok(Center {
        name,
        allowed: parse_list(&kinds),
    })
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

pub async fn set_allowed<'c>(
    db: impl Exec<'c>,
    center_id: &str,
    kinds: &[Kind],
) -> Result<(), ApiError> {
    sqlx::query("UPDATE centers SET allowed_kinds = $1 WHERE id = $2")
        .bind(join_list(kinds))
        .bind(center_id)
        .execute(db)
        .await?;
    Ok(())
}
