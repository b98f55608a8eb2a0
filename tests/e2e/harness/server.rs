//! The journeys' server: the test kit's `TestServer` on SQLite, on the real time (the app's
//! window and its authenticator live on the machine's clock) moved on by the journey, with
//! codes resent after 4 s and its own device for the harness's sign-ins through the API.

use twostep_server::Config;
use twostep_testkit::{Db, TestClock, TestServer};

/// The center of the journeys' people.
pub const CENTER: &str = "Maple Street Childcare";

pub async fn start_server() -> TestServer {
    start_server_with(|_| {}).await
}

/// A server whose configuration `tune` adjusts (a lower lock, say).
pub async fn start_server_with(tune: impl FnOnce(&mut Config) + Send) -> TestServer {
    TestServer::on(Db::Sqlite)
        .clock(TestClock::real())
        .center(CENTER)
        // One device for the harness's own sign-ins (the app has its own id), no name.
        .device("e2e-harness", None)
        // Short enough to wait out for real in a test, long enough to see the countdown.
        .tune(|cfg| cfg.codes.resend_cooldown_secs = 4)
        .tune(tune)
        .start()
        .await
}
