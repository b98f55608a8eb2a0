//! The audit trail: security events, newest first for administrators.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use twostep_core::Kind;

use super::batch::Statement;
use super::{Exec, PersonRow};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

// The names of what is recorded, and why, are the API's: one list each, which the OpenAPI
// document and the app's filter take too.
pub use twostep_api::{AuditAction, AuditReason};

/// One entry of the audit trail. Its `detail` must never hold a secret, code or token: hints
/// only.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    action: AuditAction,
    center_id: Option<&'a str>,
    actor_id: Option<&'a str>,
    person_id: Option<&'a str>,
    detail: &'a str,
    kind: Option<Kind>,
    hint: Option<&'a str>,
    reason: Option<AuditReason>,
}

impl<'a> Event<'a> {
    pub fn new(action: AuditAction) -> Self {
        Self {
            action,
            center_id: None,
            actor_id: None,
            person_id: None,
            detail: "",
            kind: None,
            hint: None,
            reason: None,
        }
    }

    /// An event about `person`, in their center, with no actor (not signed in yet).
    pub fn about(person: &'a PersonRow, action: AuditAction) -> Self {
        Self::new(action)
            .center(Some(&person.center_id))
            .person(Some(&person.id))
    }

    /// Something `person` did to their own account.
    pub fn by_self(person: &'a PersonRow, action: AuditAction) -> Self {
        Self::about(person, action).by(&person.id)
    }

    pub fn center(mut self, center_id: Option<&'a str>) -> Self {
        self.center_id = center_id;
        self
    }

    pub fn by(mut self, actor_id: &'a str) -> Self {
        self.actor_id = Some(actor_id);
        self
    }

    pub fn person(mut self, person_id: Option<&'a str>) -> Self {
        self.person_id = person_id;
        self
    }

    /// The English sentence (older events have only this).
    pub fn detail(mut self, detail: &'a str) -> Self {
        self.detail = detail;
        self
    }

    /// The kind of method the event is about.
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// The method's or the address's hint (never the address itself).
    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Why, as a stable code the app words (`admin.reason.<code>`).
    pub fn reason(mut self, reason: AuditReason) -> Self {
        self.reason = Some(reason);
        self
    }

    pub async fn record<'c>(self, db: impl Exec<'c>, now: DateTime<Utc>) -> Result<(), ApiError> {
        self.statement(now).execute(db).await?;
        Ok(())
    }

    /// `record` for a batch.
    pub fn statement(self, now: DateTime<Utc>) -> Statement<'a> {
        Statement::new(
            "INSERT INTO audit (at, center_id, actor_id, person_id, action, detail, kind, hint, \
             reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(to_ms(now))
        .bind(self.center_id)
        .bind(self.actor_id)
        .bind(self.person_id)
        .bind(self.action.as_str())
        .bind(self.detail)
        .bind(self.kind.map(Kind::as_str))
        .bind(self.hint)
        .bind(self.reason.map(AuditReason::as_str))
    }
}

/// One recorded event, for an administrator.
pub struct Recorded {
    /// Increases with every event.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub person_id: Option<String>,
    pub action: String,
    pub detail: String,
    pub kind: Option<Kind>,
    pub hint: Option<String>,
    pub reason: Option<String>,
}

#[derive(FromRow)]
struct Stored {
    id: i64,
    at: i64,
    actor_id: Option<String>,
    person_id: Option<String>,
    action: String,
    detail: String,
    kind: Option<String>,
    hint: Option<String>,
    reason: Option<String>,
}

/// Which of a center's events, a page at a time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// Events about this person or done by them.
    pub person_id: Option<&'a str>,
    pub action: Option<&'a str>,
    /// Only events older than this one (by id: ids never repeat, times may).
    pub before: Option<i64>,
}

/// The center's newest events that pass `filter`, at most `limit`.
pub async fn page<'c>(
    db: impl Exec<'c>,
    center_id: &str,
    filter: Filter<'_>,
    limit: u32,
) -> Result<Vec<Recorded>, ApiError> {
    let rows: Vec<Stored> = sqlx::query_as(
        "SELECT id, at, actor_id, person_id, action, detail, kind, hint, reason FROM audit \
         WHERE center_id = $1 \
           AND (CAST($2 AS TEXT) IS NULL OR person_id = $2 OR actor_id = $2) \
           AND (CAST($3 AS TEXT) IS NULL OR action = $3) \
           AND (CAST($4 AS BIGINT) IS NULL OR id < $4) \
         ORDER BY id DESC LIMIT $5",
    )
    .bind(center_id)
    .bind(filter.person_id)
    .bind(filter.action)
    .bind(filter.before)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Recorded {
            id: r.id,
            at: from_ms(r.at),
            actor_id: r.actor_id,
            person_id: r.person_id,
            action: r.action,
            detail: r.detail,
            kind: r.kind.and_then(|k| k.parse().ok()),
            hint: r.hint,
            reason: r.reason,
        })
        .collect())
}

/// A failed sign-in for an email nobody has: one more on the newest such row of the window
/// (no center, no person), or a new row when the window has none. A flood of made-up emails
/// then costs one row per window, not one per attempt. The read and the write are one
/// transaction taken in turn (SQLite's one writer; on PostgreSQL a lock of its own), so a
/// burst counts every attempt on one row.
pub async fn count_unknown_sign_in_failure(
    db: &super::Db,
    now: DateTime<Utc>,
    window: chrono::Duration,
) -> Result<(), ApiError> {
    let mut tx = db.begin().await?;
    if db.backend() == super::Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(3, 0)")
            .execute(&mut *tx)
            .await?;
    }
    // audit_center_action (center_id, action, id) finds the newest such row first.
    let counted = sqlx::query(
        "UPDATE audit SET occurrences = occurrences + 1 WHERE id = \
         (SELECT MAX(id) FROM audit WHERE center_id IS NULL AND action = $1 \
            AND person_id IS NULL AND at > $2)",
    )
    .bind(AuditAction::SignInFailed.as_str())
    .bind(to_ms(now - window))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if counted == 0 {
        Event::new(AuditAction::SignInFailed)
            .detail("wrong password")
            .reason(AuditReason::WrongPassword)
            .statement(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
