//! Cache operations through the outbox: a file that moves into or out of the cache is
//! first journaled, with its Prefix event (deliverable at once) and its Postfix event
//! (held until the move is done), in one transaction. Then the Prefix handlers run, the
//! file moves and the indexes follow, and the operation is marked done, which releases
//! the Postfix event. A run killed at any point leaves the operation in the journal; the
//! next run finishes it the same way ([`recover`]), so no event is lost and no file is
//! left unindexed.

use serde_json::{Map, Value};

use super::entry;
use super::hash::{algorithm_of, checksum_file};
use super::index::{self, CacheIndex};
use super::{move_file, State};
use crate::db::journal::{insert_event, insert_operation, CacheOperation, OperationKind};
use crate::error::{Error, Result};
use crate::events::{Dispatcher, EventType};

/// What one move is: the index key, the file names, the target entry and the events.
pub(crate) struct Move<'a> {
    pub kind: OperationKind,
    pub key: &'a str,
    pub source: &'a str,
    pub target: &'a str,
    /// The target directory's index entry (with its `filename`).
    pub entry: &'a Map<String, Value>,
    /// Metadata of the Prefix event (the entry as it is before the move).
    pub before: &'a Map<String, Value>,
}

impl Move<'_> {
    fn events(&self) -> (EventType, EventType) {
        match self.kind {
            OperationKind::Expire => (EventType::ExpirePrefix, EventType::ExpirePostfix),
            OperationKind::Available => (EventType::AvailablePrefix, EventType::AvailablePostfix),
        }
    }
}

/// Journals the move with its events, delivers the Prefix event, moves the file and
/// updates the indexes, then releases and delivers the Postfix event.
pub(crate) fn run(state: &mut State, events: &Dispatcher, m: &Move<'_>) -> Result<()> {
    let (prefix, postfix) = m.events();
    let prefix = events.record(prefix, m.before);
    let postfix = events.record(postfix, m.entry);
    let id = events.journal_with(|tx| {
        let id = insert_operation(tx, m.kind, m.key, m.source, m.target, m.entry)?;
        if let Some(r) = &prefix {
            insert_event(tx, r, None)?;
        }
        if let Some(r) = &postfix {
            insert_event(tx, r, Some(id))?;
        }
        Ok(id)
    })?;
    events.deliver_now();
    let op = CacheOperation {
        id,
        kind: m.kind,
        image: m.key.to_string(),
        source: m.source.to_string(),
        target: m.target.to_string(),
        entry: m.entry.clone(),
    };
    match apply(state, &op)? {
        Applied::Done => events.finish_operation(id)?,
        Applied::Gone => events.cancel_operation(id)?,
    }
    events.deliver_now();
    Ok(())
}

/// Finishes what a killed run left half done, before anything else touches the cache.
pub(crate) fn recover(state: &mut State, events: &Dispatcher) -> Result<()> {
    for op in events.operations()? {
        tracing::info!(
            "finishing the {} of image '{}' that an earlier run left half done",
            match op.kind {
                OperationKind::Expire => "expiry",
                OperationKind::Available => "download",
            },
            op.image
        );
        if op.kind == OperationKind::Available && !still_verified(state, &op) {
            events.cancel_operation(op.id)?;
            continue;
        }
        match apply(state, &op)? {
            Applied::Done => events.finish_operation(op.id)?,
            Applied::Gone => events.cancel_operation(op.id)?,
        }
    }
    events.deliver_now();
    Ok(())
}

/// A download whose rename did not happen yet is verified again before it enters the
/// cache: nothing enters unverified, even after a crash.
fn still_verified(state: &mut State, op: &CacheOperation) -> bool {
    let source = state.dirs.partial.join(&op.source);
    if !source.is_file() || state.dirs.cache.join(&op.target).exists() {
        return true; // moved already, or nothing to move: apply() tells which
    }
    let expected = (entry::size(&op.entry), entry::checksum(&op.entry));
    let algorithm = algorithm_of(expected.1.unwrap_or_default());
    match checksum_file(&source, algorithm) {
        Ok((size, digest)) if (Some(size), Some(digest.as_str())) == expected => true,
        _ => {
            tracing::warn!(
                "{} no longer matches the list: downloading it again",
                source.display()
            );
            let _ = std::fs::remove_file(&source);
            false
        }
    }
}

enum Applied {
    Done,
    /// The file is in neither directory: nothing to announce.
    Gone,
}

/// Does the operation's steps that are not done yet; each step is safe to repeat. The
/// target index gets its entry before the file arrives, so a file is never unindexed.
fn apply(state: &mut State, op: &CacheOperation) -> Result<Applied> {
    let (from_dir, to_dir) = match op.kind {
        OperationKind::Expire => (state.dirs.cache.clone(), state.dirs.expired.clone()),
        OperationKind::Available => (state.dirs.partial.clone(), state.dirs.cache.clone()),
    };
    let source = from_dir.join(&op.source);
    let target = to_dir.join(&op.target);
    // The cache index is keyed by image identifier, the expired one by file name (the
    // original's layout); they differ for images from registries (see `naming`).
    let target_key = match op.kind {
        OperationKind::Available => &op.image,
        OperationKind::Expire => &op.target,
    };
    let arrived = target.is_file();
    if !arrived && !source.is_file() {
        remove(indexes(state, op.kind).1, target_key)?;
        if op.kind == OperationKind::Expire {
            // The cached file vanished: its entry goes. (A lost download keeps its
            // partial entry, which counts the tries.)
            remove(indexes(state, op.kind).0, &op.image)?;
        }
        return Ok(Applied::Gone);
    }
    let to_index = indexes(state, op.kind).1;
    if to_index.get(target_key) != Some(&op.entry) {
        to_index.insert(target_key.clone(), op.entry.clone());
        State::save(to_index)?;
    }
    if !arrived {
        move_file(&source, &target).map_err(|e| {
            Error::Failed(format!(
                "cannot move {} to {}: {e}; check the directory's permissions and free space",
                source.display(),
                target.display()
            ))
        })?;
        index::fsync_dir(&to_dir).map_err(|e| Error::io(&to_dir, e))?;
        let _ = index::fsync_dir(&from_dir);
    }
    remove(indexes(state, op.kind).0, &op.image)?;
    Ok(Applied::Done)
}

/// The source and target index of an operation.
fn indexes(state: &mut State, kind: OperationKind) -> (&mut CacheIndex, &mut CacheIndex) {
    match kind {
        OperationKind::Expire => (&mut state.cache, &mut state.expired),
        OperationKind::Available => (&mut state.partial, &mut state.cache),
    }
}

fn remove(index: &mut CacheIndex, key: &str) -> Result<()> {
    if index.remove(key).is_some() {
        State::save(index)?;
    }
    Ok(())
}
