//! Adding people: one path for an administrator, the command line and the demo center. The
//! rules for a new account (a valid email, a name, at least one role, a password not easy to guess)
//! live here once.

use twostep_core::address::Email;
use twostep_core::{Locale, Role};
use zeroize::Zeroizing;

use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::people::{self, NewPerson};
use crate::store::{self, centers, new_id, AuditAction, Event, PersonRow, Tx};

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub roles: &'a [Role],
    /// A generic classroom account (its email is a generic address).
    pub shared: bool,
    /// The first password; none to email an invitation to choose one (`invitations`).
    pub password: Option<Zeroizing<String>>,
    /// The language of their emails and texts.
    pub locale: Locale,
}

/// Adds a person to a center. `actor`: the administrator who did it, if one did.
pub async fn add(
    st: &AppState,
    center_id: &str,
    a: NewAccount<'_>,
    actor: Option<&str>,
) -> Result<PersonRow, ApiError> {
    let email = Email::parse(a.email)?;
    let name = a.name.trim();
    // (No control characters: the name goes into notices, such as the one that tells every
    // administrator who was made one.)
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::Invalid(
            "invalid_name",
            "Enter the person's name (up to 200 characters).".into(),
        ));
    }
    let mut roles = a.roles.to_vec();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(ApiError::Invalid(
            "invalid_roles",
            "Choose at least one role: staff, guardian or admin.".into(),
        ));
    }
    // The same rule as a person's own change of password (8 to 128 characters, not the
    // email, not easy to guess). An invited person's account has a password nobody knows
    // until they choose theirs.
    let invited = a.password.is_none();
    let password = match a.password {
        Some(p) => {
            twostep_core::password::check(&p, a.email, a.name).map_err(ApiError::WeakPassword)?;
            p
        }
        None => crate::crypto::new_token().0,
    };
    let hash = st.passwords.admit()?.hash(password).await?;
    let id = new_id();
    let now = st.now();
    let mut tx = st.db.begin().await?;
    people::insert(
        &mut *tx,
        &NewPerson {
            id: &id,
            center_id,
            email: email.as_str(),
            name,
            roles: &roles,
            shared: a.shared,
            password_hash: &hash,
            locale: a.locale,
            created_by: actor,
        },
        now,
    )
    .await?;
    let mut event = Event::new(AuditAction::PersonAdded)
        .center(Some(center_id))
        .person(Some(&id));
    if let Some(actor) = actor {
        event = event.by(actor);
    }
    event
        .detail(&store::join_list(&roles))
        .record(&mut *tx, now)
        .await?;
    if roles.contains(&Role::Admin) {
        tell_administrators(&mut tx, st, center_id, &id, actor).await?;
    }
    if invited {
        let person = people::by_id(&mut *tx, &id)
            .await?
            .ok_or_else(|| ApiError::internal("a person vanished after being added"))?;
        crate::admin::invitations::send(&mut tx, st, &person, actor).await?;
    } else if actor.is_some() {
        // A password an administrator chose is theirs too: the person chooses their own at the
        // first sign-in (409 `password_change_required`).
        people::set_must_change_password(&mut *tx, &id, true).await?;
    }
    tx.commit().await?;
    people::by_id(st.db.read(), &id)
        .await?
        .ok_or_else(|| ApiError::internal("a person vanished after being added"))
}

/// Every other administrator of the center hears that `new_id` was made one, and by whom: an
/// administrator account taken over must not be able to make a second one quietly.
async fn tell_administrators(
    tx: &mut Tx,
    st: &AppState,
    center_id: &str,
    new_id: &str,
    actor: Option<&str>,
) -> Result<(), ApiError> {
    let now = st.now();
    let people = people::of_center(&mut **tx, center_id).await?;
    let name_of = |id: &str| {
        people
            .iter()
            .find(|p| p.id == id)
            .map(|p| format!("{} ({})", p.name, p.email))
    };
    let who = name_of(new_id).unwrap_or_default();
    // Empty: the operator, worded in each administrator's language.
    let by = actor.and_then(name_of).unwrap_or_default();
    let center = centers::get(&mut **tx, center_id).await?.name;
    let when = now.format("%Y-%m-%d %H:%M UTC").to_string();
    let notice = Notice::AdminAdded {
        who: &who,
        by: &by,
        center: &center,
        when: &when,
    };
    for admin in people.iter().filter(|p| p.is_admin() && p.id != new_id) {
        notices::send(tx, st, admin, notice, &[], now).await?;
    }
    Ok(())
}

/// Adds a person to the center named `center`, creating the center if there is none.
pub async fn add_to_center_named(
    st: &AppState,
    center: &str,
    a: NewAccount<'_>,
) -> Result<PersonRow, ApiError> {
    let center_id = centers::ensure(st.db.write(), center, st.now()).await?;
    add(st, &center_id, a, None).await
}
