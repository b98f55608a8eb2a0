//! The fingerprint of the server key the database was made with.

use chrono::{DateTime, Utc};

use super::Exec;
use crate::clock::to_ms;
use crate::error::ApiError;

/// Records `fingerprint` if the database has none yet (the first server), and returns the one
/// the database holds (two servers starting at once record one of theirs).
pub async fn record_or_get<'c>(
    db: impl Exec<'c> + Copy,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    sqlx::query(
        "INSERT INTO server_key (id, fingerprint, created_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(fingerprint)
    .bind(to_ms(now))
    .execute(db)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT fingerprint FROM server_key WHERE id = 1")
            .fetch_one(db)
            .await?,
    )
}
