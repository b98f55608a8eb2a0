//! What every handler can reach.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use twostep_core::address::GenericRules;
use twostep_core::method::sms::SmsRules;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Keys;
use crate::delivery::Courier;
use crate::hashing::Passwords;
use crate::ops::metrics::Metrics;
use crate::store::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub cfg: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub keys: Arc<Keys>,
    pub passwords: Passwords,
    pub courier: Courier,
    pub generic: Arc<GenericRules>,
    /// Where text messages may go.
    pub sms: Arc<SmsRules>,
    /// The address people reach the server at (`public_url`, or the address it listens on),
    /// known once it listens.
    pub public_url: Arc<std::sync::OnceLock<String>>,
    /// This server's counters, served on `metrics_bind` when it is set.
    pub metrics: Metrics,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// `public_url` without a trailing slash ("" before the server listens).
    pub fn public_url(&self) -> &str {
        self.public_url
            .get()
            .map_or("", |u| u.trim_end_matches('/'))
    }
}
