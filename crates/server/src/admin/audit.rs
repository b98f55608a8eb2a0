//! The center's audit trail for its administrators (API.md "Audit"), newest first, by page.

use twostep_api as api;

use crate::auth::{require_admin, Principal};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, AuditAction};

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
