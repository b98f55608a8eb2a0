//! A SQLite database copied while the server runs, and a copy looked at before it is restored.
//! `VACUUM INTO` reads one consistent snapshot (a read transaction: under WAL, writers go on
//! beside it) and writes it, compacted, to a new file; the copy holds the server key's
//! fingerprint (`server_key`), so the key it needs is known without the key.

use std::path::Path;
use std::str::FromStr;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};

/// A connection of its own to the SQLite file `path` (which must exist), for a command that
/// runs beside a live server: it waits for a server's write lock rather than failing.
async fn connect(path: &Path, mode: &str) -> anyhow::Result<AnyConnection> {
    sqlx::any::install_default_drivers();
    if !path.is_file() {
        anyhow::bail!("there is no database at {}", path.display());
    }
    let url = super::sqlite_url(path)?.replace("mode=rwc", mode);
    let mut conn = AnyConnectOptions::from_str(&url)?.connect().await?;
    conn.execute("PRAGMA busy_timeout = 10000;").await?;
    Ok(conn)
}

/// Writes a consistent copy of the live database `db` to the new file `to`.
pub async fn vacuum_into(db: &Path, to: &Path) -> anyhow::Result<()> {
    let mut conn = connect(db, "mode=rw").await?;
    let to = to
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup's path must be UTF-8: {}", to.display()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(to)
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// What a copy says of itself: whether SQLite finds it whole, and the fingerprint of the
/// server key it was made with (none: not a Twostep database).
pub async fn inspect(copy: &Path) -> anyhow::Result<(bool, Option<String>)> {
    // Read-write but asking nothing to be written: a read-only connection to a file in WAL
    // mode cannot always open it.
    let mut conn = connect(copy, "mode=rw").await?;
    conn.execute("PRAGMA query_only = ON;").await?;
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await?;
    let has_key_table: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'server_key'",
    )
    .fetch_one(&mut conn)
    .await?;
    let fingerprint = if has_key_table == 1 {
        sqlx::query_scalar("SELECT fingerprint FROM server_key WHERE id = 1")
            .fetch_optional(&mut conn)
            .await?
    } else {
        None
    };
    conn.close().await?;
    Ok((check == "ok", fingerprint))
}
