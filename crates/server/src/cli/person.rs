//! `person add|disable|enable|reset`: the operator's own hand on accounts, for a center without
//! a desktop administrator (or before its first).

use std::io::Read;
use std::sync::Arc;

use twostep_core::Role;
use twostep_server::operate::{self, NewAccount};
use twostep_server::{ApiError, AppState, SystemClock};
use zeroize::Zeroizing;

use super::{load, Common, PersonCommand};

pub async fn run(command: PersonCommand) -> anyhow::Result<()> {
    match command {
        PersonCommand::Add {
            common,
            center,
            email,
            name,
            roles,
            shared,
            locale,
            password_stdin: _,
            invite,
        } => {
            let roles: Vec<Role> = roles.into_iter().map(Role::from).collect();
            let who = Who {
                center: &center,
                email: &email,
                name: &name,
                roles: &roles,
                shared,
                locale: locale.into(),
            };
            add(&common, who, invite).await
        }
        PersonCommand::Disable { common, email } => {
            on_person(&common, &email, Change::Disable).await
        }
        PersonCommand::Enable { common, email } => on_person(&common, &email, Change::Enable).await,
        PersonCommand::Reset { common, email } => on_person(&common, &email, Change::Reset).await,
    }
}

/// Who `person add` adds.
struct Who<'a> {
    center: &'a str,
    email: &'a str,
    name: &'a str,
    roles: &'a [Role],
    shared: bool,
    locale: twostep_core::Locale,
}

/// `person add`: the password is read from standard input (never an argument, which other
/// users of the machine can see), and judged by the one rule every new password meets
/// (`twostep_core::password`), as an administrator's `POST /admin/people` is. With `--invite`,
/// no password: the person is emailed an invitation to choose their own.
async fn add(common: &Common, who: Who<'_>, invite: bool) -> anyhow::Result<()> {
    let Who {
        center,
        email,
        name,
        roles,
        shared,
        locale,
    } = who;
    let password = if invite {
        None
    } else {
        let mut password = Zeroizing::new(String::new());
        std::io::stdin().read_to_string(&mut password)?;
        Some(Zeroizing::new(
            password.trim_end_matches(['\r', '\n']).to_owned(),
        ))
    };
    let st = state(common).await?;
    let account = NewAccount {
        email,
        name,
        roles,
        shared,
        password,
        locale,
    };
    let added = operate::add_to_center_named(&st, center, account)
        .await
        .map_err(|e| match e {
            ApiError::EmailTaken => anyhow::anyhow!("{email} already has an account"),
            other => anyhow::anyhow!("{other}"),
        })?;
    if invite {
        println!(
            "Added {email} ({}) to {center}, and emailed them an invitation.",
            added.id
        );
    } else {
        println!("Added {email} ({}) to {center}.", added.id);
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Change {
    Disable,
    Enable,
    Reset,
}

/// `person disable|enable|reset --email E`.
async fn on_person(common: &Common, email: &str, what: Change) -> anyhow::Result<()> {
    let st = state(common).await?;
    let person = operate::person_by_email(&st, email)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("no one signs in with {email}"))?;
    let done = match what {
        Change::Disable => operate::set_disabled_of(&st, &person, true, None).await,
        Change::Enable => operate::set_disabled_of(&st, &person, false, None).await,
        Change::Reset => operate::reset_person(&st, &person, None).await,
    };
    done.map_err(|e| anyhow::anyhow!("{e}"))?;
    st.courier.stop();
    println!(
        "{email}: {}",
        match what {
            Change::Disable => "disabled (signed out everywhere)",
            Change::Enable => "enabled",
            // The notices wait in the outbox, sent by the server as it runs.
            Change::Reset => "2-Step Verification reset (they will be told)",
        }
    );
    Ok(())
}

async fn state(common: &Common) -> anyhow::Result<AppState> {
    twostep_server::build_state(load(common)?, Arc::new(SystemClock)).await
}
