//! Twostep's test kit, shared by every test harness (the server's integration tests, the
//! app's command tests, the end-to-end tests): a real PostgreSQL cluster, free ports, the code
//! in a message, TOTP codes from an independent implementation.

#![allow(clippy::unwrap_used)]

pub mod postgres;

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

/// Which database the server's tests run on: `TWOSTEP_TEST_DATABASE=postgres` for
/// PostgreSQL (a cluster this kit starts), SQLite otherwise.
pub fn on_postgres() -> bool {
    std::env::var("TWOSTEP_TEST_DATABASE").is_ok_and(|v| v.eq_ignore_ascii_case("postgres"))
}
