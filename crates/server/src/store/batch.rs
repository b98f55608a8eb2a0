//! Statements that travel together: one trip to the database for several.
//!
//! On SQLite every statement is a round trip to the connection's own thread (sqlx runs each
//! SQLite connection on a thread of its own): two thread switches, and on the one writer
//! connection every other writer waits through them. A second step was ten such trips, and
//! that, not SQLite, bounded it. A batch goes to SQLite as one query text (the statements
//! joined, their `$n` parameters renumbered into one list), which the connection's thread runs
//! statement by statement in one call: sqlx's SQLite driver prepares the rest of a text after
//! its first statement (its own migrations rely on it; sqlx has discussed leaving that to
//! unprepared text, launchbadge/sqlx#3108, and every flow's test would fail if it went).
//! PostgreSQL refuses several statements in one prepared query: there each is sent in turn,
//! the same SQL text with its own parameters.
//!
//! A statement in a batch must not need what an earlier one in it returned: the flow reads the
//! results after the whole batch ran, and a flow that finds an outcome it did not expect rolls
//! the transaction back (or goes on with single statements).

use std::borrow::Cow;
use std::fmt::Write;

use futures_util::TryStreamExt;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{AnyConnection, Arguments, Either, Executor, Row};

use super::{Backend, Exec};
use crate::error::ApiError;

/// A parameter's value. Nulls keep their type (PostgreSQL infers a parameter's type from it).
#[derive(Debug, Clone)]
pub enum Value<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
    Blob(Option<Cow<'a, [u8]>>),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Some(Cow::Borrowed(v)))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::Text(v.map(Cow::Borrowed))
    }
}

impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Text(Some(Cow::Owned(v)))
    }
}

impl From<Option<String>> for Value<'_> {
    fn from(v: Option<String>) -> Self {
        Value::Text(v.map(Cow::Owned))
    }
}

impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(v: &'a [u8]) -> Self {
        Value::Blob(Some(Cow::Borrowed(v)))
    }
}

impl<'a> From<Option<&'a [u8]>> for Value<'a> {
    fn from(v: Option<&'a [u8]>) -> Self {
        Value::Blob(v.map(Cow::Borrowed))
    }
}

impl From<Option<Vec<u8>>> for Value<'_> {
    fn from(v: Option<Vec<u8>>) -> Self {
        Value::Blob(v.map(Cow::Owned))
    }
}

impl From<Vec<u8>> for Value<'_> {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(Some(Cow::Owned(v)))
    }
}

impl Value<'_> {
    fn add_to<'q>(&'q self, args: &mut AnyArguments<'q>) -> Result<(), ApiError> {
        let added = match self {
            Value::Int(v) => args.add(*v),
            Value::Text(Some(v)) => args.add(v.as_ref()),
            Value::Text(None) => args.add(None::<&str>),
            Value::Blob(Some(v)) => args.add(v.as_ref()),
            Value::Blob(None) => args.add(None::<&[u8]>),
        };
        added.map_err(|e| ApiError::internal(format!("a statement's parameter: {e}")))
    }
}

/// One statement and its parameters, `$1` to `$n` in the order they are bound.
#[derive(Debug, Clone)]
pub struct Statement<'a> {
    sql: Cow<'a, str>,
    values: Vec<Value<'a>>,
}

impl<'a> Statement<'a> {
    pub fn new(sql: impl Into<Cow<'a, str>>) -> Self {
        Self {
            sql: sql.into(),
            values: Vec::new(),
        }
    }

    pub fn bind(mut self, v: impl Into<Value<'a>>) -> Self {
        self.values.push(v.into());
        self
    }

    fn arguments(&self) -> Result<AnyArguments<'_>, ApiError> {
        let mut args = AnyArguments::default();
        for v in &self.values {
            v.add_to(&mut args)?;
        }
        Ok(args)
    }

    /// Runs it alone: the rows it changed.
    pub async fn execute<'c>(&self, db: impl Exec<'c>) -> Result<u64, ApiError> {
        let args = self.arguments()?;
        let done = db.execute(sqlx::query_with(&self.sql, args)).await?;
        Ok(done.rows_affected())
    }

    /// Runs it alone: its first row, if any.
    pub async fn fetch_optional<'c>(&self, db: impl Exec<'c>) -> Result<Option<AnyRow>, ApiError> {
        let args = self.arguments()?;
        Ok(db.fetch_optional(sqlx::query_with(&self.sql, args)).await?)
    }

    /// Runs it alone: the first column of its first row, if any.
    pub async fn fetch_scalar<'c>(&self, db: impl Exec<'c>) -> Result<Option<i64>, ApiError> {
        match self.fetch_optional(db).await? {
            Some(row) => Ok(Some(row.try_get::<i64, _>(0)?)),
            None => Ok(None),
        }
    }
}

/// Where a statement's result is in a batch's results.
#[derive(Debug, Clone, Copy)]
pub struct Slot(usize);

/// Statements to run in order, in one trip on SQLite.
#[derive(Debug, Default)]
pub struct Batch<'a> {
    statements: Vec<Statement<'a>>,
}

/// What one statement of a batch did.
#[derive(Default)]
struct Ran {
    rows: Vec<AnyRow>,
}

/// What each statement of a batch did, by its slot.
pub struct Results {
    each: Vec<Ran>,
}

impl<'a> Batch<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, s: Statement<'a>) -> Slot {
        // On SQLite a parameter past the statement's own would silently take the next
        // statement's value; a `--` comment would swallow what follows it in the joined text.
        debug_assert_eq!(
            highest_parameter(&s.sql),
            s.values.len(),
            "parameters of {}",
            s.sql
        );
        debug_assert!(!s.sql.contains("--"), "a comment in {}", s.sql);
        self.statements.push(s);
        Slot(self.statements.len() - 1)
    }

    /// Runs every statement in order on `conn` (a transaction's: a batch is not atomic by
    /// itself). An error stops it; what ran before stays in the transaction for the caller to
    /// roll back.
    pub async fn run(&self, conn: &mut AnyConnection) -> Result<Results, ApiError> {
        let each = match Backend::of(conn) {
            Backend::Sqlite => self.run_as_one(conn).await?,
            Backend::Postgres => {
                let mut each = Vec::with_capacity(self.statements.len());
                for s in &self.statements {
                    let ran = collect(&mut *conn, &s.sql, s.arguments()?).await?;
                    each.push(ran.into_iter().next().unwrap_or_default());
                }
                each
            }
        };
        Ok(Results { each })
    }

    async fn run_as_one(&self, conn: &mut AnyConnection) -> Result<Vec<Ran>, ApiError> {
        let mut sql = String::new();
        let mut args = AnyArguments::default();
        let mut offset = 0;
        for (i, s) in self.statements.iter().enumerate() {
            if i > 0 {
                sql.push_str(";\n");
            }
            renumbered(&s.sql, offset, &mut sql);
            for v in &s.values {
                v.add_to(&mut args)?;
            }
            offset += s.values.len();
        }
        let each = collect(conn, &sql, args).await?;
        if each.len() != self.statements.len() {
            return Err(ApiError::internal(format!(
                "a batch of {} statements ran {}",
                self.statements.len(),
                each.len()
            )));
        }
        Ok(each)
    }
}

/// Runs `sql` and splits what comes back by statement (each one's rows, up to its end).
async fn collect<'q>(
    conn: &mut AnyConnection,
    sql: &'q str,
    args: AnyArguments<'q>,
) -> Result<Vec<Ran>, ApiError> {
    let mut stream = conn.fetch_many(sqlx::query_with(sql, args));
    let mut each = Vec::new();
    let mut current = Ran::default();
    while let Some(step) = stream.try_next().await? {
        match step {
            Either::Right(row) => current.rows.push(row),
            // The statement's end (its count of rows changed, which no flow reads).
            Either::Left(_) => each.push(std::mem::take(&mut current)),
        }
    }
    Ok(each)
}

/// `sql` with each parameter `$k` written as `$(k + offset)`. The store's SQL has no `$` in
/// its literals or names, only in parameters.
fn renumbered(sql: &str, offset: usize, out: &mut String) {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len() - at - 1, |n| n);
        let number = &rest[at + 1..at + 1 + digits];
        match number.parse::<usize>() {
            Ok(k) => {
                let _ = write!(out, "${}", k + offset);
            }
            Err(_) => {
                out.push('$');
                out.push_str(number);
            }
        }
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
}

/// The highest `$k` in `sql`.
fn highest_parameter(sql: &str) -> usize {
    sql.split('$')
        .skip(1)
        .filter_map(|p| {
            let end = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
            p[..end].parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0)
}

impl Results {
    /// The statement's first row, if it returned one.
    pub fn row(&self, slot: Slot) -> Option<&AnyRow> {
        self.each.get(slot.0).and_then(|r| r.rows.first())
    }
}

#[cfg(test)]
mod tests {
    use super::renumbered;

    #[test]
    fn parameters_are_renumbered_past_the_earlier_statements() {
        let mut out = String::new();
        renumbered(
            "UPDATE t SET a = $1, b = $12 WHERE c = $2 AND d = '$x'",
            3,
            &mut out,
        );
        assert_eq!(
            out,
            "UPDATE t SET a = $4, b = $15 WHERE c = $5 AND d = '$x'"
        );
        let mut same = String::new();
        renumbered("SELECT $1", 0, &mut same);
        assert_eq!(same, "SELECT $1");
        let mut odd = String::new();
        renumbered("SELECT '$', $", 2, &mut odd);
        assert_eq!(odd, "SELECT '$', $");
        assert_eq!(super::highest_parameter("a = $3 AND b = $12 OR $1"), 12);
        assert_eq!(super::highest_parameter("SELECT 1"), 0);
    }
}
