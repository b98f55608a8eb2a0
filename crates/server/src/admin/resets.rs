//! Resetting a person's 2-Step Verification, by one administrator or, when the center's policy
//! says `reset_approvals: 2`, by one who asks and a different one who approves within a day.
//! A one-day pass is asked for and approved the same way (a request of kind `day_pass`).
//! A reset is what attackers talk helpdesks into: with two, one talked-into (or stolen)
//! administrator account is not enough.

use chrono::Duration;
use twostep_api as api;
use twostep_core::policy::ResetApprovals;

use super::people::{by, person_in_center, view_of};
use super::policy::require_second_person;
use crate::auth::Principal;
use crate::auth::{require_admin, require_admin_write};
use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::second_step::day_pass::issue_in;
use crate::state::AppState;
use crate::store::day_passes::Ended;
use crate::store::reset_requests::{self, RequestKind, ResetRequestRow};
use crate::store::{self, new_id, AuditAction, AuditReason, Event, PersonRow, Tx};

/// How long a reset request waits for the second administrator.
pub const REQUEST_HOURS: i64 = 24;

/// What `POST …/two-step/reset` did.
pub enum Outcome {
    /// 200: the reset is done.
    Done(api::Person),
    /// 202: a different administrator must approve it.
    Requested(api::ResetRequested),
}

/// `POST /admin/people/{id}/two-step/reset`: a fresh sign-in, as for any change to 2-Step
/// Verification.
/// Whoever resets another person's 2-Step Verification uses it themselves, whatever the
/// number of approvals: a reset is the door to someone else's account.
pub async fn reset(st: &AppState, p: &Principal, id: &str) -> Result<Outcome, ApiError> {
    let admin = require_admin_write(st, p)?;
    let person = person_in_center(st, admin, id).await?;
    require_own_two_step(st, admin).await?;
    let policy = store::centers::policy(st.db.read(), &admin.center_id).await?;
    match policy.reset_approvals {
        ResetApprovals::One => {
            reset_person(st, &person, Some(&admin.id)).await?;
            Ok(Outcome::Done(view_of(st, &person.id).await?))
        }
        ResetApprovals::Two => {
            require_second_person(st, admin).await?;
            request(st, admin, &person, RequestKind::Reset)
                .await
                .map(Outcome::Requested)
        }
    }
}

/// A two-person reset is only as strong as its administrators' own sign-ins.
/// (A method of a kind the center no longer allows signs nobody in: it does not count.)
pub(super) async fn require_own_two_step(st: &AppState, admin: &PersonRow) -> Result<(), ApiError> {
    let allowed = store::centers::policy(st.db.read(), &admin.center_id)
        .await?
        .allowed_for(&admin.roles);
    if !store::methods::of_person(st.db.read(), &admin.id)
        .await?
        .iter()
        .any(|m| m.is_allowed(&allowed))
    {
        return Err(ApiError::OwnTwoStepRequired);
    }
    Ok(())
}

/// Asks for the person's reset (or one-day pass: `kind`); nothing else changes. Asking again
/// while a request of that kind waits answers with the waiting one.
pub(super) async fn request(
    st: &AppState,
    admin: &PersonRow,
    person: &PersonRow,
    kind: RequestKind,
) -> Result<api::ResetRequested, ApiError> {
    let now = st.now();
    let row = ResetRequestRow {
        id: new_id(),
        kind,
        center_id: admin.center_id.clone(),
        person_id: person.id.clone(),
        requested_by: admin.id.clone(),
        created_at: now,
        expires_at: now + Duration::hours(REQUEST_HOURS),
        approved: false,
    };
    // On PostgreSQL the request waiting when the insert gave way may be approved (or dropped
    // by a reset) before it is read back: then try again, a few times.
    for _ in 0..3 {
        let mut tx = st.db.begin().await?;
        reset_requests::delete_expired_of(&mut *tx, &person.id, now).await?;
        if reset_requests::insert(&mut *tx, &row).await? {
            let action = match kind {
                RequestKind::Reset => AuditAction::ResetRequested,
                RequestKind::DayPass => AuditAction::DayPassRequested,
            };
            Event::about(person, action)
                .by(&admin.id)
                .record(&mut *tx, now)
                .await?;
        }
        if let Some(waiting) = reset_requests::pending_of(&mut *tx, &person.id, kind).await? {
            tx.commit().await?;
            return Ok(api::ResetRequested {
                request_id: waiting.id,
                expires_at: waiting.expires_at,
            });
        }
    }
    Err(ApiError::ServerBusy { retry_after: 1 })
}

/// What approving did: the reset (200, the Person) or the pass issued (201, shown once to the
/// approving administrator, who reads it to the person).
pub enum Approved {
    Reset(api::Person),
    DayPass(api::DayPassIssued),
}

/// `POST /admin/reset-requests/{id}/approve`: a different administrator of the center, with
/// 2-Step Verification and a fresh sign-in, approves; the reset is done (or the pass issued)
/// then.
pub async fn approve(st: &AppState, p: &Principal, id: &str) -> Result<Approved, ApiError> {
    let admin = require_admin(p)?;
    let now = st.now();
    let not_found = || ApiError::NotFound("That reset request");
    let req = reset_requests::by_id(st.db.read(), id)
        .await?
        .filter(|r| r.center_id == admin.center_id && !r.approved)
        .ok_or_else(not_found)?;
    if req.requested_by == admin.id {
        return Err(ApiError::SelfApproval);
    }
    // Nor is the person being reset a second administrator of their own reset.
    if req.person_id == admin.id {
        return Err(ApiError::Forbidden);
    }
    if req.expires_at <= now {
        return Err(ApiError::ResetRequestExpired);
    }
    p.require_fresh(now, &st.cfg.limits)?;
    require_own_two_step(st, admin).await?;
    require_second_person(st, admin).await?;
    // The one who asked must still be an administrator who may act.
    let asker = store::people::by_id(st.db.read(), &req.requested_by).await?;
    if !asker.is_some_and(|a| a.is_admin() && !a.disabled && !a.frozen) {
        return Err(not_found());
    }
    let person = person_in_center(st, admin, &req.person_id).await?;
    let mut tx = st.db.begin().await?;
    // The claim and the reset are one transaction: two approvals at once reset once.
    if !reset_requests::approve(&mut *tx, &req.id, &admin.id, now).await? {
        return Err(not_found());
    }
    // Judged again now that the writer is ours (it may have come after the expiry).
    if st.now() >= req.expires_at {
        return Err(ApiError::ResetRequestExpired);
    }
    match req.kind {
        RequestKind::Reset => {
            reset_in(&mut tx, st, &person, Some(&admin.id), true).await?;
            tx.commit().await?;
            view_of(st, &person.id).await.map(Approved::Reset)
        }
        RequestKind::DayPass => {
            let Some(asker) = store::people::by_id(&mut *tx, &req.requested_by).await? else {
                return Err(not_found());
            };
            let now = st.now();
            let pass = issue_in(&mut tx, st, &person, &asker, Some(admin), now).await?;
            tx.commit().await?;
            Ok(Approved::DayPass(pass))
        }
    }
}

/// `GET /admin/reset-requests`: the center's requests waiting for approval, oldest first.
pub async fn pending(st: &AppState, p: &Principal) -> Result<api::ResetRequests, ApiError> {
    let admin = require_admin(p)?;
    let rows = reset_requests::pending_in_center(st.db.read(), &admin.center_id, st.now()).await?;
    let mut requests = Vec::with_capacity(rows.len());
    for r in rows {
        let (Some(person), Some(asker)) = (
            store::people::by_id(st.db.read(), &r.person_id).await?,
            store::people::by_id(st.db.read(), &r.requested_by).await?,
        ) else {
            continue;
        };
        requests.push(api::ResetRequest {
            id: r.id,
            kind: match r.kind {
                RequestKind::Reset => api::RequestKind::Reset,
                RequestKind::DayPass => api::RequestKind::DayPass,
            },
            person: store::person_view(&st.db, &person).await?,
            requested_by: api::ResetRequester {
                id: asker.id,
                name: asker.name,
                email: asker.email,
            },
            created_at: r.created_at,
            expires_at: r.expires_at,
        });
    }
    Ok(api::ResetRequests { requests })
}

/// Resets the person's 2-Step Verification: every method, enrollment, sign-in under way,
/// session and recovery code goes, and every address they had is told. `actor`: the
/// administrator (none: an operator at the command line, who holds the server itself).
pub async fn reset_person(
    st: &AppState,
    person: &PersonRow,
    actor: Option<&str>,
) -> Result<(), ApiError> {
    let mut tx = st.db.begin().await?;
    reset_in(&mut tx, st, person, actor, false).await?;
    tx.commit().await?;
    Ok(())
}

/// `approved`: a second administrator approved it (the audit trail says so).
async fn reset_in(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    actor: Option<&str>,
    approved: bool,
) -> Result<(), ApiError> {
    let now = st.now();
    // Every address the person had hears of the reset, the removed methods' included. (The
    // DELETE comes first: on PostgreSQL it also locks what it removes.)
    let methods = store::methods::delete_all_of(&mut **tx, &person.id).await?;
    store::enrollments::delete_all_of(&mut **tx, &person.id).await?;
    store::challenges::delete_all_of(&mut **tx, &person.id).await?;
    store::tokens::delete_all_of(&mut **tx, &person.id).await?;
    store::remembered::end_all_of(&mut **tx, &person.id).await?;
    store::recovery_codes::delete_all_of(&mut **tx, &person.id).await?;
    reset_requests::delete_pending_of(&mut **tx, &person.id).await?;
    store::day_passes::end_live_of(&mut **tx, &person.id, Ended::Ended, now).await?;
    store::people::reset_two_step(&mut **tx, &person.id).await?;
    notices::send(tx, st, person, Notice::Reset, &methods, now).await?;
    let event = by(Event::about(person, AuditAction::TwoStepReset), actor);
    let event = if approved {
        event.reason(AuditReason::ApprovedBySecondAdministrator)
    } else {
        event
    };
    event.record(&mut **tx, now).await?;
    Ok(())
}
