//! The SQLite file: private to the server's user, and migrated by one process at a time.

use std::path::Path;

/// Creates the data folder, readable by the server's user alone (0700), if it is not there.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

pub fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)
}

/// Creates `path` with mode 0600 if missing; narrows it (and its WAL files) to 0600 if wider.
/// (SQLite gives its WAL and shared-memory files the database's mode.)
pub fn private_file(path: &Path) -> std::io::Result<()> {
    open_private(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let p = std::path::PathBuf::from(p);
            let Ok(meta) = std::fs::metadata(&p) else {
                continue;
            };
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(file = %p.display(), "the database was readable by other users; narrowed to 0600");
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

/// An exclusive lock on `<db>.lock`, held while migrating: several servers may start at once
/// on one data folder, and SQLite's migrations take no lock of their own.
pub async fn migration_lock(db_path: &Path) -> anyhow::Result<std::fs::File> {
    let lock_path = db_path.with_extension("db.lock");
    tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        let f = open_private(&lock_path)?;
        f.lock()?;
        Ok(f)
    })
    .await?
}
