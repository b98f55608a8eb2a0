//! What the operator's command line does without HTTP, and the one door the tests and
//! benchmarks use to set the scene: the same flows the administrators' routes call, from the
//! server's own side (no session, no center's administrator: the operator's own authority).

pub use crate::admin::accounts::{add_to_center_named, NewAccount};
pub use crate::admin::people::set_disabled_of;
pub use crate::admin::policy::{policy_of, set_policy_of, MAX_NEW_ADMIN_WAIT_DAYS};
pub use crate::admin::resets::reset_person;
pub use crate::admin::rollout::{as_text, report_of};
pub use crate::ops::backup::{backup, restore, Backup, Restored};
pub use crate::ops::logs::init as init_logs;
pub use crate::sessions::freeze::freeze;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, PersonRow};

/// The id of the center named `name`, if there is one.
pub async fn center_id(st: &AppState, name: &str) -> Result<Option<String>, ApiError> {
    store::centers::id_by_name(st.db.read(), name).await
}

/// The person who signs in with `email` (any case, spaces around it trimmed).
pub async fn person_by_email(st: &AppState, email: &str) -> Result<Option<PersonRow>, ApiError> {
    store::people::by_email(st.db.read(), &email.trim().to_lowercase()).await
}
