//! What every benchmark compares its figures with: this machine's own limit.

use std::time::Instant;

use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Hashes per second with the server's Argon2id cost (m = 19 MiB, t = 2, p = 1) on every core,
/// for `secs`, each thread reusing one memory area as the server's workers do: the rate no
/// sign-in can beat, since each is one hash.
pub fn argon2_rate(cores: usize, secs: f64) -> f64 {
    let params = Params::new(19 * 1024, 2, 1, Some(32)).unwrap();
    let start = Instant::now();
    let total: usize = std::thread::scope(|s| {
        let hs: Vec<_> = (0..cores)
            .map(|_| {
                let params = params.clone();
                s.spawn(move || {
                    let mut memory = vec![Block::default(); params.block_count()];
                    let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                    let mut out = [0u8; 32];
                    let mut n = 0;
                    while start.elapsed().as_secs_f64() < secs {
                        a.hash_password_into_with_memory(
                            b"password",
                            b"saltsaltsalt",
                            &mut out,
                            &mut memory[..],
                        )
                        .unwrap();
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}
