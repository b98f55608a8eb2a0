//! Administration: people, 2-Step Verification reset, the center's policy, the audit trail.
//! Every call is confined to the administrator's own center.

use sqlx::FromRow;
use twostep_api as api;
use twostep_core::address::Email;
use twostep_core::Role;
use zeroize::Zeroizing;

use crate::auth::Principal;
use crate::clock::{from_ms, to_ms};
use crate::delivery::templates::Notice;
use crate::error::ApiError;
use crate::notices;
use crate::state::AppState;
use crate::store::{
    self, join_list, kind_from_api, kind_to_api, new_id, role_from_api, AuditAction, Event,
    PersonRow,
};

fn require_admin(p: &Principal) -> Result<&PersonRow, ApiError> {
    if p.person.is_admin() {
        Ok(&p.person)
    } else {
        Err(ApiError::Forbidden)
    }
}

async fn person_in_center(
    st: &AppState,
    admin: &PersonRow,
    id: &str,
) -> Result<PersonRow, ApiError> {
    store::person_by_id(&st.db, id)
        .await?
        .filter(|p| p.center_id == admin.center_id)
        .ok_or(ApiError::NotFound("That person"))
}

pub async fn list_people(
    st: &AppState,
    p: &Principal,
    q: api::PeopleQuery,
) -> Result<api::People, ApiError> {
    let admin = require_admin(p)?;
    let needle = q
        .query
        .as_deref()
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    let mut people = Vec::new();
    for row in store::people_of_center(&st.db, &admin.center_id).await? {
        if !needle.is_empty()
            && !row.name.to_lowercase().contains(&needle)
            && !row.email.to_lowercase().contains(&needle)
        {
            continue;
        }
        if let Some(role) = q.role {
            if !row.roles().contains(&role_from_api(role)) {
                continue;
            }
        }
        let view = store::person_view(&st.db, &row).await?;
        match q.two_step {
            Some(api::TwoStepFilter::Enrolled) if !view.two_step.enabled => continue,
            Some(api::TwoStepFilter::NotEnrolled) if view.two_step.enabled => continue,
            _ => people.push(view),
        }
    }
    Ok(api::People { people })
}

pub async fn get_person(st: &AppState, p: &Principal, id: &str) -> Result<api::Person, ApiError> {
    let admin = require_admin(p)?;
    let person = person_in_center(st, admin, id).await?;
    store::person_view(&st.db, &person).await
}

pub async fn create_person(
    st: &AppState,
    p: &Principal,
    req: api::NewPerson,
) -> Result<api::Person, ApiError> {
    let admin = require_admin(p)?;
    let email = Email::parse(&req.email)?;
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::Invalid(
            "invalid_name",
            "Enter the person's name (up to 200 characters).".into(),
        ));
    }
    let mut roles: Vec<Role> = req.roles.into_iter().map(role_from_api).collect();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(ApiError::Invalid(
            "invalid_roles",
            "Choose at least one role: staff, guardian or admin.".into(),
        ));
    }
    let password = Zeroizing::new(req.password);
    let len = password.chars().count();
    if !(10..=256).contains(&len) {
        return Err(ApiError::Invalid(
            "weak_password",
            "Choose a password of at least 10 characters.".into(),
        ));
    }
    let hash = st.passwords.admit()?.hash(password).await?;
    let id = new_id();
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let r = sqlx::query("INSERT INTO people (id, center_id, email, name, roles, shared, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(&admin.center_id)
        .bind(email.as_str())
        .bind(&name)
        .bind(join_list(&roles))
        .bind(req.shared.unwrap_or(false))
        .bind(&hash)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await;
    match r {
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            return Err(ApiError::EmailTaken)
        }
        other => {
            other?;
        }
    }
    Event::new(AuditAction::PersonAdded)
        .center(Some(&admin.center_id))
        .by(&admin.id)
        .person(Some(&id))
        .detail(&join_list(&roles))
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    let row = store::person_by_id(&st.db, &id)
        .await?
        .ok_or_else(|| ApiError::internal("person vanished"))?;
    store::person_view(&st.db, &row).await
}

/// Removes every method, pending code and session of the person; they must set up again at
/// their next sign-in, with no skip.
pub async fn reset(st: &AppState, p: &Principal, id: &str) -> Result<api::Person, ApiError> {
    let admin = require_admin(p)?;
    let person = person_in_center(st, admin, id).await?;
    let now = st.now();
    let mut tx = st.db.begin().await?;
    // Every address the person had hears of the reset, the removed methods' included. (The
    // DELETE comes first: a transaction that reads first cannot wait for SQLite's write lock.)
    let methods = store::methods::delete_all_of(&mut *tx, &person.id).await?;
    for table in ["enrollments", "challenges", "tokens"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE person_id = ?"))
            .bind(&person.id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE people SET setup_skips_left = 0, preferred_method_id = NULL WHERE id = ?")
        .bind(&person.id)
        .execute(&mut *tx)
        .await?;
    store::people::second_step_passed(&mut *tx, &person.id).await?;
    notices::send(
        &mut tx,
        &st.cfg.subjects(),
        &person,
        Notice::Reset,
        &methods,
        now,
    )
    .await?;
    Event::about(&person, AuditAction::TwoStepReset)
        .by(&admin.id)
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    st.courier.wake();
    let row = store::person_by_id(&st.db, &person.id)
        .await?
        .ok_or(ApiError::NotFound("That person"))?;
    store::person_view(&st.db, &row).await
}

pub async fn get_policy(st: &AppState, p: &Principal) -> Result<api::Policy, ApiError> {
    let admin = require_admin(p)?;
    let kinds = store::allowed_kinds(&st.db, &admin.center_id).await?;
    Ok(api::Policy {
        allowed_kinds: kinds.into_iter().map(kind_to_api).collect(),
    })
}

pub async fn put_policy(
    st: &AppState,
    p: &Principal,
    req: api::Policy,
) -> Result<api::Policy, ApiError> {
    let admin = require_admin(p)?;
    let mut kinds: Vec<_> = req.allowed_kinds.into_iter().map(kind_from_api).collect();
    kinds.sort();
    kinds.dedup();
    if kinds.is_empty() {
        return Err(ApiError::Invalid(
            "empty_policy",
            "Allow at least one verification method.".into(),
        ));
    }
    let now = st.now();
    let mut tx = st.db.begin().await?;
    sqlx::query("UPDATE centers SET allowed_kinds = ? WHERE id = ?")
        .bind(join_list(&kinds))
        .bind(&admin.center_id)
        .execute(&mut *tx)
        .await?;
    Event::new(AuditAction::PolicyChanged)
        .center(Some(&admin.center_id))
        .by(&admin.id)
        .detail(&join_list(&kinds))
        .record(&mut *tx, now)
        .await?;
    tx.commit().await?;
    Ok(api::Policy {
        allowed_kinds: kinds.into_iter().map(kind_to_api).collect(),
    })
}

#[derive(FromRow)]
struct AuditRow {
    at: i64,
    actor_id: Option<String>,
    person_id: Option<String>,
    action: String,
    detail: String,
}

pub async fn audit_log(
    st: &AppState,
    p: &Principal,
    q: api::AuditQuery,
) -> Result<api::AuditLog, ApiError> {
    let admin = require_admin(p)?;
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT at, actor_id, person_id, action, detail FROM audit \
         WHERE center_id = ? AND (? IS NULL OR person_id = ?) ORDER BY id DESC LIMIT 500",
    )
    .bind(&admin.center_id)
    .bind(&q.person_id)
    .bind(&q.person_id)
    .fetch_all(&st.db)
    .await?;
    Ok(api::AuditLog {
        events: rows
            .into_iter()
            .map(|r| api::AuditEvent {
                at: from_ms(r.at),
                actor_id: r.actor_id,
                person_id: r.person_id,
                action: r.action,
                detail: r.detail,
            })
            .collect(),
    })
}
