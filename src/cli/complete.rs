//! Dynamic completion of the values an administrator would otherwise copy by hand:
//! subscription identifiers and URLs, image identifiers, endorser identifiers — read
//! from the database in use, read-only, and silent on any error (a completion must never
//! print an error into the shell).

use clap_complete::engine::CompletionCandidate;

use crate::config::{Config, Environment, Overrides};
use crate::db::{Access, Completable, Db};

/// The candidates of `what` from the configured database, opened read-only; nothing on
/// any error (no database yet, an unreadable file).
fn candidates(what: Completable) -> Vec<CompletionCandidate> {
    let env = Environment::from_process();
    let Ok(config) = Config::load(&Overrides::default(), &env) else {
        return Vec::new();
    };
    let Ok(db) = Db::open_with(&config.database.value.path, Access::Read) else {
        return Vec::new();
    };
    db.completions(what)
        .unwrap_or_default()
        .into_iter()
        .map(|(value, help)| {
            let c = CompletionCandidate::new(value);
            match help.filter(|h| !h.is_empty()) {
                Some(h) => c.help(Some(h.into())),
                None => c,
            }
        })
        .collect()
}

pub(super) fn subscriptions() -> Vec<CompletionCandidate> {
    candidates(Completable::Subscriptions)
}

pub(super) fn images() -> Vec<CompletionCandidate> {
    candidates(Completable::Images)
}

pub(super) fn endorsers() -> Vec<CompletionCandidate> {
    candidates(Completable::Endorsers)
}
