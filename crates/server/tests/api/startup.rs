//! The real `twostep-server` binary: starting several at once, private files, what it refuses
//! to start with, and a flood of sign-ins it must survive with bounded memory.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use twostep_client::Client;

use crate::harness::{cli_person_add, db_test, free_port, Db, TestServer};

const BIN: &str = env!("CARGO_BIN_EXE_twostep-server");

/// A server process, killed when dropped; what it logs goes to a file beside its data (a
/// pipe nobody reads would fill up and stall it).
struct Process(Child, std::path::PathBuf);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(data: &Path, port: u16, env: &[(&str, &str)]) -> Process {
    let log = data.with_file_name(format!("server-{port}.log"));
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    Process(cmd.spawn().unwrap(), log)
}

/// Waits for the server to answer, or for it to exit (then panics with what it said).
async fn up(p: &mut Process, port: u16) -> Client {
    let client = Client::new(format!("http://127.0.0.1:{port}"));
    let start = Instant::now();
    while client.health().await.is_err() {
        if let Some(status) = p.0.try_wait().unwrap() {
            let err = std::fs::read_to_string(&p.1).unwrap_or_default();
            panic!("the server exited ({status}): {err}");
        }
        assert!(start.elapsed() < Duration::from_secs(30), "never came up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client
}

#[db_test]
async fn two_servers_started_at_once_on_a_new_data_folder_both_come_up(db: Db) {
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // On PostgreSQL: an empty database, and one key file for both.
        let key = dir.path().join("shared.key").to_string_lossy().into_owned();
        let url = db.new_database_url();
        let mut env = vec![("TWOSTEP_KEY_FILE", key.as_str())];
        if let Some(u) = &url {
            env.push(("TWOSTEP_DATABASE_URL", u.as_str()));
        }
        let (pa, pb) = (free_port(), free_port());
        let mut a = serve(&data, pa, &env);
        let mut b = serve(&data, pb, &env);
        let (ca, cb) = (up(&mut a, pa).await, up(&mut b, pb).await);
        ca.health().await.unwrap();
        cb.health().await.unwrap();
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_is_the_servers_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let mut p = serve(&data, port, &[]);
    up(&mut p, port).await;
    let mode = |f: &str| {
        std::fs::metadata(data.join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700);
    for f in [
        "twostep.db",
        "twostep.db-wal",
        "twostep.db-shm",
        "server.key",
    ] {
        assert_eq!(mode(f), 0o600, "{f}");
    }
    drop(p);

    // A key others can read: the server refuses to start, and says which chmod fixes it.
    let key = data.join("server.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("chmod 600 {}", key.display())),
        "{err}"
    );

    // A database left readable by others is narrowed at start-up.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(
        data.join("twostep.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let port = free_port();
    let mut p = serve(&data, port, &[]);
    up(&mut p, port).await;
    assert_eq!(mode("twostep.db"), 0o600);
}

#[test]
fn the_demo_center_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--bind", "0.0.0.0:0", "--demo", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--demo") && err.contains("only allowed on a loopback address"),
        "{err}"
    );
}

#[test]
fn off_loopback_the_public_address_must_be_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--bind", "0.0.0.0:0", "--data"])
        .arg(dir.path())
        .env_remove("TWOSTEP_PUBLIC_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("public_url") && err.contains("TWOSTEP_PUBLIC_URL"),
        "{err}"
    );
}

/// The peak resident memory of a process, in KiB (Linux).
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_flood_is_answered_with_bounded_memory_and_no_server_error() {
    const FLOOD: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let added = cli_person_add(
        &data,
        "Flood Center",
        "parent@flood.example",
        "guardian",
        "a long flood password",
    );
    assert!(added.status.success(), "{added:?}");
    let port = free_port();
    // Two hashes at once and eight waiting: the rest of a flood is turned away at once.
    let mut p = serve(
        &data,
        port,
        &[
            ("TWOSTEP_ARGON2_MAX_PARALLEL", "2"),
            ("TWOSTEP_ARGON2_QUEUE", "8"),
            // All from one address: this is the hashing queue's test, not the per-client
            // limit's (client_limit.rs).
            ("TWOSTEP_LIMITS_PER_CLIENT_PER_MINUTE", "0"),
        ],
    );
    up(&mut p, port).await;
    let baseline = peak_kib(p.0.id());

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/login");
    let barrier = Arc::new(tokio::sync::Barrier::new(FLOOD));
    let tasks: Vec<_> = (0..FLOOD)
        .map(|i| {
            let (http, url, barrier) = (http.clone(), url.clone(), barrier.clone());
            tokio::spawn(async move {
                // Many people at once, most of them strangers: no per-email limit helps here.
                let body = if i % 10 == 0 {
                    serde_json::json!({"email": "parent@flood.example", "password": "a long flood password"})
                } else {
                    serde_json::json!({"email": format!("stranger{i}@flood.example"), "password": "guess"})
                };
                barrier.wait().await;
                let r = http.post(&url).json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                let retry = r.headers().get("retry-after").is_some();
                let v: serde_json::Value = r.json().await.unwrap();
                let code = v["error"]["code"].as_str().unwrap_or("").to_owned();
                (i % 10 == 0, status, retry, code)
            })
        })
        .collect();
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    for t in tasks {
        let (right_password, status, retry, code) = t.await.unwrap();
        *by_status.entry(status).or_default() += 1;
        // The right password: signed in, or told to wait (busy, or the email's limit); a
        // stranger: refused, or told to wait. Never a server error.
        let allowed: &[u16] = if right_password {
            &[200, 429, 503]
        } else {
            &[401, 429, 503]
        };
        assert!(allowed.contains(&status), "HTTP {status} {code}");
        if status == 503 {
            assert_eq!(code, "server_busy");
            assert!(retry, "a 503 says when to come back");
        }
    }
    assert!(
        by_status.get(&503).copied().unwrap_or(0) > 0,
        "{by_status:?}"
    );
    assert!(
        by_status.get(&401).copied().unwrap_or(0) > 0,
        "{by_status:?}"
    );

    // Memory: at most two 19 MiB hashes at a time, whatever the flood (without the bound,
    // 300 hashes at once would need 5.6 GiB).
    let peak = peak_kib(p.0.id());
    eprintln!("flood of {FLOOD}: {by_status:?}; peak {peak} KiB, baseline {baseline} KiB");
    let bound = baseline + 2 * 19 * 1024 + 40 * 1024;
    assert!(
        peak < bound,
        "peak {peak} KiB over the {baseline} KiB baseline (bound {bound} KiB)"
    );

    // And it still signs people in.
    let client = Client::new(format!("http://127.0.0.1:{port}"));
    client
        .login("parent@flood.example", "a long flood password", None)
        .await
        .unwrap();
}

#[db_test]
async fn health_answers_503_when_the_database_cannot_be_reached(db: Db) {
    let t = TestServer::start(db).await;
    t.client.health().await.unwrap();
    match &t.server.state.cfg.database_url {
        Some(url) => {
            twostep_testkit::postgres::cluster()
                .drop_database(url)
                .await
        }
        None => t.server.state.db.close().await,
    }
    let err = t.client.health().await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(503), Some("database_unavailable"))
    );
}

#[db_test]
async fn a_server_with_another_key_refuses_the_database(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = db.new_database_url();
    let key = |name: &str| dir.path().join(name);
    let serve_with = |key_file: std::path::PathBuf, port: u16| {
        let mut env: Vec<(&str, String)> =
            vec![("TWOSTEP_KEY_FILE", key_file.to_string_lossy().into_owned())];
        if let Some(u) = &url {
            env.push(("TWOSTEP_DATABASE_URL", u.clone()));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        serve(&data, port, &env)
    };
    let port = free_port();
    let mut first = serve_with(key("a.key"), port);
    up(&mut first, port).await;
    drop(first);
    // The same key again: welcome. Another key: refused, and told why.
    let port = free_port();
    let mut again = serve_with(key("a.key"), port);
    up(&mut again, port).await;
    drop(again);
    let out = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("TWOSTEP_KEY_FILE", key("b.key"))
        .envs(url.iter().map(|u| ("TWOSTEP_DATABASE_URL", u.as_str())))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("made with another server key"), "{err}");
}

#[test]
fn postgresql_needs_the_key_to_be_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .args(["--database-url", "postgres://nobody@127.0.0.1:1/none"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("set key_file"), "{err}");
}
