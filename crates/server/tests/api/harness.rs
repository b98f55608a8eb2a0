use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use twostep_client::api::{self, AddMethodRequest, Enrollment, LoginResponse};
use twostep_client::Client;
use twostep_core::Role;
use twostep_server::{demo, Config, ManualClock, RunningServer};
use zeroize::Zeroizing;

pub const PASSWORD: &str = "correct horse battery";
pub const CENTER: &str = "Little Acorns";

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
        tune(&mut cfg);
        let clock = Arc::new(ManualClock::new(start_time()));
        let server = twostep_server::spawn(cfg, clock.clone()).await.unwrap();
        let client = Client::new(server.url());
        Self {
            server,
            client,
            clock,
            _dir: dir,
        }
    }

    /// Stops this server and starts another on the same data (a restart).
    pub async fn restart(self) -> Self {
        let cfg = (*self.server.state.cfg).clone();
        let clock = self.clock.clone();
        let dir = self._dir;
        self.server.stop().await;
        let server = twostep_server::spawn(cfg, clock.clone()).await.unwrap();
        let client = Client::new(server.url());
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
        let st = &self.server.state;
        demo::add_person(
            st,
            center,
            email,
            "Test Person",
            roles,
            false,
            Zeroizing::new(PASSWORD.into()),
        )
        .await
        .unwrap()
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
            .find(|m| m.subject == "User OTP from Online-Auth" || m.channel == "sms")
            .unwrap_or_else(|| panic!("no code sent to {to}"));
        extract_code(&msg.body)
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.server.state.db)
            .await
            .unwrap()
    }

    /// A staff member with one confirmed email method (their sign-in email), signed in.
    /// Returns the session token.
    pub async fn staff_with_email(&self, email: &str) -> (String, String) {
        self.add_person(email, &[Role::Staff]).await;
        let LoginResponse::Setup { setup_token, .. } = self.login(email).await else {
            panic!("expected setup")
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
        (c.session.unwrap().token, c.method.id)
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

pub fn extract_code(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {body:?}"))
        .to_owned()
}

pub fn session_of(r: LoginResponse) -> (String, api::Person) {
    match r {
        LoginResponse::Done { session, person } => (session.token, person),
        other => panic!("expected done, got {other:?}"),
    }
}
