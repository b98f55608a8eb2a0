//! Invitations instead of chosen passwords: a person an administrator (or the operator, with
//! `--invite`) adds without a password is emailed a single-use link, good for 72 hours, to
//! choose their own; an administrator can send a new one until it is used. Accepting it is
//! the sign-in's (`signin::reset::accept_invitation`).

use chrono::Duration;
use twostep_api as api;

use crate::auth::{require_admin_write, Principal};
use crate::delivery::{self, templates};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::password_links::{self, Purpose};
use crate::store::{self, AuditAction, Event, PersonRow, Tx};

/// How long an invitation works.
pub const HOURS: i64 = 72;

/// A new invitation link to the person's email, in their language, within `tx`.
pub(crate) async fn send(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    actor: Option<&str>,
) -> Result<(), ApiError> {
    let now = st.now();
    let (token, hash) = crate::crypto::new_token();
    let expires_at = now + Duration::hours(HOURS);
    password_links::insert(
        &mut **tx,
        &hash,
        &person.id,
        Purpose::Invitation,
        now,
        expires_at,
    )
    .await?;
    let center = store::centers::get(&mut **tx, &person.center_id)
        .await?
        .name;
    let link = format!("{}/invitation/{}", st.public_url(), token.as_str());
    let subjects = st.cfg.subjects(person.locale);
    let msg = templates::invitation(
        &subjects,
        &person.email,
        &center,
        &link,
        HOURS,
        person.locale,
    )
    .for_person(&person.id);
    delivery::queue(tx, now, &msg).await?;
    let mut event = Event::about(person, AuditAction::InvitationSent);
    if let Some(actor) = actor {
        event = event.by(actor);
    }
    event.record(&mut **tx, now).await
}

/// `POST /admin/people/{id}/invitation`: a new link, while the person has not accepted one
/// (422 `not_invited` for someone who chose a password, or was never invited).
pub async fn resend(
    st: &AppState,
    p: &Principal,
    person_id: &str,
) -> Result<api::Person, ApiError> {
    let admin = require_admin_write(st, p)?;
    let person = super::people::person_in_center(st, admin, person_id).await?;
    let mut tx = st.db.begin().await?;
    store::people::lock(&mut tx, &person.id).await?;
    if !password_links::invitation_open_to(&mut *tx, &person.id).await? {
        return Err(ApiError::Invalid(
            "not_invited",
            "This person already chose a password (or was added with one): there is no \
             invitation to send again."
                .into(),
        ));
    }
    send(&mut tx, st, &person, Some(&admin.id)).await?;
    tx.commit().await?;
    store::person_view(&st.db, &person).await
}
