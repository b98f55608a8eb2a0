//! Messages to people: what they say, how they are queued, and how they leave.
//!
//! Every message is first written to the `outbox` table in the same transaction as what it
//! carries (a code, a method added), so nothing is sent for a change that did not happen and
//! nothing is lost for one that did. A worker then hands each unsent message to the
//! [`Transport`]. The dev outbox transport keeps messages in the table for
//! `GET /api/v1/dev/outbox`; SMTP and the SMS gateway implement the same trait.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{FromRow, SqliteExecutor, SqlitePool};
use tokio::sync::Notify;

use crate::clock::{to_ms, Clock};
use crate::error::ApiError;
use crate::store::new_id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// A message before it is queued. Its body may carry a code: it is never logged.
pub struct Message {
    pub channel: Channel,
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub mod templates {
    use super::{Channel, Message};

    pub const CODE_SUBJECT: &str = "User OTP from Online-Auth";
    pub const ADDED_SUBJECT: &str = "A two-factor authentication device has been added";
    pub const REMOVED_SUBJECT: &str = "A two-factor authentication device has been removed";
    pub const RESET_SUBJECT: &str = "Your 2-Step Verification has been reset";

    pub fn code(channel: Channel, to: &str, code: &str, minutes: i64) -> Message {
        match channel {
            Channel::Email => Message {
                channel,
                to: to.to_owned(),
                subject: CODE_SUBJECT.to_owned(),
                body: format!(
                    "Your verification code is {code}.\n\n\
                     It expires {minutes} minutes after it was requested.\n\n\
                     If you did not try to sign in, ignore this email: nobody can sign in \
                     without the code."
                ),
            },
            Channel::Sms => Message {
                channel,
                to: to.to_owned(),
                subject: String::new(),
                body: twostep_core::method::sms::code_message(code, minutes),
            },
        }
    }

    pub fn method_added(to: &str, kind_label: &str, hint: &str) -> Message {
        Message {
            channel: Channel::Email,
            to: to.to_owned(),
            subject: ADDED_SUBJECT.to_owned(),
            body: format!(
                "A verification method was added to your account: {kind_label} ({hint}).\n\n\
                 If this was not you, contact your center's administrator right away so they \
                 can reset your 2-Step Verification."
            ),
        }
    }

    pub fn method_removed(to: &str, kind_label: &str, hint: &str) -> Message {
        Message {
            channel: Channel::Email,
            to: to.to_owned(),
            subject: REMOVED_SUBJECT.to_owned(),
            body: format!(
                "A verification method was removed from your account: {kind_label} ({hint}).\n\n\
                 If this was not you, contact your center's administrator right away."
            ),
        }
    }

    pub fn reset(to: &str) -> Message {
        Message {
            channel: Channel::Email,
            to: to.to_owned(),
            subject: RESET_SUBJECT.to_owned(),
            body: "An administrator at your center reset your 2-Step Verification. Your \
                   verification methods were removed and you were signed out everywhere.\n\n\
                   The next time you sign in you will set up a verification method again. If \
                   you did not expect this, contact your center's administrator."
                .to_owned(),
        }
    }
}

/// Writes `msg` to the outbox; call it inside the transaction that makes it true.
pub async fn queue(
    db: impl SqliteExecutor<'_>,
    now: DateTime<Utc>,
    msg: &Message,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO outbox (id, channel, to_addr, subject, body, created_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(new_id())
    .bind(msg.channel.as_str())
    .bind(&msg.to)
    .bind(&msg.subject)
    .bind(&msg.body)
    .bind(to_ms(now))
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct Queued {
    pub id: String,
    pub channel: String,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("temporary failure: {0}")]
    Temporary(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a queued message leaves the server.
pub trait Transport: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn deliver<'a>(&'a self, msg: &'a Queued) -> BoxFuture<'a, Result<(), DeliveryError>>;
}

/// Development delivery: the message stays in the outbox table, readable through
/// `GET /api/v1/dev/outbox`; delivering only marks it sent.
pub struct DevOutbox;

impl Transport for DevOutbox {
    fn name(&self) -> &'static str {
        "dev outbox"
    }

    fn deliver<'a>(&'a self, _msg: &'a Queued) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Hands unsent messages to the transport: at once when woken, and every few seconds
/// (which also picks up what was queued before a restart).
#[derive(Clone)]
pub struct Courier {
    wake: Arc<Notify>,
}

impl Courier {
    pub fn start(db: SqlitePool, transport: Arc<dyn Transport>, clock: Arc<dyn Clock>) -> Self {
        let wake = Arc::new(Notify::new());
        let w = wake.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = drain(&db, transport.as_ref(), clock.as_ref()).await {
                    tracing::warn!(error = %e, "delivering queued messages");
                }
                tokio::select! {
                    _ = w.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        });
        Self { wake }
    }

    /// Call after committing a transaction that queued a message.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

async fn drain(
    db: &SqlitePool,
    transport: &dyn Transport,
    clock: &dyn Clock,
) -> Result<(), ApiError> {
    let pending: Vec<Queued> = sqlx::query_as(
        "SELECT id, channel, to_addr, subject, body FROM outbox \
         WHERE sent_at IS NULL ORDER BY created_at LIMIT 100",
    )
    .fetch_all(db)
    .await?;
    for msg in pending {
        match transport.deliver(&msg).await {
            Ok(()) => {
                sqlx::query("UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL")
                    .bind(to_ms(clock.now()))
                    .bind(&msg.id)
                    .execute(db)
                    .await?;
                tracing::info!(id = %msg.id, channel = %msg.channel, transport = transport.name(), "message delivered");
            }
            Err(e) => tracing::warn!(id = %msg.id, error = %e, "message not delivered yet"),
        }
    }
    Ok(())
}
