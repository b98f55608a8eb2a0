//! Recovery codes: the summary, a new set, and signing in with one when the phone is gone.

mod flow;
mod routes;

pub(crate) use routes::routes;
