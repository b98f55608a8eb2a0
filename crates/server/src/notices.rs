//! Security notices (API.md "Notices"): each goes to the person's sign-in email and to every
//! email and phone they verify with, so that whoever holds any one of them hears of the change,
//! and ends with a "This wasn't me" link that freezes the account in one tap.

use chrono::{DateTime, Duration, Utc};
use twostep_core::Kind;

use crate::crypto::new_token;
use crate::delivery::{self, templates::Notice};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{self, MethodRow, PersonRow, Tx};

/// How long a "This wasn't me" link works.
pub const FREEZE_LINK_DAYS: i64 = 7;

/// Queues `notice` to every address of `person`, plus those of `gone` (methods just removed,
/// whose owners must hear of it too). Call it inside the transaction that makes it true.
pub async fn send(
    tx: &mut Tx,
    st: &AppState,
    person: &PersonRow,
    notice: Notice<'_>,
    gone: &[MethodRow],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let methods = store::methods::of_person(&mut **tx, &person.id).await?;
    // (address, whether it is still the person's): a removed address hears of the change but
    // gets no link, since whoever holds it now could freeze the account with it.
    let mut emails = vec![(person.email.to_lowercase(), true)];
    let mut phones = Vec::new();
    for (m, current) in methods
        .iter()
        .map(|m| (m, true))
        .chain(gone.iter().map(|m| (m, false)))
    {
        match (m.kind, &m.address) {
            (Kind::Email, Some(a)) => emails.push((a.to_lowercase(), current)),
            (Kind::Sms, Some(a)) => phones.push((a.clone(), current)),
            _ => {}
        }
    }
    // One message per address; an address still on the account keeps its link.
    for list in [&mut emails, &mut phones] {
        list.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        list.dedup_by(|a, b| a.0 == b.0);
    }
    // One link for this notice, on every current address; only its hash is kept.
    let (token, hash) = new_token();
    let expires = now + Duration::days(FREEZE_LINK_DAYS);
    store::freeze_tokens::insert(&mut **tx, &hash, &person.id, now, expires).await?;
    let link = format!("{}/freeze/{}", st.public_url(), token.as_str());
    // In the person's language.
    let (locale, subjects) = (person.locale, st.cfg.subjects(person.locale));
    for (e, current) in &emails {
        let msg = notice
            .email(&subjects, e, locale, current.then_some(link.as_str()))
            .for_person(&person.id);
        delivery::queue(tx, now, &msg).await?;
    }
    for (p, current) in &phones {
        let msg = notice
            .text(p, locale, current.then_some(link.as_str()))
            .for_person(&person.id);
        delivery::queue(tx, now, &msg).await?;
    }
    Ok(())
}
