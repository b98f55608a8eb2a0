//! The wire types of Twostep's HTTP API, version 1 (`docs/api.md`), shared by the server,
//! the client and the app. Field names here are the contract: add, never rename.
//!
//! One module per section of the contract; every type is re-exported here, so a type's path
//! is `twostep_api::X` whatever module holds it.

mod admin;
mod audit;
mod errors;
mod me;
mod meta;
mod shapes;
mod signin;

pub use admin::*;
pub use audit::*;
pub use errors::*;
pub use me::*;
pub use meta::*;
pub use shapes::*;
pub use signin::*;

// Debug never prints a password, token, secret or code: these types travel through logs and
// test failure messages, so they print the redacted form, like the core's secret newtypes.
const REDACTED: &str = "<redacted>";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{DateTime, Utc};

    const SECRET: &str = "hunter2-JBSWY3DPEHPK3PXP-123456";

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn debug_never_prints_a_password_token_secret_or_code() {
        let session = Session {
            token: SECRET.into(),
            expires_at: at(),
            recovered: false,
            remember_token: Some(SECRET.into()),
            remembered_until: Some(at()),
        };
        let printed = [
            format!(
                "{:?}",
                LoginRequest {
                    email: "jo@x.org".into(),
                    password: SECRET.into(),
                    device_name: None,
                }
            ),
            format!("{session:?}"),
            format!(
                "{:?}",
                LoginResponse::Setup {
                    setup_token: SECRET.into(),
                    required: true,
                    allowed_kinds: vec![Kind::Totp],
                    email_prefill: None,
                }
            ),
            format!(
                "{:?}",
                VerifyRequest {
                    method_id: "m".into(),
                    code: SECRET.into(),
                    credential: Some(serde_json::json!({ "signature": SECRET })),
                    remember: true,
                }
            ),
            format!(
                "{:?}",
                ConfirmRequest {
                    code: SECRET.into(),
                    credential: Some(serde_json::json!({ "attestationObject": SECRET })),
                }
            ),
            format!(
                "{:?}",
                PasskeyAnswer {
                    credential: serde_json::json!({ "signature": SECRET }),
                    device_name: None,
                }
            ),
            format!(
                "{:?}",
                Enrollment::Totp {
                    enrollment_id: "e".into(),
                    kind: Kind::Totp,
                    secret: SECRET.into(),
                    otpauth_uri: SECRET.into(),
                    qr_svg: SECRET.into(),
                }
            ),
            format!(
                "{:?}",
                NewPerson {
                    email: "jo@x.org".into(),
                    name: "Jo".into(),
                    roles: vec![Role::Staff],
                    password: Some(SECRET.into()),
                    shared: None,
                    locale: None,
                }
            ),
            format!(
                "{:?}",
                OutboxMessage {
                    to: "jo@x.org".into(),
                    channel: "email".into(),
                    subject: "User OTP".into(),
                    body: SECRET.into(),
                    at: at(),
                }
            ),
        ];
        for p in &printed {
            assert!(!p.contains("hunter2") && !p.contains("123456"), "{p}");
            assert!(p.contains(REDACTED), "{p}");
        }
        // What is not secret still prints, for the logs' sake.
        assert!(printed[0].contains("jo@x.org"));
    }
}
