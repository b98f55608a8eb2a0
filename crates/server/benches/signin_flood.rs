//! A sign-in flood against the real `twostep-server` binary, next to this machine's own limit.
//!
//! `cargo bench -p twostep-server --bench signin_flood` prints:
//! - the Argon2id rate of this machine (hashes per second on every core, the server's cost);
//! - sign-ins per second the server completes while 300 connections hammer it for 10 s, and
//!   its ratio to that rate (the server can never beat it: each sign-in is one hash);
//! - how the flood was answered (200 signed in, 503 `server_busy`, …) and sign-in latency;
//! - the server's resident memory: at rest, and its peak during the flood;
//! - with the per-client limit on (the default; off for the floods above, which all come from
//!   127.0.0.1): sign-ins per second of people each on their own address (127.1.x.y) while
//!   one address (127.0.0.2) floods the server with made-up emails, next to the same rate.
//!
//! A benchmark prints figures and asserts nothing about speed.

#![allow(clippy::unwrap_used)]

mod common;
use common::argon2_rate;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use twostep_core::Role;
use twostep_server::operate::{self, NewAccount};
use twostep_server::{Config, SystemClock};
use zeroize::Zeroizing;

const CONNECTIONS: usize = 300;
const PEOPLE: usize = 50;
const PASSWORD: &str = "a long benchmark password";

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// CPU seconds the process has used (user + system), from /proc.
fn cpu_secs(pid: u32) -> f64 {
    let ticks = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .unwrap_or(100.0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) start after its ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (field(11) + field(12)) / ticks
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Flood {
    secs: f64,
    statuses: BTreeMap<u16, usize>,
    latencies: Vec<Duration>,
    peak_kib: u64,
    /// CPU seconds the server used during the flood.
    server_cpu: f64,
}

/// `CONNECTIONS` clients signing in for `length`; a polite client waits the `Retry-After` of a
/// 503 (one second), an impolite one comes back at once.
async fn flood(
    http: &reqwest::Client,
    base: &str,
    pid: u32,
    length: Duration,
    polite: bool,
) -> Flood {
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid, "VmRSS:"));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak
        })
    };
    let cpu_before = cpu_secs(pid);
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|i| {
            let http = http.clone();
            let url = format!("{base}/api/v1/login");
            tokio::spawn(async move {
                let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
                let mut signed_in = Vec::new();
                let body = serde_json::json!({
                    "email": format!("parent{}@bench.example", i % PEOPLE),
                    "password": PASSWORD,
                });
                while start.elapsed() < length {
                    let t = Instant::now();
                    let status = match http.post(&url).json(&body).send().await {
                        Ok(r) => r.status().as_u16(),
                        Err(_) => 0,
                    };
                    *statuses.entry(status).or_default() += 1;
                    if status == 200 {
                        signed_in.push(t.elapsed());
                    } else if polite {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    } else {
                        tokio::task::yield_now().await;
                    }
                }
                (statuses, signed_in)
            })
        })
        .collect();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut latencies = Vec::new();
    for t in tasks {
        let (s, l) = t.await.unwrap();
        for (k, v) in s {
            *statuses.entry(k).or_default() += v;
        }
        latencies.extend(l);
    }
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let peak = sampler.await.unwrap();
    Flood {
        server_cpu: cpu_secs(pid) - cpu_before,
        secs: elapsed,
        statuses,
        latencies: {
            latencies.sort();
            latencies
        },
        peak_kib: peak,
    }
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this once, briefly, as a
    // smoke run (a debug build's figures mean nothing).
    let full = std::env::args().any(|a| a == "--bench");
    let flood_for = Duration::from_secs(if full { 10 } else { 2 });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rate = argon2_rate(cores, if full { 3.0 } else { 1.0 });

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let cfg = Config {
            data: data.clone(),
            ..Config::default()
        };
        let st = twostep_server::build_state(cfg, Arc::new(SystemClock))
            .await
            .unwrap();
        for i in 0..PEOPLE {
            let email = format!("parent{i}@bench.example");
            let account = NewAccount {
                email: &email,
                name: "Bench Parent",
                roles: &[Role::Guardian],
                shared: false,
                password: Some(Zeroizing::new(PASSWORD.into())),
                locale: Default::default(),
            };
            operate::add_to_center_named(&st, "Bench Center", account)
                .await
                .unwrap();
        }
        st.courier.stop();
    }
    // The hashing queue's floods all come from this machine's one address: the per-client
    // limit off, or it would answer them all.
    let (mut server, base, pid) =
        start_server(&data, &[("TWOSTEP_LIMITS_PER_CLIENT_PER_MINUTE", "0")]).await;
    let http = reqwest::Client::new();
    let at_rest = rss_kib(pid, "VmRSS:");

    let mut report = Vec::new();
    for polite in [true, false] {
        report.push((polite, flood(&http, &base, pid, flood_for, polite).await));
    }
    let high_water = rss_kib(pid, "VmHWM:");
    let _ = server.kill();
    let _ = server.wait();
    let (mut server, base, pid) = start_server(&data, &[]).await;
    let alone = flood_from_one_address(&base, pid, flood_for, 0).await;
    let neighbours = flood_from_one_address(&base, pid, flood_for, FLOODERS).await;
    let _ = server.kill();
    let _ = server.wait();

    let build = if full { "release" } else { "debug (smoke run)" };
    println!("signin_flood: {CONNECTIONS} connections against the {build} twostep-server ({cores} cores; the load comes from this machine too)");
    println!("  Argon2id (m=19 MiB, t=2, p=1) on {cores} cores: {rate:.1} hashes/s (this machine's limit)");
    println!(
        "  server memory at rest: {:.1} MiB",
        at_rest as f64 / 1024.0
    );
    for (polite, f) in report {
        let mode = if polite {
            "clients that wait Retry-After on a 503"
        } else {
            "clients that retry a 503 at once"
        };
        let ok = f.statuses.get(&200).copied().unwrap_or(0) as f64 / f.secs;
        println!("  flood for {:.1} s, {mode}:", f.secs);
        println!(
            "    sign-ins completed: {ok:.1}/s = {:.2} × the Argon2id rate",
            ok / rate
        );
        println!("    answers: {:?} (0 = connection error)", f.statuses);
        println!(
            "    the server used {:.2} of {cores} cores (the load generator the rest)",
            f.server_cpu / f.secs
        );
        println!(
            "    sign-in latency: p50 {:.0} ms, p99 {:.0} ms",
            percentile(&f.latencies, 0.5).as_secs_f64() * 1000.0,
            percentile(&f.latencies, 0.99).as_secs_f64() * 1000.0
        );
        println!(
            "    server memory peak: {:.1} MiB (+{:.1} MiB over rest; one hash holds 19 MiB)",
            f.peak_kib as f64 / 1024.0,
            f.peak_kib.saturating_sub(at_rest) as f64 / 1024.0
        );
    }
    println!(
        "  the server's high-water mark over its whole life (VmHWM): {:.1} MiB",
        high_water as f64 / 1024.0
    );
    println!(
        "  per-client limit on (30/min, burst 10), {NEIGHBOURS} people each on an address of \
         their own signing in for {:.1} s:",
        neighbours.secs
    );
    for (what, n) in [
        ("alone", &alone),
        ("while 127.0.0.2 floods with made-up emails", &neighbours),
    ] {
        println!(
            "    {what}: {:.1} sign-ins/s = {:.2} × the Argon2id rate; answers {:?}; the server \
             used {:.2} of {cores} cores",
            n.signed_in as f64 / n.secs,
            n.signed_in as f64 / n.secs / rate,
            n.people,
            n.server_cpu / n.secs
        );
    }
    println!(
        "    the flood's answers ({FLOODERS} connections): {:?}",
        neighbours.flood
    );
}

/// Connections flooding from 127.0.0.2.
const FLOODERS: usize = 100;
/// People signing in meanwhile, each from an address of their own (the `PEOPLE` accounts).
const NEIGHBOURS: usize = 300;

struct Neighbours {
    secs: f64,
    server_cpu: f64,
    signed_in: usize,
    people: BTreeMap<u16, usize>,
    flood: BTreeMap<u16, usize>,
}

/// One address floods sign-ins with made-up emails while `PEOPLE` people, each on an address
/// of their own, sign in as fast as they are let (a polite 503 or 429 waits `Retry-After`).
async fn flood_from_one_address(
    base: &str,
    pid: u32,
    length: Duration,
    flooders: usize,
) -> Neighbours {
    let url = format!("{base}/api/v1/login");
    let cpu_before = cpu_secs(pid);
    let start = Instant::now();
    let flood: Vec<_> = (0..flooders)
        .map(|i| {
            let http = from("127.0.0.2");
            let url = url.clone();
            tokio::spawn(async move {
                let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
                let mut n = 0;
                while start.elapsed() < length {
                    n += 1;
                    let body = serde_json::json!({
                        "email": format!("stranger{i}-{n}@flood.example"),
                        "password": "a guess of a password",
                    });
                    let status = match http.post(&url).json(&body).send().await {
                        Ok(r) => r.status().as_u16(),
                        Err(_) => 0,
                    };
                    *statuses.entry(status).or_default() += 1;
                    tokio::task::yield_now().await;
                }
                statuses
            })
        })
        .collect();
    let people: Vec<_> = (0..NEIGHBOURS)
        .map(|i| {
            let http = from(&format!("127.1.{}.{}", i / 200, i % 200 + 1));
            let url = url.clone();
            tokio::spawn(async move {
                let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
                let body = serde_json::json!({
                    "email": format!("parent{}@bench.example", i % PEOPLE),
                    "password": PASSWORD,
                });
                while start.elapsed() < length {
                    let r = http.post(&url).json(&body).send().await;
                    let (status, wait) = match r {
                        Ok(r) => {
                            let wait = r
                                .headers()
                                .get("retry-after")
                                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                            (r.status().as_u16(), wait)
                        }
                        Err(_) => (0, None),
                    };
                    *statuses.entry(status).or_default() += 1;
                    if let Some(secs) = wait {
                        tokio::time::sleep(Duration::from_secs(secs)).await;
                    }
                }
                statuses
            })
        })
        .collect();
    let merge = |into: &mut BTreeMap<u16, usize>, from: BTreeMap<u16, usize>| {
        for (k, v) in from {
            *into.entry(k).or_default() += v;
        }
    };
    let (mut flood_statuses, mut people_statuses) = (BTreeMap::new(), BTreeMap::new());
    for t in flood {
        merge(&mut flood_statuses, t.await.unwrap());
    }
    for t in people {
        merge(&mut people_statuses, t.await.unwrap());
    }
    Neighbours {
        secs: start.elapsed().as_secs_f64(),
        server_cpu: cpu_secs(pid) - cpu_before,
        signed_in: people_statuses.get(&200).copied().unwrap_or(0),
        people: people_statuses,
        flood: flood_statuses,
    }
}

/// A client whose connections come from `address` (any 127.x address is this machine).
fn from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// The real server binary on `data`, with `env`; its address and pid once it answers.
async fn start_server(
    data: &std::path::Path,
    env: &[(&str, &str)],
) -> (std::process::Child, String, u32) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = std::process::Command::new(env!("CARGO_BIN_EXE_twostep-server"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    while http
        .get(format!("{base}/api/v1/health"))
        .send()
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    (server, base, pid)
}
