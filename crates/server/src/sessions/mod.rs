//! The sessions a person can see and end, and "This wasn't me": the link in every security
//! notice that freezes the account.

mod flow;
pub(crate) mod freeze;
mod routes;

pub(crate) use routes::routes;
