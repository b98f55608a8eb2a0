//! What the release `twostep-server` does per second on this machine, next to this machine's
//! own limit measured in the same run. `cargo bench -p twostep-server --bench throughput`
//! prints, on SQLite and (when Debian's `postgresql` is installed) on PostgreSQL:
//! - sign-ins per second (16 clients, a password each; guardians with no method) next to the
//!   Argon2id rate of this machine (each sign-in is one hash: the server cannot beat it);
//! - complete sign-ins per second (16 clients, each a password then an authenticator code on
//!   the challenge the password opened), next to the Argon2id rate, with their second step's
//!   p50 and p99 at that load;
//! - isolated second steps per second (16 clients, each verifying a fresh challenge with an
//!   authenticator code) with p50 and p99;
//! - authenticated reads per second (`GET /api/v1/me`) with p99;
//! - the server's memory idle and at its peak.
//!
//! The clients run on this machine too (its 2 cores are shared with them). A benchmark prints
//! figures and asserts nothing about speed.

#![allow(clippy::unwrap_used)]
// A benchmark runs against the real time: its clients make codes for now.
#![allow(clippy::disallowed_methods)]

mod common;
use common::argon2_rate;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use twostep_core::secret::TotpSecret;
use twostep_core::Role;
use twostep_server::crypto::Keys;
use twostep_server::hashing::Passwords;
use twostep_server::store::{challenges, methods, people, Db};
use twostep_server::Config;
use zeroize::Zeroizing;

const CLIENTS: usize = 16;
const PASSWORD: &str = "a long benchmark password";

struct Mode {
    full: bool,
    phase: Duration,
    challenges: usize,
}

fn rss_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// The CPU time a process has used, user and system, in seconds (`/proc/<pid>/stat`, in
/// Linux's clock ticks of 1/100 s).
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's name (which may hold spaces) in parentheses.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are the 14th and 15th fields: the 12th and 13th after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

/// People, authenticator methods and fresh challenges, written straight into the database
/// (making them through the API would cost one Argon2 hash each).
async fn seed(cfg: &Config, n: usize) -> Vec<(String, String, Vec<u8>)> {
    let db = Db::open(cfg.database_url.as_deref(), &cfg.db_path())
        .await
        .unwrap();
    let keys = Keys::load_or_create(&cfg.key_path()).unwrap();
    let passwords = Passwords::new(&cfg.argon2).unwrap();
    let hash = passwords
        .admit()
        .unwrap()
        .hash(Zeroizing::new(PASSWORD.into()))
        .await
        .unwrap();
    let now = Utc::now();
    let center = twostep_server::store::centers::ensure(db.write(), "Bench Center", now)
        .await
        .unwrap();
    for i in 0..50 {
        let email = format!("parent{i}@bench.example");
        let new = people::NewPerson {
            id: &format!("parent{i}"),
            center_id: &center,
            email: &email,
            name: "Bench Parent",
            roles: &[Role::Guardian],
            shared: false,
            password_hash: &hash,
            locale: Default::default(),
            created_by: None,
        };
        people::insert(db.write(), &new, now).await.unwrap();
    }
    let mut out = Vec::with_capacity(n);
    let device = twostep_server::store::devices::Device {
        name: Some("bench".into()),
        hash: Some(b"bench-device-id".to_vec()),
    };
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut tx = db.begin().await.unwrap();
        for &i in chunk {
            let (pid, mid, cid) = (format!("p{i}"), format!("m{i}"), format!("c{i}"));
            let email = format!("staff{i}@bench.example");
            let person = people::NewPerson {
                id: &pid,
                center_id: &center,
                email: &email,
                name: "Bench Staff",
                roles: &[Role::Staff],
                shared: false,
                password_hash: &hash,
                locale: Default::default(),
                created_by: None,
            };
            people::insert(&mut *tx, &person, now).await.unwrap();
            let secret = TotpSecret::generate(&mut rand::rngs::OsRng);
            let sealed = keys.seal(&pid, &secret).unwrap();
            let method = methods::NewMethod {
                id: &mid,
                person_id: &pid,
                kind: twostep_core::Kind::Totp,
                address: None,
                secret_sealed: Some(&sealed),
                last_step: None,
                staff_center_id: None,
            };
            methods::insert(&mut *tx, &method, now).await.unwrap();
            let expires = now + chrono::Duration::minutes(30);
            challenges::insert(&mut *tx, &cid, &pid, &device, None, now, expires)
                .await
                .unwrap();
            out.push((cid, mid, secret.expose().to_vec()));
        }
        tx.commit().await.unwrap();
    }
    db.close().await;
    out
}

/// Whether the answer is a 200, its body read (so that the connection is reused).
async fn answered(r: Result<reqwest::Response, reqwest::Error>) -> bool {
    match r {
        Ok(r) => {
            let ok = r.status() == 200;
            r.bytes().await.is_ok() && ok
        }
        Err(_) => false,
    }
}

/// `CLIENTS` clients calling `call(i)` until `length` is over (or `limit` calls are made);
/// the latencies of the calls that answered 200.
async fn hammer<F, Fut>(length: Duration, limit: usize, call: F) -> (f64, Vec<Duration>, usize)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (call, next) = (call.clone(), next.clone());
            tokio::spawn(async move {
                let mut ok = Vec::new();
                let mut failed = 0;
                while start.elapsed() < length {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= limit {
                        break;
                    }
                    let t = Instant::now();
                    if call(i).await {
                        ok.push(t.elapsed());
                    } else {
                        failed += 1;
                    }
                }
                (ok, failed)
            })
        })
        .collect();
    let (mut all, mut failed) = (Vec::new(), 0);
    for t in tasks {
        let (ok, f) = t.await.unwrap();
        all.extend(ok);
        failed += f;
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    (all.len() as f64 / secs, all, failed)
}

async fn run(backend: &str, database_url: Option<String>, mode: &Mode, rate: f64, cores: usize) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        data: dir.path().join("data"),
        key_file: Some(dir.path().join("server.key")),
        database_url: database_url.clone(),
        ..Config::default()
    };
    let seeded = Arc::new(seed(&cfg, mode.challenges).await);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // TWOSTEP_BENCH_SERVER: another build of the server (an A/B run of two commits).
    let binary = std::env::var("TWOSTEP_BENCH_SERVER")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_twostep-server").to_owned());
    let mut cmd = std::process::Command::new(binary);
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data"])
        .arg(&cfg.data)
        .env("TWOSTEP_KEY_FILE", dir.path().join("server.key"))
        .env("RUST_LOG", "warn")
        // Every client is this machine's one address: the per-client limit would measure
        // itself (signin_flood measures it).
        .env("TWOSTEP_LIMITS_PER_CLIENT_PER_MINUTE", "0")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Some(u) = &database_url {
        cmd.env("TWOSTEP_DATABASE_URL", u);
    }
    let mut server = cmd.spawn().unwrap();
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    while http.get(format!("{base}/health")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = rss_mib(pid, "VmRSS:");

    // TWOSTEP_BENCH_STEPS_ONLY: the second steps alone (to profile them).
    let steps_only = std::env::var("TWOSTEP_BENCH_STEPS_ONLY").is_ok();
    let (h, b) = (http.clone(), base.clone());
    let signin_phase = if steps_only {
        Duration::ZERO
    } else {
        mode.phase
    };
    let signin_cpu_before = cpu_secs(pid);
    let (sign_ins, signin_lat, _) = hammer(signin_phase, usize::MAX, move |i| {
        let (h, b) = (h.clone(), b.clone());
        async move {
            let body = serde_json::json!({"email": format!("parent{}@bench.example", i % 50), "password": PASSWORD});
            answered(h.post(format!("{b}/login")).json(&body).send().await).await
        }
    })
    .await;

    let signin_cpu = (cpu_secs(pid) - signin_cpu_before) / signin_lat.len().max(1) as f64;

    // A complete sign-in as people make it: the password (one Argon2id hash), then the
    // authenticator's code on the challenge that answer opened. The second half of the seeded
    // staff sign in this way (the first half's challenges are the isolated second steps').
    let half = seeded.len() / 2;
    let step_latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (h, b, s, sl) = (
        http.clone(),
        base.clone(),
        seeded.clone(),
        step_latencies.clone(),
    );
    let cpu_before = (cpu_secs(pid), cpu_secs(std::process::id()));
    let (complete, complete_lat, complete_failed) =
        hammer(signin_phase, seeded.len() - half, move |i| {
            let (h, b, s, sl) = (h.clone(), b.clone(), s.clone(), sl.clone());
            async move {
                let n = half + i;
                let body = serde_json::json!({"email": format!("staff{n}@bench.example"), "password": PASSWORD});
                let Ok(r) = h.post(format!("{b}/login")).json(&body).send().await else {
                    return false;
                };
                let Ok(v) = r.json::<serde_json::Value>().await else {
                    return false;
                };
                let Some(cid) = v["challenge_id"].as_str() else {
                    return false;
                };
                let (_, mid, secret) = &s[n];
                let code = twostep_testkit::totp_code(secret, Utc::now().timestamp());
                let body = serde_json::json!({"method_id": mid, "code": code});
                let t = Instant::now();
                let ok = answered(
                    h.post(format!("{b}/challenges/{cid}/verify"))
                        .json(&body)
                        .send()
                        .await,
                )
                .await;
                if ok {
                    sl.lock().unwrap().push(t.elapsed());
                }
                ok
            }
        })
        .await;
    let complete_cpu = (
        cpu_secs(pid) - cpu_before.0,
        cpu_secs(std::process::id()) - cpu_before.1,
    );
    let complete_n = complete_lat.len().max(1) as f64;
    let mut complete_step_lat = step_latencies.lock().unwrap().clone();
    complete_step_lat.sort();

    let tokens = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (h, b, s, tk) = (http.clone(), base.clone(), seeded.clone(), tokens.clone());
    let steps_cpu_before = cpu_secs(pid);
    let (steps, step_lat, step_failed) = hammer(mode.phase, half, move |i| {
        let (h, b, s, tk) = (h.clone(), b.clone(), s.clone(), tk.clone());
        async move {
            let (cid, mid, secret) = &s[i];
            let code = twostep_testkit::totp_code(secret, Utc::now().timestamp());
            let body = serde_json::json!({"method_id": mid, "code": code});
            let Ok(r) = h
                .post(format!("{b}/challenges/{cid}/verify"))
                .json(&body)
                .send()
                .await
            else {
                return false;
            };
            if r.status() != 200 {
                let _ = r.bytes().await;
                return false;
            }
            let v: serde_json::Value = r.json().await.unwrap();
            tk.lock()
                .unwrap()
                .push(v["session"]["token"].as_str().unwrap().to_owned());
            true
        }
    })
    .await;

    let steps_cpu = (cpu_secs(pid) - steps_cpu_before) / step_lat.len().max(1) as f64;
    let tokens = Arc::new(tokens.lock().unwrap().clone());

    let (h, b, tk) = (http.clone(), base.clone(), tokens.clone());
    let read_phase = if steps_only {
        Duration::ZERO
    } else {
        mode.phase
    };
    let (reads, read_lat, _) = hammer(read_phase, usize::MAX, move |i| {
        let (h, b, tk) = (h.clone(), b.clone(), tk.clone());
        async move {
            let t = &tk[i % tk.len().max(1)];
            h.get(format!("{b}/me"))
                .bearer_auth(t)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    let peak = rss_mib(pid, "VmHWM:");
    let _ = server.kill();
    let _ = server.wait();

    println!("  {backend}:");
    println!(
        "    sign-ins: {sign_ins:.0}/s = {:.2} × the Argon2id rate (p99 {:.0} ms); server CPU \
         {:.1} ms each (Argon2id {:.1} ms)",
        sign_ins / rate,
        ms(&signin_lat, 0.99),
        signin_cpu * 1000.0,
        cores as f64 / rate * 1000.0,
    );
    println!(
        "    complete sign-ins (password, then an authenticator code): {complete:.0}/s = {:.2} × \
         the Argon2id rate (p99 {:.0} ms); their second step p50 {:.1} ms, p99 {:.1} ms{}",
        complete / rate,
        ms(&complete_lat, 0.99),
        ms(&complete_step_lat, 0.5),
        ms(&complete_step_lat, 0.99),
        if complete_failed > 0 {
            format!(" ({complete_failed} refused)")
        } else {
            String::new()
        }
    );
    // Where a complete sign-in's CPU goes: the hash (at most cores / rate seconds of CPU, the
    // rate being every core's), the server's other work, and the clients on the same cores.
    println!(
        "      CPU per complete sign-in: server {:.1} ms (Argon2id {:.1} ms of it), clients {:.1} ms",
        complete_cpu.0 / complete_n * 1000.0,
        cores as f64 / rate * 1000.0,
        complete_cpu.1 / complete_n * 1000.0,
    );
    println!(
        "    isolated second steps (TOTP, fresh challenge each): {steps:.0}/s = {:.1} × the \
         Argon2id rate, p50 {:.1} ms, p99 {:.1} ms, server CPU {:.2} ms each{}",
        steps / rate,
        ms(&step_lat, 0.5),
        ms(&step_lat, 0.99),
        steps_cpu * 1000.0,
        if step_failed > 0 {
            format!(" ({step_failed} refused)")
        } else {
            String::new()
        }
    );
    println!(
        "    authenticated reads (GET /me): {reads:.0}/s, p99 {:.1} ms",
        ms(&read_lat, 0.99)
    );
    println!("    server memory: {idle:.1} MiB idle, {peak:.1} MiB peak ({cores} cores)");
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs a short smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let mode = if full {
        Mode {
            full,
            phase: Duration::from_secs(5),
            challenges: 30_000,
        }
    } else {
        Mode {
            full,
            phase: Duration::from_millis(500),
            challenges: 200,
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rate = argon2_rate(cores, if full { 3.0 } else { 0.5 });
    let build = if mode.full {
        "release"
    } else {
        "debug (smoke run)"
    };
    println!(
        "throughput: the {build} twostep-server, {CLIENTS} clients on this machine ({cores} cores)"
    );
    println!("  Argon2id (m=19 MiB, t=2, p=1) on {cores} cores: {rate:.1} hashes/s (this machine's limit)");
    run("SQLite", None, &mode, rate, cores).await;
    let sqlite_only = std::env::var("TWOSTEP_BENCH_SQLITE_ONLY").is_ok();
    if full && !sqlite_only && std::path::Path::new("/usr/lib/postgresql").exists() {
        let url = twostep_testkit::postgres::cluster().new_database();
        run(
            "PostgreSQL (a local cluster)",
            Some(url),
            &mode,
            rate,
            cores,
        )
        .await;
    }
}
