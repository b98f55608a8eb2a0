//! Signing in: the password, then the second step or setup, then a session; a fresh sign-in;
//! the password's change (also the one a sign-in may require); signing out.

mod app;
mod flow;
mod passkey;
mod password;
mod remember;
mod reset;
mod routes;

pub(crate) use routes::routes;
