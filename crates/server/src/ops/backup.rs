//! `twostep-server backup` and `restore`: a consistent copy of a live SQLite database, and
//! that copy put back into a data folder, only with the server key it was made with (the
//! copy records the key's fingerprint, never the key). PostgreSQL is backed up with its own
//! tools (`pg_dump`, `pg_restore`; docs/operating.md, "Backups").

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::crypto::Keys;
use crate::store;

/// What a backup made.
#[derive(Debug)]
pub struct Backup {
    pub file: PathBuf,
    pub bytes: u64,
    pub fingerprint: String,
    /// The key the copy needs, to be kept beside it.
    pub key: PathBuf,
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub database: PathBuf,
    pub fingerprint: String,
    /// Where the key now is (copied there from `--key` if it was not).
    pub key: PathBuf,
}

fn refuse_postgres(cfg: &Config, what: &str, tool: &str) -> anyhow::Result<()> {
    if cfg.uses_postgres() {
        anyhow::bail!(
            "this server's database is PostgreSQL, which twostep-server does not {what}: use \
             {tool} (docs/operating.md, \"Backups\"), and keep the server key ({}) with the \
             dump",
            cfg.key_path().display()
        );
    }
    Ok(())
}

/// Copies the live database of `cfg` to the new file `to` (sign-ins go on meanwhile).
pub async fn backup(cfg: &Config, to: &Path) -> anyhow::Result<Backup> {
    refuse_postgres(cfg, "back up", "pg_dump -Fc")?;
    if to.exists() {
        anyhow::bail!(
            "{} is already there: name a new file (a backup never overwrites one)",
            to.display()
        );
    }
    let key = cfg.key_path();
    let keys = Keys::load(&key)
        .map_err(|e| anyhow::anyhow!("{e}: a backup is only worth keeping with its server key"))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    store::backup::vacuum_into(&cfg.db_path(), to).await?;
    // The copy holds what people's methods are sealed with: the server's user alone reads it.
    store::files::private_file(to)?;
    let (whole, recorded) = store::backup::inspect(to).await?;
    let fingerprint = match recorded {
        Some(f) if whole => f,
        _ => {
            let _ = std::fs::remove_file(to);
            anyhow::bail!(
                "the copy of {} did not check out: nothing was kept",
                cfg.db_path().display()
            )
        }
    };
    if fingerprint != keys.fingerprint() {
        let _ = std::fs::remove_file(to);
        anyhow::bail!(
            "{} is not this database's server key (the database was made with the key of \
             fingerprint {fingerprint}; this one's is {}): name the right one with key_file",
            key.display(),
            keys.fingerprint()
        );
    }
    Ok(Backup {
        bytes: std::fs::metadata(to)?.len(),
        file: to.to_owned(),
        fingerprint,
        key,
    })
}

/// Puts the backup `from` into `cfg.data` (which must hold no database yet), if `key` (or
/// `cfg`'s key file) is the key the backup was made with. Nothing is written otherwise.
pub async fn restore(cfg: &Config, from: &Path, key: Option<&Path>) -> anyhow::Result<Restored> {
    refuse_postgres(cfg, "restore", "pg_restore")?;
    let target = cfg.db_path();
    if target.exists() {
        anyhow::bail!(
            "{} already holds a database: restore into a new data folder (or move that one \
             away first, with its server stopped)",
            target.display()
        );
    }
    let (whole, recorded) = store::backup::inspect(from).await?;
    let Some(wanted) = recorded else {
        anyhow::bail!("{} is not a Twostep backup", from.display());
    };
    if !whole {
        anyhow::bail!(
            "{} is damaged (SQLite's check fails): nothing was restored",
            from.display()
        );
    }
    let installed = cfg.key_path();
    let given = key.map_or_else(|| installed.clone(), Path::to_owned);
    let keys = Keys::load(&given).map_err(|e| {
        anyhow::anyhow!(
            "{e}: copy the server.key kept with the backup there, or name it with --key"
        )
    })?;
    if keys.fingerprint() != wanted {
        anyhow::bail!(
            "this backup was made with another server key (fingerprint {wanted}); the key {} \
             has fingerprint {}. Give the server.key kept with the backup. Nothing was restored.",
            given.display(),
            keys.fingerprint()
        );
    }
    // The folder's key, if it has one already, must be the same key.
    if given != installed && installed.exists() {
        let there = Keys::load(&installed)?;
        if there.fingerprint() != wanted {
            anyhow::bail!(
                "{} is another server key (fingerprint {}) than the backup's ({wanted}): move it \
                 away, or restore into a new data folder. Nothing was restored.",
                installed.display(),
                there.fingerprint()
            );
        }
    }
    store::files::create_private_dir(&cfg.data)?;
    // Copied beside the target, then renamed into place: a server never sees half a file.
    let partial = target.with_extension("db.restoring");
    copy_private(from, &partial)?;
    std::fs::rename(&partial, &target)?;
    if !installed.exists() {
        copy_private(&given, &installed)?;
    }
    Ok(Restored {
        database: target,
        fingerprint: wanted,
        key: installed,
    })
}

/// Copies `from` to the new file `to`, readable by this user alone (0600), on disk when done.
fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let _ = std::fs::remove_file(to);
    let mut out = store::files::open_private(to)?;
    let mut src = std::fs::File::open(from)?;
    std::io::copy(&mut src, &mut out)?;
    out.sync_all()?;
    Ok(())
}
