//! Configuration: defaults, then a TOML file, then `TWOSTEP_*` environment variables, then the
//! command line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use twostep_core::code::CodeRules;
use twostep_core::lockout::LockRules;
use twostep_core::method::sms::SmsRules;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where to listen. Loopback by default.
    pub bind: SocketAddr,
    /// The address people reach this server at (`https://twostep.example.org`): the "This
    /// wasn't me" links in notices point there. Required on a non-loopback address; on
    /// loopback (the demo), the server's own address.
    pub public_url: Option<String>,
    /// Holds `twostep.db` and, unless `key_file` says otherwise, `server.key`.
    pub data: PathBuf,
    pub key_file: Option<PathBuf>,
    /// `postgres://…` for PostgreSQL (several servers share it); none, or `sqlite://…`, for the
    /// SQLite file `twostep.db` in `data`.
    pub database_url: Option<String>,
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
    /// SMTP delivery; without it, email goes to the dev outbox.
    pub email: Option<EmailConfig>,
    /// The SMS gateway; without it, text messages go to the dev outbox.
    pub sms: Option<SmsConfig>,
    pub audit: AuditConfig,
    pub retention: RetentionConfig,
    pub http: HttpConfig,
    /// The proxies (CIDRs, such as `10.0.0.0/8`) whose `X-Forwarded-For` names the client for
    /// the per-client limit; empty: the socket's address is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where `GET /metrics` (Prometheus) is served, on a listener of its own; none: no
    /// metrics listener at all (the default). Loopback unless the operator says otherwise.
    pub metrics_bind: Option<SocketAddr>,
    /// `text` (for people) or `json` (one object a line, for log collectors).
    pub log_format: LogFormat,
    pub delivery: DeliveryConfig,
}

/// How the log is written (`log_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The outbox as the readiness probe sees it (`[delivery]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryConfig {
    /// A message waiting longer than this makes `GET /api/v1/ready` answer 503
    /// (`outbox_stuck`): codes that do not leave mean nobody can sign in.
    pub stuck_secs: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self { stuck_secs: 600 }
    }
}

/// How long the audit trail keeps its events (`[audit]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditConfig {
    /// Events older than this are deleted.
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            retention_days: 400,
        }
    }
}

/// The periodic deletion of what no rule needs any more (`[retention]`, `crate::retention`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RetentionConfig {
    /// Between two passes (the first runs shortly after start).
    pub interval_secs: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self { interval_secs: 300 }
    }
}

/// Timeouts of the HTTP listener (`[http]`): a slow or silent client cannot hold a connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// How long a connection has to send a request's headers, from when the server starts
    /// waiting for them (an idle keep-alive connection is closed after as long).
    pub header_read_timeout_secs: u64,
    /// From a request's headers to its answer, the body's reading included; past it, 503
    /// `server_busy`.
    pub request_timeout_secs: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            header_read_timeout_secs: 10,
            request_timeout_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    None,
    #[default]
    Starttls,
    Tls,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
    #[serde(flatten)]
    pub subjects: Subjects,
    /// The subjects of emails to people whose language is Spanish (`[email.es]`).
    #[serde(default = "Subjects::spanish")]
    pub es: Subjects,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            security: Security::Starttls,
            username: None,
            password: None,
            from: "Online-Auth <no-reply@localhost>".into(),
            subjects: Subjects::default(),
            es: Subjects::spanish(),
        }
    }
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .finish()
    }
}

/// Email subjects; the defaults are the help page's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Subjects {
    #[serde(rename = "code_subject")]
    pub code: String,
    #[serde(rename = "added_subject")]
    pub method_added: String,
    #[serde(rename = "removed_subject")]
    pub method_removed: String,
    #[serde(rename = "reset_subject")]
    pub reset: String,
    #[serde(rename = "locked_subject")]
    pub locked: String,
    #[serde(rename = "recovery_used_subject")]
    pub recovery_used: String,
    #[serde(rename = "recovery_replaced_subject")]
    pub recovery_replaced: String,
    #[serde(rename = "password_changed_subject")]
    pub password_changed: String,
    #[serde(rename = "new_sign_in_subject")]
    pub new_sign_in: String,
    #[serde(rename = "reminder_subject")]
    pub reminder: String,
    #[serde(rename = "admin_added_subject")]
    pub admin_added: String,
    #[serde(rename = "unfrozen_subject")]
    pub unfrozen: String,
    #[serde(rename = "passkey_copied_subject")]
    pub passkey_copied: String,
    #[serde(rename = "password_reset_subject")]
    pub password_reset: String,
    #[serde(rename = "invitation_subject")]
    pub invitation: String,
}

impl Subjects {
    /// Natural Latin American Spanish for the help page's subjects.
    pub fn spanish() -> Self {
        Self {
            code: "Su código de verificación de Online-Auth".into(),
            method_added: "Se agregó un método de verificación a su cuenta".into(),
            method_removed: "Se eliminó un método de verificación de su cuenta".into(),
            reset: "Se restableció su verificación en dos pasos".into(),
            locked: "Alguien ingresó su contraseña, pero no su código de verificación".into(),
            recovery_used: "Se usó un código de recuperación en su cuenta".into(),
            recovery_replaced: "Se reemplazaron sus códigos de recuperación".into(),
            password_changed: "Se cambió su contraseña".into(),
            new_sign_in: "Nuevo inicio de sesión en su cuenta".into(),
            reminder: "Configure la verificación en dos pasos de su cuenta".into(),
            admin_added: "Se agregó un administrador a su centro".into(),
            unfrozen: "Se descongeló su cuenta".into(),
            passkey_copied: "Es posible que alguien haya copiado una llave de acceso de su cuenta"
                .into(),
            password_reset: "Restablezca su contraseña de Twostep".into(),
            invitation: "Tiene una invitación a Twostep".into(),
        }
    }

    /// The defaults of a language.
    pub fn for_locale(locale: twostep_core::Locale) -> Self {
        match locale {
            twostep_core::Locale::En => Self::default(),
            twostep_core::Locale::Es => Self::spanish(),
        }
    }
}

impl Default for Subjects {
    fn default() -> Self {
        Self {
            code: "User OTP from Online-Auth".into(),
            method_added: "A two-factor authentication device has been added".into(),
            method_removed: "A two-factor authentication device has been removed".into(),
            reset: "Your 2-Step Verification has been reset".into(),
            locked: "Someone entered your password but not your verification code".into(),
            recovery_used: "A recovery code was used".into(),
            recovery_replaced: "Your recovery codes were replaced".into(),
            password_changed: "Your password was changed".into(),
            new_sign_in: "New sign-in to your account".into(),
            reminder: "Set up 2-Step Verification for your account".into(),
            admin_added: "An administrator was added to your center".into(),
            unfrozen: "Your account was unfrozen".into(),
            passkey_copied: "A passkey on your account may have been copied".into(),
            password_reset: "Reset your Twostep password".into(),
            invitation: "You're invited to Twostep".into(),
        }
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SmsConfig {
    /// The Twilio-compatible API root. Empty: text messages go to the dev outbox.
    pub base_url: String,
    pub account: String,
    pub token: String,
    /// The sender number, E.164.
    pub from: String,
    /// ISO 3166 codes of the countries texts may go to. Empty: the country of
    /// `default_country_code`; `["*"]`: anywhere.
    pub countries: Vec<String>,
}

impl SmsConfig {
    /// Whether a gateway is configured (a section with only `countries` is not one).
    pub fn has_gateway(&self) -> bool {
        !self.base_url.trim().is_empty()
    }
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("base_url", &self.base_url)
            .field("account", &self.account)
            .field("token", &"<redacted>")
            .field("from", &self.from)
            .field("countries", &self.countries)
            .finish()
    }
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
    /// Consecutive failed second steps per lock (each further lock lasts twice as long).
    pub second_step_failures: u32,
    /// The first lock's length.
    pub second_step_lock_secs: i64,
    /// From this many consecutive failed second steps, locked until an administrator's reset.
    pub second_step_max_failures: u32,
    /// Enrollments a person may start per `password_window_secs` (each may send a code).
    pub enrollments_per_window: u32,
    /// How recent a session's sign-in must be to change 2-Step Verification or the password
    /// (else 403 `reauth_required`).
    pub reauth_secs: i64,
    /// Sign-in, fresh sign-in, password, code and freeze-link requests per client address per
    /// minute, in front of password hashing (0: no per-client limit).
    pub per_client_per_minute: u32,
    /// How many of them may come at once.
    pub per_client_burst: u32,
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
            second_step_max_failures: 100,
            enrollments_per_window: 10,
            reauth_secs: 15 * 60,
            per_client_per_minute: 30,
            per_client_burst: 10,
        }
    }
}

impl Limits {
    pub fn lock_rules(&self) -> LockRules {
        LockRules {
            failures_per_lock: self.second_step_failures,
            first_lock_secs: self.second_step_lock_secs,
            locked_for_good_at: self.second_step_max_failures,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes computed at once; 0 means one per core. Each holds `memory_kib` while it runs.
    pub max_parallel: u32,
    /// Sign-ins that may wait for a hash; beyond them the server answers 503 `server_busy`.
    pub queue: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            max_parallel: 0,
            queue: 64,
        }
    }
}

impl Argon2Params {
    /// Hashes at once: `max_parallel`, or one per core.
    pub fn workers(&self) -> usize {
        match self.max_parallel {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n as usize,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            data: PathBuf::from("./twostep-data"),
            key_file: None,
            database_url: None,
            dev_outbox: false,
            demo: false,
            issuer: "Twostep".into(),
            default_country_code: Some("1".into()),
            generic_email_patterns: twostep_core::address::GenericRules::default().patterns,
            codes: CodeRules::default(),
            limits: Limits::default(),
            argon2: Argon2Params::default(),
            email: None,
            sms: None,
            audit: AuditConfig::default(),
            retention: RetentionConfig::default(),
            http: HttpConfig::default(),
            trusted_proxies: Vec::new(),
            metrics_bind: None,
            log_format: LogFormat::Text,
            delivery: DeliveryConfig::default(),
        }
    }
}

/// Sections whose keys may be set as `TWOSTEP_<SECTION>_<KEY>`.
const SECTIONS: &[&str] = &[
    "codes",
    "limits",
    "argon2",
    "email",
    "sms",
    "audit",
    "retention",
    "http",
    "delivery",
];

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

    /// Whether the database is PostgreSQL (several servers may share it).
    pub fn uses_postgres(&self) -> bool {
        self.database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
    }

    /// The email subjects in force for a language (the `[email]` or `[email.es]` section's,
    /// or the defaults).
    pub fn subjects(&self, locale: twostep_core::Locale) -> Subjects {
        match (&self.email, locale) {
            (Some(e), twostep_core::Locale::En) => e.subjects.clone(),
            (Some(e), twostep_core::Locale::Es) => e.es.clone(),
            (None, l) => Subjects::for_locale(l),
        }
    }

    /// Where text messages may go (`sms.countries`, else the default calling code's country).
    pub fn sms_rules(&self) -> anyhow::Result<SmsRules> {
        let countries = self
            .sms
            .as_ref()
            .map(|s| s.countries.clone())
            .unwrap_or_default();
        SmsRules::new(self.default_country_code.as_deref(), &countries).map_err(anyhow::Error::msg)
    }

    pub fn db_path(&self) -> PathBuf {
        self.data.join("twostep.db")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_and_sms_sections_load_with_the_documented_keys() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t.toml");
        std::fs::write(
            &f,
            r#"
[email]
host = "smtp.example.org"
port = 2525
security = "tls"
username = "twostep"
password = "pw"
from = "Online-Auth <no-reply@example.org>"
code_subject = "Your code"

[sms]
base_url = "https://sms-gateway.example.org"
account = "AC0123"
token = "tok"
from = "+15550100000"
"#,
        )
        .unwrap();
        let c = Config::load(Some(&f)).unwrap();
        let e = c.email.as_ref().unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.security),
            ("smtp.example.org", 2525, Security::Tls)
        );
        assert_eq!(e.username.as_deref(), Some("twostep"));
        assert_eq!(c.subjects(twostep_core::Locale::En).code, "Your code");
        assert_eq!(
            c.subjects(twostep_core::Locale::Es).code,
            "Su código de verificación de Online-Auth"
        );
        assert_eq!(
            c.subjects(twostep_core::Locale::En).method_added,
            "A two-factor authentication device has been added"
        );
        let s = c.sms.as_ref().unwrap();
        assert_eq!(
            (s.account.as_str(), s.from.as_str()),
            ("AC0123", "+15550100000")
        );
        assert!(!format!("{e:?} {s:?}").contains("pw") && !format!("{s:?}").contains("tok\""));
        assert!(Config::load(None).unwrap().email.is_none());
    }

    #[test]
    fn the_operators_keys_load_and_are_off_by_default() {
        let c = Config::load(None).unwrap();
        assert_eq!(
            (c.metrics_bind, c.log_format, c.delivery.stuck_secs),
            (None, LogFormat::Text, 600)
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t.toml");
        std::fs::write(
            &f,
            "metrics_bind = \"127.0.0.1:9464\"\nlog_format = \"json\"\n[delivery]\nstuck_secs = 120\n",
        )
        .unwrap();
        let c = Config::load(Some(&f)).unwrap();
        assert_eq!(c.metrics_bind, Some("127.0.0.1:9464".parse().unwrap()));
        assert_eq!(
            (c.log_format, c.delivery.stuck_secs),
            (LogFormat::Json, 120)
        );
    }
}
