#![allow(clippy::unwrap_used)]

//! The server's integration tests: one binary, driven through twostep-client against a server
//! spawned on port 0 with a temp database and a clock the tests move.

mod admin;
mod app_sign_in;
mod audit;
mod backup;
mod browser;
mod cli;
mod client_limit;
mod codes;
mod day_pass;
mod delivery;
mod disable;
mod freeze;
mod hardening;
mod harness;
mod http;
mod input;
mod invitations;
mod limits;
mod lockout;
mod logs;
mod messages;
mod methods;
mod openapi;
mod operators;
mod passkeys;
mod password;
mod password_reset;
mod policy;
mod reads;
mod reauth;
mod recovery;
mod remember;
mod resets;
mod retention;
mod rollout;
mod second_step_writes;
mod sessions;
mod shared_db;
mod signin;
mod startup;
mod totp;
