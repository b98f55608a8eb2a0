//! Adding a passkey: the browser's creation options out (a registration ceremony kept in the
//! database), its new credential in. Afterwards a passkey is a method like the others
//! (`enroll::added`): listed, preferred, deleted, and counted for "at least one method".

use chrono::Duration;
use data_encoding::BASE64URL_NOPAD;
use twostep_api as api;
use twostep_core::method::{self, passkey as rules};
use twostep_core::Kind;
use webauthn_rs::prelude::{CredentialID, Uuid};

use super::enroll;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::second_step::passkey::{self, Started};
use crate::state::AppState;
use crate::store::ceremonies::{self, NewCeremony, Purpose, Which};
use crate::store::{self, kind_to_api, new_id, AuditAction, AuditReason, Event};

/// `POST /me/methods {"kind": "passkey", "name"?}`: the options for
/// `navigator.credentials.create`, good as long as a setup token.
pub async fn add(
    st: &AppState,
    p: &Principal,
    name: Option<&str>,
) -> Result<api::Enrollment, ApiError> {
    let now = st.now();
    let person = &p.person;
    let allowed = store::centers::policy(st.db.read(), &person.center_id)
        .await?
        .allowed_for(&person.roles);
    method::ensure_allowed(Kind::Passkey, &allowed)?;
    let name = rules::name(name)?;
    let rp = passkey::relying_party(st)?;
    let existing = store::methods::passkey_ids(st.db.read(), &person.id)
        .await?
        .iter()
        .filter_map(|id| BASE64URL_NOPAD.decode(id.as_bytes()).ok())
        .collect::<Vec<CredentialID>>();
    let handle = store::people::passkey_handle(st.db.write(), &person.id).await?;
    let handle =
        Uuid::parse_str(&handle).map_err(|_| ApiError::internal("a passkey handle's form"))?;
    let Started {
        options,
        nonce,
        state,
    } = passkey::start_registration(&rp, handle, &person.email, &person.name, existing)?;
    let id = new_id();
    let expires_at = now + Duration::seconds(st.cfg.limits.setup_token_ttl_secs);
    ceremonies::insert(
        st.db.write(),
        &NewCeremony {
            id: &id,
            purpose: Purpose::Register,
            person_id: Some(&person.id),
            challenge_id: None,
            method_id: None,
            name: Some(&name),
            nonce: &nonce,
            state: &state,
            expires_at,
        },
        now,
    )
    .await?;
    Ok(api::Enrollment::Passkey {
        enrollment_id: id,
        kind: kind_to_api(Kind::Passkey),
        options,
        expires_at,
    })
}

/// `POST /me/enrollments/{id}/confirm {"credential"}`: the new passkey, from the browser's
/// answer to the ceremony `id`. The ceremony is spent whatever the answer: a refused one
/// starts again from `add`.
pub async fn confirm(
    st: &AppState,
    p: &Principal,
    id: &str,
    answer: &serde_json::Value,
) -> Result<api::Confirmed, ApiError> {
    let now = st.now();
    let person = &p.person;
    let rp = passkey::relying_party(st)?;
    let mut tx = st.db.begin().await?;
    let which = Which::Register {
        id,
        person_id: &person.id,
    };
    let Some(begun) = ceremonies::claim(&mut *tx, &which, now).await? else {
        return Err(ApiError::EnrollmentExpired);
    };
    let made = match passkey::finish_registration(&rp, answer, &begun.state) {
        Ok(made) => made,
        Err(refused) => {
            Event::by_self(person, AuditAction::CodeFailed)
                .detail("while adding a method")
                .kind(Kind::Passkey)
                .reason(AuditReason::WhileAddingAMethod)
                .record(&mut *tx, now)
                .await?;
            tx.commit().await?;
            return Err(refused);
        }
    };
    // One confirmation at a time per person (PostgreSQL): whether this is the first method,
    // and so whether recovery codes are made, is then decided once.
    store::people::lock(&mut tx, &person.id).await?;
    let name = begun
        .name
        .ok_or_else(|| ApiError::internal("a registration without a name"))?;
    // A new method ends every remembered device (a change of method).
    store::remembered::end_all_of(&mut *tx, &person.id).await?;
    let method_id = new_id();
    store::methods::insert_passkey(
        &mut *tx,
        &store::methods::NewPasskey {
            id: &method_id,
            person_id: &person.id,
            credential_id: &made.credential_id,
            credential: &made.credential,
            sign_count: made.sign_count,
            name: &name,
        },
        now,
    )
    .await?;
    let hint = method::hint(Kind::Passkey, Some(&name));
    enroll::added(st, p, tx, &method_id, Kind::Passkey, &hint, now).await
}
