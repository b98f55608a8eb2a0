//! Deleting what no rule needs any more, a bounded batch at a time (`crate::retention` decides
//! when and how far back). Each batch is one short statement, its own transaction: on SQLite
//! the one write lock is never held for more than a batch, on PostgreSQL no row stays locked
//! longer. Every batch selects its rows through an index (`expires_at`, `at`, `created_at`,
//! `last_signed_in` or the audit's id) and deletes them by primary key.

use chrono::{DateTime, Utc};

use super::{count, Db};
use crate::clock::to_ms;
use crate::error::ApiError;

/// What one kind of batch deletes: rows older than a cutoff, by the rule of their table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Codes that expired before the cutoff.
    Codes,
    /// Challenges that expired before the cutoff (their codes go with them).
    Challenges,
    /// Methods being added that expired before the cutoff (their codes go with them).
    Enrollments,
    /// WebAuthn ceremonies that expired before the cutoff, answered or not.
    Ceremonies,
    /// Native apps' one-time codes past their expiry, exchanged or not.
    AppCodes,
    /// Emailed password links sent before the cutoff (their count caps the emails).
    PasswordLinks,
    /// Setup and session tokens past their absolute expiry.
    Tokens,
    /// "This wasn't me" links past their expiry.
    FreezeTokens,
    /// Reset requests past their expiry, approved or not.
    ResetRequests,
    /// One-day passes that expired before the cutoff, used or not.
    DayPasses,
    /// Password change tokens past their expiry.
    PasswordTokens,
    /// Remembered devices past their expiry.
    RememberedDevices,
    /// Failed passwords made before the cutoff.
    PasswordAttempts,
    /// Devices last signed in from before the cutoff, except each person's newest one: "is
    /// this device new?" needs to know the person has signed in before (sessions::is_news).
    KnownDevices,
    /// Messages sent or given up on, queued before the cutoff.
    Outbox,
    /// Audit events recorded before the cutoff.
    Audit,
}

impl Sweep {
    pub const ALL: [Sweep; 16] = [
        Sweep::Codes,
        Sweep::Challenges,
        Sweep::Enrollments,
        Sweep::Ceremonies,
        Sweep::AppCodes,
        Sweep::PasswordLinks,
        Sweep::Tokens,
        Sweep::FreezeTokens,
        Sweep::ResetRequests,
        Sweep::DayPasses,
        Sweep::PasswordTokens,
        Sweep::RememberedDevices,
        Sweep::PasswordAttempts,
        Sweep::KnownDevices,
        Sweep::Outbox,
        Sweep::Audit,
    ];

    /// The table's name, for the log.
    pub fn table(self) -> &'static str {
        match self {
            Sweep::Codes => "codes",
            Sweep::Challenges => "challenges",
            Sweep::Enrollments => "enrollments",
            Sweep::Ceremonies => "ceremonies",
            Sweep::AppCodes => "app_codes",
            Sweep::PasswordLinks => "password_links",
            Sweep::Tokens => "tokens",
            Sweep::FreezeTokens => "freeze_tokens",
            Sweep::ResetRequests => "reset_requests",
            Sweep::DayPasses => "day_passes",
            Sweep::PasswordTokens => "password_tokens",
            Sweep::RememberedDevices => "remembered_devices",
            Sweep::PasswordAttempts => "password_attempts",
            Sweep::KnownDevices => "known_devices",
            Sweep::Outbox => "outbox",
            Sweep::Audit => "audit",
        }
    }

    /// One batch: `$1` the cutoff (ms), `$2` the batch's size. The subquery picks at most `$2`
    /// rows through the cutoff column's index; SQLite has no `DELETE … LIMIT` by default.
    fn sql(self) -> &'static str {
        match self {
            Sweep::Codes => {
                "DELETE FROM codes WHERE id IN \
                 (SELECT id FROM codes WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::Challenges => {
                "DELETE FROM challenges WHERE id IN \
                 (SELECT id FROM challenges WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::Enrollments => {
                "DELETE FROM enrollments WHERE id IN \
                 (SELECT id FROM enrollments WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::Ceremonies => {
                "DELETE FROM ceremonies WHERE id IN \
                 (SELECT id FROM ceremonies WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::AppCodes => {
                "DELETE FROM app_codes WHERE hash IN \
                 (SELECT hash FROM app_codes WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::PasswordLinks => {
                "DELETE FROM password_links WHERE hash IN \
                 (SELECT hash FROM password_links WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::Tokens => {
                "DELETE FROM tokens WHERE hash IN \
                 (SELECT hash FROM tokens WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::FreezeTokens => {
                "DELETE FROM freeze_tokens WHERE hash IN \
                 (SELECT hash FROM freeze_tokens WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::ResetRequests => {
                "DELETE FROM reset_requests WHERE id IN \
                 (SELECT id FROM reset_requests WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::DayPasses => {
                "DELETE FROM day_passes WHERE id IN \
                 (SELECT id FROM day_passes WHERE expires_at < $1 LIMIT $2)"
            }
            // No index on expires_at (person_id only): the table holds a handful of rows per
            // unfrozen person, and the scan stops after a batch.
            Sweep::PasswordTokens => {
                "DELETE FROM password_tokens WHERE hash IN \
                 (SELECT hash FROM password_tokens WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::RememberedDevices => {
                "DELETE FROM remembered_devices WHERE id IN \
                 (SELECT id FROM remembered_devices WHERE expires_at < $1 LIMIT $2)"
            }
            Sweep::PasswordAttempts => {
                "DELETE FROM password_attempts WHERE id IN \
                 (SELECT id FROM password_attempts WHERE at < $1 LIMIT $2)"
            }
            Sweep::KnownDevices => {
                "DELETE FROM known_devices WHERE (person_id, device_hash) IN \
                 (SELECT d.person_id, d.device_hash FROM known_devices d \
                  WHERE d.last_signed_in < $1 AND EXISTS (SELECT 1 FROM known_devices n \
                    WHERE n.person_id = d.person_id AND n.last_signed_in > d.last_signed_in) \
                  LIMIT $2)"
            }
            Sweep::Outbox => {
                "DELETE FROM outbox WHERE id IN \
                 (SELECT id FROM outbox WHERE created_at < $1 \
                    AND (sent_at IS NOT NULL OR failed_at IS NOT NULL) LIMIT $2)"
            }
            // Ids grow with time: of the oldest ids (the primary key's first `$2`), those older
            // than the cutoff. Never more than a batch is read, even when nothing is old (no
            // index on `at` needed); fewer deleted than a batch means the rest are younger.
            Sweep::Audit => {
                "DELETE FROM audit WHERE at < $1 AND id IN \
                 (SELECT id FROM audit ORDER BY id LIMIT $2)"
            }
        }
    }
}

/// Deletes at most `batch` rows that `sweep` finds older than `before`: how many it deleted
/// (fewer than `batch`: nothing more is left).
pub async fn sweep_batch(
    db: &Db,
    sweep: Sweep,
    before: DateTime<Utc>,
    batch: u32,
) -> Result<u64, ApiError> {
    let r = sqlx::query(sweep.sql())
        .bind(to_ms(before))
        .bind(count(batch))
        .execute(db.write())
        .await?;
    Ok(r.rows_affected())
}
