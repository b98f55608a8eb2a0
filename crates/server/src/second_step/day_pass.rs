//! Issuing a one-day pass: shared by the administrator who issues one alone and the second
//! administrator who approves one (admin/day_pass.rs, admin/resets.rs). Inside the caller's
//! transaction: the center's rules (passes on, the monthly cap, one at a time), the pass made
//! and stored as a keyed hash, the person and the center's administrators told, the audit.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use twostep_api as api;
use twostep_core::day_pass::{self, DayPass};

use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::day_passes::{self, DayPassRow};
use crate::store::{self, new_id, people, AuditAction, AuditReason, Event, PersonRow, Tx};

/// Whether the person may be issued a pass now (passes on, none live, the month's not used
/// up): checked before asking a second administrator, for a clear answer then rather than at
/// approval; `issue_in` decides again in its transaction.
pub async fn check_allowed(
    st: &AppState,
    person: &PersonRow,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let policy = store::centers::policy(st.db.read(), &person.center_id).await?;
    if policy.passes_per_month == 0 {
        return Err(ApiError::DayPassesOff);
    }
    if day_passes::live_of(st.db.read(), &person.id, now)
        .await?
        .is_some()
    {
        return Err(ApiError::DayPassLive);
    }
    let since = day_pass::month_start(now, policy.time_zone);
    if day_passes::issued_since(st.db.read(), &person.id, since).await? >= policy.passes_per_month {
        return Err(ApiError::DayPassesUsedUp(policy.passes_per_month));
    }
    Ok(())
}

/// Issues the person a pass. `issued_by`: the administrator who issued (or asked for) it;
/// `approved_by`: the second one, where resets take two. The pass as read aloud, shown once.
pub async fn issue_in(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    issued_by: &PersonRow,
    approved_by: Option<&PersonRow>,
    now: DateTime<Utc>,
) -> Result<api::DayPassIssued, ApiError> {
    // The person's row first: the monthly count and the insert are one decision (PostgreSQL;
    // SQLite's transaction holds the one write lock already).
    people::lock(tx, &person.id).await?;
    let center = store::centers::get(&mut **tx, &person.center_id).await?;
    let policy = &center.policy;
    if policy.passes_per_month == 0 {
        return Err(ApiError::DayPassesOff);
    }
    day_passes::end_expired_of(&mut **tx, &person.id, now).await?;
    if day_passes::live_of(&mut **tx, &person.id, now)
        .await?
        .is_some()
    {
        return Err(ApiError::DayPassLive);
    }
    let since = day_pass::month_start(now, policy.time_zone);
    if day_passes::issued_since(&mut **tx, &person.id, since).await? >= policy.passes_per_month {
        return Err(ApiError::DayPassesUsedUp(policy.passes_per_month));
    }
    let pass = DayPass::generate(&mut OsRng);
    let expires_at = day_pass::expires_at(now, policy.time_zone);
    let row = DayPassRow {
        id: new_id(),
        center_id: person.center_id.clone(),
        person_id: person.id.clone(),
        pass_hash: st.keys.hash_day_pass(&person.id, &pass),
        issued_by: issued_by.id.clone(),
        approved_by: approved_by.map(|a| a.id.clone()),
        created_at: now,
        expires_at,
    };
    // The partial unique index is the last word on "one at a time".
    if !day_passes::insert(&mut **tx, &row).await? {
        return Err(ApiError::DayPassLive);
    }
    tell(
        tx,
        st,
        person,
        issued_by,
        &center.name,
        policy.time_zone,
        expires_at,
        now,
    )
    .await?;
    let mut event = Event::about(person, AuditAction::DayPassIssued)
        .by(&approved_by.unwrap_or(issued_by).id)
        .detail("until the end of the day or 12 hours");
    if approved_by.is_some() {
        event = event.reason(AuditReason::ApprovedBySecondAdministrator);
    }
    event.record(&mut **tx, now).await?;
    Ok(api::DayPassIssued {
        pass: pass.display(),
        expires_at,
    })
}

/// The person hears of their pass (if they did not ask, the freeze link stops it), and so does
/// every other administrator of the center (one administrator taken over must not be able to
/// hand out passes quietly).
#[allow(clippy::too_many_arguments)]
async fn tell(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    issued_by: &PersonRow,
    center: &str,
    tz: chrono_tz::Tz,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let until = expires_at
        .with_timezone(&tz)
        .format(&format!("%Y-%m-%d %H:%M ({})", tz.name()))
        .to_string();
    let by = issued_by.name.as_str();
    let notice = Notice::DayPassIssued { by, until: &until };
    notices::send(tx, st, person, notice, &[], now).await?;
    let who = format!("{} ({})", person.name, person.email);
    let notice = Notice::DayPassIssuedFor {
        who: &who,
        by,
        center,
        until: &until,
    };
    let admins = people::of_center(&mut **tx, &person.center_id).await?;
    for admin in admins
        .iter()
        .filter(|a| a.is_admin() && a.id != issued_by.id && a.id != person.id && !a.disabled)
    {
        notices::send(tx, st, admin, notice, &[], now).await?;
    }
    Ok(())
}
