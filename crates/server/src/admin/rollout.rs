//! The rollout of 2-Step Verification in a center: the administrator's report of who has
//! enrolled, and reminders to those who must and have not.

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;
use twostep_api as api;
use twostep_core::{Kind, Role};

use crate::auth::Principal;
use crate::auth::{require_admin, require_admin_write};
use crate::delivery::{self, templates};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::centers::{Center, Policy};
use crate::store::{self, kind_to_api, role_to_api, AuditAction, Event, PersonRow};

/// A person gets at most one reminder in this long.
pub const REMINDER_EVERY_HOURS: i64 = 24;

/// Whether the person must use 2-Step Verification and has not set it up: the people a
/// reminder is for. A disabled account is out of the rollout until enabled.
fn must_enroll(policy: &Policy, p: &PersonRow, methods: usize) -> bool {
    policy.requires(&p.roles) && methods == 0 && !p.disabled
}

/// How many methods each person has, from the center's `(person, kind)` pairs
/// (`store::methods::kinds_in_center`).
pub(crate) fn methods_per_person(all: &[(String, Kind)]) -> HashMap<&str, usize> {
    let mut methods = HashMap::new();
    for (person, _) in all {
        *methods.entry(person.as_str()).or_default() += 1;
    }
    methods
}

/// How many people have methods, none of a kind their roles may sign in with: below their
/// role's floor (or holding only kinds the center switched off), they are sent to setup at
/// their next sign-in. Disabled accounts are out of the rollout.
fn below_floor(policy: &Policy, people: &[PersonRow], all: &[(String, Kind)]) -> u32 {
    let mut held: HashMap<&str, Vec<Kind>> = HashMap::new();
    for (person, kind) in all {
        held.entry(person.as_str()).or_default().push(*kind);
    }
    let below = people.iter().filter(|p| {
        let kinds = held
            .get(p.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let admitted = policy.allowed_for(&p.roles);
        !p.disabled && !kinds.is_empty() && !kinds.iter().any(|k| admitted.contains(k))
    });
    u32::try_from(below.count()).unwrap_or(u32::MAX)
}

/// The counts of the report, from the center's people and how many methods each has.
fn tally(
    policy: &Policy,
    people: &[PersonRow],
    methods: &HashMap<&str, usize>,
    kinds: &[Kind],
) -> api::Report {
    let mut by_role: BTreeMap<api::Role, u32> = [Role::Staff, Role::Guardian, Role::Admin]
        .into_iter()
        .map(|r| (role_to_api(r), 0))
        .collect();
    let mut enrolled_by_role = by_role.clone();
    let mut by_kind: BTreeMap<api::Kind, u32> =
        Kind::ALL.into_iter().map(|k| (kind_to_api(k), 0)).collect();
    for k in kinds {
        *by_kind.entry(kind_to_api(*k)).or_default() += 1;
    }
    let mut r = api::Report {
        people: 0,
        by_role: BTreeMap::new(),
        enrolled: 0,
        enrolled_by_role: BTreeMap::new(),
        not_enrolled: 0,
        skipped_once: 0,
        required_not_enrolled: Vec::new(),
        by_kind: BTreeMap::new(),
        frozen: 0,
        disabled: 0,
        below_floor: 0,
    };
    for p in people {
        let n = methods.get(p.id.as_str()).copied().unwrap_or(0);
        r.people += 1;
        for role in &p.roles {
            *by_role.entry(role_to_api(*role)).or_default() += 1;
        }
        if n > 0 {
            r.enrolled += 1;
            for role in &p.roles {
                *enrolled_by_role.entry(role_to_api(*role)).or_default() += 1;
            }
        } else {
            r.not_enrolled += 1;
            // No method and no skip left: the skip was used (or a reset took it), so their
            // next sign-in requires setup.
            if policy.requires(&p.roles) && p.setup_skips_left == 0 {
                r.skipped_once += 1;
            }
        }
        r.frozen += u32::from(p.frozen);
        r.disabled += u32::from(p.disabled);
    }
    r.by_role = by_role;
    r.enrolled_by_role = enrolled_by_role;
    r.by_kind = by_kind;
    r
}

/// The report of the center (`GET /admin/report`, and `twostep-server report`).
pub async fn report_of(st: &AppState, center_id: &str) -> Result<api::Report, ApiError> {
    let center = store::centers::get(st.db.read(), center_id).await?;
    let people = store::people::of_center(st.db.read(), center_id).await?;
    let all = store::methods::kinds_in_center(st.db.read(), center_id).await?;
    let methods = methods_per_person(&all);
    let kinds: Vec<Kind> = all.iter().map(|(_, k)| *k).collect();
    let mut report = tally(&center.policy, &people, &methods, &kinds);
    report.below_floor = below_floor(&center.policy, &people, &all);
    for p in &people {
        if must_enroll(
            &center.policy,
            p,
            methods.get(p.id.as_str()).copied().unwrap_or(0),
        ) {
            report
                .required_not_enrolled
                .push(store::person_view_in(&st.db, p, &center).await?);
        }
    }
    Ok(report)
}

/// `GET /admin/report`.
pub async fn report(st: &AppState, p: &Principal) -> Result<api::Report, ApiError> {
    let admin = require_admin(p)?;
    report_of(st, &admin.center_id).await
}

/// `POST /admin/reminders`: an email, in their language, to every person who must use 2-Step
/// Verification and has no method, unless they were reminded in the last day (or cannot sign
/// in: frozen). Each person's day is claimed in one conditional write, so two administrators
/// pressing at once send one reminder each.
pub async fn remind(st: &AppState, p: &Principal) -> Result<api::RemindersSent, ApiError> {
    let admin = require_admin_write(st, p)?;
    let now = st.now();
    let since = now - Duration::hours(REMINDER_EVERY_HOURS);
    let center: Center = store::centers::get(st.db.read(), &admin.center_id).await?;
    let people = store::people::of_center(st.db.read(), &admin.center_id).await?;
    let all = store::methods::kinds_in_center(st.db.read(), &admin.center_id).await?;
    let enrolled = methods_per_person(&all);
    let due: Vec<&PersonRow> = people
        .iter()
        .filter(|p| {
            let n = enrolled.get(p.id.as_str()).copied().unwrap_or(0);
            must_enroll(&center.policy, p, n) && !p.frozen
        })
        .collect();
    let mut sent = 0u32;
    let mut tx = st.db.begin().await?;
    for person in due {
        if !store::people::claim_reminder(&mut *tx, &person.id, now, since).await? {
            continue;
        }
        let subjects = st.cfg.subjects(person.locale);
        let msg = templates::reminder(&subjects, &person.email, &center.name, person.locale)
            .for_person(&person.id);
        delivery::queue(&mut tx, now, &msg).await?;
        Event::about(person, AuditAction::ReminderSent)
            .by(&admin.id)
            .record(&mut *tx, now)
            .await?;
        sent += 1;
    }
    if sent > 0 {
        Event::new(AuditAction::RemindersSent)
            .center(Some(&admin.center_id))
            .by(&admin.id)
            .detail(&sent.to_string())
            .record(&mut *tx, now)
            .await?;
    }
    tx.commit().await?;
    Ok(api::RemindersSent { sent })
}

/// The report as an operator reads it at the command line.
pub fn as_text(center: &str, r: &api::Report) -> String {
    use std::fmt::Write;
    let pct = |n: u32| {
        (u64::from(n) * 100)
            .checked_div(u64::from(r.people))
            .unwrap_or(0)
    };
    let role = |k: &api::Role| match k {
        api::Role::Staff => "staff",
        api::Role::Guardian => "family",
        api::Role::Admin => "administrators",
    };
    let kind = |k: &api::Kind| match k {
        api::Kind::Totp => "authenticator app",
        api::Kind::Email => "email",
        api::Kind::Sms => "text message",
        api::Kind::Passkey => "passkey",
    };
    let join = |parts: Vec<String>| parts.join(", ");
    let mut out = String::new();
    let _ = writeln!(out, "2-Step Verification at {center}");
    let _ = writeln!(
        out,
        "People: {} ({})",
        r.people,
        join(
            r.by_role
                .iter()
                .map(|(k, n)| format!("{} {n}", role(k)))
                .collect()
        )
    );
    let _ = writeln!(out, "Enrolled: {} ({}%)", r.enrolled, pct(r.enrolled));
    let _ = writeln!(out, "Not enrolled: {}", r.not_enrolled);
    let _ = writeln!(out, "Skipped setup once: {}", r.skipped_once);
    let _ = writeln!(out, "Frozen: {}", r.frozen);
    let _ = writeln!(out, "Disabled: {}", r.disabled);
    let _ = writeln!(out, "Below their role's floor: {}", r.below_floor);
    let _ = writeln!(
        out,
        "Methods: {}",
        join(
            r.by_kind
                .iter()
                .map(|(k, n)| format!("{} {n}", kind(k)))
                .collect()
        )
    );
    let _ = writeln!(
        out,
        "Must set up 2-Step Verification and have not: {}",
        r.required_not_enrolled.len()
    );
    for p in &r.required_not_enrolled {
        let _ = writeln!(out, "  {} <{}>", p.name, p.email);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use twostep_core::policy::ResetApprovals;

    fn person(id: &str, roles: &[Role], skips: u32) -> PersonRow {
        PersonRow {
            id: id.into(),
            center_id: "c".into(),
            email: format!("{id}@example.org"),
            name: id.into(),
            roles: roles.to_vec(),
            shared: false,
            password_hash: String::new(),
            setup_skips_left: skips,
            preferred_method_id: None,
            failed_second_steps: 0,
            second_step_locked_until: None,
            locale: Default::default(),
            frozen: false,
            disabled: false,
            created_at: chrono::DateTime::UNIX_EPOCH,
            created_by: None,
            must_change_password: false,
        }
    }

    fn policy(guardians_required: bool) -> Policy {
        Policy {
            allowed: Kind::ALL.to_vec(),
            reset_approvals: ResetApprovals::One,
            guardians_required,
            passkey_sign_in: true,
            floors: Default::default(),
            time_zone: chrono_tz::Tz::UTC,
            passes_per_month: 3,
        }
    }

    #[test]
    fn counts_each_state_once() {
        let mut frozen = person("f", &[Role::Staff], 1);
        frozen.frozen = true;
        let mut disabled = person("d", &[Role::Staff], 1);
        disabled.disabled = true;
        let people = vec![
            person("enrolled", &[Role::Staff, Role::Guardian], 1),
            person("skipped", &[Role::Staff], 0),
            person("parent", &[Role::Guardian], 1),
            person("boss", &[Role::Admin], 1),
            frozen,
            disabled,
        ];
        let methods = HashMap::from([("enrolled", 2)]);
        let r = tally(&policy(false), &people, &methods, &[Kind::Totp, Kind::Sms]);
        assert_eq!(r.people, 6);
        assert_eq!(r.by_role[&api::Role::Staff], 4);
        assert_eq!(r.by_role[&api::Role::Guardian], 2);
        assert_eq!(r.by_role[&api::Role::Admin], 1);
        assert_eq!((r.enrolled, r.not_enrolled, r.skipped_once), (1, 5, 1));
        assert_eq!(r.enrolled_by_role[&api::Role::Staff], 1);
        assert_eq!(r.enrolled_by_role[&api::Role::Guardian], 1);
        assert_eq!(r.enrolled_by_role[&api::Role::Admin], 0);
        assert_eq!((r.frozen, r.disabled), (1, 1));
        assert_eq!(r.by_kind[&api::Kind::Email], 0);
        assert_eq!(r.by_kind[&api::Kind::Sms], 1);
    }

    #[test]
    fn below_the_floor_is_having_methods_none_of_which_the_roles_admit() {
        let mut p = policy(false);
        p.floors.admin = twostep_core::policy::MinMethod::Passkey;
        p.floors.staff = twostep_core::policy::MinMethod::Authenticator;
        let mut gone = person("gone", &[Role::Admin], 0);
        gone.disabled = true;
        let people = vec![
            person("boss", &[Role::Admin], 0),
            person("boss-with-passkey", &[Role::Admin], 0),
            person("teacher", &[Role::Staff], 1),
            person("teacher-app", &[Role::Staff], 1),
            person("parent", &[Role::Guardian], 1),
            person("nobody", &[Role::Admin], 0),
            gone,
        ];
        let all: Vec<(String, Kind)> = [
            ("boss", Kind::Totp),
            ("boss-with-passkey", Kind::Email),
            ("boss-with-passkey", Kind::Passkey),
            ("teacher", Kind::Sms),
            ("teacher-app", Kind::Totp),
            ("parent", Kind::Email),
            ("gone", Kind::Email),
        ]
        .into_iter()
        .map(|(id, k)| (id.to_owned(), k))
        .collect();
        // The administrator with an app and the teacher with a phone: below. Someone with no
        // method at all is not enrolled, not below; a disabled account is not counted.
        assert_eq!(below_floor(&p, &people, &all), 2);
        // A kind switched off is as a floor: the parent's email no longer signs in either.
        p.allowed = vec![Kind::Totp, Kind::Sms, Kind::Passkey];
        assert_eq!(below_floor(&p, &people, &all), 3);
        assert_eq!(below_floor(&policy(false), &people, &all), 0);
    }

    #[test]
    fn only_who_must_and_has_not_enrolls() {
        let p = policy(false);
        assert!(must_enroll(&p, &person("s", &[Role::Staff], 1), 0));
        assert!(!must_enroll(&p, &person("s", &[Role::Staff], 1), 1));
        assert!(!must_enroll(&p, &person("g", &[Role::Guardian], 1), 0));
        assert!(must_enroll(
            &policy(true),
            &person("g", &[Role::Guardian], 1),
            0
        ));
        let mut gone = person("s", &[Role::Staff], 1);
        gone.disabled = true;
        assert!(!must_enroll(&p, &gone, 0));
    }
}
