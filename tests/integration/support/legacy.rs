//! The databases vmcatcher 0.6.3 made itself (tests/fixtures/legacy-db) and its own
//! outputs of them, for the import and legacy-name tests.

use std::path::{Path, PathBuf};

use super::TestEnv;

pub(crate) fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy-db")
}

/// A copy of fixture database `name` in the test's directory (the original stays pristine
/// whatever the code under test does), and the environment to import it with.
pub(crate) fn with_legacy(name: &str) -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let copy = env.path(&format!("legacy-{name}.db"));
    std::fs::copy(fixtures().join(format!("legacy-{name}.db")), &copy).unwrap();
    (env, copy)
}

/// The original's outputs in a `*.views.txt`: `(command, lines)` per `$ command` block.
pub(crate) fn views(name: &str) -> Vec<(String, Vec<String>)> {
    let text =
        std::fs::read_to_string(fixtures().join(format!("legacy-{name}.views.txt"))).unwrap();
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(command) = line.strip_prefix("$ ") {
            let command = command.split("   #").next().unwrap().trim().to_string();
            blocks.push((command, Vec::new()));
        } else if !line.is_empty() {
            blocks.last_mut().unwrap().1.push(line.to_string());
        }
    }
    blocks
}

/// The original's output of `command`, when the fixture recorded it.
pub(crate) fn view(name: &str, command: &str) -> Option<Vec<String>> {
    views(name)
        .into_iter()
        .find(|(c, _)| c == command)
        .map(|(_, lines)| lines)
}

/// The original's line as this tool prints it, where docs/migration.md says they differ.
pub(crate) fn as_ours(line: &str) -> String {
    line.replace("\tNone\t", "\tBoth\t")
        .replace("trustAnchor=None", "trustAnchor=Both")
        .replace("password=fixture-secret", "password=********")
}

/// libfaketime (Debian `libfaketime`, installed by `.ci/run`).
const FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// Runs `env`'s commands at the fixture's own time (an hour after its last import), so
/// the tests that verify its stored lists and CRL keep running after they expired (30
/// days after the fixtures were made). Returns false (the test skips) only when
/// libfaketime is missing outside CI and the lists are out of date.
pub(crate) fn at_fixture_time(env: &mut super::TestEnv, legacy: &Path) -> bool {
    if !super::tools::available(FAKETIME, "libfaketime") {
        return lists_in_date(legacy);
    }
    let conn =
        rusqlite::Connection::open_with_flags(legacy, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let last: String = conn
        .query_row("SELECT max(imported) FROM imageListInstance", [], |r| {
            r.get(0)
        })
        .unwrap();
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let when =
        time::PrimitiveDateTime::parse(&last[..19], &format).unwrap() + time::Duration::hours(1);
    env.set("LD_PRELOAD", FAKETIME);
    env.set("FAKETIME", format!("@{}", when.format(&format).unwrap()));
    // Timeouts and progress use the monotonic clock: left alone.
    env.set("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    true
}

/// Whether the fixture's stored lists are still in date (they expire 30 days after the
/// fixtures were made): state bit 2 and `imagelist.expired` depend on it.
pub(crate) fn lists_in_date(legacy: &Path) -> bool {
    let conn =
        rusqlite::Connection::open_with_flags(legacy, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let first: Option<String> = conn
        .query_row("SELECT min(expires) FROM imageListInstance", [], |r| {
            r.get(0)
        })
        .unwrap();
    let now = time::OffsetDateTime::now_utc()
        .format(&time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap();
    first.is_none_or(|f| f > now)
}
