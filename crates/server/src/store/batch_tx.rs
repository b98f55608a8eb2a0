//! A write transaction whose `BEGIN` travels with its first batch.
//!
//! On SQLite, `Db::begin` is a trip of its own to the writer's thread, made while every other
//! writer waits; the second step's plain case begins its transaction in the trip that runs its
//! statements. sqlx's `Transaction` cannot begin that way, so this does what it does: roll back
//! unless committed. A transaction left open (a request dropped mid-flight, a failed
//! `ROLLBACK`) closes its connection instead of returning it to the pool, and closing rolls it
//! back; the pool opens a new one.

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Executor};

use super::batch::{Batch, Results};
use super::{Backend, Db};
use crate::error::ApiError;

pub struct BatchTx {
    conn: PoolConnection<Any>,
    open: bool,
}

impl Db {
    /// A write transaction with `batch` run in it: on SQLite `BEGIN IMMEDIATE` and the batch in
    /// one trip. An error rolls it back.
    pub async fn begin_with(&self, batch: &Batch<'_>) -> Result<(BatchTx, Results), ApiError> {
        let mut tx = BatchTx {
            conn: self.write().acquire().await?,
            open: true,
        };
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        match batch.run_after(&mut tx.conn, &[begin]).await {
            Ok(results) => Ok((tx, results)),
            Err(e) => {
                tx.rollback().await;
                Err(e)
            }
        }
    }
}

impl BatchTx {
    pub async fn commit(mut self) -> Result<(), ApiError> {
        self.conn.execute("COMMIT").await?;
        self.open = false;
        Ok(())
    }

    /// Undoes everything; if even that fails, dropping it closes the connection.
    pub async fn rollback(mut self) {
        if self.conn.execute("ROLLBACK").await.is_ok() {
            self.open = false;
        }
    }
}

impl Deref for BatchTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for BatchTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl Drop for BatchTx {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}
