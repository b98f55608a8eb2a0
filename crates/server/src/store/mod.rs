//! The store: the only place with SQL. One module per table, each with named functions over a
//! connection or a transaction; rows become domain types here, once (roles, kinds, times as
//! `DateTime<Utc>`, counts as unsigned).
//!
//! Two backends behind one interface (sqlx's `Any` driver, one SQL text for both, `$1`-style
//! parameters): SQLite, the embedded default, and PostgreSQL for several servers behind a load
//! balancer. Every limit is a conditional write that counts an attempt before the flow checks
//! it (`challenges::claim_attempt`, `people::claim_second_step`, …). Where a rule counts rows
//! (an hourly cap, the last method), the transaction first locks the row the rule is about
//! (`people::lock`): PostgreSQL's READ COMMITTED needs it; SQLite's single writer has it.

pub mod app_codes;
pub mod attempts;
pub mod audit;
pub mod backup;
pub mod batch;
pub mod centers;
pub mod ceremonies;
pub mod challenges;
mod checkpoint;
pub mod codes;
pub mod day_passes;
pub mod devices;
pub mod enrollments;
pub mod files;
pub mod freeze_tokens;
pub mod methods;
pub mod outbox;
pub mod password_links;
pub mod password_tokens;
pub mod people;
pub mod recovery_codes;
pub mod remembered;
pub mod reset_requests;
pub mod retention;
pub mod server_key;
pub mod tokens;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor};
use twostep_api as api;
use twostep_core::{Kind, Locale, Role};

use crate::error::ApiError;

pub use audit::{AuditAction, AuditReason, Event};
pub use methods::MethodRow;
pub use people::PersonRow;

/// A write transaction. Its first statement should be a write: on SQLite it is `BEGIN
/// IMMEDIATE` on the one writer connection, so nothing waits out a busy timeout inside one
/// process. A message queued in it (`delivery::queue`) marks it, and its commit wakes the
/// courier: the message leaves as soon as the commit makes it real, with no call in each flow
/// (and none for a transaction rolled back). Queries run on `&mut *tx`, its connection.
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    queued: bool,
    outbox: Arc<Notify>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await?;
        if self.queued {
            self.outbox.notify_one();
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }

    /// A message was queued in this transaction: its commit wakes the courier.
    pub fn message_queued(&mut self) {
        self.queued = true;
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

/// Anything a query can run on: a pool, a connection, a transaction (`&mut *tx`).
pub trait Exec<'c>: Executor<'c, Database = Any> {}
impl<'c, T: Executor<'c, Database = Any>> Exec<'c> for T {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of a connection, as the `Any` driver names it.
    pub fn of(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The database: a writer and readers on SQLite (WAL lets reads run beside the one writer),
/// one pool on PostgreSQL.
#[derive(Clone)]
pub struct Db {
    write: AnyPool,
    read: AnyPool,
    backend: Backend,
    /// Notified when a transaction that queued a message commits: the courier waits on it.
    outbox: Arc<Notify>,
    /// SQLite's checkpoints, on a connection of their own.
    checkpoint: Option<(AnyPool, Arc<checkpoint::Checkpointer>)>,
    /// How long a write transaction waited for its connection (the metrics' pool waits).
    write_wait: Option<metrics::Histogram>,
}

/// The migrations this build applies at start, per backend.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// `url`: `postgres://…` for PostgreSQL; anything else (or none) is the SQLite file
    /// `sqlite_path`. Migrations run first, one server at a time.
    pub async fn open(url: Option<&str>, sqlite_path: &Path) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        match url {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Self::open_postgres(u).await
            }
            _ => Self::open_sqlite(sqlite_path).await,
        }
    }

    async fn open_postgres(url: &str) -> anyhow::Result<Db> {
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot reach the PostgreSQL database: {e}"))?;
        // sqlx's PostgreSQL migrator holds an advisory lock while it migrates.
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Db {
            write: pool.clone(),
            read: pool,
            backend: Backend::Postgres,
            checkpoint: None,
            outbox: Arc::new(Notify::new()),
            write_wait: None,
        })
    }

    async fn open_sqlite(path: &Path) -> anyhow::Result<Db> {
        if let Some(dir) = path.parent() {
            files::create_private_dir(dir)?;
        }
        files::private_file(path)?;
        let url = sqlite_url(path)?;
        let lock = files::migration_lock(path).await?;
        let write = sqlite_pool(&url, 1, ConnectionRole::Writer).await?;
        SQLITE_MIGRATIONS.run(&write).await?;
        drop(lock);
        let read = sqlite_pool(&url, 4, ConnectionRole::Reader).await?;
        let checkpoints = sqlite_pool(&url, 1, ConnectionRole::Checkpointer).await?;
        let checkpointer = checkpoint::start(checkpoints.clone());
        Ok(Db {
            write,
            read,
            backend: Backend::Sqlite,
            checkpoint: Some((checkpoints, checkpointer)),
            outbox: Arc::new(Notify::new()),
            write_wait: None,
        })
    }

    /// Records from now on how long each write transaction waits for its connection (before
    /// the database is shared with the flows: set once, at start).
    pub fn observe_write_waits(&mut self, histogram: metrics::Histogram) {
        self.write_wait = Some(histogram);
    }

    /// A write transaction.
    pub async fn begin(&self) -> Result<Tx, ApiError> {
        let asked = std::time::Instant::now();
        let inner = match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
        if let Some(h) = &self.write_wait {
            h.record(asked.elapsed().as_secs_f64());
        }
        Ok(Tx {
            inner,
            queued: false,
            outbox: self.outbox.clone(),
        })
    }

    /// What a commit that queued a message notifies (the courier waits on it).
    pub fn outbox_waker(&self) -> Arc<Notify> {
        self.outbox.clone()
    }

    /// For single statements that write (each its own transaction).
    pub fn write(&self) -> &AnyPool {
        &self.write
    }

    /// For reads.
    pub fn read(&self) -> &AnyPool {
        &self.read
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers now (the health check), within two seconds.
    pub async fn ping(&self) -> bool {
        let ping = sqlx::query("SELECT 1").execute(&self.read);
        matches!(
            tokio::time::timeout(Duration::from_secs(2), ping).await,
            Ok(Ok(_))
        )
    }

    /// Whether a migration this build applies at start is not recorded as applied.
    pub async fn migrations_missing(&self) -> Result<bool, ApiError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&self.read)
                .await?;
        Ok(migrator
            .iter()
            .any(|m| applied.binary_search(&m.version).is_err()))
    }

    /// Each pool's connections: its name, how many are open, how many of them idle.
    pub fn connections(&self) -> Vec<(&'static str, u32, u32)> {
        let of = |p: &AnyPool| (p.size(), u32::try_from(p.num_idle()).unwrap_or(u32::MAX));
        match self.backend {
            Backend::Postgres => {
                let (size, idle) = of(&self.write);
                vec![("postgres", size, idle)]
            }
            Backend::Sqlite => {
                let (ws, wi) = of(&self.write);
                let (rs, ri) = of(&self.read);
                vec![("sqlite_writer", ws, wi), ("sqlite_readers", rs, ri)]
            }
        }
    }

    /// Closes every connection (a server stopping; the tests' "unreachable database").
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
        if let Some((pool, _)) = &self.checkpoint {
            pool.close().await;
        }
    }
}

/// `sqlite:///abs/path?mode=rwc`, the path percent-encoded (a space in "Application Support").
pub(crate) fn sqlite_url(path: &Path) -> anyhow::Result<String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let abs = std::fs::canonicalize(dir)?.join(path.file_name().unwrap_or_default());
    let url = url::Url::from_file_path(&abs)
        .map_err(|()| anyhow::anyhow!("not a usable database path: {}", abs.display()))?;
    Ok(format!("sqlite://{}?mode=rwc", url.path()))
}

/// What a pool's SQLite connections are for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ConnectionRole {
    /// The one writer: it does not checkpoint (`checkpoint` does).
    Writer,
    /// Reads only.
    Reader,
    /// Copies the log back into the database file.
    Checkpointer,
}

async fn sqlite_pool(url: &str, connections: u32, role: ConnectionRole) -> anyhow::Result<AnyPool> {
    let opts = AnyConnectOptions::from_str(url)?;
    Ok(AnyPoolOptions::new()
        .max_connections(connections)
        .min_connections(1)
        // A local file does not drop connections the way a network does: no ping before each
        // use (on sqlx's SQLite driver every statement is a round trip to the connection's
        // thread, and the second step is bound by those round trips).
        .test_before_acquire(false)
        // A flow waiting for the writer longer than this is answered 503, never hangs.
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                // Another process (a second server) may hold the write lock: wait for it.
                conn.execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                )
                .await?;
                match role {
                    // `checkpoint` does it; this is the backstop should that task stall (64 MiB
                    // of log), and the log file is cut back to 64 MiB after each reset.
                    ConnectionRole::Writer => {
                        conn.execute(
                            "PRAGMA wal_autocheckpoint = 16000; \
                             PRAGMA journal_size_limit = 67108864;",
                        )
                        .await?
                    }
                    ConnectionRole::Reader => conn.execute("PRAGMA query_only = ON;").await?,
                    // Never holds the write lock long while it waits for a reader (RESTART).
                    ConnectionRole::Checkpointer => {
                        conn.execute("PRAGMA busy_timeout = 50;").await?
                    }
                };
                Ok(())
            })
        })
        .connect_with(opts)
        .await?)
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn parse_list<T: FromStr>(s: &str) -> Vec<T> {
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

pub fn join_list<T: ToString>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

/// Booleans are stored as 0/1 integers on both backends (one SQL text for both).
pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// A count or a limit, as the database stores it.
pub fn count(n: u32) -> i64 {
    i64::from(n)
}

/// A stored count, as the rules take it.
pub fn unsigned(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

pub fn kind_to_api(k: Kind) -> api::Kind {
    match k {
        Kind::Totp => api::Kind::Totp,
        Kind::Email => api::Kind::Email,
        Kind::Sms => api::Kind::Sms,
        Kind::Passkey => api::Kind::Passkey,
    }
}

pub fn kind_from_api(k: api::Kind) -> Kind {
    match k {
        api::Kind::Totp => Kind::Totp,
        api::Kind::Email => Kind::Email,
        api::Kind::Sms => Kind::Sms,
        api::Kind::Passkey => Kind::Passkey,
    }
}

pub fn locale_to_api(l: Locale) -> api::Locale {
    match l {
        Locale::En => api::Locale::En,
        Locale::Es => api::Locale::Es,
    }
}

pub fn locale_from_api(l: api::Locale) -> Locale {
    match l {
        api::Locale::En => Locale::En,
        api::Locale::Es => Locale::Es,
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

/// The Person of API.md.
pub async fn person_view(db: &Db, person: &PersonRow) -> Result<api::Person, ApiError> {
    let center = centers::get(db.read(), &person.center_id).await?;
    person_view_in(db, person, &center).await
}

/// The Person of API.md, the center already read.
pub async fn person_view_in(
    db: &Db,
    person: &PersonRow,
    center: &centers::Center,
) -> Result<api::Person, ApiError> {
    let (methods, recovery_left) = methods::of_person_with_recovery(db.read(), &person.id).await?;
    Ok(person_view_of(person, center, &methods, recovery_left))
}

/// The Person of API.md, from their methods and recovery codes left, already read.
pub fn person_view_of(
    person: &PersonRow,
    center: &centers::Center,
    methods: &[MethodRow],
    recovery_left: u32,
) -> api::Person {
    let (list, pref) =
        methods::preferred_first(person, methods, &center.policy.allowed_for(&person.roles));
    api::Person {
        id: person.id.clone(),
        email: person.email.clone(),
        name: person.name.clone(),
        roles: person.roles.iter().copied().map(role_to_api).collect(),
        shared: person.shared,
        frozen: person.frozen,
        disabled: person.disabled,
        locale: locale_to_api(person.locale),
        center: api::CenterRef {
            id: person.center_id.clone(),
            name: center.name.clone(),
        },
        two_step: api::TwoStep {
            required: center.policy.requires(&person.roles),
            enabled: !list.is_empty(),
            setup_skips_left: twostep_core::policy::setup_skips_left(
                &person.roles,
                person.setup_skips_left,
            ),
            methods: list,
            preferred_method_id: pref,
            recovery_codes_left: recovery_left,
        },
        day_pass: None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{outbox, Db};

    /// Whether `db`'s courier would be woken now (a permit waits on the notify).
    async fn woken(db: &Db) -> bool {
        let waker = db.outbox_waker();
        tokio::time::timeout(Duration::from_millis(50), waker.notified())
            .await
            .is_ok()
    }

    async fn queue_one(tx: &mut super::Tx) {
        let msg = crate::delivery::Message {
            channel: crate::delivery::Channel::Email,
            to: "parent@acorns.example".into(),
            subject: "s".into(),
            body: "b".into(),
            person_id: None,
            locale: twostep_core::Locale::En,
            expires_at: None,
        };
        #[allow(clippy::disallowed_methods)]
        let now = chrono::Utc::now();
        crate::delivery::queue(tx, now, &msg).await.expect("queued");
    }

    /// The commit of a transaction that queued a message wakes the courier; one that queued
    /// none, or one rolled back, does not (and the rolled-back message is not there).
    #[tokio::test]
    async fn a_commit_that_queued_a_message_wakes_the_courier() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = Db::open(None, &dir.path().join("t.db"))
            .await
            .expect("opens");
        let tx = db.begin().await.expect("begins");
        tx.commit().await.expect("commits");
        assert!(!woken(&db).await, "nothing queued, nobody woken");

        let mut tx = db.begin().await.expect("begins");
        queue_one(&mut tx).await;
        tx.rollback().await.expect("rolls back");
        assert!(!woken(&db).await, "rolled back, nobody woken");

        let mut tx = db.begin().await.expect("begins");
        queue_one(&mut tx).await;
        assert!(!woken(&db).await, "not before the commit");
        tx.commit().await.expect("commits");
        assert!(woken(&db).await, "woken by the commit");
        let queued =
            outbox::dev_messages(db.read(), db.backend(), None, chrono::DateTime::UNIX_EPOCH)
                .await
                .expect("read");
        assert_eq!(queued.len(), 1);
    }
}
