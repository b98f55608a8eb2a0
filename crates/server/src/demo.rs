//! The demo center of DESIGN.md, and adding people from the command line.

use twostep_core::Role;
use zeroize::Zeroizing;

use crate::clock::to_ms;
use crate::state::AppState;
use crate::store::{join_list, new_id};

pub const CENTER: &str = "Sunny Days Early Learning";

pub struct DemoAccount {
    pub email: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub roles: &'static [Role],
    pub shared: bool,
    /// What the account shows off, for the sign-in screen.
    pub about: &'static str,
}

pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "avery.admin@sunnydays.example",
        password: "demo-admin-pass",
        name: "Avery Admin",
        roles: &[Role::Admin],
        shared: false,
        about: "Administrator: 2-Step Verification required",
    },
    DemoAccount {
        email: "jordan.lee@sunnydays.example",
        password: "demo-staff-pass",
        name: "Jordan Lee",
        roles: &[Role::Staff],
        shared: false,
        about: "Teacher: 2-Step Verification required",
    },
    DemoAccount {
        email: "sam.rivera@sunnydays.example",
        password: "demo-staff-pass",
        name: "Sam Rivera",
        roles: &[Role::Staff],
        shared: false,
        about: "Assistant teacher",
    },
    DemoAccount {
        email: "casey.morgan@sunnydays.example",
        password: "demo-both-pass",
        name: "Casey Morgan",
        roles: &[Role::Staff, Role::Guardian],
        shared: false,
        about: "Staff member and parent",
    },
    DemoAccount {
        email: "riley.parent@family.example",
        password: "demo-family-pass",
        name: "Riley Parent",
        roles: &[Role::Guardian],
        shared: false,
        about: "Parent: 2-Step Verification optional",
    },
    DemoAccount {
        email: "classroom.sunflowers@sunnydays.example",
        password: "demo-classroom-pass",
        name: "Sunflowers Room",
        roles: &[Role::Staff],
        shared: true,
        about: "Shared classroom account",
    },
];

/// Creates the center if missing and returns its id.
pub async fn ensure_center(st: &AppState, name: &str) -> anyhow::Result<String> {
    sqlx::query(
        "INSERT INTO centers (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING",
    )
    .bind(new_id())
    .bind(name)
    .bind(to_ms(st.now()))
    .execute(&st.db)
    .await?;
    Ok(sqlx::query_scalar("SELECT id FROM centers WHERE name = ?")
        .bind(name)
        .fetch_one(&st.db)
        .await?)
}

/// Adds a person; an email already taken is an error.
pub async fn add_person(
    st: &AppState,
    center: &str,
    email: &str,
    name: &str,
    roles: &[Role],
    shared: bool,
    password: Zeroizing<String>,
) -> anyhow::Result<String> {
    let email = twostep_core::address::Email::parse(email)?;
    anyhow::ensure!(!roles.is_empty(), "give at least one --role");
    anyhow::ensure!(!name.trim().is_empty(), "give a --name");
    let center_id = ensure_center(st, center).await?;
    let hash = st
        .passwords
        .admit()
        .map_err(|e| anyhow::anyhow!(e.to_string()))?
        .hash(password)
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let id = new_id();
    sqlx::query("INSERT INTO people (id, center_id, email, name, roles, shared, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(&center_id)
        .bind(email.as_str())
        .bind(name.trim())
        .bind(join_list(roles))
        .bind(shared)
        .bind(hash)
        .bind(to_ms(st.now()))
        .execute(&st.db)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => anyhow::anyhow!("{email} already has an account"),
            other => other.into(),
        })?;
    Ok(id)
}

/// Seeds the demo center once; later calls change nothing. True if it was created now.
pub async fn seed(st: &AppState) -> anyhow::Result<bool> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM centers WHERE name = ?")
        .bind(CENTER)
        .fetch_optional(&st.db)
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    for a in ACCOUNTS {
        add_person(
            st,
            CENTER,
            a.email,
            a.name,
            a.roles,
            a.shared,
            Zeroizing::new(a.password.to_owned()),
        )
        .await?;
    }
    Ok(true)
}
