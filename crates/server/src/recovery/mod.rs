//! Recovery codes: the summary, a new set, and signing in with one when the phone is gone; and
//! signing in with an administrator's one-day pass (day_pass.rs), the phone gone for a day.

mod day_pass;
mod flow;
mod routes;

pub(crate) use routes::routes;
