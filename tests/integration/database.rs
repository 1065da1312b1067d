//! The database file: creation, permissions, schema versions.

use std::os::unix::fs::PermissionsExt;

use crate::support::TestEnv;

#[test]
fn new_database_is_private_and_migrated() {
    let env = TestEnv::new();
    let db = env.path("sub/dir/new.db");
    // Only the commands that add the first content create the database.
    env.run(&["-d", db.to_str().unwrap(), "endorser", "list"])
        .failure(1, &["does not exist"]);
    assert!(!db.exists());
    env.create_endorser_in(db.to_str().unwrap()).success();
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, vmcatcher::db::LATEST_VERSION);
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
}

#[test]
fn schema_from_the_future_is_refused() {
    let env = TestEnv::new();
    env.init_db();
    {
        let conn = rusqlite::Connection::open(env.db_path()).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let run = env.run(&["endorser", "list"]);
    run.failure(1, &["schema version 99", "newer", "upgrade vmcatcher"]);
    // Nothing was downgraded.
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99);
}

#[test]
fn database_that_cannot_be_written_is_a_clear_error() {
    let env = TestEnv::new();
    // A regular file where a directory should be: fails even for root.
    env.write("blocker", "not a directory");
    let db = env.path("blocker/vmcatcher.db");
    let run = env.create_endorser_in(db.to_str().unwrap());
    run.failure(1, &[db.to_str().unwrap(), "not a directory"]);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);

    let dir = env.path("adir");
    std::fs::create_dir(&dir).unwrap();
    env.run(&["-d", dir.to_str().unwrap(), "endorser", "list"])
        .failure(1, &["is a directory"]);
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let env = TestEnv::new();
    let db = env.write("garbage.db", vec![0x42u8; 4096]);
    env.run(&["-d", db.to_str().unwrap(), "endorser", "list"])
        .failure(1, &[db.to_str().unwrap(), "not a database"]);
}

#[test]
fn a_database_of_the_original_tool_is_recognised() {
    let env = TestEnv::new();
    let db = env.path("original.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE endorser (id INTEGER NOT NULL, identifier VARCHAR(50) NOT NULL, PRIMARY KEY (id));
             CREATE TABLE \"subscriptionAuth\" (id INTEGER NOT NULL, PRIMARY KEY (id));",
        )
        .unwrap();
    }
    env.run(&["-d", db.to_str().unwrap(), "endorser", "list"])
        .failure(1, &["original Python vmcatcher"]);
}

#[test]
fn foreign_keys_cascade() {
    let env = TestEnv::new();
    env.run(&[
        "endorser", "create", "jane", "--dn", "/CN=Jane", "--ca", "/CN=CA",
    ])
    .success();
    env.run(&["endorser", "delete", "jane"]).success();
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let left: i64 = conn
        .query_row("SELECT count(*) FROM endorser_credential", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0, "credentials must go with their endorser");
}
