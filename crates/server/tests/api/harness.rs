use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use twostep_client::api::{self, AddMethodRequest, Enrollment, LoginResponse};
use twostep_client::Client;
use twostep_core::Role;
use twostep_server::operate::{self, NewAccount};
use twostep_server::{Config, ManualClock, RunningServer};
use zeroize::Zeroizing;

pub const PASSWORD: &str = "correct horse battery";
pub const CENTER: &str = "Little Acorns";
/// The device id of `TestServer::client`.
pub const TEST_DEVICE: &str = "test-device-1";

pub struct TestServer {
    pub server: RunningServer,
    pub client: Client,
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server whose configuration `tune` adjusts (SMTP, SMS gateway, ...).
    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            data: dir.path().to_path_buf(),
            dev_outbox: true,
            ..Config::default()
        };
        // Every test's requests come from 127.0.0.1: the per-client limit has tests of its
        // own (client_limit.rs), which switch it back on.
        cfg.limits.per_client_per_minute = 0;
        if twostep_testkit::on_postgres() {
            // A fresh database on the test process's own PostgreSQL cluster; the key is given,
            // as every server on PostgreSQL must be given it.
            cfg.database_url = Some(twostep_testkit::postgres::cluster().new_database());
            cfg.key_file = Some(dir.path().join("server.key"));
        }
        tune(&mut cfg);
        let clock = Arc::new(ManualClock::new(start_time()));
        let server = twostep_server::spawn(cfg, clock.clone()).await.unwrap();
        let client = Client::new(server.url()).with_device_id(TEST_DEVICE);
        Self {
            server,
            client,
            clock,
            _dir: dir,
        }
    }

    /// A client on another device (its own `Twostep-Device` id).
    pub fn client_on(&self, device_id: &str) -> Client {
        Client::new(self.server.url()).with_device_id(device_id)
    }

    /// Stops this server and starts another on the same data (a restart).
    pub async fn restart(self) -> Self {
        let cfg = (*self.server.state.cfg).clone();
        let clock = self.clock.clone();
        let dir = self._dir;
        self.server.stop().await;
        let server = twostep_server::spawn(cfg, clock.clone()).await.unwrap();
        let client = Client::new(server.url()).with_device_id(TEST_DEVICE);
        Self {
            server,
            client,
            clock,
            _dir: dir,
        }
    }

    pub fn advance(&self, secs: i64) {
        self.clock.advance(Duration::seconds(secs));
    }

    pub fn now(&self) -> DateTime<Utc> {
        use twostep_server::Clock;
        self.clock.now()
    }

    pub async fn add_person_in(&self, center: &str, email: &str, roles: &[Role]) -> String {
        self.add_account(center, email, "Test Person", roles, false)
            .await
    }

    /// Adds a person the way the command line and administrators do.
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
            password: Zeroizing::new(PASSWORD.into()),
            locale: Default::default(),
        };
        operate::add_to_center_named(&self.server.state, center, account)
            .await
            .unwrap()
            .id
    }

    pub async fn add_person(&self, email: &str, roles: &[Role]) -> String {
        self.add_person_in(CENTER, email, roles).await
    }

    pub async fn login(&self, email: &str) -> LoginResponse {
        self.client
            .login(email, PASSWORD, Some("test device"))
            .await
            .unwrap()
    }

    /// Every message sent to `to`, oldest first.
    pub async fn outbox(&self, to: &str) -> Vec<api::OutboxMessage> {
        self.client.dev_outbox(Some(to)).await.unwrap().messages
    }

    /// The code in the newest code message sent to `to`.
    pub async fn last_code(&self, to: &str) -> String {
        let msgs = self.outbox(to).await;
        let msg = msgs
            .iter()
            .rev()
            .find(|m| is_code_message(m))
            .unwrap_or_else(|| panic!("no code sent to {to}"));
        extract_code(&msg.body)
    }

    /// The id of the person who signs in with `email`.
    pub async fn person_id(&self, email: &str) -> String {
        sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
            .bind(email)
            .fetch_one(self.server.state.db.read())
            .await
            .unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.server.state.db.read())
            .await
            .unwrap()
    }

    /// A staff member with one confirmed email method (their sign-in email), signed in.
    /// Returns the session token and the method's id.
    pub async fn staff_with_email(&self, email: &str) -> (String, String) {
        self.enrolled_with_email(email, &[Role::Staff]).await
    }

    /// A new person with `roles` who set up their sign-in email at their first sign-in.
    /// Returns the session token and the method's id.
    pub async fn enrolled_with_email(&self, email: &str, roles: &[Role]) -> (String, String) {
        self.add_person(email, roles).await;
        self.enroll_email(email).await
    }

    /// A person added already (in any center) who sets up their sign-in email at their first
    /// sign-in: the session token.
    pub async fn enrolled_with_email_in(&self, email: &str) -> String {
        self.enroll_email(email).await.0
    }

    async fn enroll_email(&self, email: &str) -> (String, String) {
        let setup_token = match self.login(email).await {
            LoginResponse::Setup { setup_token, .. } => setup_token,
            // 2-Step Verification is optional for families: set up from the session.
            LoginResponse::Done { session, .. } => session.token,
            other => panic!("expected setup, got {other:?}"),
        };
        let e = self
            .client
            .add_method(&setup_token, &AddMethodRequest::Email { email: None })
            .await
            .unwrap();
        let code = self.last_code(email).await;
        let c = self
            .client
            .confirm_enrollment(&setup_token, e.id(), &code)
            .await
            .unwrap();
        (c.session.map_or(setup_token, |s| s.token), c.method.id)
    }

    /// A new person with `roles` who set up an authenticator app at their first sign-in.
    pub async fn enrolled_with_totp(&self, email: &str, roles: &[Role]) -> Totp {
        self.first_totp(email, roles).await.1
    }

    /// The same, with the confirmation's answer (the session, the recovery codes).
    pub async fn first_totp(&self, email: &str, roles: &[Role]) -> (api::Confirmed, Totp) {
        self.add_person(email, roles).await;
        let LoginResponse::Setup { setup_token, .. } = self.login(email).await else {
            panic!("expected setup")
        };
        let e = self
            .client
            .add_method(&setup_token, &AddMethodRequest::Totp)
            .await
            .unwrap();
        let Enrollment::Totp { secret, .. } = &e else {
            panic!("expected a TOTP enrollment")
        };
        let secret = data_encoding::BASE32_NOPAD
            .decode(secret.trim_end_matches('=').as_bytes())
            .unwrap();
        let code = totp_code(&secret, self.now().timestamp());
        let c = self
            .client
            .confirm_enrollment(&setup_token, e.id(), &code)
            .await
            .unwrap();
        // The step that confirmed it is spent: the next code is a step later.
        self.advance(30);
        assert!(c.session.is_some());
        let totp = Totp {
            secret,
            method_id: c.method.id.clone(),
        };
        (c, totp)
    }

    /// A fresh sign-in for `session` (whose person's one method sends its code to `to`): the
    /// password, the code, and the new session that replaces `session`.
    pub async fn fresh(&self, session: &str, to: &str) -> String {
        match self.client.reauth(session, PASSWORD).await.unwrap() {
            LoginResponse::Done { session, .. } => session.token,
            LoginResponse::Verify {
                challenge_id,
                methods,
                code_sent,
                ..
            } => {
                let method_id = match code_sent {
                    Some(d) => d.method_id.unwrap(),
                    None => {
                        let id = methods[0].id.clone();
                        self.client
                            .send_code_as(Some(session), &challenge_id, &id)
                            .await
                            .unwrap();
                        id
                    }
                };
                let code = self.last_code(to).await;
                session_of(
                    self.client
                        .verify_as(Some(session), &challenge_id, &method_id, &code)
                        .await
                        .unwrap(),
                )
                .0
            }
            other => panic!("expected verify or done, got {other:?}"),
        }
    }

    /// A new session for `email`, whose one method is their sign-in email (as
    /// `enrolled_with_email` makes): the password, then the emailed code.
    pub async fn sign_in_with_email(&self, email: &str) -> String {
        let LoginResponse::Verify {
            challenge_id,
            code_sent: Some(sent),
            ..
        } = self.login(email).await
        else {
            panic!("expected a code sent to {email}")
        };
        let code = self.last_code(email).await;
        session_of(
            self.client
                .verify(&challenge_id, sent.method_id.as_deref().unwrap(), &code)
                .await
                .unwrap(),
        )
        .0
    }

    /// The Person of `email`, as the administrator `admin_token` finds it.
    pub async fn person_seen_by_admin(&self, admin_token: &str, email: &str) -> api::Person {
        self.client
            .admin_people(admin_token, &Default::default())
            .await
            .unwrap()
            .people
            .into_iter()
            .find(|p| p.email == email)
            .unwrap()
    }

    /// A code of `totp` for now (and the clock moved on a step, so that the next is new).
    pub fn next_totp(&self, totp: &Totp) -> String {
        let code = totp_code(&totp.secret, self.now().timestamp());
        self.advance(30);
        code
    }

    /// Adds an email or phone method with a session, confirming it with the code sent.
    pub async fn add_confirmed(&self, token: &str, req: AddMethodRequest, to: &str) -> api::Method {
        let e = self.client.add_method(token, &req).await.unwrap();
        assert!(matches!(e, Enrollment::Code { .. }));
        let code = self.last_code(to).await;
        self.client
            .confirm_enrollment(token, e.id(), &code)
            .await
            .unwrap()
            .method
    }
}

/// A person's authenticator, as the tests hold it.
pub struct Totp {
    pub secret: Vec<u8>,
    pub method_id: String,
}

pub use twostep_testkit::{extract_code, free_port, totp_code};

/// A message that carries a code (not a notice).
pub fn is_code_message(m: &api::OutboxMessage) -> bool {
    twostep_testkit::is_code_message(&m.body)
}

pub fn session_of(r: LoginResponse) -> (String, api::Person) {
    match r {
        LoginResponse::Done { session, person } => (session.token, person),
        other => panic!("expected done, got {other:?}"),
    }
}

/// Releases `n` requests at the same instant: each is spawned, then waits at a barrier until
/// all `n` are ready. Results come back in the order of `i`.
pub async fn burst<F, Fut, T>(n: usize, make: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let b = barrier.clone();
            let fut = make(i);
            tokio::spawn(async move {
                b.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// How many answers of each kind: `ok`, or the error code.
pub fn tally<T>(
    results: &[Result<T, twostep_client::ClientError>],
) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for r in results {
        let key = match r {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.code().map_or_else(|| format!("{e}"), str::to_owned),
        };
        *m.entry(key).or_insert(0) += 1;
    }
    m
}

/// `[(code, count)]` as the map `tally` returns, for assertions.
pub fn counts(pairs: &[(&str, usize)]) -> std::collections::BTreeMap<String, usize> {
    pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

impl TestServer {
    /// Another server process on this one's database (its own connection pool, as a second
    /// process has), on the same clock.
    pub async fn twin(&self) -> (RunningServer, Client) {
        let cfg = Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            ..(*self.server.state.cfg).clone()
        };
        let other =
            twostep_server::spawn(cfg, self.clock.clone() as Arc<dyn twostep_server::Clock>)
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

    /// A sign-in waiting for its second step: the challenge and the preferred method.
    pub async fn challenge(&self, email: &str) -> (String, String) {
        let LoginResponse::Verify {
            challenge_id,
            methods,
            ..
        } = self.login(email).await
        else {
            panic!("expected verify")
        };
        (challenge_id, methods[0].id.clone())
    }

    pub async fn audit_count(&self, action: &str) -> i64 {
        self.count(&format!("audit WHERE action = '{action}'"))
            .await
    }
}

/// `twostep-server person add` on `data`, the password on standard input.
pub fn cli_person_add(
    data: &std::path::Path,
    center: &str,
    email: &str,
    role: &str,
    password: &str,
) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_twostep-server"))
        .args(["person", "add", "--center", center, "--email", email])
        .args([
            "--name",
            "Cli Person",
            "--role",
            role,
            "--password-stdin",
            "--data",
        ])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}
