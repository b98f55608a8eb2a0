//! Messages to people, written in the same transaction as what they carry, then claimed one
//! at a time by a sender (a lease, so that two servers never send the same one).

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use super::{flag, new_id, Backend, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// A message as it is queued. Its body may carry a code.
pub struct NewMessage<'a> {
    pub channel: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub person_id: Option<&'a str>,
    /// The language it is written in (`en`, `es`).
    pub locale: &'a str,
    /// When the code it carries expires (never sent after that).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Queues a message inside the transaction that makes it true. On PostgreSQL the commit also
/// wakes the sender of every server (`NOTIFY twostep_outbox`), not just this one's.
pub async fn queue(
    tx: &mut sqlx::AnyConnection,
    m: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO outbox (id, channel, to_addr, subject, body, created_at, person_id, expires_at, \
         locale) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(m.channel)
    .bind(m.to)
    .bind(m.subject)
    .bind(m.body)
    .bind(to_ms(now))
    .bind(m.person_id)
    .bind(m.expires_at.map(to_ms))
    .bind(m.locale)
    .execute(&mut *tx)
    .await?;
    if Backend::of(tx) == Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(NOTIFY_CHANNEL)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The PostgreSQL channel on which a queued message wakes every server's sender.
pub const NOTIFY_CHANNEL: &str = "twostep_outbox";

/// A message claimed for sending. Its body may hold a code: Debug never prints it.
#[derive(Clone, FromRow)]
pub struct Queued {
    pub id: String,
    pub channel: String,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub person_id: Option<String>,
    pub locale: String,
}

impl std::fmt::Debug for Queued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queued")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("attempts", &self.attempts)
            .field("body", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Claims the oldest due message until `lease_until`: of two servers, one gets it, the other
/// the next (PostgreSQL skips rows another server is claiming, `FOR UPDATE SKIP LOCKED`).
/// `wall` is the lease clock; `rules_now` the clock codes expire on.
pub async fn claim_next<'c>(
    db: impl Exec<'c>,
    backend: Backend,
    wall: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    rules_now: DateTime<Utc>,
) -> Result<Option<Queued>, ApiError> {
    let skip_locked = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    Ok(sqlx::query_as(&format!(
        "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM outbox \
                     WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $2 \
                       AND (claimed_until IS NULL OR claimed_until < $2) \
                       AND (expires_at IS NULL OR expires_at > $3) \
                     ORDER BY next_attempt_at, created_at LIMIT 1 {skip_locked}) \
         RETURNING id, channel, to_addr, subject, body, attempts, person_id, locale"
    ))
    .bind(to_ms(lease_until))
    .bind(to_ms(wall))
    .bind(to_ms(rules_now))
    .fetch_optional(db)
    .await?)
}

/// How many messages wait to be sent (not sent, not given up on, their code not expired), and
/// when the oldest of them was queued.
pub async fn waiting<'c>(
    db: impl Exec<'c>,
    now: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>), ApiError> {
    let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM outbox \
         WHERE sent_at IS NULL AND failed_at IS NULL AND (expires_at IS NULL OR expires_at > $1)",
    )
    .bind(to_ms(now))
    .fetch_one(db)
    .await?;
    Ok((count, oldest.map(from_ms)))
}

/// When the next unsent message comes due (a retry, or a lease ending), on the wall clock.
pub async fn next_due<'c>(db: impl Exec<'c>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(CASE WHEN claimed_until IS NOT NULL AND claimed_until > next_attempt_at \
                         THEN claimed_until ELSE next_attempt_at END) \
         FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
    )
    .fetch_one(db)
    .await?;
    Ok(due.map(from_ms))
}

/// Sent: the body is erased unless `keep_body` (the dev outbox, which is the inbox).
pub async fn mark_sent<'c>(
    db: impl Exec<'c>,
    id: &str,
    now: DateTime<Utc>,
    keep_body: bool,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE outbox SET sent_at = $1, claimed_until = NULL, last_error = NULL, \
         body = CASE WHEN $2 = 1 THEN body ELSE '' END WHERE id = $3",
    )
    .bind(to_ms(now))
    .bind(flag(keep_body))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn retry_at<'c>(
    db: impl Exec<'c>,
    id: &str,
    next: DateTime<Utc>,
    error: &str,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE outbox SET claimed_until = NULL, next_attempt_at = $1, last_error = $2 WHERE id = $3",
    )
    .bind(to_ms(next))
    .bind(error)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// It will never arrive: recorded, and its body erased.
pub async fn mark_failed<'c>(
    db: impl Exec<'c>,
    id: &str,
    now: DateTime<Utc>,
    error: &str,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE outbox SET failed_at = $1, claimed_until = NULL, last_error = $2, body = '' \
         WHERE id = $3",
    )
    .bind(to_ms(now))
    .bind(error)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(FromRow)]
pub struct Expired {
    pub channel: String,
    pub to_addr: String,
    pub person_id: Option<String>,
}

/// Messages whose code expired before they were sent: failed, body erased (a message being
/// handed to its transport, its lease running at `wall`, is left to finish). Then the bodies
/// of sent or failed messages whose code expired are erased (the dev outbox's).
pub async fn expire(
    tx: &mut sqlx::AnyConnection,
    now: DateTime<Utc>,
    wall: DateTime<Utc>,
) -> Result<Vec<Expired>, ApiError> {
    let unsent: Vec<Expired> = sqlx::query_as(
        "UPDATE outbox SET body = '', failed_at = $1, claimed_until = NULL, \
           last_error = 'the code expired before it could be sent' \
         WHERE expires_at <= $1 AND body <> '' AND sent_at IS NULL AND failed_at IS NULL \
           AND (claimed_until IS NULL OR claimed_until < $2) \
         RETURNING channel, to_addr, person_id",
    )
    .bind(to_ms(now))
    .bind(to_ms(wall))
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE outbox SET body = '' WHERE expires_at <= $1 AND body <> '' \
         AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)",
    )
    .bind(to_ms(now))
    .execute(&mut *tx)
    .await?;
    Ok(unsent)
}

/// Whether a message that still holds an expired code is waiting to be erased (so that the
/// sender can skip the write most of the time).
pub async fn any_expired<'c>(db: impl Exec<'c>, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM outbox WHERE expires_at <= $1 AND body <> '' LIMIT 1")
            .bind(to_ms(now))
            .fetch_optional(db)
            .await?;
    Ok(found.is_some())
}

pub struct DevMessage {
    pub to: String,
    pub channel: String,
    pub subject: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(FromRow)]
struct DevStored {
    to_addr: String,
    channel: String,
    subject: String,
    body: String,
    created_at: i64,
}

/// Every message (to `to` if given), oldest first. A code that has expired is gone from it
/// too: the sender erases it, and this hides it until then.
pub async fn dev_messages<'c>(
    db: impl Exec<'c>,
    backend: Backend,
    to: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<DevMessage>, ApiError> {
    // In the order they were queued (many share a millisecond).
    let order = match backend {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "seq",
    };
    let rows: Vec<DevStored> = sqlx::query_as(&format!(
        "SELECT to_addr, channel, subject, \
           CASE WHEN expires_at IS NOT NULL AND expires_at <= $1 THEN '' ELSE body END AS body, \
           created_at FROM outbox \
         WHERE CAST($2 AS TEXT) IS NULL OR LOWER(to_addr) = LOWER($2) \
         ORDER BY created_at, {order}"
    ))
    .bind(to_ms(now))
    .bind(to)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DevMessage {
            to: r.to_addr,
            channel: r.channel,
            subject: r.subject,
            body: r.body,
            at: from_ms(r.created_at),
        })
        .collect())
}
