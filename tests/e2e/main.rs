//! End-to-end tests: the real app window, driven over WebDriver, against a real server.
//! Run through `make test`, which provides the display, the D-Bus session and the keyring.
#![allow(clippy::unwrap_used)]

mod admin;
mod dark;
mod demo;
mod freeze;
mod harness;
mod keyring;
mod methods;
mod passkeys;
mod quit;
mod recovery;
mod rollout;
mod sessions;
mod signin;
mod spanish;
mod spanish_recovery;
mod tls_trust;
mod vault;
