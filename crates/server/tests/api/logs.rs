//! `log_format = "json"`: the real binary's log over a whole journey (first sign-in and setup,
//! a wrong password, a sign-in with an emailed code, signing out) is one JSON object a line,
//! with the fields a collector needs, and holds no password, code, token or email.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use twostep_client::api::{AddMethodRequest, LoginResponse};
use twostep_client::Client;

use crate::harness::{cli_person_add, extract_code, free_port, is_code_message, session_of};

const BIN: &str = env!("CARGO_BIN_EXE_twostep-server");

async fn last_code(c: &Client, to: &str) -> String {
    let msgs = c.dev_outbox(Some(to)).await.unwrap().messages;
    extract_code(&msgs.iter().rev().find(|m| is_code_message(m)).unwrap().body)
}

#[tokio::test]
async fn json_logs_of_a_whole_journey_hold_no_secret_and_no_address() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let email = "ana.lopez@acorns.example";
    let password = "a long json password";
    assert!(
        cli_person_add(&data, "Little Acorns", email, "staff", password)
            .status
            .success()
    );
    let log = dir.path().join("server.log");
    let port = free_port();
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--dev-outbox",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--data")
        .arg(&data)
        .env("TWOSTEP_LOG_FORMAT", "json")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let c = Client::new(format!("http://127.0.0.1:{port}"));
    let start = Instant::now();
    while c.health().await.is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "never came up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The journey, and every secret it saw.
    let mut secrets = vec![password.to_owned(), email.to_owned()];
    let LoginResponse::Setup { setup_token, .. } = c.login(email, password, None).await.unwrap()
    else {
        panic!("expected setup")
    };
    let e = c
        .add_method(&setup_token, &AddMethodRequest::Email { email: None })
        .await
        .unwrap();
    let code = last_code(&c, email).await;
    let confirmed = c
        .confirm_enrollment(&setup_token, e.id(), &code)
        .await
        .unwrap();
    let first = confirmed.session.unwrap().token;
    secrets.extend([setup_token, code, first.clone()]);
    secrets.extend(confirmed.recovery_codes.unwrap_or_default());
    c.login(email, "not the password at all", None)
        .await
        .unwrap_err();
    secrets.push("not the password at all".into());
    let LoginResponse::Verify {
        challenge_id,
        code_sent: Some(sent),
        ..
    } = c.login(email, password, None).await.unwrap()
    else {
        panic!("expected a code")
    };
    let code = last_code(&c, email).await;
    let (session, _) = session_of(
        c.verify(&challenge_id, sent.method_id.as_deref().unwrap(), &code)
            .await
            .unwrap(),
    );
    c.logout(&session).await.unwrap();
    c.logout(&first).await.unwrap();
    secrets.extend([code, session]);
    let _ = child.kill();
    let _ = child.wait();

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() > 10, "{text}");
    for l in &lines {
        for field in ["timestamp", "level", "target"] {
            assert!(l.get(field).is_some(), "no {field}: {l}");
        }
    }
    // Each answer: its route's pattern (never the path), request id, status and latency.
    let answers: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["message"] == "answered")
        .collect();
    assert!(answers.len() >= 8, "{text}");
    for a in &answers {
        assert!(a["status"].is_u64() && a["latency_ms"].is_u64(), "{a}");
        let span = &a["span"];
        assert_eq!(span["request_id"].as_str().map(str::len), Some(36), "{a}");
        assert!(span["route"].as_str().unwrap().starts_with('/'), "{a}");
    }
    assert!(answers.iter().any(|a| a["span"]["route"]
        == "/api/v1/challenges/{challenge_id}/verify"
        && a["status"] == 200));
    assert!(answers
        .iter()
        .any(|a| a["span"]["route"] == "/api/v1/login" && a["status"] == 401));
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "{s:?} is in the log");
    }
    assert!(
        !text.contains(&challenge_id),
        "a challenge's id is in a path only"
    );
    assert!(!text.contains("acorns.example"), "an address is in the log");
}
