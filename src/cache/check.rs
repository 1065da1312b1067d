//! Check: recompute size and SHA-512 of every cached file, in parallel; a file that fails
//! is moved to expired with the Expire events (the original deleted it silently) and the
//! next download fetches it again.

use std::path::PathBuf;

use super::entry::{self, Known};
use super::expire::expire_entry;
use super::hash::{algorithm_of, checksum_files};
use super::{Outcome, State};
use crate::error::Result;
use crate::events::Dispatcher;

/// Foreign entries are not checked: a file the database has no say on is not moved.
pub(crate) fn run(
    state: &mut State,
    known: &Known,
    events: &Dispatcher,
    outcome: &mut Outcome,
) -> Result<()> {
    for (key, path, problem) in failures(state, known) {
        tracing::error!(
            "Image '{key}' {problem}: moving {} to expired",
            path.display()
        );
        expire_entry(state, &key, events)?;
        outcome.failed += 1;
    }
    Ok(())
}

/// The known cache entries whose file does not match the index: key, path and problem.
/// Only reads the files (a dry run asks this too).
pub(crate) fn failures(state: &State, known: &Known) -> Vec<(String, PathBuf, String)> {
    let entries: Vec<(String, Option<u64>, Option<String>, PathBuf)> = state
        .cache
        .iter()
        .filter(|(key, e)| known.knows(key, e))
        .map(|(key, e)| {
            let filename = entry::text(e, "filename").unwrap_or(key);
            (
                key.clone(),
                entry::size(e),
                entry::checksum(e).map(str::to_string),
                state.dirs.cache.join(filename),
            )
        })
        .collect();
    let paths: Vec<_> = entries.iter().map(|(_, _, _, p)| p.clone()).collect();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let algorithms: Vec<_> = entries
        .iter()
        .map(|(_, _, sum, _)| algorithm_of(sum.as_deref().unwrap_or_default()))
        .collect();
    let results = checksum_files(&paths, &algorithms, threads);
    let mut failed = Vec::new();
    for ((key, size, sha512, path), result) in entries.into_iter().zip(results) {
        let problem = match result {
            Err(e) => Some(format!("cannot be read: {e}")),
            Ok((actual_size, _)) if Some(actual_size) != size => Some(format!(
                "size incorrect: {actual_size} bytes, the list says {}",
                size.map_or("?".to_string(), |s| s.to_string())
            )),
            Ok((_, digest)) if Some(&digest) != sha512.as_ref() => Some(format!(
                "{} incorrect: {digest}",
                algorithm_of(&digest).name()
            )),
            Ok(_) => None,
        };
        match problem {
            None => tracing::debug!("{} is intact", path.display()),
            Some(problem) => failed.push((key, path, problem)),
        }
    }
    failed
}
