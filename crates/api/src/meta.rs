//! "Meta" in docs/api.md: health, readiness, and the development outbox.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::REDACTED;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub time: DateTime<Utc>,
}

/// `GET /api/v1/ready`'s 200: this server may be sent sign-ins.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: String,
}

/// `GET /api/v1/ready`'s 503: the error body, with why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotReadyBody {
    pub error: NotReady,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotReady {
    /// `not_ready`.
    pub code: String,
    pub message: String,
    /// `database_unavailable`, `migration_missing`, `outbox_stuck`.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    pub to: Option<String>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct OutboxMessage {
    pub to: String,
    /// `email` or `sms`.
    pub channel: String,
    pub subject: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Outbox {
    pub messages: Vec<OutboxMessage>,
}

impl fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("to", &self.to)
            .field("channel", &self.channel)
            .field("subject", &self.subject)
            .field("body", &REDACTED)
            .field("at", &self.at)
            .finish()
    }
}
