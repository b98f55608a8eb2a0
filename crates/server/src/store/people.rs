//! People: who they are, their roles, their setup skip, and the per-person second-step lock
//! (consecutive failed second steps, counted before each check).

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use twostep_core::lockout::{LockRules, LockState};
use twostep_core::{Locale, Role};

use super::batch::Statement;
use super::{count, flag, join_list, parse_list, unsigned, Backend, Exec};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// A person, as the rules see them.
#[derive(Clone)]
pub struct PersonRow {
    pub id: String,
    pub center_id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub shared: bool,
    pub password_hash: String,
    pub setup_skips_left: u32,
    pub preferred_method_id: Option<String>,
    pub failed_second_steps: u32,
    pub second_step_locked_until: Option<DateTime<Utc>>,
    /// The language of their emails and texts.
    pub locale: Locale,
    /// Frozen through "This wasn't me": no sign-in until an administrator unfreezes them.
    pub frozen: bool,
    /// Disabled by an administrator: no sign-in until enabled (2SV kept).
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// The administrator who added them; none when the operator did (or the demo).
    pub created_by: Option<String>,
    /// Unfrozen by an administrator: the next sign-in chooses a new password first.
    pub must_change_password: bool,
}

/// Never the password hash.
impl std::fmt::Debug for PersonRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonRow")
            .field("id", &self.id)
            .field("center_id", &self.center_id)
            .field("roles", &self.roles)
            .field("password_hash", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl PersonRow {
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }

    /// Where the person's second step stands after failed second steps, at `now`.
    pub fn lock_state(&self, rules: &LockRules, now: DateTime<Utc>) -> LockState {
        rules.state(self.failed_second_steps, self.second_step_locked_until, now)
    }
}

#[derive(FromRow)]
struct Stored {
    id: String,
    center_id: String,
    email: String,
    name: String,
    roles: String,
    shared: i64,
    password_hash: String,
    setup_skips_left: i64,
    preferred_method_id: Option<String>,
    failed_second_steps: i64,
    second_step_locked_until: Option<i64>,
    locale: String,
    frozen_at: Option<i64>,
    disabled_at: Option<i64>,
    created_at: i64,
    created_by: Option<String>,
    must_change_password: i64,
}

impl From<Stored> for PersonRow {
    fn from(s: Stored) -> Self {
        Self {
            id: s.id,
            center_id: s.center_id,
            email: s.email,
            name: s.name,
            roles: parse_list(&s.roles),
            shared: s.shared != 0,
            password_hash: s.password_hash,
            setup_skips_left: unsigned(s.setup_skips_left),
            preferred_method_id: s.preferred_method_id,
            failed_second_steps: unsigned(s.failed_second_steps),
            second_step_locked_until: s.second_step_locked_until.map(from_ms),
            locale: s.locale.parse().unwrap_or_default(),
            frozen: s.frozen_at.is_some(),
            disabled: s.disabled_at.is_some(),
            created_at: from_ms(s.created_at),
            created_by: s.created_by,
            must_change_password: s.must_change_password != 0,
        }
    }
}

const COLUMNS: &str = "id, center_id, email, name, roles, shared, password_hash, \
     setup_skips_left, preferred_method_id, failed_second_steps, second_step_locked_until, locale, \
     frozen_at, disabled_at, created_at, created_by, must_change_password";

/// A person's columns from `people p`, prefixed `p_`, for reads that join it.
pub const PREFIXED_COLUMNS: &str = "p.id AS p_id, p.center_id AS p_center_id, \
     p.email AS p_email, p.name AS p_name, p.roles AS p_roles, p.shared AS p_shared, \
     p.password_hash AS p_password_hash, p.setup_skips_left AS p_setup_skips_left, \
     p.preferred_method_id AS p_preferred_method_id, \
     p.failed_second_steps AS p_failed_second_steps, \
     p.second_step_locked_until AS p_second_step_locked_until, p.locale AS p_locale, \
     p.frozen_at AS p_frozen_at, p.disabled_at AS p_disabled_at, \
     p.created_at AS p_created_at, p.created_by AS p_created_by, \
     p.must_change_password AS p_must_change_password";

#[derive(FromRow)]
pub struct Prefixed {
    p_id: String,
    p_center_id: String,
    p_email: String,
    p_name: String,
    p_roles: String,
    p_shared: i64,
    p_password_hash: String,
    p_setup_skips_left: i64,
    p_preferred_method_id: Option<String>,
    p_failed_second_steps: i64,
    p_second_step_locked_until: Option<i64>,
    p_locale: String,
    p_frozen_at: Option<i64>,
    p_disabled_at: Option<i64>,
    p_created_at: i64,
    p_created_by: Option<String>,
    p_must_change_password: i64,
}

impl From<Prefixed> for PersonRow {
    fn from(p: Prefixed) -> Self {
        Stored {
            id: p.p_id,
            center_id: p.p_center_id,
            email: p.p_email,
            name: p.p_name,
            roles: p.p_roles,
            shared: p.p_shared,
            password_hash: p.p_password_hash,
            setup_skips_left: p.p_setup_skips_left,
            preferred_method_id: p.p_preferred_method_id,
            failed_second_steps: p.p_failed_second_steps,
            second_step_locked_until: p.p_second_step_locked_until,
            locale: p.p_locale,
            frozen_at: p.p_frozen_at,
            disabled_at: p.p_disabled_at,
            created_at: p.p_created_at,
            created_by: p.p_created_by,
            must_change_password: p.p_must_change_password,
        }
        .into()
    }
}

pub async fn by_id<'c>(db: impl Exec<'c>, id: &str) -> Result<Option<PersonRow>, ApiError> {
    let s: Option<Stored> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM people WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(s.map(PersonRow::from))
}

/// `email` lower-cased (emails are stored lower-cased).
pub async fn by_email<'c>(db: impl Exec<'c>, email: &str) -> Result<Option<PersonRow>, ApiError> {
    let s: Option<Stored> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM people WHERE email = $1"))
            .bind(email)
            .fetch_optional(db)
            .await?;
    Ok(s.map(PersonRow::from))
}

pub async fn of_center<'c>(db: impl Exec<'c>, center_id: &str) -> Result<Vec<PersonRow>, ApiError> {
    let rows: Vec<Stored> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM people WHERE center_id = $1 \
         ORDER BY CASE WHEN frozen_at IS NULL THEN 1 ELSE 0 END, name, email"
    ))
    .bind(center_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(PersonRow::from).collect())
}

/// The sign-in emails of shared classroom accounts: generic addresses by definition.
pub async fn shared_emails<'c>(db: impl Exec<'c>) -> Result<Vec<String>, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT email FROM people WHERE shared = 1")
            .fetch_all(db)
            .await?,
    )
}

pub struct NewPerson<'a> {
    pub id: &'a str,
    pub center_id: &'a str,
    /// Lower-cased.
    pub email: &'a str,
    pub name: &'a str,
    pub roles: &'a [Role],
    pub shared: bool,
    pub password_hash: &'a str,
    pub locale: Locale,
    /// The administrator adding them, if one is.
    pub created_by: Option<&'a str>,
}

/// Adds a person: `EmailTaken` when someone already signs in with the email.
pub async fn insert<'c>(
    db: impl Exec<'c>,
    p: &NewPerson<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let r = sqlx::query(
        "INSERT INTO people (id, center_id, email, name, roles, shared, password_hash, created_at, \
         locale, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(p.id)
    .bind(p.center_id)
    .bind(p.email)
    .bind(p.name)
    .bind(join_list(p.roles))
    .bind(flag(p.shared))
    .bind(p.password_hash)
    .bind(to_ms(now))
    .bind(p.locale.as_str())
    .bind(p.created_by)
    .execute(db)
    .await;
    match r {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Err(ApiError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// Locks the person's row until the transaction ends, for rules that count the person's rows
/// (hourly caps, enrollments, the last method). PostgreSQL needs it under READ COMMITTED;
/// on SQLite the transaction already holds the database's one write lock. `NO KEY UPDATE`:
/// rows that merely reference the person (a new challenge's foreign key) take a key-share
/// lock, which this one lets be, so two sign-ins of one person never deadlock.
pub async fn lock(tx: &mut sqlx::AnyConnection, person_id: &str) -> Result<(), ApiError> {
    if let Some(lock) = lock_statement(Backend::of(tx), person_id) {
        lock.execute(&mut *tx).await?;
    }
    Ok(())
}

/// `lock` for a batch: none on SQLite, whose one writer already excludes the others.
pub fn lock_statement(backend: Backend, person_id: &str) -> Option<Statement<'_>> {
    (backend == Backend::Postgres).then(|| {
        Statement::new("SELECT id FROM people WHERE id = $1 FOR NO KEY UPDATE").bind(person_id)
    })
}

/// Records one second step of the person, right or wrong, unless their second step is locked
/// now: a right one starts the count again, a wrong one adds to it. The count (or the reset)
/// and the lock check are one conditional write, within the attempt's transaction. The
/// consecutive failures after it, or `None` when locked.
///
/// `recovery_code`: the attempt is a recovery code, which a lock for good does not stop (it is
/// the way past one besides a reset); a timed lock stops it like any code.
pub async fn record_second_step(
    tx: &mut sqlx::AnyConnection,
    person_id: &str,
    passed: bool,
    now: DateTime<Utc>,
    rules: &LockRules,
    recovery_code: bool,
) -> Result<Option<u32>, ApiError> {
    let n = record_second_step_statement(person_id, passed, now, rules, recovery_code)
        .fetch_scalar(&mut *tx)
        .await?;
    Ok(n.map(unsigned))
}

/// `record_second_step` for a batch: it returns the failures after it, or no row when locked.
pub fn record_second_step_statement<'a>(
    person_id: &'a str,
    passed: bool,
    now: DateTime<Utc>,
    rules: &LockRules,
    recovery_code: bool,
) -> Statement<'a> {
    Statement::new(
        "UPDATE people SET \
           failed_second_steps = CASE WHEN $4 = 1 THEN 0 ELSE failed_second_steps + 1 END, \
           second_step_locked_until = CASE WHEN $4 = 1 THEN NULL ELSE second_step_locked_until END \
         WHERE id = $1 AND ($5 = 1 OR failed_second_steps < $2) \
           AND (second_step_locked_until IS NULL OR second_step_locked_until <= $3) \
         RETURNING failed_second_steps",
    )
    .bind(person_id)
    .bind(count(rules.locked_for_good_at))
    .bind(to_ms(now))
    .bind(flag(passed))
    .bind(flag(recovery_code))
}

/// Whether the next sign-in must choose a new password first (set by an unfreeze, cleared by
/// the new password).
pub async fn set_must_change_password<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    must: bool,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE people SET must_change_password = $1 WHERE id = $2")
        .bind(flag(must))
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Freezes or unfreezes the person: whether it changed anything.
pub async fn set_frozen<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    at: Option<DateTime<Utc>>,
) -> Result<bool, ApiError> {
    let r = sqlx::query("UPDATE people SET frozen_at = $1 WHERE id = $2")
        .bind(at.map(to_ms))
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Disables or enables the person.
pub async fn set_disabled<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    at: Option<DateTime<Utc>>,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE people SET disabled_at = $1 WHERE id = $2")
        .bind(at.map(to_ms))
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A new password hash (the person changed their password).
pub async fn set_password_hash<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    hash: &str,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE people SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Starts a lock. A lock for good needs no time: the count itself holds it.
pub async fn lock_second_step<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    lock: LockState,
) -> Result<(), ApiError> {
    if let LockState::Until(until) = lock {
        sqlx::query("UPDATE people SET second_step_locked_until = $1 WHERE id = $2")
            .bind(to_ms(until))
            .bind(person_id)
            .execute(db)
            .await?;
    }
    Ok(())
}

/// Uses up the one skip of setup, if any is left: false when none was.
pub async fn use_setup_skip<'c>(db: impl Exec<'c>, person_id: &str) -> Result<bool, ApiError> {
    let r = sqlx::query(
        "UPDATE people SET setup_skips_left = setup_skips_left - 1 \
         WHERE id = $1 AND setup_skips_left > 0",
    )
    .bind(person_id)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// An administrator's reset: no skip, no preferred method, the failure count cleared.
pub async fn reset_two_step<'c>(db: impl Exec<'c>, person_id: &str) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE people SET setup_skips_left = 0, preferred_method_id = NULL, \
         failed_second_steps = 0, second_step_locked_until = NULL WHERE id = $1",
    )
    .bind(person_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Prefers one of the person's methods; false if it is not theirs.
pub async fn set_preferred<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    method_id: &str,
) -> Result<bool, ApiError> {
    let r = sqlx::query(
        "UPDATE people SET preferred_method_id = $1 WHERE id = $2 \
         AND EXISTS (SELECT 1 FROM methods WHERE id = $1 AND person_id = $2)",
    )
    .bind(method_id)
    .bind(person_id)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Makes `method_id` the preferred method unless the person prefers one that still exists.
pub async fn prefer_unless_set<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    method_id: &str,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE people SET preferred_method_id = $1 WHERE id = $2 \
         AND (preferred_method_id IS NULL \
              OR preferred_method_id NOT IN (SELECT id FROM methods WHERE person_id = $2))",
    )
    .bind(method_id)
    .bind(person_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The person's language.
pub async fn set_locale<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    locale: Locale,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE people SET locale = $1 WHERE id = $2")
        .bind(locale.as_str())
        .bind(person_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Claims the person's reminder for today: true if they were not reminded since `since` (and
/// now are), and still have no method and an enabled account. One conditional write, so two
/// administrators sending reminders at once remind each person once, and whoever set up in
/// the meantime is left alone.
pub async fn claim_reminder<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE people SET reminded_at = $1 WHERE id = $2 \
         AND (reminded_at IS NULL OR reminded_at <= $3) AND disabled_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM methods WHERE methods.person_id = people.id)",
    )
    .bind(to_ms(now))
    .bind(person_id)
    .bind(to_ms(since))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The WebAuthn user handle of the person's passkeys, made (random) the first time. A write
/// first: it may open a transaction.
pub async fn passkey_handle<'c>(db: impl Exec<'c>, person_id: &str) -> Result<String, ApiError> {
    let made = uuid::Uuid::new_v4().to_string();
    Ok(sqlx::query_scalar(
        "UPDATE people SET passkey_handle = COALESCE(passkey_handle, $2) WHERE id = $1 \
         RETURNING passkey_handle",
    )
    .bind(person_id)
    .bind(made)
    .fetch_one(db)
    .await?)
}
