//! "Forgot password?": a single-use link to the sign-in email, then a new password and the
//! second step as at sign-in. The request answers the same, at once, whoever's the email is:
//! the work (the lookup, the cap, the email) is done after the answer, so neither the answer
//! nor its timing tells whether an account exists. A reset password alone never opens an
//! account with 2-Step Verification; afterwards every session ends, every other link is spent,
//! and the person is told on every address.

use chrono::Duration;
use twostep_api as api;
use zeroize::Zeroizing;

use crate::delivery::{self, templates, templates::Notice};
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::devices::Device;
use crate::store::password_links::{self, Purpose};
use crate::store::{self, AuditAction, AuditReason, Event, PersonRow};

/// How long a reset link works.
pub const LINK_MINUTES: i64 = 30;

/// At most this many reset links a person is sent in an hour.
pub const LINKS_PER_HOUR: u32 = 3;

/// `POST /password-reset`: accepted, always; the link goes out afterwards if it should.
pub fn request(st: &AppState, req: api::PasswordResetRequest) -> api::PasswordResetAccepted {
    let st = st.clone();
    tokio::spawn(async move {
        if let Err(e) = send_link(&st, req.email.trim()).await {
            tracing::warn!(error = %e, "a password reset link was not sent");
        }
    });
    api::PasswordResetAccepted {
        status: "accepted".into(),
    }
}

/// The link, to the person whose sign-in email this is, unless they were sent the most this
/// hour, or cannot sign in (frozen, disabled: an administrator opens those).
async fn send_link(st: &AppState, email: &str) -> Result<(), ApiError> {
    let Some(person) = store::people::by_email(st.db.read(), email).await? else {
        return Ok(());
    };
    if person.frozen || person.disabled {
        return Ok(());
    }
    let now = st.now();
    let mut tx = st.db.begin().await?;
    // The count and the new link in one transaction, the person locked: a burst sends the cap.
    store::people::lock(&mut tx, &person.id).await?;
    let since = now - Duration::hours(1);
    if password_links::sent_since(&mut *tx, &person.id, Purpose::Reset, since).await?
        >= LINKS_PER_HOUR
    {
        return Ok(());
    }
    let (token, hash) = crate::crypto::new_token();
    let expires_at = now + Duration::minutes(LINK_MINUTES);
    password_links::insert(&mut *tx, &hash, &person.id, Purpose::Reset, now, expires_at).await?;
    let link = format!("{}/reset-password/{}", st.public_url(), token.as_str());
    let subjects = st.cfg.subjects(person.locale);
    let msg =
        templates::password_reset(&subjects, &person.email, &link, LINK_MINUTES, person.locale)
            .for_person(&person.id);
    delivery::queue(&mut tx, now, &msg).await?;
    Event::about(&person, AuditAction::PasswordResetSent)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await.map_err(ApiError::from)
}

/// `POST /password-reset/{token}`: the new password, then the sign-in goes on as after a
/// right password (the second step, or setup). 404 for a link used, expired or unknown.
pub async fn complete(
    st: &AppState,
    token: &str,
    req: api::NewPassword,
    device_hash: Option<Vec<u8>>,
) -> Result<api::LoginResponse, ApiError> {
    let device = Device {
        name: crate::auth::device_label(req.device_name.as_deref()),
        hash: device_hash,
    };
    through_link(
        st,
        token,
        Purpose::Reset,
        Zeroizing::new(req.new_password),
        device,
    )
    .await
}

/// `POST /invitations/{token}`: the invited person's first password, then the sign-in goes on
/// as after a right password (for staff, setting up 2-Step Verification).
pub async fn accept_invitation(
    st: &AppState,
    token: &str,
    req: api::InvitationAccept,
    device_hash: Option<Vec<u8>>,
) -> Result<api::LoginResponse, ApiError> {
    let device = Device {
        name: crate::auth::device_label(req.device_name.as_deref()),
        hash: device_hash,
    };
    through_link(
        st,
        token,
        Purpose::Invitation,
        Zeroizing::new(req.password),
        device,
    )
    .await
}

/// A password chosen through an emailed link of `purpose`; 404 for a link used, expired or
/// unknown.
async fn through_link(
    st: &AppState,
    token: &str,
    purpose: Purpose,
    new: Zeroizing<String>,
    device: Device,
) -> Result<api::LoginResponse, ApiError> {
    let gone = || match purpose {
        Purpose::Reset => ApiError::NotFound("That reset link"),
        Purpose::Invitation => ApiError::NotFound("That invitation"),
    };
    let hash = crate::crypto::hash_token(token);
    let person_id = password_links::open(st.db.read(), &hash, purpose, st.now())
        .await?
        .ok_or_else(gone)?;
    let person = store::people::by_id(st.db.read(), &person_id)
        .await?
        .ok_or_else(gone)?;
    // The rule first: a weak password spends nothing.
    twostep_core::password::check(&new, &person.email, &person.name)
        .map_err(ApiError::WeakPassword)?;
    let new_hash = st.passwords.admit()?.hash(new).await?;

    let now = st.now();
    let mut tx = st.db.begin().await?;
    password_links::claim(&mut *tx, &hash, purpose, now)
        .await?
        .ok_or_else(gone)?;
    store::people::lock(&mut tx, &person.id).await?;
    let person = store::people::by_id(&mut *tx, &person.id)
        .await?
        .ok_or_else(gone)?;
    // Frozen or disabled since the link went out: an administrator opens those.
    if person.frozen {
        return Err(ApiError::AccountFrozen);
    }
    if person.disabled {
        return Err(ApiError::AccountDisabled);
    }
    store::people::set_password_hash(&mut *tx, &person.id, &new_hash).await?;
    store::people::set_must_change_password(&mut *tx, &person.id, false).await?;
    password_links::spend_all_of(&mut *tx, &person.id, now).await?;
    store::password_tokens::spend_all_of(&mut *tx, &person.id, now).await?;
    store::tokens::delete_all_of(&mut *tx, &person.id).await?;
    store::remembered::end_all_of(&mut *tx, &person.id).await?;
    store::challenges::delete_all_of(&mut *tx, &person.id).await?;
    let (detail, reason) = match purpose {
        Purpose::Reset => {
            // Whoever holds any of the person's addresses hears of it: a reset is how a stolen
            // mailbox becomes a stolen account.
            notices::send(&mut tx, st, &person, Notice::PasswordChanged, &[], now).await?;
            (
                "through an emailed reset link",
                AuditReason::ThroughResetLink,
            )
        }
        Purpose::Invitation => ("through an invitation", AuditReason::ThroughInvitation),
    };
    Event::by_self(&person, AuditAction::PasswordChanged)
        .detail(detail)
        .reason(reason)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    let person = PersonRow {
        must_change_password: false,
        ..person
    };
    super::flow::after_password(st, &person, device).await
}
