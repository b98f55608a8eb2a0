//! Changing one's password (API.md "Password"): the current one, a fresh sign-in, and a new one
//! that is not easy to guess (`twostep_core::password`). Every other session of the person
//! ends, and the person is told on every address. After an unfreeze, the sign-in's password
//! token takes the place of the session and the current password, and the sign-in goes on.

use twostep_api as api;
use zeroize::Zeroizing;

use crate::auth::Principal;
use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::devices::Device;
use crate::store::{self, AuditAction, Event, PersonRow};

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
    let person = crate::auth::password::password_holder(st, &p.person.email, current).await?;
    let hash = st.passwords.admit()?.hash(new).await?;

    let mut tx = st.db.begin().await?;
    store::people::set_password_hash(&mut *tx, &person.id, &hash).await?;
    store::tokens::delete_others_of(&mut *tx, &person.id, &p.token_hash).await?;
    store::remembered::end_all_of(&mut *tx, &person.id).await?;
    // A sign-in waiting for its second step began with the old password: it ends too.
    store::challenges::delete_all_of(&mut *tx, &person.id).await?;
    notices::send(&mut tx, st, &person, Notice::PasswordChanged, &[], now).await?;
    Event::by_self(&person, AuditAction::PasswordChanged)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// `PUT /me/password` with the token of a 409 `password_change_required`: the new password
/// (the same rule), then the sign-in goes on as after a right password. The token is spent
/// only with a new password that passes the rule; every session of the person ends.
pub async fn change_with_token(
    st: &AppState,
    token_hash: &[u8],
    req: api::PasswordChange,
) -> Result<api::LoginResponse, ApiError> {
    let now = st.now();
    let gone = || ApiError::Unauthenticated;
    let waiting = store::password_tokens::get(st.db.read(), token_hash, now)
        .await?
        .ok_or_else(gone)?;
    let person = store::people::by_id(st.db.read(), &waiting.person_id)
        .await?
        .ok_or_else(gone)?;
    let new = Zeroizing::new(req.new_password);
    twostep_core::password::check(&new, &person.email, &person.name)
        .map_err(ApiError::WeakPassword)?;
    // The old password is the one someone else may know: not again.
    let reused = st
        .passwords
        .admit()?
        .verify(Some(person.password_hash.clone()), new.clone())
        .await?;
    if reused {
        return Err(ApiError::Invalid(
            "password_reused",
            "Choose a password different from your old one: someone else may know it.".into(),
        ));
    }
    let hash = st.passwords.admit()?.hash(new).await?;

    let mut tx = st.db.begin().await?;
    let now = st.now();
    let spent = store::password_tokens::spend(&mut *tx, token_hash, now)
        .await?
        .ok_or_else(gone)?;
    store::people::lock(&mut tx, &person.id).await?;
    let person = store::people::by_id(&mut *tx, &person.id)
        .await?
        .ok_or_else(gone)?;
    // A new password chosen meanwhile (a token issued by a sign-in that raced that change):
    // the token opens nothing.
    if !person.must_change_password {
        return Err(gone());
    }
    // Frozen again, or disabled, since the token was issued: the token opens nothing.
    if person.frozen {
        return Err(ApiError::AccountFrozen);
    }
    if person.disabled {
        return Err(ApiError::AccountDisabled);
    }
    store::people::set_password_hash(&mut *tx, &person.id, &hash).await?;
    store::people::set_must_change_password(&mut *tx, &person.id, false).await?;
    store::password_tokens::spend_all_of(&mut *tx, &person.id, now).await?;
    store::tokens::delete_all_of(&mut *tx, &person.id).await?;
    store::remembered::end_all_of(&mut *tx, &person.id).await?;
    store::challenges::delete_all_of(&mut *tx, &person.id).await?;
    notices::send(&mut tx, st, &person, Notice::PasswordChanged, &[], now).await?;
    Event::by_self(&person, AuditAction::PasswordChanged)
        .detail("after an unfreeze")
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    let device = Device {
        name: spent.device_name,
        hash: spent.device_hash,
    };
    let person = PersonRow {
        must_change_password: false,
        ..person
    };
    super::flow::after_password(st, &person, device).await
}
