//! A person's own methods: adding one (enrol, then confirm), listing, deleting, preferring;
//! their Person and language.

mod enroll;
mod passkey;
mod routes;

pub(crate) use routes::routes;
