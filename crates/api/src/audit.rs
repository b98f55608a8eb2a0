//! The audit trail (`GET /admin/audit`, under "Administrators" in docs/api.md): its pages
//! and events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::Kind;

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub person_id: Option<String>,
    /// One action (`two_step_reset`, `second_step_passed`, …).
    pub action: Option<String>,
    /// Only events older than this one (a page's `next_before`).
    pub before: Option<i64>,
    /// At most this many events (default 100, at most 1000).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    /// Increases with every event; pass the last one's as `before` for older ones.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub person_id: Option<String>,
    pub action: String,
    /// The event in an English sentence (all an event recorded before `kind`, `hint` and
    /// `reason` existed has).
    pub detail: String,
    /// The kind of method the event is about.
    #[serde(default)]
    pub kind: Option<Kind>,
    /// The method's or address's hint (`j•••@example.org`, `•••• 1234`).
    #[serde(default)]
    pub hint: Option<String>,
    /// Why, as a stable code (`wrong_password`, `too_many_wrong_codes`, …).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    pub events: Vec<AuditEvent>,
    /// There are older events: pass this as `before` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}
