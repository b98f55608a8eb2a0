//! The command line: what `twostep-server` is asked (clap), and the commands, each in the
//! file of what it is about: serving, people, a center's rollout and policy.

mod center;
mod ops;
mod person;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use twostep_core::{Locale, Role};
use twostep_server::Config;

#[derive(Parser)]
#[command(
    name = "twostep-server",
    version,
    about = "Twostep: 2-Step Verification for a childcare platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Copy the live SQLite database to a new file while the server runs (PostgreSQL: use
    /// pg_dump). Keep the server key with the copy.
    Backup {
        #[command(flatten)]
        common: Common,
        /// The new file to write.
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a backup into a data folder that holds no database yet, only with the server key
    /// it was made with.
    Restore {
        #[command(flatten)]
        common: Common,
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The server key kept with the backup [default: the data folder's server.key, or
        /// key_file]; copied into the data folder if none is there.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Ask a running server whether it is ready (GET /api/v1/ready): exit 0 if it is, 1 with
    /// the reasons if not.
    Ready {
        #[command(flatten)]
        common: Common,
        /// The server's address [default: http:// and the configuration's bind].
        #[arg(long)]
        url: Option<String>,
        /// Keep asking for up to this many seconds until the server answers with its
        /// database reachable and migrated (a stuck outbox is reported, not waited for:
        /// restarting does not unstick mail). For systemd's ExecStartPost.
        #[arg(long)]
        wait: Option<u64>,
    },
}

#[derive(Subcommand)]
pub enum PersonCommand {
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
        /// The first password, read from standard input.
        #[arg(long, required_unless_present = "invite", conflicts_with = "invite")]
        password_stdin: bool,
        /// No password: email the person an invitation to choose their own (72 hours).
        #[arg(long)]
        invite: bool,
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
pub struct Common {
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
pub enum LocaleArg {
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
pub enum RoleArg {
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

impl Cli {
    /// The log's format from the command's configuration; text if it cannot be read (the
    /// command then says why).
    pub fn log_format(&self) -> twostep_server::config::LogFormat {
        let common = match &self.command {
            None => None,
            Some(
                Command::Serve { common, .. }
                | Command::Report { common, .. }
                | Command::Policy { common, .. }
                | Command::Demo { common }
                | Command::Backup { common, .. }
                | Command::Restore { common, .. }
                | Command::Ready { common, .. },
            ) => Some(common),
            Some(Command::Person { command }) => Some(match command {
                PersonCommand::Add { common, .. }
                | PersonCommand::Disable { common, .. }
                | PersonCommand::Enable { common, .. }
                | PersonCommand::Reset { common, .. } => common,
            }),
        };
        let file = common.and_then(|c| c.config.as_deref());
        Config::load(file).map_or_else(|_| Default::default(), |c| c.log_format)
    }
}

pub fn load(common: &Common) -> anyhow::Result<Config> {
    let mut cfg = Config::load(common.config.as_deref())?;
    if let Some(d) = &common.data {
        cfg.data = d.clone();
    }
    if let Some(u) = &common.database_url {
        cfg.database_url = Some(u.clone());
    }
    Ok(cfg)
}

/// Runs what the command line asks (`serve` when it asks nothing).
pub async fn run(cli: Cli) -> anyhow::Result<()> {
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
        } => serve::serve(&common, bind, dev_outbox, demo).await,
        Command::Demo { common } => serve::demo(&common).await,
        Command::Backup { common, to } => ops::backup(&common, &to).await,
        Command::Restore { common, from, key } => {
            ops::restore(&common, &from, key.as_deref()).await
        }
        Command::Ready { common, url, wait } => ops::ready(&common, url, wait).await,
        Command::Person { command } => person::run(command).await,
        Command::Report { common, center } => center::report(&common, &center).await,
        Command::Policy {
            common,
            center,
            reset_approvals,
            guardians_required,
            new_admin_wait_days,
        } => {
            let change = center::PolicyChange {
                reset_approvals,
                guardians_required,
                new_admin_wait_days,
            };
            center::policy(&common, &center, change).await
        }
    }
}
