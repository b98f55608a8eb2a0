//! Administration: people, their accounts, the center's policy, the audit trail (resets are in
//! `resets`, the rollout report and reminders in `rollout`).
//! Every call is confined to the administrator's own center.

use twostep_api as api;
use twostep_core::policy::{counts_for_two_person, ResetApprovals};
use twostep_core::Role;
use zeroize::Zeroizing;

use crate::accounts::{self, NewAccount};
use crate::auth::Principal;
use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::centers::Policy;
use crate::store::{
    self, join_list, kind_from_api, kind_to_api, role_from_api, AuditAction, Event, PersonRow,
};

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
        st.courier.wake();
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

pub async fn get_person(st: &AppState, p: &Principal, id: &str) -> Result<api::Person, ApiError> {
    let admin = require_admin(p)?;
    let person = person_in_center(st, admin, id).await?;
    store::person_view(&st.db, &person).await
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
        password: Zeroizing::new(req.password),
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

fn policy_to_api(p: &Policy, new_admin_wait_days: u32) -> api::Policy {
    api::Policy {
        allowed_kinds: p.allowed.iter().copied().map(kind_to_api).collect(),
        reset_approvals: Some(p.reset_approvals.count()),
        guardians_required: Some(p.guardians_required),
        new_admin_wait_days: Some(new_admin_wait_days),
    }
}

pub async fn get_policy(st: &AppState, p: &Principal) -> Result<api::Policy, ApiError> {
    let admin = require_admin(p)?;
    policy_of(st, &admin.center_id).await
}

/// The center's policy, as API.md shapes it.
pub async fn policy_of(st: &AppState, center_id: &str) -> Result<api::Policy, ApiError> {
    let policy = store::centers::policy(st.db.read(), center_id).await?;
    let wait = store::centers::new_admin_wait_days(st.db.read(), center_id).await?;
    Ok(policy_to_api(&policy, wait))
}

/// `PUT /admin/policy`; a field left out keeps its value. A fresh sign-in: the policy decides
/// who must verify and how resets are done.
pub async fn put_policy(
    st: &AppState,
    p: &Principal,
    req: api::Policy,
) -> Result<api::Policy, ApiError> {
    let admin = require_admin_write(st, p)?;
    set_policy_of(st, &admin.center_id, req, Some(admin)).await
}

/// Changes the center's policy. `actor`: the administrator; none for the server's operator at
/// the command line, who alone may lower two-person resets to one.
pub async fn set_policy_of(
    st: &AppState,
    center_id: &str,
    req: api::Policy,
    actor: Option<&PersonRow>,
) -> Result<api::Policy, ApiError> {
    let mut kinds: Vec<_> = req.allowed_kinds.into_iter().map(kind_from_api).collect();
    kinds.sort();
    kinds.dedup();
    if kinds.is_empty() {
        return Err(ApiError::Invalid(
            "empty_policy",
            "Allow at least one verification method.".into(),
        ));
    }
    let reset_approvals = req
        .reset_approvals
        .map(|n| {
            ResetApprovals::from_count(n).ok_or_else(|| {
                ApiError::Invalid(
                    "invalid_reset_approvals",
                    "A reset takes 1 or 2 administrators.".into(),
                )
            })
        })
        .transpose()?;
    let now = st.now();
    let mut tx = st.db.begin().await?;
    store::centers::lock(&mut tx, center_id).await?;
    let old = store::centers::policy(&mut *tx, center_id).await?;
    let policy = Policy {
        allowed: kinds,
        reset_approvals: reset_approvals.unwrap_or(old.reset_approvals),
        guardians_required: req.guardians_required.unwrap_or(old.guardians_required),
    };
    if policy.reset_approvals != old.reset_approvals {
        match policy.reset_approvals {
            // One administrator turning the two-person rule off would be the rule's undoing.
            ResetApprovals::One if actor.is_some() => return Err(ApiError::OperatorOnly),
            ResetApprovals::One => {}
            ResetApprovals::Two => {
                if admins_with_two_step(&mut tx, st, center_id).await? < 2 {
                    return Err(ApiError::Invalid(
                        "needs_two_admins",
                        "Resets can take two administrators only where at least two \
                         administrators use 2-Step Verification."
                            .into(),
                    ));
                }
            }
        }
    }
    let old_wait = store::centers::new_admin_wait_days(&mut *tx, center_id).await?;
    let wait = req.new_admin_wait_days.unwrap_or(old_wait);
    if wait != old_wait {
        // An administrator who could shorten the wait could make a second administrator
        // count at once: the operator's alone.
        if actor.is_some() {
            return Err(ApiError::OperatorOnly);
        }
        if wait > MAX_NEW_ADMIN_WAIT_DAYS {
            return Err(ApiError::Invalid(
                "invalid_new_admin_wait_days",
                format!("The wait is 0 to {MAX_NEW_ADMIN_WAIT_DAYS} days."),
            ));
        }
        store::centers::set_new_admin_wait_days(&mut *tx, center_id, wait).await?;
    }
    store::centers::set_policy(&mut *tx, center_id, &policy).await?;
    let event = |action| {
        by(
            Event::new(action).center(Some(center_id)),
            actor.map(|a| a.id.as_str()),
        )
    };
    event(AuditAction::PolicyChanged)
        .detail(&join_list(&policy.allowed))
        .record(&mut *tx, now)
        .await?;
    if policy.reset_approvals != old.reset_approvals {
        event(AuditAction::ResetApprovalsChanged)
            .detail(&policy.reset_approvals.count().to_string())
            .record(&mut *tx, now)
            .await?;
    }
    if policy.guardians_required != old.guardians_required {
        event(AuditAction::GuardiansRequiredChanged)
            .detail(if policy.guardians_required {
                "required"
            } else {
                "optional"
            })
            .record(&mut *tx, now)
            .await?;
    }
    tx.commit().await?;
    Ok(policy_to_api(&policy, wait))
}

/// The longest `new_admin_wait_days` (the database refuses more).
pub const MAX_NEW_ADMIN_WAIT_DAYS: u32 = 90;

/// The center's administrators who can take part in a reset: enabled, with a method, and
/// counted as a second person (`second_person`).
pub(crate) async fn admins_with_two_step(
    tx: &mut sqlx::AnyConnection,
    st: &AppState,
    center_id: &str,
) -> Result<usize, ApiError> {
    let people = store::people::of_center(&mut *tx, center_id).await?;
    let all = store::methods::kinds_in_center(&mut *tx, center_id).await?;
    let methods = crate::rollout::methods_per_person(&all);
    let wait = store::centers::new_admin_wait_days(&mut *tx, center_id).await?;
    let now = st.now();
    Ok(people
        .iter()
        .filter(|p| p.is_admin() && !p.disabled && methods.contains_key(p.id.as_str()))
        .filter(|p| counts_for_two_person(p.created_by.is_some(), p.created_at, wait, now))
        .count())
}

/// An administrator taking part in a two-person reset (asking or approving) must count as a
/// person of their own: 403 `admin_too_new` while one added by another administrator waits.
pub(crate) async fn require_second_person(
    st: &AppState,
    admin: &PersonRow,
) -> Result<(), ApiError> {
    let wait = store::centers::new_admin_wait_days(st.db.read(), &admin.center_id).await?;
    if counts_for_two_person(admin.created_by.is_some(), admin.created_at, wait, st.now()) {
        Ok(())
    } else {
        Err(ApiError::AdminTooNew(wait))
    }
}

/// Events per page when the administrator does not say.
pub const AUDIT_PAGE: u32 = 100;
/// The most events one page may hold.
pub const AUDIT_PAGE_MAX: u32 = 1000;

/// `GET /admin/audit`: newest first, a page at a time, by person and by action.
pub async fn audit_log(
    st: &AppState,
    p: &Principal,
    q: api::AuditQuery,
) -> Result<api::AuditLog, ApiError> {
    let admin = require_admin(p)?;
    let limit = q.limit.unwrap_or(AUDIT_PAGE);
    if !(1..=AUDIT_PAGE_MAX).contains(&limit) {
        return Err(ApiError::Invalid(
            "invalid_limit",
            format!("Ask for between 1 and {AUDIT_PAGE_MAX} events at a time."),
        ));
    }
    if let Some(a) = q.action.as_deref() {
        if AuditAction::parse(a).is_none() {
            return Err(ApiError::Invalid(
                "invalid_action",
                "There is no such kind of event.".into(),
            ));
        }
    }
    let filter = store::audit::Filter {
        person_id: q.person_id.as_deref(),
        action: q.action.as_deref(),
        before: q.before,
    };
    // One more than the page: whether there is a next page, without a second query.
    let mut events = store::audit::page(st.db.read(), &admin.center_id, filter, limit + 1).await?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next_before = more.then(|| events.last().map(|e| e.id)).flatten();
    Ok(api::AuditLog {
        events: events
            .into_iter()
            .map(|r| api::AuditEvent {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id,
                person_id: r.person_id,
                action: r.action,
                detail: r.detail,
                kind: r.kind.map(store::kind_to_api),
                hint: r.hint,
                reason: r.reason,
            })
            .collect(),
        next_before,
    })
}
