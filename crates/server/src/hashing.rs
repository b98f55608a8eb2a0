//! Password hashing: Argon2id on a small, fixed pool of worker threads.
//!
//! Each Argon2id hash needs `memory_kib` of memory (19 MiB by default) while it runs. Left to
//! tokio's blocking pool, a flood of sign-ins runs hundreds at once (and the allocator keeps
//! each thread's 19 MiB afterwards): gigabytes. Here `workers` threads (one per core) each own
//! one memory area, allocated once and reused for every hash; at most `queue` requests wait
//! for them; any request beyond is refused at once with 503 `server_busy`. Memory stays flat
//! whatever arrives, and sign-ins keep flowing at the rate the cores allow.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::rngs::OsRng;
use tokio::sync::{mpsc, oneshot};
use zeroize::Zeroizing;

use crate::config::Argon2Params;
use crate::error::ApiError;

/// How long a refused sign-in is asked to wait: the queue drains within about a second.
const BUSY_RETRY_AFTER_SECS: u64 = 1;

enum Work {
    Hash {
        password: Zeroizing<String>,
        reply: oneshot::Sender<Result<String, String>>,
        admitted: Instant,
    },
    Verify {
        stored: String,
        password: Zeroizing<String>,
        reply: oneshot::Sender<bool>,
        admitted: Instant,
    },
}

impl Work {
    fn admitted(&self) -> Instant {
        match self {
            Work::Hash { admitted, .. } | Work::Verify { admitted, .. } => *admitted,
        }
    }
}

#[derive(Clone)]
pub struct Passwords {
    /// Verified against when the email is unknown, so that a wrong email costs what a wrong
    /// password does and timing reveals nothing.
    dummy_hash: Arc<str>,
    queue: mpsc::Sender<Work>,
}

/// A place in the queue, taken before any other work so that a flood is turned away at the
/// door. Dropping it (a client gone) gives the place back.
pub struct HashSlot {
    permit: mpsc::OwnedPermit<Work>,
    dummy_hash: Arc<str>,
    /// When the place was taken: the wait for a worker runs from here.
    admitted: Instant,
}

impl Passwords {
    pub fn new(cfg: &Argon2Params) -> anyhow::Result<Self> {
        Self::observed(cfg, None)
    }

    /// The same, each job's wait for a worker recorded in `wait` (the metrics).
    pub fn observed(cfg: &Argon2Params, wait: Option<metrics::Histogram>) -> anyhow::Result<Self> {
        let params = Params::new(cfg.memory_kib, cfg.iterations, cfg.parallelism, None)
            .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let dummy_hash = hash(&mut Vec::new(), &params, b"not a password anyone has")
            .map_err(anyhow::Error::msg)?;
        let (queue, jobs) = mpsc::channel(cfg.queue.max(1) as usize);
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..cfg.workers().max(1) {
            let (jobs, params, wait) = (jobs.clone(), params.clone(), wait.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&jobs, &params, wait.as_ref()))?;
        }
        Ok(Self {
            dummy_hash: Arc::from(dummy_hash),
            queue,
        })
    }

    /// A place in the queue, or 503 `server_busy` when it is full.
    pub fn admit(&self) -> Result<HashSlot, ApiError> {
        let permit = self
            .queue
            .clone()
            .try_reserve_owned()
            .map_err(|_| ApiError::ServerBusy {
                retry_after: BUSY_RETRY_AFTER_SECS,
            })?;
        Ok(HashSlot {
            permit,
            dummy_hash: self.dummy_hash.clone(),
            admitted: Instant::now(),
        })
    }

    /// Sign-ins holding a place in the queue now (waiting for a worker or about to), and how
    /// many places there are.
    pub fn queue_depth(&self) -> (usize, usize) {
        let max = self.queue.max_capacity();
        (max - self.queue.capacity(), max)
    }
}

impl HashSlot {
    /// A new PHC string (`$argon2id$v=19$m=…`) for `password`.
    pub async fn hash(self, password: Zeroizing<String>) -> Result<String, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.permit.send(Work::Hash {
            password,
            reply,
            admitted: self.admitted,
        });
        answer
            .await
            .map_err(|_| ApiError::internal("the hashing workers stopped"))?
            .map_err(ApiError::internal)
    }

    /// Whether `password` matches `stored`; with `None`, checks the dummy hash and answers false.
    pub async fn verify(
        self,
        stored: Option<String>,
        password: Zeroizing<String>,
    ) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let (reply, answer) = oneshot::channel();
        self.permit.send(Work::Verify {
            stored,
            password,
            reply,
            admitted: self.admitted,
        });
        let ok = answer
            .await
            .map_err(|_| ApiError::internal("the hashing workers stopped"))?;
        Ok(ok && known)
    }
}

/// A worker: takes the next job, computes it in its own memory area, answers. Ends when the
/// server (every `Passwords`) is gone.
fn work(jobs: &Mutex<mpsc::Receiver<Work>>, params: &Params, wait: Option<&metrics::Histogram>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let next = match jobs.lock() {
            Ok(mut rx) => rx.blocking_recv(),
            Err(_) => return,
        };
        if let (Some(job), Some(h)) = (&next, wait) {
            h.record(job.admitted().elapsed().as_secs_f64());
        }
        match next {
            None => return,
            // Nobody waits for the answer any more (the client went away): skip the work.
            Some(Work::Hash { reply, .. }) if reply.is_closed() => {}
            Some(Work::Verify { reply, .. }) if reply.is_closed() => {}
            Some(Work::Hash {
                password, reply, ..
            }) => {
                let _ = reply.send(hash(&mut memory, params, password.as_bytes()));
            }
            Some(Work::Verify {
                stored,
                password,
                reply,
                ..
            }) => {
                let _ = reply.send(verify(&mut memory, &stored, password.as_bytes()));
            }
        }
    }
}

fn hash(memory: &mut Vec<Block>, params: &Params, password: &[u8]) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| e.to_string())?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    memory.resize(params.block_count(), Block::default());
    let output = Output::init_with(
        params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN),
        |out| {
            argon
                .hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..])
                .map_err(|_| argon2::password_hash::Error::Crypto)
        },
    )
    .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Checks `password` against a PHC string, with the parameters the string carries; the
/// comparison of the outputs is constant-time (`Output`'s equality).
fn verify(memory: &mut Vec<Block>, stored: &str, password: &[u8]) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (phc.hash, phc.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(phc.algorithm), Params::try_from(&phc))
    else {
        return false;
    };
    let version = phc
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    memory.resize(params.block_count(), Block::default());
    let computed = Output::init_with(expected.len(), |out| {
        argon
            .hash_password_into_with_memory(password, salt, out, &mut memory[..])
            .map_err(|_| argon2::password_hash::Error::Crypto)
    });
    computed.is_ok_and(|c| c == expected)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    fn small(queue: u32) -> Passwords {
        Passwords::new(&Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            max_parallel: 1,
            queue,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn the_queue_is_bounded_and_busy_is_a_503() {
        let p = small(2);
        let held: Vec<_> = (0..2).map(|_| p.admit().unwrap()).collect();
        let err = p.admit().err().unwrap();
        assert_eq!((err.code(), err.status().as_u16()), ("server_busy", 503));
        drop(held);
        let hash = p
            .admit()
            .unwrap()
            .hash(Zeroizing::new("pw".into()))
            .await
            .unwrap();
        let ok = p.admit().unwrap();
        assert!(ok
            .verify(Some(hash.clone()), Zeroizing::new("pw".into()))
            .await
            .unwrap());
        let wrong = p.admit().unwrap();
        assert!(!wrong
            .verify(Some(hash), Zeroizing::new("pW".into()))
            .await
            .unwrap());
        let unknown = p.admit().unwrap();
        assert!(!unknown
            .verify(None, Zeroizing::new("pw".into()))
            .await
            .unwrap());
    }

    #[test]
    fn hashes_are_standard_phc_strings_both_ways() {
        let params = Params::new(64, 1, 1, None).unwrap();
        let ours = hash(&mut Vec::new(), &params, b"correct horse").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{ours}");
        // The argon2 crate's own verifier accepts ours, and ours accepts its hashes.
        let theirs_check =
            Argon2::default().verify_password(b"correct horse", &PasswordHash::new(&ours).unwrap());
        assert!(theirs_check.is_ok());
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"correct horse", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        let mut memory = Vec::new();
        assert!(verify(&mut memory, &theirs, b"correct horse"));
        assert!(!verify(&mut memory, &theirs, b"correct horsE"));
        assert!(!verify(&mut memory, "not a hash", b"x"));
    }
}
