//! Configuration: defaults, then a TOML file, then `TWOSTEP_*` environment variables, then the
//! command line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use twostep_core::code::CodeRules;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where to listen. Loopback by default.
    pub bind: SocketAddr,
    /// Holds `twostep.db` and, unless `key_file` says otherwise, `server.key`.
    pub data: PathBuf,
    pub key_file: Option<PathBuf>,
    /// Serve `GET /api/v1/dev/outbox` (only ever on a loopback address).
    pub dev_outbox: bool,
    /// Seed the demo center at start-up if it is not there.
    pub demo: bool,
    /// The issuer shown in authenticator apps.
    pub issuer: String,
    /// Country code assumed for phone numbers typed without one (`1`: North America).
    pub default_country_code: Option<String>,
    /// Generic (shared classroom) address patterns, besides shared accounts' own emails.
    pub generic_email_patterns: Vec<String>,
    pub codes: CodeRules,
    pub limits: Limits,
    pub argon2: Argon2Params,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    pub challenge_ttl_secs: i64,
    pub setup_token_ttl_secs: i64,
    pub session_idle_secs: i64,
    pub session_absolute_secs: i64,
    pub password_failures: u32,
    pub password_window_secs: i64,
    pub second_step_failures: u32,
    pub second_step_lock_secs: i64,
    /// Enrollments a person may start per `password_window_secs` (each may send a code).
    pub enrollments_per_window: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            challenge_ttl_secs: 15 * 60,
            setup_token_ttl_secs: 15 * 60,
            session_idle_secs: 12 * 3600,
            session_absolute_secs: 30 * 24 * 3600,
            password_failures: 10,
            password_window_secs: 15 * 60,
            second_step_failures: 20,
            second_step_lock_secs: 15 * 60,
            enrollments_per_window: 10,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data: PathBuf::from("./twostep-data"),
            key_file: None,
            dev_outbox: false,
            demo: false,
            issuer: "Twostep".into(),
            default_country_code: Some("1".into()),
            generic_email_patterns: twostep_core::address::GenericRules::default().patterns,
            codes: CodeRules::default(),
            limits: Limits::default(),
            argon2: Argon2Params::default(),
        }
    }
}

/// Sections whose keys may be set as `TWOSTEP_<SECTION>_<KEY>`.
const SECTIONS: &[&str] = &["codes", "limits", "argon2", "email", "sms"];

impl Config {
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            fig = fig.merge(Toml::file_exact(f));
        }
        fig = fig.merge(Env::prefixed("TWOSTEP_").map(|key| {
            let k = key.as_str().to_ascii_lowercase();
            match SECTIONS.iter().find(|s| k.starts_with(&format!("{s}_"))) {
                Some(s) => format!("{s}.{}", &k[s.len() + 1..]).into(),
                None => k.into(),
            }
        }));
        fig.extract().map_err(Box::new)
    }

    pub fn key_path(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data.join("server.key"))
    }

    pub fn db_path(&self) -> PathBuf {
        self.data.join("twostep.db")
    }
}
