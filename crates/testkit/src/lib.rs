//! Twostep's test kit, the one every test harness uses (the server's integration suite, the
//! app's command tests, the end-to-end journeys):
//! - [`TestServer`]: a twostep-server in the test process, on SQLite or a fresh PostgreSQL
//!   database ([`Db`]), its clock moved by the test ([`TestClock`]), people added with
//!   [`PASSWORD`], codes read from its dev outbox ([`TestServer::last_code`]);
//! - [`db_test`]: a server test written once, run on both databases;
//! - a real PostgreSQL cluster ([`postgres`]), free ports, TOTP codes from an independent
//!   implementation ([`totp_code`]), and a software passkey ([`TestPasskey`]).

#![allow(clippy::unwrap_used)]

mod clock;
mod db;
mod flows;
mod passkey;
pub mod postgres;
mod server;

pub use clock::TestClock;
pub use db::Db;
pub use flows::{session_of, Totp};
pub use passkey::{origin_of, TestPasskey};
pub use server::{start_time, Builder, TestServer, TEST_DEVICE};
pub use twostep_testkit_macros::db_test;

/// Every test person's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// The center [`TestServer::add_person`] adds people to, unless the test server was given
/// another.
pub const CENTER: &str = "Little Acorns";

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The 6-digit code in a message's text.
pub fn extract_code(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {body:?}"))
        .to_owned()
}

/// Whether a message carries a code (not a notice): "Your verification code is …" in an
/// email, "… is your verification code." in a text message, and the same in Spanish.
pub fn is_code_message(body: &str) -> bool {
    [
        "verification code is",
        "is your verification code",
        "código de verificación es",
        "es su código de verificación",
    ]
    .iter()
    .any(|p| body.contains(p))
}

/// A TOTP code (SHA-1, 6 digits, 30 s) computed by an independent implementation
/// (totp-lite), not Twostep's own.
pub fn totp_code(secret: &[u8], unix: i64) -> String {
    totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, secret, u64::try_from(unix).unwrap())
}

/// A TOTP secret's bytes from its base32 (spaces and padding allowed).
pub fn base32(secret: &str) -> Vec<u8> {
    data_encoding::BASE32_NOPAD
        .decode(secret.replace(' ', "").trim_end_matches('=').as_bytes())
        .unwrap()
}
