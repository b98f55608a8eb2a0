//! The center's people for its administrators: the list, one person, adding one, disabling,
//! enabling, unfreezing, ending their sessions. Every call is confined to the administrator's
//! own center.

use twostep_api as api;
use twostep_core::policy::ResetApprovals;
use twostep_core::Role;
use zeroize::Zeroizing;

use super::accounts::{self, NewAccount};
use crate::auth::{require_admin, require_admin_write, Principal};
use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::day_passes::Ended;
use crate::store::{self, role_from_api, AuditAction, Event, PersonRow};

/// The Person of API.md as it is now (after a change).
pub(crate) async fn view_of(st: &AppState, id: &str) -> Result<api::Person, ApiError> {
    let person = store::people::by_id(st.db.read(), id)
        .await?
        .ok_or(ApiError::NotFound("That person"))?;
    store::person_view(&st.db, &person).await
}

pub(crate) async fn person_in_center(
    st: &AppState,
    admin: &PersonRow,
    id: &str,
) -> Result<PersonRow, ApiError> {
    store::people::by_id(st.db.read(), id)
        .await?
        .filter(|p| p.center_id == admin.center_id)
        .ok_or(ApiError::NotFound("That person"))
}

/// `POST /admin/people/{id}/unfreeze`: the person may sign in again.
pub async fn unfreeze(st: &AppState, p: &Principal, id: &str) -> Result<api::Person, ApiError> {
    let admin = require_admin_write(st, p)?;
    let person = person_in_center(st, admin, id).await?;
    let now = st.now();
    if person.frozen {
        let mut tx = st.db.begin().await?;
        store::people::set_frozen(&mut *tx, &person.id, None).await?;
        // Links sent before the freeze must not freeze the account again, and the password
        // that was used by whoever it was must not open it: the next sign-in changes it.
        store::freeze_tokens::spend_all_of(&mut *tx, &person.id, now).await?;
        store::people::set_must_change_password(&mut *tx, &person.id, true).await?;
        notices::send(&mut tx, st, &person, Notice::Unfrozen, &[], now).await?;
        Event::about(&person, AuditAction::AccountUnfrozen)
            .by(&admin.id)
            .record(&mut *tx, now)
            .await?;
        tx.commit().await?;
    }
    view_of(st, &person.id).await
}

/// `POST /admin/people/{id}/disable` (`disabled`) or `/enable`: a disabled person's sessions
/// end and sign-in answers 403 `account_disabled`; their 2-Step Verification is kept.
pub async fn set_disabled(
    st: &AppState,
    p: &Principal,
    id: &str,
    disabled: bool,
) -> Result<api::Person, ApiError> {
    let admin = require_admin_write(st, p)?;
    let person = person_in_center(st, admin, id).await?;
    if person.id == admin.id && disabled {
        return Err(ApiError::Invalid(
            "cannot_disable_self",
            "You can't disable your own account. Ask another administrator.".into(),
        ));
    }
    set_disabled_of(st, &person, disabled, Some(&admin.id)).await?;
    view_of(st, &person.id).await
}

/// Disables or enables the person; a disabled person's sessions end. `actor`: as in
/// `reset_person`.
pub async fn set_disabled_of(
    st: &AppState,
    person: &PersonRow,
    disabled: bool,
    actor: Option<&str>,
) -> Result<(), ApiError> {
    let now = st.now();
    if person.disabled != disabled {
        let mut tx = st.db.begin().await?;
        store::people::lock(&mut tx, &person.id).await?;
        store::people::set_disabled(&mut *tx, &person.id, disabled.then_some(now)).await?;
        if disabled {
            store::tokens::delete_all_of(&mut *tx, &person.id).await?;
            store::day_passes::end_live_of(&mut *tx, &person.id, Ended::Ended, now).await?;
            store::remembered::end_all_of(&mut *tx, &person.id).await?;
        }
        let action = if disabled {
            AuditAction::AccountDisabled
        } else {
            AuditAction::AccountEnabled
        };
        by(Event::about(person, action), actor)
            .record(&mut *tx, now)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// `POST /admin/people/{id}/sessions/end`: signed out everywhere, 2-Step Verification kept.
pub async fn end_sessions(st: &AppState, p: &Principal, id: &str) -> Result<(), ApiError> {
    let admin = require_admin_write(st, p)?;
    let person = person_in_center(st, admin, id).await?;
    let now = st.now();
    let mut tx = st.db.begin().await?;
    store::people::lock(&mut tx, &person.id).await?;
    store::tokens::delete_all_of(&mut *tx, &person.id).await?;
    store::remembered::end_all_of(&mut *tx, &person.id).await?;
    Event::about(&person, AuditAction::SignedOutEverywhere)
        .by(&admin.id)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_people(
    st: &AppState,
    p: &Principal,
    q: api::PeopleQuery,
) -> Result<api::People, ApiError> {
    let admin = require_admin(p)?;
    let needle = q
        .query
        .as_deref()
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    let mut people = Vec::new();
    for row in store::people::of_center(st.db.read(), &admin.center_id).await? {
        if !needle.is_empty()
            && !row.name.to_lowercase().contains(&needle)
            && !row.email.to_lowercase().contains(&needle)
        {
            continue;
        }
        if let Some(role) = q.role {
            if !row.roles().contains(&role_from_api(role)) {
                continue;
            }
        }
        let view = store::person_view(&st.db, &row).await?;
        match q.two_step {
            Some(api::TwoStepFilter::Enrolled) if !view.two_step.enabled => continue,
            Some(api::TwoStepFilter::NotEnrolled) if view.two_step.enabled => continue,
            _ => people.push(view),
        }
    }
    Ok(api::People { people })
}

/// One person, with their live one-day pass (who issued it, until when; never the pass).
pub async fn get_person(st: &AppState, p: &Principal, id: &str) -> Result<api::Person, ApiError> {
    let admin = require_admin(p)?;
    let person = person_in_center(st, admin, id).await?;
    let mut view = store::person_view(&st.db, &person).await?;
    view.day_pass = super::day_pass::live_view(st, &person.id).await?;
    Ok(view)
}

pub async fn create_person(
    st: &AppState,
    p: &Principal,
    req: api::NewPerson,
) -> Result<api::Person, ApiError> {
    let admin = require_admin_write(st, p)?;
    let roles: Vec<Role> = req.roles.into_iter().map(role_from_api).collect();
    // Where resets take two administrators, one must not be able to make the second.
    if roles.contains(&Role::Admin) {
        let policy = store::centers::policy(st.db.read(), &admin.center_id).await?;
        if policy.reset_approvals == ResetApprovals::Two {
            return Err(ApiError::OperatorOnly);
        }
    }
    let account = NewAccount {
        email: &req.email,
        name: &req.name,
        roles: &roles,
        shared: req.shared.unwrap_or(false),
        password: req.password.map(Zeroizing::new),
        locale: req.locale.map(store::locale_from_api).unwrap_or_default(),
    };
    let person = accounts::add(st, &admin.center_id, account, Some(&admin.id)).await?;
    store::person_view(&st.db, &person).await
}

/// The event as done by `actor`, when an administrator did it.
pub(crate) fn by<'a>(e: Event<'a>, actor: Option<&'a str>) -> Event<'a> {
    match actor {
        Some(a) => e.by(a),
        None => e,
    }
}
