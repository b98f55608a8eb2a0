//! The one place the app reads the device's time. Everything else is given a [`DeviceClock`]
//! (clippy's `disallowed-methods` refuses `Utc::now` elsewhere), so tests can move it: lock
//! times, idle sign-out, codes.

use std::sync::Arc;

use chrono::{DateTime, Utc};

/// The device's clock.
pub type DeviceClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The real clock of this device.
#[allow(clippy::disallowed_methods)] // the adapter itself
pub fn system_clock() -> DeviceClock {
    Arc::new(Utc::now)
}
