//! Administration, confined to the administrator's own center: people and their accounts,
//! resets and one-day passes (with one approval or two), the rollout report and reminders, the policy, the audit
//! trail.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod day_pass;
pub(crate) mod invitations;
pub(crate) mod people;
pub(crate) mod policy;
mod remember_days;
pub(crate) mod resets;
pub(crate) mod rollout;
mod routes;

pub(crate) use routes::routes;
