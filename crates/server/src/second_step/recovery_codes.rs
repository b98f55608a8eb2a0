//! A person's recovery codes: a new set, replacing the last (the first method set up, and a
//! new set asked for).

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use twostep_core::recovery::RecoveryCode;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::recovery_codes;

/// A new set for the person, replacing any earlier one, inside the caller's transaction: the
/// codes as people read them, shown this once.
pub async fn new_set(
    tx: &mut sqlx::AnyConnection,
    st: &AppState,
    person_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    let set = RecoveryCode::generate_set(&mut OsRng);
    let hashes: Vec<Vec<u8>> = set
        .iter()
        .map(|c| st.keys.hash_recovery_code(person_id, c))
        .collect();
    recovery_codes::replace(tx, person_id, &hashes, now).await?;
    Ok(set.iter().map(RecoveryCode::display).collect())
}
