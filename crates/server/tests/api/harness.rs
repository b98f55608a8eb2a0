//! The suite's helpers on top of the test kit (crates/testkit: `TestServer`, people, codes,
//! TOTP, `#[db_test]`): bursts of requests and their tallies, and the command line.

use std::sync::Arc;

pub use twostep_testkit::{
    db_test, extract_code, free_port, session_of, start_time, totp_code, Db, TestServer, Totp,
    CENTER, PASSWORD,
};

/// A message that carries a code (not a notice).
pub fn is_code_message(m: &twostep_client::api::OutboxMessage) -> bool {
    twostep_testkit::is_code_message(&m.body)
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
