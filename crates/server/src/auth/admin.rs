//! Who may act as an administrator: a session of an administrator for reading, a fresh one
//! (a sign-in of the last minutes) for every write.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::PersonRow;

pub(crate) fn require_admin(p: &Principal) -> Result<&PersonRow, ApiError> {
    if p.person.is_admin() {
        Ok(&p.person)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// An administrator about to change something: a fresh sign-in too. An administrator's
/// session left open on a desktop must not be enough to add people, change who may sign in,
/// or reset anyone's 2-Step Verification.
pub(crate) fn require_admin_write<'a>(
    st: &AppState,
    p: &'a Principal,
) -> Result<&'a PersonRow, ApiError> {
    let admin = require_admin(p)?;
    p.require_fresh(st.now(), &st.cfg.limits)?;
    Ok(admin)
}
