//! Security notices (API.md "Notices"): each goes to the person's sign-in email and to every
//! email and phone they verify with, so that whoever holds any one of them hears of the change,
//! and ends with a "This wasn't me" link that freezes the account in one tap.

use chrono::{DateTime, Duration, Utc};
use twostep_core::Kind;

use crate::crypto::new_token;
use crate::delivery::{self, templates::Notice};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, MethodRow, PersonRow};

/// How long a "This wasn't me" link works.
pub const FREEZE_LINK_DAYS: i64 = 7;

/// Queues `notice` to every address of `person`, plus those of `gone` (methods just removed,
/// whose owners must hear of it too). Call it inside the transaction that makes it true.
pub async fn send(
    tx: &mut sqlx::AnyConnection,
    st: &AppState,
    person: &PersonRow,
    notice: Notice<'_>,
    gone: &[MethodRow],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let methods = store::methods::of_person(&mut *tx, &person.id).await?;
    let mut emails = vec![person.email.to_lowercase()];
    let mut phones = Vec::new();
    for m in methods.iter().chain(gone) {
        match (m.kind, &m.address) {
            (Kind::Email, Some(a)) => emails.push(a.to_lowercase()),
            (Kind::Sms, Some(a)) => phones.push(a.clone()),
            _ => {}
        }
    }
    emails.sort();
    emails.dedup();
    phones.sort();
    phones.dedup();
    // One link for this notice, on every address; only its hash is kept.
    let (token, hash) = new_token();
    let expires = now + Duration::days(FREEZE_LINK_DAYS);
    store::freeze_tokens::insert(&mut *tx, &hash, &person.id, now, expires).await?;
    let link = format!("{}/freeze/{}", st.public_url(), token.as_str());
    // In the person's language.
    let (locale, subjects) = (person.locale, st.cfg.subjects(person.locale));
    for e in &emails {
        let msg = notice
            .email(&subjects, e, locale, &link)
            .for_person(&person.id);
        delivery::queue(&mut *tx, now, &msg).await?;
    }
    for p in &phones {
        let msg = notice.text(p, locale, &link).for_person(&person.id);
        delivery::queue(&mut *tx, now, &msg).await?;
    }
    Ok(())
}
