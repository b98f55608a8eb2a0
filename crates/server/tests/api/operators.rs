//! What an operator sees: the metrics on their own listener (counted exactly, no token or id
//! in a label, off by default) and the readiness probe's reasons (docs/operating.md).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use twostep_client::api::{AddMethodRequest, LoginResponse};
use twostep_core::Role;
use twostep_server::config::{EmailConfig, Security};

use crate::harness::{db_test, free_port, Db, TestServer};

/// The metrics page, as `{name}{sorted labels}` → value.
async fn scrape(t: &TestServer) -> (String, BTreeMap<String, f64>) {
    let at = t.server.metrics_addr.expect("a metrics listener");
    let res = reqwest::get(format!("http://{at}/metrics")).await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let mut values = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => {
                let mut labels: Vec<&str> = rest.trim_end_matches('}').split(',').collect();
                labels.sort_unstable();
                (n, labels.join(","))
            }
            None => (series, String::new()),
        };
        values.insert(format!("{name}{{{labels}}}"), value.parse().unwrap());
    }
    (text, values)
}

/// The key of a series in what `scrape` returns.
fn series(name: &str, labels: &[(&str, &str)]) -> String {
    let mut l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    l.sort_unstable();
    format!("{name}{{{}}}", l.join(","))
}

fn value(page: &BTreeMap<String, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    page.get(&series(name, labels)).copied().unwrap_or(0.0)
}

/// What `/api/v1/login` answered, as the metrics name the outcome.
fn outcome(r: &Result<LoginResponse, twostep_client::ClientError>) -> &'static str {
    match r {
        Ok(LoginResponse::Done { .. }) => "session",
        Ok(LoginResponse::Verify { .. }) => "verify",
        Ok(LoginResponse::Setup { .. }) => "setup",
        Err(e) if e.code() == Some("invalid_credentials") => "wrong_password",
        Err(e) => panic!("unexpected {e}"),
    }
}

#[db_test]
async fn metrics_count_exactly_what_a_sign_in_journey_did(db: Db) {
    let t = TestServer::start_with(db, |c| {
        c.metrics_bind = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let (_, before) = scrape(&t).await;
    assert!(
        !before
            .keys()
            .any(|k| k.starts_with("twostep_sign_ins_total")),
        "{before:?}"
    );

    let mut logins: BTreeMap<&str, f64> = BTreeMap::new();
    let email = "ana@acorns.example";
    // First sign-in: setup, the sign-in email as the method.
    t.add_person(email, &[Role::Staff]).await;
    let first = t.client.login(email, crate::harness::PASSWORD, None).await;
    *logins.entry(outcome(&first)).or_default() += 1.0;
    let Ok(LoginResponse::Setup { setup_token, .. }) = first else {
        panic!("expected setup")
    };
    let e = t
        .client
        .add_method(&setup_token, &AddMethodRequest::Email { email: None })
        .await
        .unwrap();
    let setup_code = t.last_code(email).await;
    let confirmed = t
        .client
        .confirm_enrollment(&setup_token, e.id(), &setup_code)
        .await
        .unwrap();
    let method_id = confirmed.method.id.clone();
    let first_session = confirmed.session.unwrap().token;
    // A wrong password, and an email nobody has.
    for (who, pw) in [(email, "not the password"), ("nobody@acorns.example", "x")] {
        let r = t.client.login(who, pw, None).await;
        *logins.entry(outcome(&r)).or_default() += 1.0;
    }
    // Again: the code, a wrong one first, then the right one.
    let again = t.client.login(email, crate::harness::PASSWORD, None).await;
    *logins.entry(outcome(&again)).or_default() += 1.0;
    let Ok(LoginResponse::Verify { challenge_id, .. }) = again else {
        panic!("expected verify")
    };
    // Asked again at once: 429, counted by its code.
    let resent = t.client.send_code(&challenge_id, &method_id).await;
    let code = t.last_code(email).await;
    let wrong: String = code
        .chars()
        .map(|c| if c == '1' { '2' } else { '1' })
        .collect();
    let err = t
        .client
        .verify(&challenge_id, &method_id, &wrong)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_code"));
    let done = t
        .client
        .verify(&challenge_id, &method_id, &code)
        .await
        .unwrap();
    let (session, person) = crate::harness::session_of(done);
    // A family member, for whom 2-Step Verification is optional.
    t.add_person("gus@acorns.example", &[Role::Guardian]).await;
    let family = t
        .client
        .login("gus@acorns.example", crate::harness::PASSWORD, None)
        .await;
    *logins.entry(outcome(&family)).or_default() += 1.0;

    // Every message has left (the counter moves right after the database says so).
    let start = Instant::now();
    let page = loop {
        let sent = t
            .count("outbox WHERE sent_at IS NOT NULL AND channel = 'email'")
            .await as f64;
        let waiting = t.count("outbox WHERE sent_at IS NULL").await;
        let (text, page) = scrape(&t).await;
        let counted = value(
            &page,
            "twostep_messages_total",
            &[("channel", "email"), ("result", "sent")],
        );
        if waiting == 0 && counted == sent {
            break (text, page);
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{counted} vs {sent}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (text, page) = page;

    for (outcome, n) in &logins {
        assert_eq!(
            value(&page, "twostep_sign_ins_total", &[("outcome", outcome)]),
            *n,
            "{outcome}"
        );
    }
    let all_sign_ins: f64 = page
        .iter()
        .filter(|(k, _)| k.starts_with("twostep_sign_ins_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(all_sign_ins, logins.values().sum::<f64>());
    for (outcome, n) in [("wrong_code", 1.0), ("ok", 1.0)] {
        assert_eq!(
            value(
                &page,
                "twostep_second_steps_total",
                &[("kind", "email"), ("outcome", outcome)]
            ),
            n,
            "{outcome}"
        );
    }
    // The requests, by route pattern: five answers of the login route, one verify's 401.
    let login_answers: f64 = ["200", "401"]
        .iter()
        .map(|s| {
            value(
                &page,
                "twostep_http_request_duration_seconds_count",
                &[
                    ("method", "POST"),
                    ("route", "/api/v1/login"),
                    ("status", s),
                ],
            )
        })
        .sum();
    assert_eq!(login_answers, logins.values().sum::<f64>());
    assert_eq!(
        value(
            &page,
            "twostep_http_request_duration_seconds_count",
            &[
                ("method", "POST"),
                ("route", "/api/v1/challenges/{challenge_id}/verify"),
                ("status", "401")
            ],
        ),
        1.0
    );
    match &resent {
        Err(e) if e.status() == Some(429) => assert_eq!(
            value(
                &page,
                "twostep_refused_answers_total",
                &[("status", "429"), ("code", e.code().unwrap())]
            ),
            1.0
        ),
        other => assert!(
            !page
                .keys()
                .any(|k| k.starts_with("twostep_refused_answers_total")),
            "{other:?}"
        ),
    }
    assert_eq!(value(&page, "twostep_hashing_queue_depth", &[]), 0.0);
    assert_eq!(value(&page, "twostep_outbox_waiting", &[]), 0.0);
    assert_eq!(value(&page, "twostep_database_up", &[]), 1.0);
    assert!(value(&page, "twostep_hashing_wait_seconds_count", &[]) >= 5.0);
    assert!(value(&page, "twostep_database_wait_seconds_count", &[]) >= 1.0);
    // No token, id or address in any label.
    for secret in [
        session.as_str(),
        &first_session,
        &setup_token,
        &challenge_id,
        &method_id,
        &person.id,
        &code,
        "@",
    ] {
        assert!(!text.contains(secret), "{secret} in the metrics");
    }
    // The sample dashboard asks only for series the server serves.
    let dashboard = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/grafana-dashboard.json"),
    )
    .unwrap();
    let used: std::collections::BTreeSet<&str> = dashboard
        .match_indices("twostep_")
        .map(|(i, _)| {
            let rest = &dashboard[i..];
            &rest[..rest
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(rest.len())]
        })
        .filter(|n| *n != "twostep_") // the dashboard's uid and tag
        .collect();
    assert!(used.len() >= 10, "{used:?}");
    for name in used {
        assert!(
            text.contains(&format!("\n{name}{{")) || text.contains(&format!("\n{name} ")),
            "the dashboard asks for {name}, which is not served"
        );
    }
}

/// A sign-in with a passkey alone is a sign-in too: counted apart (no password to be wrong),
/// by exactly what happened: one from another site's origin refused, then one signed in.
#[db_test]
async fn metrics_count_passkey_sign_ins_apart(db: Db) {
    let t = TestServer::start_with(db, |c| {
        c.metrics_bind = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let (passkey, _) = t
        .first_passkey("pia@acorns.example", &[Role::Guardian])
        .await;
    let alone = async |mut passkey: twostep_testkit::TestPasskey| {
        let asked = t.client.passkey_sign_in().await.unwrap();
        let answer = passkey.get(&asked.options);
        t.client
            .passkey_sign_in_answer(asked.ceremony_id.as_deref().unwrap(), answer)
            .await
    };
    let mut phished = passkey.clone();
    phished.origin = "http://localhost.evil.example".into();
    let refused = alone(phished).await.unwrap_err();
    assert_eq!(refused.code(), Some("passkey_failed"));
    assert!(matches!(
        alone(passkey).await,
        Ok(LoginResponse::Done { .. })
    ));

    let (_, page) = scrape(&t).await;
    let counted = |outcome| {
        value(
            &page,
            "twostep_passkey_sign_ins_total",
            &[("outcome", outcome)],
        )
    };
    assert_eq!(counted("wrong_passkey"), 1.0);
    assert_eq!(counted("session"), 1.0);
    let all: f64 = page
        .iter()
        .filter(|(k, _)| k.starts_with("twostep_passkey_sign_ins_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(all, 2.0);
    // Not counted as password sign-ins: the first sign-in (with no method yet) was one.
    assert_eq!(
        value(&page, "twostep_sign_ins_total", &[("outcome", "session")]),
        1.0
    );
}

#[db_test]
async fn metrics_are_off_unless_a_listener_is_configured(db: Db) {
    let t = TestServer::start(db).await;
    assert!(t.server.metrics_addr.is_none());
    assert!(t.server.state.cfg.metrics_bind.is_none());
    // Nothing of them where the API is.
    let res = reqwest::get(format!("{}/metrics", t.url())).await.unwrap();
    let body = res.text().await.unwrap();
    assert!(!body.contains("twostep_"), "{body}");
}

/// `GET /api/v1/ready`: its status and, when 503, the reasons.
async fn ready(t: &TestServer) -> (u16, Vec<String>) {
    let res = reqwest::get(format!("{}/api/v1/ready", t.url()))
        .await
        .unwrap();
    let status = res.status().as_u16();
    let retry_after = res.headers().get("retry-after").is_some();
    let body: serde_json::Value = res.json().await.unwrap();
    if status == 200 {
        assert_eq!(body["status"], "ready");
        return (status, Vec::new());
    }
    assert!(retry_after, "a 503 says when to ask again");
    assert_eq!(body["error"]["code"], "not_ready");
    assert!(body["error"]["message"].as_str().unwrap().len() > 20);
    let reasons = body["error"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    (status, reasons)
}

#[db_test]
async fn ready_says_the_database_cannot_be_reached(db: Db) {
    let t = TestServer::start(db).await;
    assert_eq!(ready(&t).await, (200, vec![]));
    match &t.server.state.cfg.database_url {
        Some(url) => {
            twostep_testkit::postgres::cluster()
                .drop_database(url)
                .await
        }
        None => t.server.state.db.close().await,
    }
    assert_eq!(ready(&t).await, (503, vec!["database_unavailable".into()]));
    // Liveness is another question: the process answers.
    let live = reqwest::get(format!("{}/api/v1/health", t.url()))
        .await
        .unwrap();
    assert_eq!(live.status(), 503);
}

#[db_test]
async fn ready_says_a_migration_is_missing(db: Db) {
    let t = TestServer::start(db).await;
    assert_eq!(ready(&t).await, (200, vec![]));
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(t.state().db.write())
    .await
    .unwrap();
    assert_eq!(ready(&t).await, (503, vec!["migration_missing".into()]));
}

#[db_test]
async fn ready_says_the_outbox_is_stuck_once_a_message_waits_past_stuck_secs(db: Db) {
    // Mail to an SMTP server that is not there: every try fails for now, and is retried.
    let port = free_port();
    let t = TestServer::start_with(db, move |c| {
        c.email = Some(EmailConfig {
            host: "127.0.0.1".into(),
            port,
            security: Security::None,
            from: "Online-Auth <no-reply@acorns.example>".into(),
            ..EmailConfig::default()
        });
        c.delivery.stuck_secs = 120;
    })
    .await;
    t.add_person("ana@acorns.example", &[Role::Staff]).await;
    t.client.password_reset("ana@acorns.example").await.unwrap();
    let start = Instant::now();
    while t.count("outbox WHERE attempts > 0").await == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "never tried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Waiting, but not for long yet.
    assert_eq!(ready(&t).await, (200, vec![]));
    t.advance(100);
    assert_eq!(ready(&t).await, (200, vec![]));
    t.advance(21);
    assert_eq!(ready(&t).await, (503, vec!["outbox_stuck".into()]));
    // The command says so; waiting at start (systemd), it reports it and does not fail.
    let (ok, said) = ready_command(vec!["--url".into(), t.url()]).await;
    assert!(!ok && said.contains("outbox_stuck"), "{said}");
    let (ok, said) =
        ready_command(vec!["--url".into(), t.url(), "--wait".into(), "5".into()]).await;
    assert!(ok && said.contains("outbox_stuck"), "{said}");
}

/// `twostep-server ready ARGS`, run beside the test's server (off the runtime's thread).
async fn ready_command(args: Vec<String>) -> (bool, String) {
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_twostep-server"))
            .arg("ready")
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[db_test]
async fn the_ready_command_exits_0_only_when_ready_and_says_why_not(db: Db) {
    let t = TestServer::start(db).await;
    let (ok, said) = ready_command(vec!["--url".into(), t.url()]).await;
    assert!(ok && said.contains("ready"), "{said}");
    match &t.server.state.cfg.database_url {
        Some(url) => {
            twostep_testkit::postgres::cluster()
                .drop_database(url)
                .await
        }
        None => t.server.state.db.close().await,
    }
    let (ok, said) =
        ready_command(vec!["--url".into(), t.url(), "--wait".into(), "1".into()]).await;
    assert!(!ok && said.contains("database_unavailable"), "{said}");
    // Nobody there: it says so after the wait.
    let nobody = format!("http://127.0.0.1:{}", free_port());
    let (ok, said) = ready_command(vec!["--url".into(), nobody, "--wait".into(), "1".into()]).await;
    assert!(!ok && said.contains("no answer"), "{said}");
}
