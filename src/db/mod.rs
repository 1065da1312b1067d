//! The SQLite database: opening it safely, migrating it, and the queries of each concept.

mod completion;
mod crl;
mod endorsers;
mod images;
pub mod journal;
mod schema;
mod state;
mod subscriptions;

use std::fs;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use completion::Completable;
pub(crate) use endorsers::{endorser_with_credential_in, insert_endorser};
pub use endorsers::{Credential, Endorser};
pub(crate) use images::{image_row, import_list, insert_list, insert_record};
pub use images::{CacheCandidate, ImageDetail, ImageRecord, ImageState, ListToStore, NewImage};
pub use schema::LATEST_VERSION;
pub use state::LAST_SYNC;
pub(crate) use subscriptions::{insert_subscription, link_in, set_registry, subscription_in};
pub use subscriptions::{
    Link, ListMessage, NewImages, NewSubscription, StoredList, Subscription, SubscriptionChanges,
    SubscriptionView,
};

use crate::error::{Error, Result};

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open, migrated database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

/// How a command needs the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Commands that add the first content (`subscribe add`, `endorser create`): a missing
    /// database is created.
    Create,
    /// Commands that change what exists: the database must exist.
    Write,
    /// Commands that only read: the database must exist and is opened read-only, so a
    /// read-only file or file system, or another user's database, is enough.
    Read,
}

impl Db {
    /// Opens (creating when missing) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Db> {
        Db::open_with(path, Access::Create)
    }

    /// Opens the database at `path` for `access`.
    ///
    /// A new database file is created 0600 because it may hold HTTP passwords; a missing
    /// parent directory is created 0700. Without `Access::Create` a missing database is an
    /// error: a typo in `--database` must not quietly start an empty database.
    pub fn open_with(path: &Path, access: Access) -> Result<Db> {
        let fail = |message: String| Error::Database {
            path: path.to_path_buf(),
            message,
            source: None,
        };
        if path.is_dir() {
            return Err(fail(
                "is a directory: give the path of a database file, e.g. <dir>/vmcatcher.db".into(),
            ));
        }
        if access != Access::Create && !path.exists() {
            return Err(Error::NotFound(format!(
                "database {} does not exist: create one with 'vmcatcher subscribe add', or check \
                 --database and VMCATCHER_RDBMS",
                path.display()
            )));
        }
        if access == Access::Read {
            return Db::open_read_only(path);
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.exists() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(|e| {
                        fail(format!(
                            "cannot create the directory {}: {e}; create it or choose another \
                             --database",
                            parent.display()
                        ))
                    })?;
            } else if !parent.is_dir() {
                return Err(fail(format!(
                    "{} is not a directory: choose another --database",
                    parent.display()
                )));
            }
        }
        if !path.exists() {
            // Create the file ourselves so its mode does not depend on the umask.
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::AlreadyExists => fs::File::open(path),
                    _ => Err(e),
                })
                .map_err(|e| {
                    fail(format!(
                        "cannot create the database file: {e}; check the directory's \
                         permissions or choose another --database"
                    ))
                })?;
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| fail(format!("cannot open: {e}; check its permissions")))?;
        configure(&conn).map_err(|e| fail(describe(&e)))?;
        schema::migrate(&mut conn).map_err(fail)?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database read-only. When SQLite cannot set up WAL shared memory
    /// (a read-only directory, another user's database), the file is read as immutable: a
    /// listing may then miss a write in progress, which is harmless for a reader.
    fn open_read_only(path: &Path) -> Result<Db> {
        let fail = |message: String| Error::Database {
            path: path.to_path_buf(),
            message,
            source: None,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let probe = |conn: &Connection| -> rusqlite::Result<()> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        };
        let conn = match Connection::open_with_flags(path, flags) {
            Ok(conn) if probe(&conn).is_ok() => conn,
            _ => {
                let uri = ::url::Url::from_file_path(path)
                    .map_err(|()| fail("is not an absolute path".into()))?;
                let conn = Connection::open_with_flags(
                    format!("{uri}?immutable=1"),
                    flags | OpenFlags::SQLITE_OPEN_URI,
                )
                .map_err(|e| fail(format!("cannot open: {e}; check its permissions")))?;
                probe(&conn).map_err(|e| fail(describe(&e)))?;
                conn
            }
        };
        schema::check_current(&conn).map_err(fail)?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// A new, empty database in memory with the current schema: where `import-legacy
    /// --dry-run` rehearses when the target database does not exist yet.
    pub fn in_memory(path: &Path) -> Result<Db> {
        let fail = |message: String| Error::Database {
            path: path.to_path_buf(),
            message,
            source: None,
        };
        let mut conn = Connection::open_in_memory().map_err(|e| fail(describe(&e)))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| fail(describe(&e)))?;
        schema::migrate(&mut conn).map_err(fail)?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Runs `f` like `write` and then rolls everything back: a dry run that sees exactly
    /// what the real one would, and changes nothing.
    pub fn rehearse<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.transaction(f, false)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so
    /// two writers queue on the busy timeout instead of failing half way.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.transaction(f, true)
    }

    /// Like `write`, for a list import (megabytes of rows that any later state can be
    /// rebuilt from by fetching the list again): its commit is not synced on its own
    /// (`synchronous = NORMAL` for this transaction) but by the next synced commit or by the
    /// checkpoint when the database closes, which is always synced. A crash or `kill -9`
    /// loses nothing (the WAL is in the kernel's page cache) and a power cut can only roll
    /// the database back to a consistent earlier state, never corrupt it. The `fsync` of
    /// the WAL header and of the commit go; the checkpoint's remain.
    pub fn write_unsynced<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let path = self.path.clone();
        let sync = |conn: &Connection, level: &str| {
            conn.pragma_update(None, "synchronous", level)
                .map_err(|e| sql_error(&path, e))
        };
        sync(&self.conn, "NORMAL")?;
        let value = self.transaction(f, true);
        sync(&self.conn, "FULL")?;
        value
    }

    /// `f` in an immediate transaction, committed or (for `rehearse`) rolled back.
    fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
        commit: bool,
    ) -> Result<T> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_error(&path, e))?;
        let value = f(&tx).map_err(|e| with_path(e, &path))?;
        let end = if commit { tx.commit() } else { tx.rollback() };
        end.map_err(|e| sql_error(&path, e))?;
        Ok(value)
    }

    /// Writes a consistent copy of the database to `target` (a new file), for a dry run
    /// to change instead of this one; works on a read-only connection.
    pub fn copy_to(&self, target: &Path) -> Result<()> {
        let name = target.to_str().ok_or_else(|| {
            Error::Failed(format!(
                "{} is not valid UTF-8: set TMPDIR to a plain path",
                target.display()
            ))
        })?;
        self.conn
            .execute("VACUUM INTO ?1", [name])
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// A copy of this database in a new temporary directory (under `TMPDIR`), opened for
    /// writing: what a dry run changes instead of this one. Removed when dropped.
    pub fn scratch_copy(&self) -> Result<ScratchCopy> {
        let dir = scratch_dir()?;
        let path = dir.path().join("vmcatcher.db");
        self.copy_to(&path)?;
        Ok(ScratchCopy {
            db: Db::open_with(&path, Access::Write)?,
            _dir: dir,
        })
    }

    /// A scratch copy of the database file at `path`, copied without its schema being
    /// checked and then brought to the current schema (as the real run would migrate it);
    /// falls back to [`Db::scratch_copy`] of a read-only open when SQLite cannot open it
    /// plainly (another user's database, a read-only directory).
    pub fn scratch_copy_of(path: &Path) -> Result<ScratchCopy> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let Ok(source) = Connection::open_with_flags(path, flags) else {
            return Db::open_with(path, Access::Read)?.scratch_copy();
        };
        let dir = scratch_dir()?;
        let copy = dir.path().join("vmcatcher.db");
        let name = copy.to_str().ok_or_else(|| {
            Error::Failed(format!(
                "{} is not valid UTF-8: set TMPDIR to a plain path",
                copy.display()
            ))
        })?;
        if source.execute("VACUUM INTO ?1", [name]).is_err() {
            return Db::open_with(path, Access::Read)?.scratch_copy();
        }
        match Db::open_with(&copy, Access::Write) {
            Ok(db) => Ok(ScratchCopy { db, _dir: dir }),
            // Said of the administrator's file, not of the scratch copy (a 0.6.3 database).
            Err(e) => Err(Db::open_with(path, Access::Read).err().unwrap_or(e)),
        }
    }

    /// A new, empty database in a temporary directory: a dry run's stand-in for a
    /// database that does not exist yet.
    pub fn scratch_empty() -> Result<ScratchCopy> {
        let dir = scratch_dir()?;
        Ok(ScratchCopy {
            db: Db::open_with(&dir.path().join("vmcatcher.db"), Access::Create)?,
            _dir: dir,
        })
    }

    /// Read access for queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Turns a rusqlite error into one of ours naming this database.
    pub fn error(&self, e: rusqlite::Error) -> Error {
        sql_error(&self.path, e)
    }
}

/// Settings every connection needs: real foreign keys, WAL so readers never block the
/// writer, a busy timeout, and full sync so a crash never loses a commit.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::debug!("journal mode is {mode}, not WAL");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    // A 1,000-image list is a transaction of ~2 MB: with SQLite's default 2 MB page cache
    // it spills pages to the WAL mid-transaction and writes some of them twice.
    conn.pragma_update(None, "cache_size", -8192)?;
    Ok(())
}

/// A rusqlite error inside a `Db::write` closure; `write` fills in the database path.
pub(crate) fn sql(e: rusqlite::Error) -> Error {
    sql_error(Path::new(""), e)
}

fn with_path(e: Error, path: &Path) -> Error {
    match e {
        Error::Database {
            path: p,
            message,
            source,
        } if p.as_os_str().is_empty() => Error::Database {
            path: path.to_path_buf(),
            message,
            source,
        },
        other => other,
    }
}

pub(crate) fn sql_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::Database {
        path: path.to_path_buf(),
        message: describe(&e),
        source: Some(e),
    }
}

/// SQLite's messages with advice for the ones an administrator can act on.
fn describe(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::ReadOnly) => {
            format!("{e}: the file or its directory is read-only; check permissions")
        }
        Some(ErrorCode::CannotOpen) => {
            format!("{e}: check that the file and its directory are writable")
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            format!("{e}: another vmcatcher holds the database; try again later")
        }
        Some(ErrorCode::NotADatabase) => {
            format!("{e}: the file is not an SQLite database; check --database")
        }
        _ => e.to_string(),
    }
}

/// The current time in the `YYYY-mm-ddTHH:MM:SSZ` form every stored date uses.
fn scratch_dir() -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("vmcatcher-dry-run-")
        .tempdir()
        .map_err(|e| {
            Error::Failed(format!(
                "cannot create a scratch directory for the dry run in {}: {e}; set TMPDIR \
                 to a writable directory",
                std::env::temp_dir().display()
            ))
        })
}

/// See [`Db::scratch_copy`].
pub struct ScratchCopy {
    pub db: Db,
    _dir: tempfile::TempDir,
}

pub fn now_text() -> String {
    crate::imagelist::format_date(time::OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_errors_are_kept_as_the_source() {
        let sqlite = rusqlite::Connection::open_in_memory()
            .unwrap()
            .execute("SELECT nonsense FROM nowhere", [])
            .unwrap_err();
        let e = super::sql_error(std::path::Path::new("/x.db"), sqlite);
        assert!(e.to_string().starts_with("database /x.db: "), "{e}");
        assert!(std::error::Error::source(&e).is_some());
    }
}
