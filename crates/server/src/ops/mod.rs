//! What an operator runs Twostep with, beside the API: metrics on a listener of their own
//! (`metrics`), the readiness probe (`ready`), logs for collectors (`logs`), and consistent
//! backups of a live SQLite database and their restore (`backup`). docs/operating.md.

pub mod backup;
pub mod logs;
pub mod metrics;
pub mod ready;
