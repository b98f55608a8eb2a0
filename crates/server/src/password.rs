//! Changing one's password (API.md "Password"): the current one, a fresh sign-in, and a new one
//! that is not easy to guess (`twostep_core::password`). Every other session of the person
//! ends, and the person is told on every address.

use twostep_api as api;
use zeroize::Zeroizing;

use crate::auth::Principal;
use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::signin;
use crate::state::AppState;
use crate::store::{self, AuditAction, Event};

pub async fn change(
    st: &AppState,
    p: &Principal,
    req: api::PasswordChange,
) -> Result<(), ApiError> {
    let now = st.now();
    p.require_fresh(now, &st.cfg.limits)?;
    let current = Zeroizing::new(req.current_password);
    let new = Zeroizing::new(req.new_password);
    // The rule first: a weak new password costs no password check and counts no failure.
    twostep_core::password::check(&new, &p.person.email, &p.person.name)
        .map_err(ApiError::WeakPassword)?;
    // The current password, counted like a sign-in: a session left open is not a way to try
    // passwords without limit.
    let person = signin::password_holder(st, &p.person.email, current).await?;
    let hash = st.passwords.admit()?.hash(new).await?;

    let mut tx = st.db.begin().await?;
    store::people::set_password_hash(&mut *tx, &person.id, &hash).await?;
    store::tokens::delete_others_of(&mut *tx, &person.id, &p.token_hash).await?;
    // A sign-in waiting for its second step began with the old password: it ends too.
    store::challenges::delete_all_of(&mut *tx, &person.id).await?;
    notices::send(&mut tx, st, &person, Notice::PasswordChanged, &[], now).await?;
    Event::by_self(&person, AuditAction::PasswordChanged)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    st.courier.wake();
    Ok(())
}
