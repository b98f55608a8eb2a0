//! A twostep-server in the test process: on port 0, a folder of its own, SQLite or a fresh
//! PostgreSQL database, the dev outbox on, and a clock the test moves. Driven over HTTP with
//! twostep-client; people are added the way the command line adds them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use twostep_client::api::OutboxMessage;
use twostep_client::Client;
use twostep_core::Role;
use twostep_server::operate::{self, NewAccount};
use twostep_server::{AppState, Clock, Config, RunningServer};
use zeroize::Zeroizing;

use crate::{Db, TestClock, CENTER, PASSWORD};

/// The device id of [`TestServer::client`] (unless [`Builder::device`] says otherwise).
pub const TEST_DEVICE: &str = "test-device-1";

/// When the server's clock stands at the start of a test (unless [`Builder::clock`] says
/// otherwise).
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub struct TestServer {
    pub server: RunningServer,
    /// A client on the test's own device ([`TEST_DEVICE`]).
    pub client: Client,
    pub clock: Arc<TestClock>,
    /// Whom [`TestServer::add_person`] adds people to.
    pub center: String,
    /// The device id of [`TestServer::client`] and the name its sign-ins give.
    device_id: String,
    pub(crate) device_name: Option<String>,
    dir: tempfile::TempDir,
}

/// A change to the configuration before the server starts.
type Tune<'a> = Box<dyn FnOnce(&mut Config) + Send + 'a>;

/// How a test server starts: [`TestServer::on`], then what differs, then [`Builder::start`].
pub struct Builder<'a> {
    db: Db,
    clock: TestClock,
    center: String,
    device_id: String,
    device_name: Option<String>,
    tune: Vec<Tune<'a>>,
}

impl<'a> Builder<'a> {
    /// The server's clock (by default standing at [`start_time`]).
    pub fn clock(mut self, clock: TestClock) -> Self {
        self.clock = clock;
        self
    }

    /// The center people are added to (by default [`CENTER`]).
    pub fn center(mut self, name: &str) -> Self {
        self.center = name.to_owned();
        self
    }

    /// The device id of the test's own client and the name its sign-ins give (by default
    /// [`TEST_DEVICE`], "test device").
    pub fn device(mut self, id: &str, name: Option<&str>) -> Self {
        self.device_id = id.to_owned();
        self.device_name = name.map(str::to_owned);
        self
    }

    /// Adjusts the configuration (SMTP, an SMS gateway, a lower lock...).
    pub fn tune(mut self, tune: impl FnOnce(&mut Config) + Send + 'a) -> Self {
        self.tune.push(Box::new(tune));
        self
    }

    pub async fn start(self) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            data: dir.path().to_path_buf(),
            dev_outbox: true,
            ..Config::default()
        };
        // Every test's requests come from 127.0.0.1, more often than a person's would: the
        // per-client limit has tests of its own, which switch it back on.
        cfg.limits.per_client_per_minute = 0;
        if let Some(url) = self.db.new_database_url() {
            // Every server on PostgreSQL must be given its key.
            cfg.database_url = Some(url);
            cfg.key_file = Some(dir.path().join("server.key"));
        }
        for tune in self.tune {
            tune(&mut cfg);
        }
        let clock = Arc::new(self.clock);
        let server = twostep_server::spawn(cfg, clock.clone()).await.unwrap();
        let client = Client::new(server.url()).with_device_id(&self.device_id);
        TestServer {
            server,
            client,
            clock,
            center: self.center,
            device_id: self.device_id,
            device_name: self.device_name,
            dir,
        }
    }
}

impl TestServer {
    /// A server on `db`, to be adjusted before it starts.
    pub fn on<'a>(db: Db) -> Builder<'a> {
        Builder {
            db,
            clock: TestClock::at(start_time()),
            center: CENTER.to_owned(),
            device_id: TEST_DEVICE.to_owned(),
            device_name: Some("test device".to_owned()),
            tune: Vec::new(),
        }
    }

    pub async fn start(db: Db) -> Self {
        Self::on(db).start().await
    }

    /// A server whose configuration `tune` adjusts (SMTP, SMS gateway, ...).
    pub async fn start_with(db: Db, tune: impl FnOnce(&mut Config) + Send) -> Self {
        Self::on(db).tune(tune).start().await
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The server's insides, for what no HTTP call shows (the database's rows).
    pub fn state(&self) -> &AppState {
        &self.server.state
    }

    /// A client on another device (its own `Twostep-Device` id).
    pub fn client_on(&self, device_id: &str) -> Client {
        Client::new(self.server.url()).with_device_id(device_id)
    }

    /// Stops this server and starts another on the same data (a restart).
    pub async fn restart(self) -> Self {
        let cfg = (*self.server.state.cfg).clone();
        let clock = self.clock.clone();
        self.server.stop().await;
        let server = twostep_server::spawn(cfg, clock.clone()).await.unwrap();
        let client = Client::new(server.url()).with_device_id(&self.device_id);
        Self {
            server,
            client,
            clock,
            center: self.center,
            device_id: self.device_id,
            device_name: self.device_name,
            dir: self.dir,
        }
    }

    /// Another server process on this one's database (its own connection pool, as a second
    /// process has), on the same clock.
    pub async fn twin(&self) -> (RunningServer, Client) {
        self.twin_at(None).await
    }

    /// A twin reached at this server's address, as servers behind one load balancer are (a
    /// passkey's origin is that address).
    pub async fn twin_behind_same_address(&self) -> (RunningServer, Client) {
        self.twin_at(Some(self.url())).await
    }

    async fn twin_at(&self, public_url: Option<String>) -> (RunningServer, Client) {
        let mut cfg = Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            ..(*self.server.state.cfg).clone()
        };
        if public_url.is_some() {
            cfg.public_url = public_url;
        }
        let other = twostep_server::spawn(cfg, self.clock.clone() as Arc<dyn Clock>)
            .await
            .unwrap();
        let client = Client::new(other.url());
        (other, client)
    }

    /// One client, or this server's and a twin's: a burst is then split between them.
    pub async fn clients(&self, servers: usize) -> (Vec<Client>, Option<RunningServer>) {
        if servers == 1 {
            return (vec![self.client.clone()], None);
        }
        let (other, b) = self.twin().await;
        (vec![self.client.clone(), b], Some(other))
    }

    /// Moves the server's clock `secs` on.
    pub fn advance(&self, secs: i64) {
        self.clock.advance(secs);
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Adds a person the way the command line and administrators do (every person's password
    /// is [`PASSWORD`]): their id.
    pub async fn add_account(
        &self,
        center: &str,
        email: &str,
        name: &str,
        roles: &[Role],
        shared: bool,
    ) -> String {
        let account = NewAccount {
            email,
            name,
            roles,
            shared,
            password: Some(Zeroizing::new(PASSWORD.into())),
            locale: Default::default(),
        };
        operate::add_to_center_named(&self.server.state, center, account)
            .await
            .unwrap()
            .id
    }

    /// Adds "Test Person" to this server's center: their id.
    pub async fn add_person(&self, email: &str, roles: &[Role]) -> String {
        self.add_person_in(&self.center, email, roles).await
    }

    /// Adds "Test Person" to `center` (made if new): their id.
    pub async fn add_person_in(&self, center: &str, email: &str, roles: &[Role]) -> String {
        self.add_account(center, email, "Test Person", roles, false)
            .await
    }

    /// Adds a person called `name` to this server's center: their id.
    pub async fn add_named_person(&self, email: &str, name: &str, roles: &[Role]) -> String {
        self.add_account(&self.center, email, name, roles, false)
            .await
    }

    /// Every message sent to `to`, oldest first (the dev outbox).
    pub async fn outbox(&self, to: &str) -> Vec<OutboxMessage> {
        self.client.dev_outbox(Some(to)).await.unwrap().messages
    }

    /// The code in the newest code message sent to `to` (not a notice).
    pub async fn last_code(&self, to: &str) -> String {
        let msgs = self.outbox(to).await;
        let msg = msgs
            .iter()
            .rev()
            .find(|m| crate::is_code_message(&m.body))
            .unwrap_or_else(|| panic!("no code sent to {to}"));
        crate::extract_code(&msg.body)
    }

    /// The TOTP code of `secret` (base32 as the server gave it, spaces allowed) at the
    /// server's time, computed independently of the server.
    pub fn totp(&self, secret: &str) -> String {
        crate::totp_code(&crate::base32(secret), self.now().timestamp())
    }

    /// The id of the person who signs in with `email` (read from the database).
    pub async fn person_id(&self, email: &str) -> String {
        sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
            .bind(email)
            .fetch_one(self.server.state.db.read())
            .await
            .unwrap()
    }

    /// How many rows `table` (with a `WHERE` if given) holds.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.server.state.db.read())
            .await
            .unwrap()
    }

    /// How many audit events of `action` there are.
    pub async fn audit_count(&self, action: &str) -> i64 {
        self.count(&format!("audit WHERE action = '{action}'"))
            .await
    }

    /// How many methods the person `person_id` has (read from the database).
    pub async fn methods_of(&self, person_id: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM methods WHERE person_id = $1")
            .bind(person_id)
            .fetch_one(self.server.state.db.read())
            .await
            .unwrap()
    }
}
