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
    let words: Vec<String> = std::env::args().collect();
    let Ok(config) = Config::load(&overrides_in(&words), &env) else {
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

/// `-d/--database` and `-c/--config` already on the line being completed (the shell
/// passes it after `--`), so candidates come from the database that command will use.
fn overrides_in(words: &[String]) -> Overrides {
    let mut overrides = Overrides::default();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let (name, inline) = match word.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
            _ => (word.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| words.next().cloned());
        match name {
            "-d" | "--database" => overrides.database = value(),
            "-c" | "--config" => overrides.config = value().map(std::path::PathBuf::from),
            _ => {}
        }
    }
    overrides
}

#[cfg(test)]
mod tests {
    use super::overrides_in;

    #[test]
    fn database_and_config_given_on_the_line_count() {
        let words: Vec<String> = [
            "vmcatcher",
            "--",
            "vmcatcher",
            "-d",
            "/a.db",
            "image",
            "show",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(overrides_in(&words).database.as_deref(), Some("/a.db"));
        let words: Vec<String> = ["x", "--config=/c.toml", "--database", "/b.db"]
            .iter()
            .map(ToString::to_string)
            .collect();
        let o = overrides_in(&words);
        assert_eq!(o.database.as_deref(), Some("/b.db"));
        assert_eq!(o.config.as_deref(), Some(std::path::Path::new("/c.toml")));
    }
}
