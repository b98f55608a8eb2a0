//! How long the authenticator takes to show a full classroom's codes: the current code of
//! 1,000 vault entries (SHA-1, SHA-256 and SHA-512; 6 and 8 digits; 30 and 60 s), and sealing
//! and opening a vault of that size. Prints the median of several rounds.

// A benchmark of codes for the real time now.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use rand::rngs::OsRng;
use rand::RngCore;
use twostep_core::secret::TotpSecret;
use twostep_core::totp::Algorithm;
use twostep_core::vault::{self, Entry, Vault, VaultKey};

const ENTRIES: usize = 1_000;
const ROUNDS: usize = 21;

fn vault_of(n: usize) -> Vault {
    let mut v = Vault::default();
    for i in 0..n {
        let mut secret = vec![0u8; 20];
        OsRng.fill_bytes(&mut secret);
        let algorithm = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512][i % 3];
        v.entries.push(Entry {
            id: format!("e{i}"),
            issuer: "Twostep".into(),
            account: format!("staff{i}@maple.example"),
            secret: TotpSecret::from_bytes(secret),
            algorithm,
            digits: if i % 2 == 0 { 6 } else { 8 },
            period: if i % 5 == 0 { 60 } else { 30 },
            pin: None,
            created_at: 0,
        });
    }
    v
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn main() {
    let v = vault_of(ENTRIES);
    let now = chrono::Utc::now().timestamp() as u64;
    let mut sink = 0usize;

    let codes = median(
        (0..ROUNDS)
            .map(|_| {
                let t = Instant::now();
                for e in &v.entries {
                    sink += e.code_at(now).len();
                }
                t.elapsed()
            })
            .collect(),
    );
    let search = median(
        (0..ROUNDS)
            .map(|_| {
                let t = Instant::now();
                sink += v.search("staff99").len();
                t.elapsed()
            })
            .collect(),
    );
    let key = VaultKey::generate(&mut OsRng);
    let mut size = 0;
    let seal = median(
        (0..ROUNDS)
            .map(|_| {
                let t = Instant::now();
                let bytes = vault::seal(&v, &key, &mut OsRng).expect("seal");
                size = bytes.len();
                t.elapsed()
            })
            .collect(),
    );
    let bytes = vault::seal(&v, &key, &mut OsRng).expect("seal");
    let open = median(
        (0..ROUNDS)
            .map(|_| {
                let t = Instant::now();
                sink += vault::open(&bytes, &key).expect("open").entries.len();
                t.elapsed()
            })
            .collect(),
    );

    println!("vault_codes: {ENTRIES} entries, median of {ROUNDS} rounds");
    println!(
        "  current codes of all entries: {codes:?} ({:?} per entry)",
        codes / ENTRIES as u32
    );
    println!("  search as you type:           {search:?}");
    println!("  seal (save) the vault:        {seal:?} ({size} bytes)");
    println!("  open (load) the vault:        {open:?}");
    std::hint::black_box(sink);
}
