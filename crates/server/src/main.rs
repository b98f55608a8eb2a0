//! `twostep-server`: serve the API, add people, seed the demo center.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use twostep_core::{Locale, Role};
use twostep_server::accounts::{self, NewAccount};
use twostep_server::{demo, ApiError, Config, SystemClock};
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(
    name = "twostep-server",
    version,
    about = "Twostep: 2-Step Verification for a childcare platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long)]
        bind: Option<SocketAddr>,
        /// Serve GET /api/v1/dev/outbox (loopback only): every message, codes included.
        #[arg(long)]
        dev_outbox: bool,
        /// Seed the demo center if it is not there yet.
        #[arg(long)]
        demo: bool,
    },
    /// Manage people.
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Print how far 2-Step Verification has rolled out in a center, and who must still set
    /// it up.
    Report {
        #[command(flatten)]
        common: Common,
        /// The center's name.
        #[arg(long)]
        center: String,
    },
    /// Show a center's policy, or change how many administrators a reset takes and whether
    /// families must use 2-Step Verification. Only here can two-person resets be turned off.
    Policy {
        #[command(flatten)]
        common: Common,
        /// The center's name.
        #[arg(long)]
        center: String,
        /// 1: one administrator resets; 2: one asks and a different one approves.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=2))]
        reset_approvals: Option<u32>,
        /// Whether families must use 2-Step Verification too.
        #[arg(long)]
        guardians_required: Option<bool>,
        /// Days an administrator added by another administrator waits before taking part in
        /// two-person resets (0 to 90; 7 by default).
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=90))]
        new_admin_wait_days: Option<u32>,
    },
    /// Seed the demo center and print its accounts.
    Demo {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum PersonCommand {
    /// Add a person; the password is read from standard input.
    Add {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        center: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Repeat for several roles.
        #[arg(long = "role", required = true)]
        roles: Vec<RoleArg>,
        /// A shared classroom account (its email is a generic address).
        #[arg(long)]
        shared: bool,
        /// The language of their emails and texts.
        #[arg(long, value_enum, default_value = "en")]
        locale: LocaleArg,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Disable a person: their sessions end and they cannot sign in (2-Step Verification kept).
    Disable {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled person.
    Enable {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        email: String,
    },
    /// Reset a person's 2-Step Verification (methods, sessions and recovery codes go; they are
    /// told; staff set up again at their next sign-in).
    Reset {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        email: String,
    },
}

#[derive(Args)]
struct Common {
    /// A TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The data folder: the database and the server key [default: ./twostep-data].
    #[arg(long)]
    data: Option<PathBuf>,
    /// `postgres://user@host/db` to use PostgreSQL (several servers); default: SQLite in the
    /// data folder.
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LocaleArg {
    En,
    Es,
}

impl From<LocaleArg> for Locale {
    fn from(l: LocaleArg) -> Locale {
        match l {
            LocaleArg::En => Locale::En,
            LocaleArg::Es => Locale::Es,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Staff,
    Guardian,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Staff => Role::Staff,
            RoleArg::Guardian => Role::Guardian,
            RoleArg::Admin => Role::Admin,
        }
    }
}

fn load(common: &Common) -> anyhow::Result<Config> {
    let mut cfg = Config::load(common.config.as_deref())?;
    if let Some(d) = &common.data {
        cfg.data = d.clone();
    }
    if let Some(u) = &common.database_url {
        cfg.database_url = Some(u.clone());
    }
    Ok(cfg)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve {
        common: Common {
            config: None,
            data: None,
            database_url: None,
        },
        bind: None,
        dev_outbox: false,
        demo: false,
    }) {
        Command::Serve {
            common,
            bind,
            dev_outbox,
            demo,
        } => {
            let mut cfg = load(&common)?;
            if let Some(b) = bind {
                cfg.bind = b;
            }
            cfg.dev_outbox |= dev_outbox;
            cfg.demo |= demo;
            if cfg.demo {
                print_demo_accounts();
            }
            twostep_server::serve(cfg).await
        }
        Command::Demo { common } => {
            let st = twostep_server::build_state(load(&common)?, Arc::new(SystemClock)).await?;
            let created = demo::seed(&st).await?;
            println!(
                "{}",
                if created {
                    "Demo center created."
                } else {
                    "The demo center was already there."
                }
            );
            print_demo_accounts();
            Ok(())
        }
        Command::Person {
            command:
                PersonCommand::Add {
                    common,
                    center,
                    email,
                    name,
                    roles,
                    shared,
                    locale,
                    password_stdin: _,
                },
        } => {
            let mut password = Zeroizing::new(String::new());
            std::io::stdin().read_to_string(&mut password)?;
            let password = Zeroizing::new(password.trim_end_matches(['\r', '\n']).to_owned());
            anyhow::ensure!(
                password.chars().count() >= 10,
                "the password must have at least 10 characters"
            );
            let st = twostep_server::build_state(load(&common)?, Arc::new(SystemClock)).await?;
            let roles: Vec<Role> = roles.into_iter().map(Role::from).collect();
            let account = NewAccount {
                email: &email,
                name: &name,
                roles: &roles,
                shared,
                password,
                locale: locale.into(),
            };
            let added = accounts::add_to_center_named(&st, &center, account)
                .await
                .map_err(|e| match e {
                    ApiError::EmailTaken => anyhow::anyhow!("{email} already has an account"),
                    other => anyhow::anyhow!("{other}"),
                })?;
            println!("Added {email} ({}) to {center}.", added.id);
            Ok(())
        }
        Command::Report { common, center } => {
            let st = twostep_server::build_state(load(&common)?, Arc::new(SystemClock)).await?;
            let id = center_id(&st, &center).await?;
            let report = twostep_server::rollout::report_of(&st, &id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            st.courier.stop();
            print!("{}", twostep_server::rollout::as_text(&center, &report));
            Ok(())
        }
        Command::Policy {
            common,
            center,
            reset_approvals,
            guardians_required,
            new_admin_wait_days,
        } => {
            let st = twostep_server::build_state(load(&common)?, Arc::new(SystemClock)).await?;
            let id = center_id(&st, &center).await?;
            let err = |e: ApiError| anyhow::anyhow!("{e}");
            let mut policy = twostep_server::admin::policy_of(&st, &id)
                .await
                .map_err(err)?;
            if reset_approvals.is_some()
                || guardians_required.is_some()
                || new_admin_wait_days.is_some()
            {
                policy.reset_approvals = reset_approvals;
                policy.guardians_required = guardians_required;
                policy.new_admin_wait_days = new_admin_wait_days;
                policy = twostep_server::admin::set_policy_of(&st, &id, policy, None)
                    .await
                    .map_err(err)?;
            }
            st.courier.stop();
            let kinds: Vec<String> = policy
                .allowed_kinds
                .iter()
                .map(|k| format!("{k:?}").to_lowercase())
                .collect();
            println!("{center}");
            println!("Allowed methods: {}", kinds.join(", "));
            println!(
                "Administrators a reset takes: {}",
                policy.reset_approvals.unwrap_or(1)
            );
            println!(
                "Days an administrator added by another waits to count for two-person resets: {}",
                policy.new_admin_wait_days.unwrap_or_default()
            );
            println!(
                "Families must use 2-Step Verification: {}",
                if policy.guardians_required == Some(true) {
                    "yes"
                } else {
                    "no"
                }
            );
            Ok(())
        }
        Command::Person {
            command: PersonCommand::Disable { common, email },
        } => operate(&common, &email, Operation::Disable).await,
        Command::Person {
            command: PersonCommand::Enable { common, email },
        } => operate(&common, &email, Operation::Enable).await,
        Command::Person {
            command: PersonCommand::Reset { common, email },
        } => operate(&common, &email, Operation::Reset).await,
    }
}

/// `person disable|enable|reset --email E`, for a center without a desktop administrator.
async fn operate(common: &Common, email: &str, what: Operation) -> anyhow::Result<()> {
    let st = twostep_server::build_state(load(common)?, Arc::new(SystemClock)).await?;
    let person =
        twostep_server::store::people::by_email(st.db.read(), &email.trim().to_lowercase())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .ok_or_else(|| anyhow::anyhow!("no one signs in with {email}"))?;
    let done = match what {
        Operation::Disable => {
            twostep_server::admin::set_disabled_of(&st, &person, true, None).await
        }
        Operation::Enable => {
            twostep_server::admin::set_disabled_of(&st, &person, false, None).await
        }
        Operation::Reset => twostep_server::resets::reset_person(&st, &person, None).await,
    };
    done.map_err(|e| anyhow::anyhow!("{e}"))?;
    st.courier.stop();
    println!(
        "{email}: {}",
        match what {
            Operation::Disable => "disabled (signed out everywhere)",
            Operation::Enable => "enabled",
            // The notices wait in the outbox, sent by the server as it runs.
            Operation::Reset => "2-Step Verification reset (they will be told)",
        }
    );
    Ok(())
}

async fn center_id(st: &twostep_server::AppState, name: &str) -> anyhow::Result<String> {
    twostep_server::store::centers::id_by_name(st.db.read(), name)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("there is no center named {name}"))
}

#[derive(Clone, Copy)]
enum Operation {
    Disable,
    Enable,
    Reset,
}

fn print_demo_accounts() {
    println!("Demo center: {}", demo::CENTER);
    for a in demo::ACCOUNTS {
        println!("  {:<42} {:<22} {}", a.email, a.password, a.about);
    }
}
