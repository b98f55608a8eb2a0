//! Messages to people: what they say, how they are queued, and how they leave.
//!
//! Every message is first written to the `outbox` table in the same transaction as what it
//! carries (a code, a method added), so nothing is sent for a change that did not happen and
//! nothing is lost for one that did. The [`Courier`] then hands each due message to the
//! [`Transport`] of its channel: it claims the message first (a lease in the database), so two
//! server processes never send the same message; it retries temporary failures with
//! exponential backoff and jitter, and records permanent ones in the audit trail.

pub mod sms;
pub mod smtp;
pub mod templates;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use twostep_core::Locale;

use tokio::sync::Notify;

use crate::clock::Clock;
use crate::error::ApiError;
use crate::ops::metrics::Metrics;
use crate::store::{outbox, AuditAction, Db, Event, Tx};

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
    /// Whose message it is, for the audit trail if it cannot be delivered.
    pub person_id: Option<String>,
    /// When the code it carries expires: it is never sent after that, and its body is erased.
    pub expires_at: Option<DateTime<Utc>>,
    /// The language it is written in.
    pub locale: Locale,
}

impl Message {
    pub fn email(to: &str, subject: &str, body: String) -> Self {
        Self {
            channel: Channel::Email,
            to: to.to_owned(),
            subject: subject.to_owned(),
            body,
            person_id: None,
            expires_at: None,
            locale: Locale::En,
        }
    }

    pub fn text(to: &str, body: String) -> Self {
        Self {
            channel: Channel::Sms,
            to: to.to_owned(),
            subject: String::new(),
            body,
            person_id: None,
            expires_at: None,
            locale: Locale::En,
        }
    }

    pub fn in_locale(mut self, locale: Locale) -> Self {
        self.locale = locale;
        self
    }

    pub fn expiring(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }

    pub fn for_person(mut self, person_id: &str) -> Self {
        self.person_id = Some(person_id.to_owned());
        self
    }
}

/// Writes `msg` to the outbox inside the transaction that makes it true; that transaction's
/// commit wakes the courier.
pub async fn queue(tx: &mut Tx, now: DateTime<Utc>, msg: &Message) -> Result<(), ApiError> {
    outbox::queue(
        tx,
        &outbox::NewMessage {
            channel: msg.channel.as_str(),
            to: &msg.to,
            subject: &msg.subject,
            body: &msg.body,
            person_id: msg.person_id.as_deref(),
            locale: msg.locale.as_str(),
            expires_at: msg.expires_at,
        },
        now,
    )
    .await?;
    tx.message_queued();
    Ok(())
}

pub use crate::store::outbox::Queued;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying: connection refused, a timeout, SMTP 4xx, HTTP 5xx or 429.
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Not worth retrying: SMTP 5xx, HTTP 4xx such as an invalid number.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a queued message leaves the server.
pub trait Transport: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn deliver<'a>(&'a self, msg: &'a Queued) -> BoxFuture<'a, Result<(), DeliveryError>>;
    /// Whether the body stays in the outbox once sent. Only the dev outbox keeps it (it is the
    /// inbox); a real transport's sent messages keep no code.
    fn keeps_body(&self) -> bool {
        false
    }
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

    fn keeps_body(&self) -> bool {
        true
    }
}

/// One transport per channel.
#[derive(Clone)]
pub struct Transports {
    pub email: Arc<dyn Transport>,
    pub sms: Arc<dyn Transport>,
}

impl Transports {
    fn for_channel(&self, channel: &str) -> &dyn Transport {
        match channel {
            "sms" => self.sms.as_ref(),
            _ => self.email.as_ref(),
        }
    }
}

/// How long a claim lasts: a process that dies mid-send frees its messages after this.
const LEASE: chrono::Duration = chrono::Duration::seconds(120);
/// After this many tries a temporary failure is recorded as permanent.
const MAX_ATTEMPTS: i64 = 30;

/// The delay before try `attempts + 1`: 2 s doubling to 5 min, plus up to half again of jitter
/// so that many messages failing together do not retry together.
pub fn backoff(attempts: i64, rng: &mut impl Rng) -> Duration {
    let base = 2u64
        .saturating_pow(u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0))
        .min(150)
        * 2;
    let jitter = rng.gen_range(0..=base * 500);
    Duration::from_millis(base * 1000 + jitter)
}

/// Hands due messages to their transport: at once when woken, and at least every second
/// (which also picks up what was queued before a restart, and retries when they are due).
#[derive(Clone)]
pub struct Courier {
    wake: Arc<Notify>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Courier {
    /// `clock` is the wall clock: retries are scheduled in real time. `rules` is the clock the
    /// rules run on, which says when a code (and so the message carrying it) has expired.
    /// `listen`: on PostgreSQL, the database URL; a message queued by any server wakes this
    /// sender (LISTEN), and the periodic look (for retries and leases) can be rarer.
    pub fn start(
        db: Db,
        transports: Transports,
        clock: Arc<dyn Clock>,
        rules: Arc<dyn Clock>,
        listen: Option<String>,
        metrics: Metrics,
    ) -> Self {
        // Woken by every commit that queued a message (`store::Tx`), and by `wake`.
        let wake = db.outbox_waker();
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        // Without a wake-up from other servers, look often; with one, only for what is due.
        let poll = if listen.is_some() {
            Duration::from_secs(30)
        } else {
            Duration::from_secs(1)
        };
        if let Some(url) = listen {
            tokio::spawn(listen_for_messages(url, wake.clone(), stop.subscribe()));
        }
        // Expired codes are erased every second, whatever the sender is doing.
        let (sweep_db, sweep_rules, sweep_clock) = (db.clone(), rules.clone(), clock.clone());
        let mut sweep_stopped = stop.subscribe();
        tokio::spawn(async move {
            while !*sweep_stopped.borrow() {
                if let Err(e) = expire(&sweep_db, sweep_rules.now(), sweep_clock.now()).await {
                    tracing::warn!(error = %e, "erasing expired codes from the outbox");
                }
                tokio::select! {
                    _ = sweep_stopped.changed() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        });
        let w = wake.clone();
        tokio::spawn(async move {
            while !*stopped.borrow() {
                if let Err(e) =
                    drain(&db, &transports, clock.as_ref(), rules.as_ref(), &metrics).await
                {
                    tracing::warn!(error = %e, "delivering queued messages");
                }
                // Until the next retry or lease end is due, at most `poll`.
                let wait = match outbox::next_due(db.read()).await {
                    Ok(Some(due)) => (due - clock.now())
                        .to_std()
                        .unwrap_or_default()
                        .clamp(Duration::from_millis(50), poll),
                    _ => poll,
                };
                tokio::select! {
                    _ = w.notified() => {}
                    _ = stopped.changed() => {}
                    _ = tokio::time::sleep(wait) => {}
                }
            }
        });
        Self { wake, stop }
    }

    /// Looks at the outbox now. A flow need not call it: the commit of a transaction that
    /// queued a message wakes the courier by itself (`store::Tx`).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops after the message in hand, if any; unsent messages wait in the outbox.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// Wakes the sender whenever any server queues a message (PostgreSQL `LISTEN`), reconnecting
/// after a lost connection, until the courier stops.
async fn listen_for_messages(
    url: String,
    wake: Arc<Notify>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    while !*stopped.borrow() {
        match sqlx::postgres::PgListener::connect(&url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(outbox::NOTIFY_CHANNEL).await {
                    tracing::warn!(error = %e, "listening for queued messages");
                } else {
                    // Messages queued while no one listened are found by the next look.
                    wake.notify_one();
                    loop {
                        tokio::select! {
                            n = listener.recv() => match n {
                                Ok(_) => wake.notify_one(),
                                Err(e) => {
                                    tracing::warn!(error = %e, "listening for queued messages");
                                    break;
                                }
                            },
                            _ = stopped.changed() => return,
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "listening for queued messages"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// Codes that expired take their messages with them: one not sent yet is never sent (and is
/// recorded as failed); the body of every one is erased, the dev outbox's included. `now` is
/// the rules' clock (codes expire on it), `wall` the clock of the leases: a message being
/// handed to its transport right now is left to finish.
pub async fn expire(db: &Db, now: DateTime<Utc>, wall: DateTime<Utc>) -> Result<(), ApiError> {
    // Most seconds there is nothing to erase: a read, not a write.
    if !outbox::any_expired(db.read(), now).await? {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let unsent = outbox::expire(&mut tx, now, wall).await?;
    for m in &unsent {
        record_failure(
            &mut tx,
            m.person_id.as_deref(),
            &m.channel,
            &m.to_addr,
            "the code expired before it could be sent",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn drain(
    db: &Db,
    transports: &Transports,
    clock: &dyn Clock,
    rules: &dyn Clock,
    metrics: &Metrics,
) -> Result<(), ApiError> {
    // One message at a time: claimed (of two servers, one gets it), handed to its transport,
    // settled. A message whose code has expired is not claimed.
    while let Some(msg) = outbox::claim_next(
        db.write(),
        db.backend(),
        clock.now(),
        clock.now() + LEASE,
        rules.now(),
    )
    .await?
    {
        let transport = transports.for_channel(&msg.channel);
        let outcome =
            match tokio::time::timeout(Duration::from_secs(60), transport.deliver(&msg)).await {
                Ok(r) => r,
                Err(_) => Err(DeliveryError::Temporary("timed out".into())),
            };
        let result = settle(db, clock, transport, &msg, outcome).await?;
        metrics.message(&msg.channel, result);
    }
    Ok(())
}

async fn settle(
    db: &Db,
    clock: &dyn Clock,
    transport: &dyn Transport,
    msg: &Queued,
    outcome: Result<(), DeliveryError>,
) -> Result<&'static str, ApiError> {
    let now = clock.now();
    let outcome = match outcome {
        Err(DeliveryError::Temporary(e)) if msg.attempts >= MAX_ATTEMPTS => Err(
            DeliveryError::Permanent(format!("gave up after {MAX_ATTEMPTS} tries: {e}")),
        ),
        other => other,
    };
    match outcome {
        Ok(()) => {
            outbox::mark_sent(db.write(), &msg.id, now, transport.keeps_body()).await?;
            tracing::info!(id = %msg.id, channel = %msg.channel, transport = transport.name(), attempts = msg.attempts, "message delivered");
            Ok("sent")
        }
        Err(DeliveryError::Temporary(e)) => {
            let wait = backoff(msg.attempts, &mut rand::thread_rng());
            let next = now + chrono::Duration::from_std(wait).unwrap_or(LEASE);
            outbox::retry_at(db.write(), &msg.id, next, &e).await?;
            tracing::warn!(id = %msg.id, channel = %msg.channel, attempts = msg.attempts, error = %without_addresses(&e), retry_in_ms = wait.as_millis() as u64, "message not delivered yet; will retry");
            Ok("retry")
        }
        Err(DeliveryError::Permanent(e)) => {
            let mut tx = db.begin().await?;
            outbox::mark_failed(&mut *tx, &msg.id, now, &e).await?;
            record_failure(
                &mut tx,
                msg.person_id.as_deref(),
                &msg.channel,
                &msg.to_addr,
                &e,
                now,
            )
            .await?;
            tx.commit().await?;
            tracing::error!(id = %msg.id, channel = %msg.channel, error = %without_addresses(&e), "message could not be delivered");
            Ok("failed")
        }
    }
}

/// A transport's error for the log: an SMTP server's or a gateway's answer often repeats the
/// recipient ("550 <jo@example.org>: no such user", "+15550100 is not a mobile number"); the
/// log names no address, so every word holding an `@` or a phone number's digits is masked.
fn without_addresses(error: &str) -> String {
    error
        .split(' ')
        .map(|w| {
            let digits = w.chars().filter(char::is_ascii_digit).count();
            if w.contains('@') || digits >= 7 {
                "<address>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A message that will never arrive, in the audit trail: the address as a hint, never the body.
async fn record_failure(
    tx: &mut sqlx::AnyConnection,
    person_id: Option<&str>,
    channel: &str,
    to_addr: &str,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let center = match person_id {
        Some(p) => crate::store::people::by_id(&mut *tx, p)
            .await?
            .map(|p| p.center_id),
        None => None,
    };
    // A channel is named as the method kind that uses it.
    let kind = channel.parse().unwrap_or(twostep_core::Kind::Email);
    let hint = twostep_core::method::hint(kind, Some(to_addr));
    let detail = format!("{channel} to {hint}: {why}");
    Event::new(AuditAction::DeliveryFailed)
        .center(center.as_deref())
        .person(person_id)
        .detail(&detail)
        .record(&mut *tx, now)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn errors_in_the_log_name_no_address() {
        assert_eq!(
            super::without_addresses("550 5.1.1 <jo@example.org>: Recipient address rejected"),
            "550 5.1.1 <address> Recipient address rejected"
        );
        assert_eq!(
            super::without_addresses("21211: +15550100123 is not a valid phone number"),
            "21211: <address> is not a valid phone number"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let mut rng = StdRng::seed_from_u64(1);
        for (attempts, base) in [(1, 2), (2, 4), (3, 8), (8, 256), (9, 300), (30, 300)] {
            let d = backoff(attempts, &mut rng).as_secs_f64();
            let base = f64::from(base).min(300.0);
            assert!(d >= base && d <= base * 1.5, "attempt {attempts}: {d}");
        }
    }
}
