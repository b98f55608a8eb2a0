//! The demo center of DESIGN.md.

use twostep_core::{Locale, Role};
use zeroize::Zeroizing;

use crate::operate::{self, NewAccount};
use crate::state::AppState;
use crate::store;

pub const CENTER: &str = "Sunny Days Early Learning";

pub struct DemoAccount {
    pub email: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub roles: &'static [Role],
    pub shared: bool,
    /// The language of their emails and texts (and of the app once signed in).
    pub locale: Locale,
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
        locale: Locale::En,
        about: "Administrator: 2-Step Verification required",
    },
    DemoAccount {
        email: "jordan.lee@sunnydays.example",
        password: "demo-staff-pass",
        name: "Jordan Lee",
        roles: &[Role::Staff],
        shared: false,
        locale: Locale::En,
        about: "Teacher: 2-Step Verification required",
    },
    DemoAccount {
        email: "sam.rivera@sunnydays.example",
        password: "demo-staff-pass",
        name: "Sam Rivera",
        roles: &[Role::Staff],
        shared: false,
        locale: Locale::En,
        about: "Assistant teacher",
    },
    DemoAccount {
        email: "casey.morgan@sunnydays.example",
        password: "demo-both-pass",
        name: "Casey Morgan",
        roles: &[Role::Staff, Role::Guardian],
        shared: false,
        locale: Locale::En,
        about: "Staff member and parent",
    },
    DemoAccount {
        email: "riley.parent@family.example",
        password: "demo-family-pass",
        name: "Riley Parent",
        roles: &[Role::Guardian],
        shared: false,
        locale: Locale::En,
        about: "Parent: 2-Step Verification optional",
    },
    DemoAccount {
        email: "marisol.ortega@family.example",
        password: "demo-familia-pass",
        name: "Marisol Ortega",
        roles: &[Role::Guardian],
        shared: false,
        locale: Locale::Es,
        about: "Madre: mensajes en español",
    },
    DemoAccount {
        email: "classroom.sunflowers@sunnydays.example",
        password: "demo-classroom-pass",
        name: "Sunflowers Room",
        roles: &[Role::Staff],
        shared: true,
        locale: Locale::En,
        about: "Shared classroom account",
    },
];

/// Seeds the demo center once; later calls change nothing. True if it was created now.
pub async fn seed(st: &AppState) -> anyhow::Result<bool> {
    if store::centers::id_by_name(st.db.read(), CENTER)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    for a in ACCOUNTS {
        let account = NewAccount {
            email: a.email,
            name: a.name,
            roles: a.roles,
            shared: a.shared,
            password: Some(Zeroizing::new(a.password.to_owned())),
            locale: a.locale,
        };
        match operate::add_to_center_named(st, CENTER, account).await {
            // Another server seeding the same database at the same moment.
            Ok(_) | Err(crate::error::ApiError::EmailTaken) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}
