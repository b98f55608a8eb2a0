//! Readiness (`GET /api/v1/ready`): whether this server should be sent sign-ins now. Liveness
//! stays `GET /api/v1/health`. Not ready, with the reasons: the database does not answer, a
//! migration this build needs is not applied, or the outbox's oldest message has waited past
//! `delivery.stuck_secs` (codes that do not leave are sign-ins that cannot finish).

use std::time::Duration;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// Why a server is not ready, as `reasons` names them.
pub const DATABASE_UNAVAILABLE: &str = "database_unavailable";
pub const MIGRATION_MISSING: &str = "migration_missing";
pub const OUTBOX_STUCK: &str = "outbox_stuck";

/// How long each look at the database may take before it counts as unreachable.
const LOOK: Duration = Duration::from_secs(2);

/// The reasons this server is not ready; none: ready.
pub async fn reasons(st: &AppState) -> Vec<&'static str> {
    if !st.db.ping().await {
        // The other two need the database.
        return vec![DATABASE_UNAVAILABLE];
    }
    let mut reasons = Vec::new();
    match tokio::time::timeout(LOOK, st.db.migrations_missing()).await {
        Ok(Ok(false)) => {}
        Ok(Ok(true)) => reasons.push(MIGRATION_MISSING),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: reading the applied migrations");
            reasons.push(MIGRATION_MISSING);
        }
        Err(_) => return vec![DATABASE_UNAVAILABLE],
    }
    match tokio::time::timeout(LOOK, outbox_waiting(st)).await {
        Ok(Ok((_, oldest))) if oldest > st.cfg.delivery.stuck_secs => reasons.push(OUTBOX_STUCK),
        Ok(Ok(_)) => {}
        Ok(Err(_)) | Err(_) => return vec![DATABASE_UNAVAILABLE],
    }
    reasons
}

/// Messages waiting to be sent, and how many seconds the oldest has waited (0 with none), on
/// the clock the rules run on.
pub async fn outbox_waiting(st: &AppState) -> Result<(u64, u64), ApiError> {
    let now = st.now();
    let (count, oldest) = store::outbox::waiting(st.db.read(), now).await?;
    let waited = oldest.map_or(0, |t| (now - t).num_seconds().max(0));
    Ok((store::unsigned(count).into(), waited.unsigned_abs()))
}

/// The sentence of a 503 `not_ready`.
pub fn message(reasons: &[&str]) -> String {
    let said: Vec<&str> = reasons
        .iter()
        .map(|r| match *r {
            DATABASE_UNAVAILABLE => "it cannot reach its database",
            MIGRATION_MISSING => "its database lacks a migration this version needs (start it again to apply them, or look for a failed migration in the log)",
            OUTBOX_STUCK => "messages (codes among them) have waited too long to be sent: check the SMTP server and the SMS gateway",
            _ => "it is not ready",
        })
        .collect();
    format!("This server is not ready: {}.", said.join("; "))
}
