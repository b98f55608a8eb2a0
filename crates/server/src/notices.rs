//! Security notices (API.md "Notices"): each goes to the person's sign-in email and to every
//! email and phone they verify with, so that whoever holds any one of them hears of the change.

use chrono::{DateTime, Utc};
use twostep_core::Kind;

use crate::config::Subjects;
use crate::delivery::{self, templates::Notice};
use crate::error::ApiError;
use crate::store::{self, MethodRow, PersonRow};

/// Queues `notice` to every address of `person`, plus those of `gone` (methods just removed,
/// whose owners must hear of it too). Call it inside the transaction that makes it true.
pub async fn send(
    tx: &mut sqlx::AnyConnection,
    subjects: &Subjects,
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
    for e in &emails {
        delivery::queue(
            &mut *tx,
            now,
            &notice.email(subjects, e).for_person(&person.id),
        )
        .await?;
    }
    for p in &phones {
        delivery::queue(&mut *tx, now, &notice.text(p).for_person(&person.id)).await?;
    }
    Ok(())
}
