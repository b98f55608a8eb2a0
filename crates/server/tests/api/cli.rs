//! The `twostep-server` binary: its subcommands, its configuration sources, its shutdown.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use twostep_client::api::{AddMethodRequest, Enrollment, LoginResponse};
use twostep_client::Client;

use crate::harness::{cli_person_add, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_twostep-server");

#[tokio::test]
async fn person_add_demo_and_serve_with_file_and_env_config() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = cli_person_add(
        &data,
        "Cli Center",
        "cli@cli.example",
        "staff",
        "a long cli password",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Added cli@cli.example"));
    let again = cli_person_add(
        &data,
        "Cli Center",
        "CLI@cli.example",
        "staff",
        "a long cli password",
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has an account"));

    let demo = Command::new(BIN)
        .args(["demo", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(demo.status.success());
    let text = String::from_utf8_lossy(&demo.stdout);
    assert!(
        text.contains("Demo center created.")
            && text.contains("classroom.sunflowers@sunnydays.example")
    );

    let config = dir.path().join("twostep.toml");
    std::fs::write(
        &config,
        "issuer = \"Cli Center\"\n[codes]\nttl_secs = 300\n",
    )
    .unwrap();
    let port = free_port();
    let mut server = Command::new(BIN)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--config"])
        .arg(&config)
        .arg("--data")
        .arg(&data)
        .env("TWOSTEP_CODES_TTL_SECS", "120")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = Client::new(format!("http://127.0.0.1:{port}"));
    let start = Instant::now();
    while client.health().await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let LoginResponse::Setup { setup_token, .. } = client
        .login("cli@cli.example", "a long cli password", None)
        .await
        .unwrap()
    else {
        panic!("expected setup")
    };
    let Enrollment::Totp { otpauth_uri, .. } = client
        .add_method(&setup_token, &AddMethodRequest::Totp)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(
        otpauth_uri.starts_with("otpauth://totp/Cli%20Center:cli@cli.example?"),
        "{otpauth_uri}"
    );
    let Enrollment::Code {
        expires_at,
        resend_after,
        ..
    } = client
        .add_method(&setup_token, &AddMethodRequest::Email { email: None })
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (expires_at - resend_after).num_seconds(),
        120 - 30,
        "the environment overrides the file"
    );
    // Without --dev-outbox there is no outbox to read.
    assert_eq!(
        client.dev_outbox(None).await.unwrap_err().status(),
        Some(404)
    );

    let pid = server.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no graceful shutdown"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn the_dev_outbox_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--bind", "0.0.0.0:0", "--dev-outbox", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only allowed on a loopback address"));
}

/// `person disable|enable|reset --email`: a center without a desktop administrator can act.
#[tokio::test]
async fn an_operator_disables_enables_and_resets_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let email = "operated@cli.example";
    let pass = "a long cli password";
    assert!(cli_person_add(&data, "Cli Center", email, "staff", pass)
        .status
        .success());
    let person = |what: &str, who: &str| {
        Command::new(BIN)
            .args(["person", what, "--email", who, "--data"])
            .arg(&data)
            .output()
            .unwrap()
    };
    let out = person("disable", email);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("disabled"));

    let serve = || {
        let port = free_port();
        let child = Command::new(BIN)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data"])
            .arg(&data)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        (child, Client::new(format!("http://127.0.0.1:{port}")))
    };
    let up = |client: Client| async move {
        let start = Instant::now();
        while client.health().await.is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "no server");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        client
    };
    let (mut server, client) = serve();
    let client = up(client).await;
    let err = client.login(email, pass, None).await.unwrap_err();
    assert_eq!(err.code(), Some("account_disabled"));
    server.kill().unwrap();
    server.wait().unwrap();

    assert!(person("enable", email).status.success());
    assert!(person("reset", email).status.success());
    let out = person("reset", "nobody@cli.example");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no one signs in with"));

    let (mut server, client) = serve();
    let client = up(client).await;
    assert!(matches!(
        client.login(email, pass, None).await.unwrap(),
        LoginResponse::Setup { .. }
    ));
    server.kill().unwrap();
    server.wait().unwrap();
}

/// `twostep-server report --center NAME`: the rollout counts for a center without a desktop
/// administrator.
#[test]
fn an_operator_reads_the_rollout_report_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (email, role) in [
        ("one@cli.example", "staff"),
        ("two@cli.example", "staff"),
        ("parent@cli.example", "guardian"),
        ("boss@cli.example", "admin"),
    ] {
        assert!(
            cli_person_add(&data, "Cli Center", email, role, "a long cli password")
                .status
                .success()
        );
    }
    assert!(cli_person_add(
        &data,
        "Elsewhere",
        "far@cli.example",
        "staff",
        "a long cli password"
    )
    .status
    .success());
    let report = |center: &str| {
        Command::new(BIN)
            .args(["report", "--center", center, "--data"])
            .arg(&data)
            .output()
            .unwrap()
    };
    let out = report("Cli Center");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2-Step Verification at Cli Center"), "{text}");
    assert!(
        text.contains("People: 4 (staff 2, family 1, administrators 1)"),
        "{text}"
    );
    assert!(text.contains("Enrolled: 0 (0%)"), "{text}");
    assert!(
        text.contains("Must set up 2-Step Verification and have not: 3"),
        "{text}"
    );
    assert!(
        text.contains("<two@cli.example>") && !text.contains("far@cli.example"),
        "{text}"
    );
    assert!(
        !text.contains("parent@cli.example"),
        "families are optional: {text}"
    );

    let out = report("No Such Center");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("there is no center named No Such Center")
    );
}

/// `twostep-server policy --center NAME`: shows the policy and changes it (the one place
/// two-person resets can be turned off: `admin::set_policy_of` with no administrator, tested
/// in resets.rs).
#[test]
fn the_operator_reads_and_changes_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(cli_person_add(
        &data,
        "Cli Center",
        "boss@cli.example",
        "admin",
        "a long cli password"
    )
    .status
    .success());
    let policy = |extra: &[&str]| {
        Command::new(BIN)
            .args(["policy", "--center", "Cli Center", "--data"])
            .arg(&data)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = policy(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Administrators a reset takes: 1"), "{text}");
    // One administrator without 2-Step Verification: two approvals would lock resets out.
    let out = policy(&["--reset-approvals", "2"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least two"));
    let out = policy(&["--guardians-required", "true"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Families must use 2-Step Verification: yes")
    );
    let out = policy(&["--reset-approvals", "3"]);
    assert!(!out.status.success());
    // The wait before an administrator added by another counts: the operator's to change.
    assert!(String::from_utf8_lossy(&policy(&[]).stdout)
        .contains("waits to count for two-person resets: 7"));
    let out = policy(&["--new-admin-wait-days", "2"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("two-person resets: 2"));
    assert!(!policy(&["--new-admin-wait-days", "91"]).status.success());
}

/// The command line takes the one password rule every new password meets (core's: 8 to 128
/// characters, not a common or guessable one), no rule of its own: nine characters are enough,
/// a short or common one is refused with the rule's own words, and nothing is added.
#[test]
fn person_add_judges_the_password_by_the_one_rule() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let short = cli_person_add(&data, "Cli Center", "short@cli.example", "staff", "kw8-zqp");
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"),
        "{}",
        String::from_utf8_lossy(&short.stderr)
    );
    let common = cli_person_add(
        &data,
        "Cli Center",
        "common@cli.example",
        "staff",
        "password123",
    );
    assert!(!common.status.success());
    // Nine characters: the command line once asked ten.
    let nine = cli_person_add(
        &data,
        "Cli Center",
        "nine@cli.example",
        "staff",
        "kw8-zqp-r",
    );
    assert!(
        nine.status.success(),
        "{}",
        String::from_utf8_lossy(&nine.stderr)
    );
    let again = cli_person_add(
        &data,
        "Cli Center",
        "short@cli.example",
        "staff",
        "kw8-zqp-rt",
    );
    assert!(
        again.status.success(),
        "a refused add leaves nothing behind: {}",
        String::from_utf8_lossy(&again.stderr)
    );
}
