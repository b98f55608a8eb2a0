//! The database a test runs on. `#[db_test]` runs a test once with each.

/// SQLite (a file in the test's own folder) or PostgreSQL (a fresh database on the test
/// process's cluster, [`crate::postgres`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn is_postgres(self) -> bool {
        self == Db::Postgres
    }

    /// The `database_url` a server on this database is given: a new, empty database on
    /// PostgreSQL; none on SQLite (the server's file in its data folder).
    pub fn new_database_url(self) -> Option<String> {
        self.is_postgres()
            .then(|| crate::postgres::cluster().new_database())
    }
}
