//! Confirmed verification methods.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use twostep_api as api;
use twostep_core::{method, Kind};

use super::batch::Statement;
use super::{kind_to_api, Exec, PersonRow};
use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// A method, as the rules see it.
#[derive(Debug, Clone)]
pub struct MethodRow {
    pub id: String,
    pub kind: Kind,
    /// The email or E.164 phone; none for an authenticator app.
    pub address: Option<String>,
    /// An authenticator's secret, sealed with the server key.
    pub secret_sealed: Option<Vec<u8>>,
    /// The last TOTP step accepted: never accepted again.
    pub last_step: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// A passkey's name, as its owner gave it.
    pub name: Option<String>,
}

impl MethodRow {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// What is shown for it: the hidden address, or a passkey's name.
    pub fn hint(&self) -> String {
        method::hint(self.kind, self.address.as_deref().or(self.name.as_deref()))
    }

    /// The Method of API.md; `allowed` is what the center allows now.
    pub fn to_api(&self, allowed: &[Kind]) -> api::Method {
        api::Method {
            id: self.id.clone(),
            kind: kind_to_api(self.kind),
            hint: self.hint(),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            allowed: allowed.contains(&self.kind),
        }
    }

    /// Whether this method may sign in under the center's policy.
    pub fn is_allowed(&self, allowed: &[Kind]) -> bool {
        allowed.contains(&self.kind)
    }
}

#[derive(FromRow)]
struct Stored {
    id: String,
    kind: String,
    address: Option<String>,
    secret_sealed: Option<Vec<u8>>,
    last_step: Option<i64>,
    created_at: i64,
    last_used_at: Option<i64>,
    name: Option<String>,
}

impl TryFrom<Stored> for MethodRow {
    type Error = ApiError;
    fn try_from(s: Stored) -> Result<Self, ApiError> {
        Ok(Self {
            kind: s
                .kind
                .parse()
                .map_err(|e: twostep_core::RuleError| ApiError::internal(e.to_string()))?,
            id: s.id,
            address: s.address,
            secret_sealed: s.secret_sealed,
            last_step: s.last_step.and_then(|n| u64::try_from(n).ok()),
            created_at: from_ms(s.created_at),
            last_used_at: s.last_used_at.map(from_ms),
            name: s.name,
        })
    }
}

fn converted(rows: Vec<Stored>) -> Result<Vec<MethodRow>, ApiError> {
    rows.into_iter().map(MethodRow::try_from).collect()
}

const COLUMNS: &str = "id, kind, address, secret_sealed, last_step, created_at, last_used_at, name";

/// A method's columns from `methods m`, prefixed `m_`, for reads that join it (all null when
/// the join finds none).
pub const PREFIXED_COLUMNS: &str =
    "m.id AS m_id, m.kind AS m_kind, m.address AS m_address, m.secret_sealed AS m_secret_sealed, \
     m.last_step AS m_last_step, m.created_at AS m_created_at, \
     m.last_used_at AS m_last_used_at, m.name AS m_name";

#[derive(FromRow)]
pub struct Prefixed {
    m_id: Option<String>,
    m_kind: Option<String>,
    m_address: Option<String>,
    m_secret_sealed: Option<Vec<u8>>,
    m_last_step: Option<i64>,
    m_created_at: Option<i64>,
    m_last_used_at: Option<i64>,
    m_name: Option<String>,
}

impl Prefixed {
    pub fn into_method(self) -> Result<Option<MethodRow>, ApiError> {
        let (Some(id), Some(kind), Some(created_at)) = (self.m_id, self.m_kind, self.m_created_at)
        else {
            return Ok(None);
        };
        MethodRow::try_from(Stored {
            id,
            kind,
            address: self.m_address,
            secret_sealed: self.m_secret_sealed,
            last_step: self.m_last_step,
            created_at,
            last_used_at: self.m_last_used_at,
            name: self.m_name,
        })
        .map(Some)
    }
}

/// The person's methods, oldest first.
pub async fn of_person<'c>(db: impl Exec<'c>, person_id: &str) -> Result<Vec<MethodRow>, ApiError> {
    converted(
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM methods WHERE person_id = $1 ORDER BY created_at, id"
        ))
        .bind(person_id)
        .fetch_all(db)
        .await?,
    )
}

#[derive(FromRow)]
struct WithRecovery {
    #[sqlx(flatten)]
    method: Prefixed,
    recovery_left: i64,
}

/// The person's methods, oldest first, and their unused recovery codes, in one read (the
/// Person view on every `GET /me` and every sign-in: one round trip, not two).
pub async fn of_person_with_recovery<'c>(
    db: impl Exec<'c>,
    person_id: &str,
) -> Result<(Vec<MethodRow>, u32), ApiError> {
    let rows: Vec<WithRecovery> = sqlx::query_as(&with_recovery_sql())
        .bind(person_id)
        .fetch_all(db)
        .await?;
    with_recovery(rows)
}

fn with_recovery_sql() -> String {
    // The one-row select keeps the count when the person has no method.
    format!(
        "SELECT {PREFIXED_COLUMNS}, \
           (SELECT COUNT(*) FROM recovery_codes r WHERE r.person_id = $1 AND r.used_at IS NULL) \
             AS recovery_left \
         FROM (SELECT 1 AS one) o LEFT JOIN methods m ON m.person_id = $1 \
         ORDER BY m.created_at, m.id"
    )
}

fn with_recovery(rows: Vec<WithRecovery>) -> Result<(Vec<MethodRow>, u32), ApiError> {
    let left = rows.first().map_or(0, |r| super::unsigned(r.recovery_left));
    let mut methods = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(m) = r.method.into_method()? {
            methods.push(m);
        }
    }
    Ok((methods, left))
}

/// One of the person's methods; `None` if it is not theirs (or not there).
pub async fn of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
    method_id: &str,
) -> Result<Option<MethodRow>, ApiError> {
    let s: Option<Stored> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM methods WHERE id = $1 AND person_id = $2"
    ))
    .bind(method_id)
    .bind(person_id)
    .fetch_optional(db)
    .await?;
    s.map(MethodRow::try_from).transpose()
}

pub struct NewMethod<'a> {
    pub id: &'a str,
    pub person_id: &'a str,
    pub kind: Kind,
    pub address: Option<&'a str>,
    pub secret_sealed: Option<&'a [u8]>,
    /// The TOTP step used to confirm it: spent, it can sign no one in afterwards.
    pub last_step: Option<u64>,
    /// For a staff member's address: their center. Two staff members of a center never
    /// verify with one address (a unique index holds it, whatever the race).
    pub staff_center_id: Option<&'a str>,
}

/// Inserts a method: `AlreadyAdded` when the person has it, `AddressInUse` when another staff
/// member of the center does.
pub async fn insert<'c>(
    db: impl Exec<'c>,
    m: &NewMethod<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let r = sqlx::query(
        "INSERT INTO methods (id, person_id, kind, address, secret_sealed, last_step, created_at, \
         last_used_at, staff_center_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(m.id)
    .bind(m.person_id)
    .bind(m.kind.as_str())
    .bind(m.address)
    .bind(m.secret_sealed)
    .bind(m.last_step.and_then(|s| i64::try_from(s).ok()))
    .bind(to_ms(now))
    .bind(m.staff_center_id)
    .execute(db)
    .await;
    match r {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            // SQLite names the index's columns; PostgreSQL names the index.
            let staff = d.message().contains("staff_center_id")
                || d.constraint() == Some("methods_staff_address");
            Err(if staff {
                ApiError::AddressInUse
            } else {
                ApiError::AlreadyAdded
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes one of the person's methods unless it is their last (lock the person first).
/// `None` when it was not theirs or not there; `Some(false)` when it is the last one.
pub async fn delete_unless_last(
    tx: &mut sqlx::AnyConnection,
    person_id: &str,
    method_id: &str,
) -> Result<Option<bool>, ApiError> {
    let deleted = sqlx::query(
        "DELETE FROM methods WHERE id = $1 AND person_id = $2 \
         AND (SELECT COUNT(*) FROM methods WHERE person_id = $2) > 1",
    )
    .bind(method_id)
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 1 {
        return Ok(Some(true));
    }
    let there: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM methods WHERE id = $1 AND person_id = $2")
            .bind(method_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(there.map(|_| false))
}

/// Removes every method of the person (an administrator's reset) and returns them. A write
/// first: it may open a transaction.
pub async fn delete_all_of<'c>(
    db: impl Exec<'c>,
    person_id: &str,
) -> Result<Vec<MethodRow>, ApiError> {
    converted(
        sqlx::query_as(&format!(
            "DELETE FROM methods WHERE person_id = $1 RETURNING {COLUMNS}"
        ))
        .bind(person_id)
        .fetch_all(db)
        .await?,
    )
}

/// Whether another staff member of the center already verifies with this address.
pub async fn address_used_by_other_staff<'c>(
    db: impl Exec<'c>,
    center_id: &str,
    kind: Kind,
    address: &str,
    person_id: &str,
) -> Result<bool, ApiError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM methods WHERE staff_center_id = $1 AND kind = $2 AND address = $3 \
         AND person_id <> $4 LIMIT 1",
    )
    .bind(center_id)
    .bind(kind.as_str())
    .bind(address)
    .bind(person_id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Marks a TOTP step used (and the method used now); false if that step or a later one was
/// used already: a step once accepted is never accepted again.
pub async fn claim_totp_step<'c>(
    db: impl Exec<'c>,
    method_id: &str,
    step: u64,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    Ok(claim_totp_step_statement(method_id, step, now)?
        .execute(db)
        .await?
        == 1)
}

/// `claim_totp_step` for a batch: it changed one row if the step was claimed.
pub fn claim_totp_step_statement(
    method_id: &str,
    step: u64,
    now: DateTime<Utc>,
) -> Result<Statement<'_>, ApiError> {
    let step = i64::try_from(step).map_err(|_| ApiError::internal("time step"))?;
    Ok(Statement::new(
        "UPDATE methods SET last_step = $1, last_used_at = $2 \
         WHERE id = $3 AND (last_step IS NULL OR last_step < $1)",
    )
    .bind(step)
    .bind(to_ms(now))
    .bind(method_id))
}

pub async fn mark_used<'c>(
    db: impl Exec<'c>,
    method_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE methods SET last_used_at = $1 WHERE id = $2")
        .bind(to_ms(now))
        .bind(method_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The preferred method: the person's choice if it still exists and the center allows it, else
/// the oldest allowed one, else the oldest.
pub fn preferred(person: &PersonRow, methods: &[MethodRow], allowed: &[Kind]) -> Option<String> {
    let usable = || methods.iter().filter(|m| m.is_allowed(allowed));
    person
        .preferred_method_id
        .as_ref()
        .filter(|id| usable().any(|m| &m.id == *id))
        .cloned()
        .or_else(|| usable().next().map(|m| m.id.clone()))
        .or_else(|| methods.first().map(|m| m.id.clone()))
}

/// Methods with the preferred one first, then the allowed ones.
pub fn preferred_first(
    person: &PersonRow,
    methods: &[MethodRow],
    allowed: &[Kind],
) -> (Vec<api::Method>, Option<String>) {
    let pref = preferred(person, methods, allowed);
    let mut list: Vec<api::Method> = methods.iter().map(|m| m.to_api(allowed)).collect();
    list.sort_by_key(|m| (Some(&m.id) != pref.as_ref(), !m.allowed));
    (list, pref)
}

/// Every method of the center's people, as (person, kind): the rollout report's counts.
pub async fn kinds_in_center<'c>(
    db: impl Exec<'c>,
    center_id: &str,
) -> Result<Vec<(String, Kind)>, ApiError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.person_id, m.kind FROM methods m JOIN people p ON p.id = m.person_id \
         WHERE p.center_id = $1",
    )
    .bind(center_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(person, kind)| Some((person, kind.parse().ok()?)))
        .collect())
}

/// A new passkey: what `second_step::passkey` made of the browser's answer, and its name.
pub struct NewPasskey<'a> {
    pub id: &'a str,
    pub person_id: &'a str,
    pub credential_id: &'a str,
    pub credential: &'a str,
    pub sign_count: u32,
    pub name: &'a str,
}

/// Inserts a passkey: `AlreadyAdded` when this credential is registered already (to anyone:
/// one credential is one person's).
pub async fn insert_passkey<'c>(
    db: impl Exec<'c>,
    p: &NewPasskey<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let r = sqlx::query(
        "INSERT INTO methods (id, person_id, kind, credential_id, credential, sign_count, name, \
         created_at, last_used_at) VALUES ($1, $2, 'passkey', $3, $4, $5, $6, $7, $7)",
    )
    .bind(p.id)
    .bind(p.person_id)
    .bind(p.credential_id)
    .bind(p.credential)
    .bind(i64::from(p.sign_count))
    .bind(p.name)
    .bind(to_ms(now))
    .execute(db)
    .await;
    match r {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Err(ApiError::AlreadyAdded),
        Err(e) => Err(e.into()),
    }
}

/// The credential ids (base64url) of the person's passkeys.
pub async fn passkey_ids<'c>(db: impl Exec<'c>, person_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(sqlx::query_scalar(
        "SELECT credential_id FROM methods WHERE person_id = $1 AND kind = 'passkey'",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?)
}

/// A passkey as stored: the credential (JSON) and its counter.
#[derive(Debug, FromRow)]
pub struct StoredPasskey {
    pub method_id: String,
    pub person_id: String,
    pub credential: String,
    sign_count: i64,
    /// The user handle its person's passkeys carry.
    pub handle: Option<String>,
}

impl StoredPasskey {
    pub fn sign_count(&self) -> u32 {
        u32::try_from(self.sign_count).unwrap_or(u32::MAX)
    }
}

const PASSKEY_COLUMNS: &str = "m.id AS method_id, m.person_id, m.credential, m.sign_count, \
                               p.passkey_handle AS handle";

/// The passkey method `method_id`, as stored now.
pub async fn passkey<'c>(
    db: impl Exec<'c>,
    method_id: &str,
) -> Result<Option<StoredPasskey>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {PASSKEY_COLUMNS} FROM methods m JOIN people p ON p.id = m.person_id \
         WHERE m.id = $1 AND m.kind = 'passkey'"
    ))
    .bind(method_id)
    .fetch_optional(db)
    .await?)
}

/// The passkey with this credential id (base64url), whoever's it is.
pub async fn passkey_by_credential<'c>(
    db: impl Exec<'c>,
    credential_id: &str,
) -> Result<Option<StoredPasskey>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {PASSKEY_COLUMNS} FROM methods m JOIN people p ON p.id = m.person_id \
         WHERE m.credential_id = $1 AND m.kind = 'passkey'"
    ))
    .bind(credential_id)
    .fetch_optional(db)
    .await?)
}

/// Stores a passkey back after it signed in (its counter and flags moved on), unless another
/// answer moved its counter first (`was`): false then, and the sign-in is refused.
pub async fn passkey_used<'c>(
    db: impl Exec<'c>,
    method_id: &str,
    credential: &str,
    was: u32,
    now_count: u32,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let r = sqlx::query(
        "UPDATE methods SET credential = $1, sign_count = $2, last_used_at = $3 \
         WHERE id = $4 AND sign_count = $5",
    )
    .bind(credential)
    .bind(i64::from(now_count))
    .bind(to_ms(now))
    .bind(method_id)
    .bind(i64::from(was))
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}
