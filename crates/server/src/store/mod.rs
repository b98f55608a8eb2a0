//! The SQLite store: opening it, the stored rows, and the queries several flows share. The
//! limits live in the submodules, each one conditional write that counts an attempt before
//! the flow checks it (`challenges::claim_attempt`, `people::claim_second_step`, …).

pub mod attempts;
pub mod challenges;
pub mod enrollments;
pub mod methods;
pub mod people;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, SqliteExecutor, SqlitePool};
use twostep_api as api;
use twostep_core::lockout::{LockRules, LockState};
use twostep_core::{method, Kind, Role};

use crate::clock::{from_ms, to_ms};
use crate::error::ApiError;

/// Opens (or creates) the database and runs the migrations. Several server processes may
/// start at once on one data folder: an exclusive lock on `<db>.lock` makes them migrate one
/// after the other. The database is the server's alone: created 0600 (SQLite gives its WAL
/// and shared-memory files the database's mode), and tightened to 0600 if found wider.
pub async fn open(path: &Path) -> anyhow::Result<SqlitePool> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    private_file(path)?;
    let lock_path = path.with_extension("db.lock");
    let lock = tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        let f = open_private(&lock_path)?;
        f.lock()?;
        Ok(f)
    })
    .await??;
    let pool = connect(path).await;
    let migrated = match pool {
        Ok(pool) => sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map(|()| pool)
            .map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    drop(lock);
    migrated
}

async fn connect(path: &Path) -> anyhow::Result<SqlitePool> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Two server processes may share the file: wait for the other's write lock.
        .busy_timeout(Duration::from_secs(10));
    Ok(SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await?)
}

/// Creates the data folder, readable by the server's user alone (0700), if it is not there.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)
}

/// Creates `path` with mode 0600 if missing; narrows it (and its WAL files) to 0600 if wider.
fn private_file(path: &Path) -> std::io::Result<()> {
    open_private(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let p = std::path::PathBuf::from(p);
            let Ok(meta) = std::fs::metadata(&p) else {
                continue;
            };
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(file = %p.display(), "the database was readable by other users; narrowed to 0600");
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

#[derive(Clone, FromRow)]
pub struct PersonRow {
    pub id: String,
    pub center_id: String,
    pub email: String,
    pub name: String,
    pub roles: String,
    pub shared: bool,
    pub password_hash: String,
    pub setup_skips_left: i64,
    pub preferred_method_id: Option<String>,
    pub failed_second_steps: i64,
    pub second_step_locked_until: Option<i64>,
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
    pub fn roles(&self) -> Vec<Role> {
        parse_list(&self.roles)
    }

    pub fn is_admin(&self) -> bool {
        self.roles().contains(&Role::Admin)
    }

    /// Where the person's second step stands after failed second steps, at `now`.
    pub fn lock_state(&self, rules: &LockRules, now: DateTime<Utc>) -> LockState {
        rules.state(
            u32::try_from(self.failed_second_steps).unwrap_or(u32::MAX),
            self.second_step_locked_until.map(from_ms),
            now,
        )
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct MethodRow {
    pub id: String,
    pub person_id: String,
    pub kind: String,
    pub address: Option<String>,
    pub secret_sealed: Option<Vec<u8>>,
    pub last_step: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl MethodRow {
    pub fn kind(&self) -> Result<Kind, ApiError> {
        Kind::from_str(&self.kind).map_err(|e| ApiError::internal(e.to_string()))
    }

    /// The Method of API.md; `allowed` is what the center allows now.
    pub fn to_api(&self, allowed: &[Kind]) -> Result<api::Method, ApiError> {
        let kind = self.kind()?;
        Ok(api::Method {
            id: self.id.clone(),
            kind: kind_to_api(kind),
            hint: method::hint(kind, self.address.as_deref()),
            created_at: from_ms(self.created_at),
            last_used_at: self.last_used_at.map(from_ms),
            allowed: allowed.contains(&kind),
        })
    }

    /// Whether this method may sign in under the center's policy.
    pub fn is_allowed(&self, allowed: &[Kind]) -> bool {
        self.kind().is_ok_and(|k| allowed.contains(&k))
    }
}

pub fn parse_list<T: FromStr>(s: &str) -> Vec<T> {
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

pub fn join_list<T: ToString>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

pub fn kind_to_api(k: Kind) -> api::Kind {
    match k {
        Kind::Totp => api::Kind::Totp,
        Kind::Email => api::Kind::Email,
        Kind::Sms => api::Kind::Sms,
    }
}

pub fn kind_from_api(k: api::Kind) -> Kind {
    match k {
        api::Kind::Totp => Kind::Totp,
        api::Kind::Email => Kind::Email,
        api::Kind::Sms => Kind::Sms,
    }
}

pub fn role_to_api(r: Role) -> api::Role {
    match r {
        Role::Staff => api::Role::Staff,
        Role::Guardian => api::Role::Guardian,
        Role::Admin => api::Role::Admin,
    }
}

pub fn role_from_api(r: api::Role) -> Role {
    match r {
        api::Role::Staff => Role::Staff,
        api::Role::Guardian => Role::Guardian,
        api::Role::Admin => Role::Admin,
    }
}

const PERSON_COLUMNS: &str = "id, center_id, email, name, roles, shared, password_hash, \
     setup_skips_left, preferred_method_id, failed_second_steps, second_step_locked_until";

pub(crate) const METHOD_COLUMNS: &str =
    "id, person_id, kind, address, secret_sealed, last_step, created_at, last_used_at";

pub async fn person_by_id(
    db: impl SqliteExecutor<'_>,
    id: &str,
) -> Result<Option<PersonRow>, ApiError> {
    Ok(
        sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = ?"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

pub async fn person_by_email(
    db: impl SqliteExecutor<'_>,
    email: &str,
) -> Result<Option<PersonRow>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {PERSON_COLUMNS} FROM people WHERE email = ?"
    ))
    .bind(email)
    .fetch_optional(db)
    .await?)
}

pub async fn people_of_center(
    db: impl SqliteExecutor<'_>,
    center_id: &str,
) -> Result<Vec<PersonRow>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {PERSON_COLUMNS} FROM people WHERE center_id = ? ORDER BY name, email"
    ))
    .bind(center_id)
    .fetch_all(db)
    .await?)
}

pub async fn methods_of(
    db: impl SqliteExecutor<'_>,
    person_id: &str,
) -> Result<Vec<MethodRow>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {METHOD_COLUMNS} FROM methods WHERE person_id = ? ORDER BY created_at, id"
    ))
    .bind(person_id)
    .fetch_all(db)
    .await?)
}

/// One of the person's methods; `None` if it is not theirs (or not there).
pub async fn method_of(
    db: impl SqliteExecutor<'_>,
    person_id: &str,
    method_id: &str,
) -> Result<Option<MethodRow>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {METHOD_COLUMNS} FROM methods WHERE id = ? AND person_id = ?"
    ))
    .bind(method_id)
    .bind(person_id)
    .fetch_optional(db)
    .await?)
}

pub async fn allowed_kinds(
    db: impl SqliteExecutor<'_>,
    center_id: &str,
) -> Result<Vec<Kind>, ApiError> {
    let s: String = sqlx::query_scalar("SELECT allowed_kinds FROM centers WHERE id = ?")
        .bind(center_id)
        .fetch_one(db)
        .await?;
    Ok(parse_list(&s))
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
pub fn methods_preferred_first(
    person: &PersonRow,
    methods: &[MethodRow],
    allowed: &[Kind],
) -> Result<(Vec<api::Method>, Option<String>), ApiError> {
    let pref = preferred(person, methods, allowed);
    let mut list = methods
        .iter()
        .map(|m| m.to_api(allowed))
        .collect::<Result<Vec<_>, _>>()?;
    list.sort_by_key(|m| (Some(&m.id) != pref.as_ref(), !m.allowed));
    Ok((list, pref))
}

/// The center's name and the kinds it allows.
pub async fn center_of(
    db: impl SqliteExecutor<'_>,
    center_id: &str,
) -> Result<(String, Vec<Kind>), ApiError> {
    let (name, kinds): (String, String) =
        sqlx::query_as("SELECT name, allowed_kinds FROM centers WHERE id = ?")
            .bind(center_id)
            .fetch_one(db)
            .await?;
    Ok((name, parse_list(&kinds)))
}

/// The Person of API.md.
pub async fn person_view(db: &SqlitePool, person: &PersonRow) -> Result<api::Person, ApiError> {
    let (center_name, allowed) = center_of(db, &person.center_id).await?;
    let methods = methods_of(db, &person.id).await?;
    let (list, pref) = methods_preferred_first(person, &methods, &allowed)?;
    let roles = person.roles();
    Ok(api::Person {
        id: person.id.clone(),
        email: person.email.clone(),
        name: person.name.clone(),
        roles: roles.iter().copied().map(role_to_api).collect(),
        shared: person.shared,
        center: api::CenterRef {
            id: person.center_id.clone(),
            name: center_name,
        },
        two_step: api::TwoStep {
            required: twostep_core::policy::two_step_required(&roles),
            enabled: !list.is_empty(),
            setup_skips_left: u32::try_from(person.setup_skips_left).unwrap_or(0),
            methods: list,
            preferred_method_id: pref,
        },
    })
}

/// The security events of the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    SignInPassed,
    SignInFailed,
    SecondStepPassed,
    CodeSent,
    CodeFailed,
    ChallengeLocked,
    PersonLocked,
    SetupOffered,
    SetupSkipped,
    MethodAdded,
    MethodRemoved,
    PreferredChanged,
    TwoStepReset,
    PolicyChanged,
    PersonAdded,
    SignedOut,
    DeliveryFailed,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        use AuditAction::*;
        match self {
            SignInPassed => "sign_in_passed",
            SignInFailed => "sign_in_failed",
            SecondStepPassed => "second_step_passed",
            CodeSent => "code_sent",
            CodeFailed => "code_failed",
            ChallengeLocked => "challenge_locked",
            PersonLocked => "person_locked",
            SetupOffered => "setup_offered",
            SetupSkipped => "setup_skipped",
            MethodAdded => "method_added",
            MethodRemoved => "method_removed",
            PreferredChanged => "preferred_method_changed",
            TwoStepReset => "two_step_reset",
            PolicyChanged => "policy_changed",
            PersonAdded => "person_added",
            SignedOut => "signed_out",
            DeliveryFailed => "delivery_failed",
        }
    }
}

/// One entry of the audit trail. Its `detail` must never hold a secret, code or token: hints
/// only.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    action: AuditAction,
    center_id: Option<&'a str>,
    actor_id: Option<&'a str>,
    person_id: Option<&'a str>,
    detail: &'a str,
}

impl<'a> Event<'a> {
    pub fn new(action: AuditAction) -> Self {
        Self {
            action,
            center_id: None,
            actor_id: None,
            person_id: None,
            detail: "",
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

    pub fn detail(mut self, detail: &'a str) -> Self {
        self.detail = detail;
        self
    }

    pub async fn record(
        self,
        db: impl SqliteExecutor<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        sqlx::query(
            "INSERT INTO audit (at, center_id, actor_id, person_id, action, detail) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(to_ms(now))
        .bind(self.center_id)
        .bind(self.actor_id)
        .bind(self.person_id)
        .bind(self.action.as_str())
        .bind(self.detail)
        .execute(db)
        .await?;
        Ok(())
    }
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
