//! The policy's `remember_days` ("Don't ask for a code on this device for N days"), kept apart
//! from the rest of the policy: each role's days, 0 to 90; administrators' always 0.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use twostep_api as api;
use twostep_core::remember::{RememberDays, MAX_REMEMBER_DAYS};
use twostep_core::Role;

use super::people::by;
use crate::error::ApiError;
use crate::store::{self, AuditAction, Event, PersonRow};

/// Each role's days, administrators' (always 0) included.
pub(super) fn to_api(days: RememberDays) -> BTreeMap<api::Role, u32> {
    [Role::Staff, Role::Guardian, Role::Admin]
        .into_iter()
        .map(|r| (store::role_to_api(r), days.of(r)))
        .collect()
}

/// The days asked for, over the old ones (a role left out keeps its days), in the policy's
/// transaction: 400 for more than 90 days, or any for administrators, changing nothing.
pub(super) async fn apply(
    tx: &mut sqlx::AnyConnection,
    center_id: &str,
    asked: Option<&BTreeMap<api::Role, u32>>,
    actor: Option<&PersonRow>,
    now: DateTime<Utc>,
) -> Result<RememberDays, ApiError> {
    let old = store::remembered::days_of(&mut *tx, center_id).await?;
    let Some(asked) = asked else { return Ok(old) };
    if asked.get(&api::Role::Admin).is_some_and(|d| *d != 0) {
        return Err(ApiError::BadRequest(
            "Administrators are asked for a code every time: their remember_days is 0.".into(),
        ));
    }
    let days = RememberDays {
        staff: asked.get(&api::Role::Staff).copied().unwrap_or(old.staff),
        guardian: asked
            .get(&api::Role::Guardian)
            .copied()
            .unwrap_or(old.guardian),
    };
    if !days.is_valid() {
        return Err(ApiError::BadRequest(format!(
            "A device may be remembered for 0 to {MAX_REMEMBER_DAYS} days."
        )));
    }
    if days != old {
        store::remembered::set_days(&mut *tx, center_id, days).await?;
        by(
            Event::new(AuditAction::PolicyChanged).center(Some(center_id)),
            actor.map(|a| a.id.as_str()),
        )
        .detail(&format!(
            "devices remembered for: staff {} days, family {} days",
            days.staff, days.guardian
        ))
        .record(&mut *tx, now)
        .await?;
    }
    Ok(days)
}
