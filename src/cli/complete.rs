//! Dynamic completion of the values an administrator would otherwise copy by hand:
//! subscription identifiers and URLs, image identifiers, endorser identifiers — read
//! from the database in use, read-only, and silent on any error (a completion must never
//! print an error into the shell).

use clap_complete::engine::CompletionCandidate;
use rusqlite::{Connection, OpenFlags};

use crate::config::{Config, Environment, Overrides};

/// Runs `query` (one text column, one optional help column) on the configured database.
fn candidates(query: &str) -> Vec<CompletionCandidate> {
    let env = Environment::from_process();
    let Ok(config) = Config::load(&Overrides::default(), &env) else {
        return Vec::new();
    };
    let path = &config.database.value.path;
    let Ok(conn) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return Vec::new();
    };
    let Ok(mut stmt) = conn.prepare(query) else {
        return Vec::new();
    };
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
    });
    match rows {
        Ok(rows) => rows
            .flatten()
            .map(|(value, help)| {
                let c = CompletionCandidate::new(value);
                match help.filter(|h| !h.is_empty()) {
                    Some(h) => c.help(Some(h.into())),
                    None => c,
                }
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

pub(super) fn subscriptions() -> Vec<CompletionCandidate> {
    let mut all =
        candidates("SELECT identifier, description FROM subscription ORDER BY identifier");
    all.extend(candidates(
        "SELECT url, identifier FROM subscription ORDER BY url",
    ));
    all
}

pub(super) fn images() -> Vec<CompletionCandidate> {
    candidates(
        "SELECT i.identifier, (SELECT r.title FROM image_record r WHERE r.image_id = i.id \
         ORDER BY r.id DESC LIMIT 1) FROM image i WHERE i.refused = 0 ORDER BY i.identifier",
    )
}

pub(super) fn endorsers() -> Vec<CompletionCandidate> {
    candidates("SELECT identifier, NULL FROM endorser ORDER BY identifier")
}
