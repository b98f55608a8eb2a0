//! The center's policy (API.md "Policy"): who must use 2-Step Verification, which kinds are
//! allowed, how resets are approved; and the two-person rule's administrators.

use twostep_api as api;
use twostep_core::day_pass;
use twostep_core::policy::{counts_for_two_person, Floors, MinMethod, ResetApprovals};
use twostep_core::Role;

use super::people::by;
use crate::auth::{require_admin, require_admin_write, Principal};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::centers::Policy;
use crate::store::{self, join_list, kind_from_api, kind_to_api, AuditAction, Event, PersonRow};

fn policy_to_api(p: &Policy, new_admin_wait_days: u32) -> api::Policy {
    api::Policy {
        allowed_kinds: p.allowed.iter().copied().map(kind_to_api).collect(),
        reset_approvals: Some(p.reset_approvals.count()),
        guardians_required: Some(p.guardians_required),
        new_admin_wait_days: Some(new_admin_wait_days),
        passkey_sign_in: Some(p.passkey_sign_in),
        min_method: Some(
            [Role::Staff, Role::Guardian, Role::Admin]
                .into_iter()
                .map(|r| (store::role_to_api(r), min_method_to_api(p.floors.of(r))))
                .collect(),
        ),
        time_zone: Some(p.time_zone.name().to_owned()),
        passes_per_month: Some(p.passes_per_month),
        remember_days: None,
    }
}

fn min_method_to_api(m: MinMethod) -> api::MinMethod {
    match m {
        MinMethod::Any => api::MinMethod::Any,
        MinMethod::Authenticator => api::MinMethod::Authenticator,
        MinMethod::Passkey => api::MinMethod::Passkey,
    }
}

fn min_method_from_api(m: api::MinMethod) -> MinMethod {
    match m {
        api::MinMethod::Any => MinMethod::Any,
        api::MinMethod::Authenticator => MinMethod::Authenticator,
        api::MinMethod::Passkey => MinMethod::Passkey,
    }
}

/// The floors asked for, over the old ones: a role left out keeps its floor.
fn floors(
    old: Floors,
    asked: Option<&std::collections::BTreeMap<api::Role, api::MinMethod>>,
) -> Floors {
    let Some(asked) = asked else { return old };
    let of = |role: api::Role, was: MinMethod| {
        asked.get(&role).copied().map_or(was, min_method_from_api)
    };
    Floors {
        staff: of(api::Role::Staff, old.staff),
        guardian: of(api::Role::Guardian, old.guardian),
        admin: of(api::Role::Admin, old.admin),
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
    let remember = store::remembered::days_of(st.db.read(), center_id).await?;
    Ok(api::Policy {
        remember_days: Some(super::remember_days::to_api(remember)),
        ..policy_to_api(&policy, wait)
    })
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
    let time_zone = req
        .time_zone
        .as_deref()
        .map(|name| {
            day_pass::time_zone(name.trim()).ok_or_else(|| {
                ApiError::Invalid(
                    "invalid_time_zone",
                    "Choose the time zone by its name, such as America/Chicago or \
                     America/Mexico_City."
                        .into(),
                )
            })
        })
        .transpose()?;
    if req
        .passes_per_month
        .is_some_and(|n| n > day_pass::MAX_PER_MONTH)
    {
        return Err(ApiError::Invalid(
            "invalid_passes_per_month",
            format!(
                "One-day passes a month: 0 (none) to {}.",
                day_pass::MAX_PER_MONTH
            ),
        ));
    }
    let now = st.now();
    let mut tx = st.db.begin().await?;
    store::centers::lock(&mut tx, center_id).await?;
    let old = store::centers::policy(&mut *tx, center_id).await?;
    let policy = Policy {
        allowed: kinds,
        reset_approvals: reset_approvals.unwrap_or(old.reset_approvals),
        guardians_required: req.guardians_required.unwrap_or(old.guardians_required),
        passkey_sign_in: req.passkey_sign_in.unwrap_or(old.passkey_sign_in),
        floors: floors(old.floors, req.min_method.as_ref()),
        time_zone: time_zone.unwrap_or(old.time_zone),
        passes_per_month: req.passes_per_month.unwrap_or(old.passes_per_month),
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
    let remember =
        super::remember_days::apply(&mut tx, center_id, req.remember_days.as_ref(), actor, now)
            .await?;
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
    if policy.passkey_sign_in != old.passkey_sign_in || policy.floors != old.floors {
        let f = &policy.floors;
        event(AuditAction::PolicyChanged)
            .detail(&format!(
                "passkey sign-in {}; floors: staff {}, family {}, administrators {}",
                if policy.passkey_sign_in { "on" } else { "off" },
                f.staff.as_str(),
                f.guardian.as_str(),
                f.admin.as_str()
            ))
            .record(&mut *tx, now)
            .await?;
    }
    if policy.time_zone != old.time_zone || policy.passes_per_month != old.passes_per_month {
        event(AuditAction::PolicyChanged)
            .detail(&format!(
                "time zone {}; one-day passes a month {}",
                policy.time_zone.name(),
                policy.passes_per_month
            ))
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
    Ok(api::Policy {
        remember_days: Some(super::remember_days::to_api(remember)),
        ..policy_to_api(&policy, wait)
    })
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
    let methods = super::rollout::methods_per_person(&all);
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
