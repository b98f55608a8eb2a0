//! The test server's clock: standing still where the test moves it (the server's suite, the
//! app's commands), or the real time moved on by the test (the real window, whose own clock
//! is the machine's).

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};
use twostep_server::Clock;

#[derive(Debug)]
pub struct TestClock {
    /// Where time stands; `None`: the real time.
    base: Option<DateTime<Utc>>,
    /// How far the test moved it, in seconds.
    moved: AtomicI64,
}

impl TestClock {
    /// Stands at `t` until moved.
    pub fn at(t: DateTime<Utc>) -> Self {
        Self {
            base: Some(t),
            moved: AtomicI64::new(0),
        }
    }

    /// Stands at the real time of now until moved (a device's real clock runs on beside it).
    #[allow(clippy::disallowed_methods)] // a test clock started from the real time
    pub fn from_now() -> Self {
        Self::at(Utc::now())
    }

    /// The real time, plus however far the test moved it.
    pub fn real() -> Self {
        Self {
            base: None,
            moved: AtomicI64::new(0),
        }
    }

    pub fn advance(&self, secs: i64) {
        self.moved.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    #[allow(clippy::disallowed_methods)] // a test clock on the real time
    fn now(&self) -> DateTime<Utc> {
        self.base.unwrap_or_else(Utc::now) + Duration::seconds(self.moved.load(Ordering::SeqCst))
    }
}
