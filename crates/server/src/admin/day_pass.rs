//! One-day passes on the person's page: issuing one (by one administrator, or by one who asks
//! and a different one who approves where resets take two), listing the live one, revoking
//! it. A pass is for a staff member who has her methods but not her phone today; a reset is for
//! methods gone for good. Issuing demands what a reset does: a fresh sign-in and the
//! administrator's own 2-Step Verification (a pass opens someone else's account, once).

use twostep_api as api;
use twostep_core::policy::ResetApprovals;

use super::people::person_in_center;
use super::policy::require_second_person;
use super::resets::{request, require_own_two_step};
use crate::auth::{require_admin_write, Principal};
use crate::error::ApiError;
use crate::second_step::day_pass::{check_allowed, issue_in};
use crate::state::AppState;
use crate::store::day_passes::{self, Ended};
use crate::store::reset_requests::RequestKind;
use crate::store::{self, AuditAction, Event};

/// What `POST …/day-pass` did.
pub enum Outcome {
    /// 201: the pass, shown once.
    Issued(api::DayPassIssued),
    /// 202: a different administrator must approve it.
    Requested(api::ResetRequested),
}

/// `POST /admin/people/{id}/day-pass`.
pub async fn issue(st: &AppState, p: &Principal, id: &str) -> Result<Outcome, ApiError> {
    let admin = require_admin_write(st, p)?;
    let person = person_in_center(st, admin, id).await?;
    // Nobody hands themselves a way past their own second step.
    if person.id == admin.id {
        return Err(ApiError::Forbidden);
    }
    require_own_two_step(st, admin).await?;
    let now = st.now();
    check_allowed(st, &person, now).await?;
    let policy = store::centers::policy(st.db.read(), &admin.center_id).await?;
    match policy.reset_approvals {
        ResetApprovals::One => {
            let mut tx = st.db.begin().await?;
            let issued = issue_in(&mut tx, st, &person, admin, None, now).await?;
            tx.commit().await?;
            Ok(Outcome::Issued(issued))
        }
        ResetApprovals::Two => {
            require_second_person(st, admin).await?;
            request(st, admin, &person, RequestKind::DayPass)
                .await
                .map(Outcome::Requested)
        }
    }
}

/// `DELETE /admin/people/{id}/day-pass`: the live pass stops working (404 when there is none).
pub async fn revoke(st: &AppState, p: &Principal, id: &str) -> Result<(), ApiError> {
    let admin = require_admin_write(st, p)?;
    let person = person_in_center(st, admin, id).await?;
    let now = st.now();
    let mut tx = st.db.begin().await?;
    if !day_passes::end_live_of(&mut *tx, &person.id, Ended::Revoked, now).await? {
        return Err(ApiError::NotFound("A one-day pass"));
    }
    Event::about(&person, AuditAction::DayPassRevoked)
        .by(&admin.id)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The person's live pass as their page lists it: who issued (and approved) it, until when.
pub(crate) async fn live_view(
    st: &AppState,
    person_id: &str,
) -> Result<Option<Box<api::LiveDayPass>>, ApiError> {
    let Some(pass) = day_passes::live_of(st.db.read(), person_id, st.now()).await? else {
        return Ok(None);
    };
    let name_of = |id: String| async move {
        let name = store::people::by_id(st.db.read(), &id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        Ok::<_, ApiError>(api::PersonRef { id, name })
    };
    let approved_by = match pass.approved_by {
        Some(id) => Some(name_of(id).await?),
        None => None,
    };
    Ok(Some(Box::new(api::LiveDayPass {
        issued_by: name_of(pass.issued_by).await?,
        approved_by,
        created_at: pass.created_at,
        expires_at: pass.expires_at,
    })))
}
