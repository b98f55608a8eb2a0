//! Real delivery: a real SMTP server (aiosmtpd) and a real HTTP server as the SMS gateway, both
//! on loopback, started by the tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Form, Router};
use twostep_client::api::{AddMethodRequest, LoginResponse};
use twostep_core::Role;
use twostep_server::config::{EmailConfig, Security, SmsConfig};

use crate::harness::*;

/// aiosmtpd (Debian's python3-aiosmtpd) writing every message it accepts to a maildir.
struct SmtpServer {
    child: Child,
}

impl SmtpServer {
    async fn start(port: u16, maildir: &Path) -> Self {
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd (Debian package python3-aiosmtpd) must be installed: `make test` installs it");
        let start = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { child }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_config(port: u16) -> EmailConfig {
    EmailConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        from: "Online-Auth <no-reply@acorns.example>".into(),
        ..EmailConfig::default()
    }
}

/// The raw messages in the maildir.
fn mails(maildir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(entries) = std::fs::read_dir(maildir.join(sub)) {
            for e in entries.flatten() {
                out.push(std::fs::read_to_string(e.path()).unwrap());
            }
        }
    }
    out
}

fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

/// Waits until `count` messages to `to` with `subject` are in the maildir; returns them.
async fn wait_for(maildir: &Path, to: &str, subject: &str, count: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let found: Vec<_> = mails(maildir)
            .into_iter()
            .filter(|m| header(m, "To") == Some(to) && header(m, "Subject") == Some(subject))
            .collect();
        if found.len() >= count {
            return found;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "waited in vain for {count} × {subject:?} to {to}; have {}",
            found.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The code in a code email's text: the six digits after "Your verification code is".
fn code_in(mail: &str) -> String {
    let at = mail
        .find("Your verification code is ")
        .expect("a code email")
        + "Your verification code is ".len();
    let code: String = mail[at..].chars().take(6).collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
    code
}

const CODE_SUBJECT: &str = "User OTP from Online-Auth";
const ADDED_SUBJECT: &str = "A two-factor authentication device has been added";

fn maildir() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("Maildir");
    (d, p)
}

#[db_test]
async fn codes_and_confirmations_arrive_over_smtp_and_the_code_signs_in(db: Db) {
    let (_d, md) = maildir();
    let port = free_port();
    let _smtp = SmtpServer::start(port, &md).await;
    let t = TestServer::start_with(db, |c| c.email = Some(smtp_config(port))).await;
    t.add_person("sky@acorns.example", &[Role::Staff]).await;
    let LoginResponse::Setup { setup_token, .. } = t.login("sky@acorns.example").await else {
        panic!()
    };
    let e = t
        .client
        .add_method(&setup_token, &AddMethodRequest::Email { email: None })
        .await
        .unwrap();
    let mail = wait_for(&md, "sky@acorns.example", CODE_SUBJECT, 1)
        .await
        .remove(0);
    assert_eq!(
        header(&mail, "From"),
        Some("Online-Auth <no-reply@acorns.example>")
    );
    assert!(mail.contains("multipart/alternative") && mail.contains("text/html"));
    let code = code_in(&mail);
    t.client
        .confirm_enrollment(&setup_token, e.id(), &code)
        .await
        .unwrap();
    let added = wait_for(&md, "sky@acorns.example", ADDED_SUBJECT, 1)
        .await
        .remove(0);
    assert!(added.contains("contact your center"));

    let LoginResponse::Verify {
        challenge_id,
        methods,
        ..
    } = t.login("sky@acorns.example").await
    else {
        panic!()
    };
    let mail = wait_for(&md, "sky@acorns.example", CODE_SUBJECT, 2).await;
    let newest = mail
        .iter()
        .map(|m| code_in(m))
        .find(|c| *c != code)
        .unwrap();
    session_of(
        t.client
            .verify(&challenge_id, &methods[0].id, &newest)
            .await
            .unwrap(),
    );
    // Once sent, the outbox keeps no code.
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM outbox WHERE sent_at IS NOT NULL")
            .fetch_all(t.server.state.db.read())
            .await
            .unwrap();
    assert!(!bodies.is_empty() && bodies.iter().all(String::is_empty));
}

#[db_test]
async fn an_email_queued_while_smtp_is_down_arrives_when_it_is_back(db: Db) {
    let (_d, md) = maildir();
    let port = free_port();
    let t = TestServer::start_with(db, |c| c.email = Some(smtp_config(port))).await;
    t.add_person("rain@acorns.example", &[Role::Staff]).await;
    let LoginResponse::Setup { setup_token, .. } = t.login("rain@acorns.example").await else {
        panic!()
    };
    let started = Instant::now();
    t.client
        .add_method(&setup_token, &AddMethodRequest::Email { email: None })
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the API answers once the message is queued"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let tried: i64 = sqlx::query_scalar("SELECT attempts FROM outbox")
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    assert!(tried >= 1, "a send is tried at once");
    let _smtp = SmtpServer::start(port, &md).await;
    wait_for(&md, "rain@acorns.example", CODE_SUBJECT, 1).await;
}

#[db_test]
async fn a_message_unsent_at_a_restart_is_delivered_once_after_it(db: Db) {
    let (_d, md) = maildir();
    let port = free_port();
    let t = TestServer::start_with(db, |c| c.email = Some(smtp_config(port))).await;
    t.add_person("snow@acorns.example", &[Role::Staff]).await;
    let LoginResponse::Setup { setup_token, .. } = t.login("snow@acorns.example").await else {
        panic!()
    };
    t.client
        .add_method(&setup_token, &AddMethodRequest::Email { email: None })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = t.restart().await;
    let _smtp = SmtpServer::start(port, &md).await;
    wait_for(&md, "snow@acorns.example", CODE_SUBJECT, 1).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        wait_for(&md, "snow@acorns.example", CODE_SUBJECT, 1)
            .await
            .len(),
        1,
        "delivered once"
    );
    drop(t);
}

#[db_test]
async fn two_servers_on_one_database_never_send_a_message_twice(db: Db) {
    let (_d, md) = maildir();
    let port = free_port();
    let _smtp = SmtpServer::start(port, &md).await;
    let t = TestServer::start_with(db, |c| c.email = Some(smtp_config(port))).await;
    let mut cfg = (*t.server.state.cfg).clone();
    cfg.bind = "127.0.0.1:0".parse().unwrap();
    let other = twostep_server::spawn(cfg, t.clock.clone() as Arc<dyn twostep_server::Clock>)
        .await
        .unwrap();
    for i in 0..50 {
        let msg = twostep_server::delivery::Message::email(
            "many@acorns.example",
            &format!("message {i}"),
            format!("body {i}"),
        );
        queue(&t, &msg).await;
        t.server.state.courier.wake();
        other.state.courier.wake();
    }
    let start = Instant::now();
    loop {
        let unsent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(t.server.state.db.read())
            .await
            .unwrap();
        if unsent == 0 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(40), "{unsent} unsent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut subjects: Vec<String> = mails(&md)
        .iter()
        .filter_map(|m| header(m, "Subject").map(str::to_owned))
        .collect();
    subjects.sort();
    let before = subjects.len();
    subjects.dedup();
    assert_eq!(
        (before, subjects.len()),
        (50, 50),
        "each message exactly once"
    );
    other.stop().await;
}

/// The account in the path, the headers, the form.
type GatewayRequest = (String, HeaderMap, Vec<(String, String)>);

/// A Twilio-compatible gateway that records each request and answers with the next status.
#[derive(Clone, Default)]
struct Gateway {
    seen: Arc<Mutex<Vec<GatewayRequest>>>,
    answers: Arc<Mutex<Vec<u16>>>,
}

async fn gateway_messages(
    State(g): State<Gateway>,
    axum::extract::Path(account): axum::extract::Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> StatusCode {
    g.seen.lock().unwrap().push((account, headers, form));
    let next = {
        let mut a = g.answers.lock().unwrap();
        if a.is_empty() {
            201
        } else {
            a.remove(0)
        }
    };
    StatusCode::from_u16(next).unwrap()
}

async fn start_gateway(answers: Vec<u16>) -> (Gateway, String) {
    let g = Gateway {
        answers: Arc::new(Mutex::new(answers)),
        ..Gateway::default()
    };
    let app = Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            post(gateway_messages),
        )
        .with_state(g.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (g, url)
}

fn sms_config(url: &str) -> SmsConfig {
    SmsConfig {
        base_url: url.into(),
        account: "AC0123".into(),
        token: "gateway-secret".into(),
        from: "+12015550100".into(),
        countries: Vec::new(),
    }
}

async fn wait_requests(g: &Gateway, n: usize) {
    let start = Instant::now();
    while g.seen.lock().unwrap().len() < n {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "the gateway saw {} of {n} requests",
            g.seen.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[db_test]
async fn text_messages_go_to_the_gateway_and_a_503_is_retried(db: Db) {
    let (g, url) = start_gateway(vec![503]).await;
    let t = TestServer::start_with(db, |c| c.sms = Some(sms_config(&url))).await;
    let (token, _) = t.staff_with_email("tex@acorns.example").await;
    let e = t
        .client
        .add_method(
            &token,
            &AddMethodRequest::Sms {
                phone: "(201) 555-0999".into(),
            },
        )
        .await
        .unwrap();
    wait_requests(&g, 2).await;
    let (account, headers, form) = g.seen.lock().unwrap()[1].clone();
    assert_eq!(account, "AC0123");
    let auth = headers["authorization"].to_str().unwrap().to_owned();
    assert_eq!(
        auth,
        format!(
            "Basic {}",
            data_encoding::BASE64.encode(b"AC0123:gateway-secret")
        )
    );
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(field("To"), "+12015550999");
    assert_eq!(field("From"), "+12015550100");
    let body = field("Body");
    assert!(
        body.ends_with(" is your verification code. It expires in 10 minutes."),
        "{body}"
    );
    let code = extract_code(&body);
    t.client
        .confirm_enrollment(&token, e.id(), &code)
        .await
        .unwrap();
    let (attempts, sent): (i64, Option<i64>) =
        sqlx::query_as("SELECT attempts, sent_at FROM outbox WHERE channel = 'sms'")
            .fetch_one(t.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(attempts, 2);
    assert!(sent.is_some());
}

#[db_test]
async fn a_400_from_the_gateway_is_a_permanent_failure_in_the_audit_trail(db: Db) {
    let (g, url) = start_gateway(vec![400]).await;
    let t = TestServer::start_with(db, |c| c.sms = Some(sms_config(&url))).await;
    let (token, _) = t.staff_with_email("bad@acorns.example").await;
    t.client
        .add_method(
            &token,
            &AddMethodRequest::Sms {
                phone: "+12015550998".into(),
            },
        )
        .await
        .unwrap();
    wait_requests(&g, 1).await;
    let start = Instant::now();
    loop {
        let failed: Option<i64> =
            sqlx::query_scalar("SELECT failed_at FROM outbox WHERE channel = 'sms'")
                .fetch_one(t.server.state.db.read())
                .await
                .unwrap();
        if failed.is_some() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(g.seen.lock().unwrap().len(), 1, "not retried");
    let events: Vec<(String, String)> =
        sqlx::query_as("SELECT action, detail FROM audit WHERE action = 'delivery_failed'")
            .fetch_all(t.server.state.db.read())
            .await
            .unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        events[0].1.contains("•••• 0998") && events[0].1.contains("400"),
        "{:?}",
        events[0]
    );
    let body: String = sqlx::query_scalar("SELECT body FROM outbox WHERE channel = 'sms'")
        .fetch_one(t.server.state.db.read())
        .await
        .unwrap();
    assert!(body.is_empty(), "a failed message keeps no code");
}

#[db_test]
async fn a_text_whose_code_expired_is_never_sent_and_keeps_no_body(db: Db) {
    // The gateway is down for good (503 after 503): the message waits for its retries.
    let (g, url) = start_gateway(vec![503; 1000]).await;
    let t = TestServer::start_with(db, |c| c.sms = Some(sms_config(&url))).await;
    let (token, _) = t.staff_with_email("late@acorns.example").await;
    t.client
        .add_method(
            &token,
            &AddMethodRequest::Sms {
                phone: "+12015550997".into(),
            },
        )
        .await
        .unwrap();
    wait_requests(&g, 1).await;
    // Ten minutes later the code is dead: the message with it.
    t.advance(600);
    let start = Instant::now();
    loop {
        let (failed, body): (Option<i64>, String) =
            sqlx::query_as("SELECT failed_at, body FROM outbox WHERE channel = 'sms'")
                .fetch_one(t.server.state.db.read())
                .await
                .unwrap();
        if failed.is_some() {
            assert!(body.is_empty(), "the expired code is erased");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tries = g.seen.lock().unwrap().len();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(g.seen.lock().unwrap().len(), tries, "no try after expiry");
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit WHERE action = 'delivery_failed'")
            .fetch_one(t.server.state.db.read())
            .await
            .unwrap();
    assert!(
        detail.contains("•••• 0997") && detail.contains("expired"),
        "{detail}"
    );
}

/// Queues a message the way a flow does: in a transaction of its own.
async fn queue(t: &TestServer, msg: &twostep_server::delivery::Message) {
    let mut tx = t.server.state.db.begin().await.unwrap();
    twostep_server::delivery::queue(&mut tx, t.now(), msg)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[db_test]
async fn a_message_queued_on_a_busy_server_is_sent_by_the_other_at_once(db: Db) {
    // Server A's mail server takes connections and never answers: its sender is stuck.
    let black_hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hole_port = black_hole.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = black_hole.accept().await {
            held.push(socket);
        }
    });
    let (_d, md) = maildir();
    let port = free_port();
    let _smtp = SmtpServer::start(port, &md).await;
    let t = TestServer::start_with(db, |c| c.email = Some(smtp_config(hole_port))).await;
    queue(
        &t,
        &twostep_server::delivery::Message::email("stuck@acorns.example", "stuck", "1".into()),
    )
    .await;
    t.server.state.courier.wake();
    let start = Instant::now();
    while t
        .count("outbox WHERE subject = 'stuck' AND claimed_until IS NOT NULL")
        .await
        == 0
    {
        assert!(start.elapsed() < Duration::from_secs(10), "A never took it");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Server B, on the same database, has a mail server that works; A's message is A's
    // (its lease), so B waits for what comes next.
    let mut cfg = (*t.server.state.cfg).clone();
    cfg.bind = "127.0.0.1:0".parse().unwrap();
    cfg.email = Some(smtp_config(port));
    let b = twostep_server::spawn(cfg, t.clock.clone() as Arc<dyn twostep_server::Clock>)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Another message, queued on A while its sender waits on the black hole.
    let queued = Instant::now();
    queue(
        &t,
        &twostep_server::delivery::Message::email("prompt@acorns.example", "prompt", "2".into()),
    )
    .await;
    t.server.state.courier.wake();
    wait_for(&md, "prompt@acorns.example", "prompt", 1).await;
    // B's periodic look is 30 s on PostgreSQL and 1 s on SQLite: on PostgreSQL, only the
    // notification from A's commit could have woken it this soon.
    assert!(
        queued.elapsed() < Duration::from_secs(3),
        "sent after {:?}",
        queued.elapsed()
    );
    b.stop().await;
}

/// A mail as a person reads it: the decoded subject and plain-text body (lettre encodes
/// Spanish with RFC 2047 words and quoted-printable or base64).
fn read_mail(raw: &str) -> (String, String) {
    let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let subject = parsed
        .headers
        .iter()
        .find(|h| h.get_key().eq_ignore_ascii_case("Subject"))
        .map(|h| h.get_value())
        .unwrap_or_default();
    let plain = std::iter::once(&parsed)
        .chain(parsed.subparts.iter())
        .find(|p| p.ctype.mimetype == "text/plain")
        .map(|p| p.get_body().unwrap())
        .unwrap_or_default();
    (subject, plain)
}

/// Waits until a mail to `to` has `subject` (decoded); returns its plain text.
async fn wait_for_decoded(maildir: &Path, to: &str, subject: &str) -> String {
    let start = Instant::now();
    loop {
        for m in mails(maildir) {
            if header(&m, "To") == Some(to) {
                let (s, body) = read_mail(&m);
                if s == subject {
                    return body;
                }
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "no {subject:?} to {to}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[db_test]
async fn a_spanish_speaking_parent_gets_spanish_emails_and_texts(db: Db) {
    let (_d, md) = maildir();
    let port = free_port();
    let _smtp = SmtpServer::start(port, &md).await;
    let (g, url) = start_gateway(vec![]).await;
    let t = TestServer::start_with(db, |c| {
        c.email = Some(smtp_config(port));
        c.sms = Some(sms_config(&url));
    })
    .await;
    const EMAIL: &str = "marisol@familia.example";
    t.add_person(EMAIL, &[Role::Guardian]).await;
    let (session, _) = session_of(t.login(EMAIL).await);
    // The person chooses Spanish (the app does it when they switch languages).
    t.client
        .set_locale(&session, twostep_client::api::Locale::Es)
        .await
        .unwrap();
    assert_eq!(
        t.client.me(&session).await.unwrap().locale,
        twostep_client::api::Locale::Es
    );

    let e = t
        .client
        .add_method(&session, &AddMethodRequest::Email { email: None })
        .await
        .unwrap();
    let body = wait_for_decoded(&md, EMAIL, "Su código de verificación de Online-Auth").await;
    assert!(
        body.starts_with("Su código de verificación es ") && body.contains("Vence 10 minutos"),
        "{body}"
    );
    let code = extract_code(&body);
    // The email says which language it is in: a header, and the HTML part's <html lang>.
    let raw = mails(&md)
        .into_iter()
        .find(|m| header(m, "To") == Some(EMAIL))
        .unwrap();
    assert_eq!(header(&raw, "Content-Language"), Some("es"));
    let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let html = parsed
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype == "text/html")
        .map(|p| p.get_body().unwrap())
        .unwrap();
    assert!(
        html.contains("<html lang=\"es\">") && html.contains(&code),
        "{html}"
    );
    t.client
        .confirm_enrollment(&session, e.id(), &code)
        .await
        .unwrap();
    let added = wait_for_decoded(
        &md,
        EMAIL,
        "Se agregó un método de verificación a su cuenta",
    )
    .await;
    assert!(
        added.contains("Se agregó un método de verificación a su cuenta: Correo electrónico"),
        "{added}"
    );

    t.client
        .add_method(
            &session,
            &AddMethodRequest::Sms {
                phone: "(201) 555-0961".into(),
            },
        )
        .await
        .unwrap();
    wait_requests(&g, 1).await;
    let text = |i: usize| {
        let (_, _, form) = g.seen.lock().unwrap()[i].clone();
        form.into_iter()
            .find(|(k, _)| k == "Body")
            .map(|(_, v)| v)
            .unwrap()
    };
    let first = text(0);
    assert!(
        first.ends_with(" es su código de verificación. Vence en 10 minutos."),
        "{first}"
    );
    // Another number, confirmed: the notice to it is Spanish too.
    let sms = t
        .client
        .add_method(
            &session,
            &AddMethodRequest::Sms {
                phone: "(201) 555-0962".into(),
            },
        )
        .await
        .unwrap();
    wait_requests(&g, 2).await;
    t.client
        .confirm_enrollment(&session, sms.id(), &extract_code(&text(1)))
        .await
        .unwrap();
    wait_requests(&g, 3).await;
    // One sentence, then the way out: the account's "This wasn't me" link, in Spanish.
    let notice = text(2);
    let (sentence, link) = notice.split_once(" Congelar su cuenta: ").unwrap();
    assert_eq!(
        sentence,
        "Twostep: se agregó un método de verificación (Mensaje de texto) a su cuenta. ¿No fue usted? Comuníquese con su centro ahora."
    );
    assert!(link.starts_with(&format!("{}/freeze/", t.server.url())));
}
