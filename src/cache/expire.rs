//! Expire: move cached images that are no longer wanted to the expired directory, with
//! the Expire events, never deleting them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::entry::{self, Known, Wanted};
use super::operation::{self, Move};
use super::{Outcome, State};
use crate::db::journal::{insert_event, OperationKind};
use crate::error::Result;
use crate::events::{Dispatcher, EventType};

/// Expires every cache entry the database knows and no longer wants as it is; refreshes
/// the metadata of those still wanted whose list changed. Foreign entries (images the
/// database has never heard of) stay where they are.
pub(crate) fn run(
    state: &mut State,
    wanted: &BTreeMap<String, Wanted>,
    known: &Known,
    events: &Dispatcher,
    outcome: &mut Outcome,
) -> Result<()> {
    let keys: Vec<String> = state.cache.keys().cloned().collect();
    for key in keys {
        let Some(current) = state.cache.get(&key).cloned() else {
            continue;
        };
        let id = entry::text(&current, "dc:identifier")
            .unwrap_or(&key)
            .to_string();
        let reason = match wanted.get(&id) {
            None if !known.knows(&key, &current) => continue, // foreign: reported by the run
            None => Some("it is no longer subscribed or no longer in a current, valid list"),
            Some(w) if entry::text(&current, "sha512") != Some(w.sha512.as_str()) => {
                Some("its checksum changed in the current list")
            }
            Some(w) if entry::size(&current) != Some(w.size) => {
                Some("its size changed in the current list")
            }
            Some(w)
                if entry::text(&current, "hv:imagelist.dc:identifier")
                    != Some(w.subscription.identifier.as_str()) =>
            {
                Some("it now comes from another subscription")
            }
            Some(_) => None,
        };
        match reason {
            Some(reason) => {
                tracing::info!("expiring image '{id}': {reason}");
                if expire_entry(state, &key, events)? {
                    outcome.expired += 1;
                }
            }
            None => refresh(state, &key, &current, &wanted[&id])?,
        }
    }
    Ok(())
}

/// The same image in a newer list: the entry takes the new message and metadata.
fn refresh(state: &mut State, key: &str, current: &Map<String, Value>, w: &Wanted) -> Result<()> {
    if entry::text(current, "msgHash") == Some(w.msg_hash.as_str()) {
        return Ok(());
    }
    let mut updated = w.entry.clone();
    for keep in ["filename", "DownLoadTrys"] {
        if let Some(v) = current.get(keep) {
            updated.insert(keep.to_string(), v.clone());
        }
    }
    state.cache.insert(key.to_string(), updated);
    State::save(&state.cache)
}

/// Moves one cached image to `<expired>/<id>.<YYYY-mm-dd_HH-MM-SS>` between the
/// ExpirePrefix and ExpirePostfix events, through the outbox. Returns false when the file
/// was already gone (the entry is dropped, the events still tell the handlers).
pub(crate) fn expire_entry(state: &mut State, key: &str, events: &Dispatcher) -> Result<bool> {
    let Some(current) = state.cache.get(key).cloned() else {
        return Ok(false);
    };
    let id = entry::text(&current, "dc:identifier")
        .unwrap_or(key)
        .to_string();
    let filename = entry::text(&current, "filename").unwrap_or(key).to_string();
    let source = state.dirs.cache.join(&filename);
    if !source.is_file() {
        tracing::warn!(
            "image '{id}': {} is missing; dropping it from the cache index",
            source.display()
        );
        let prefix = events.record(EventType::ExpirePrefix, &current);
        let postfix = events.record(EventType::ExpirePostfix, &current);
        events.journal_with(|tx| {
            for r in [&prefix, &postfix].into_iter().flatten() {
                insert_event(tx, r, None)?;
            }
            Ok(())
        })?;
        state.cache.remove(key);
        State::save(&state.cache)?;
        events.deliver_now();
        return Ok(false);
    }
    let name = expired_name(state, &id);
    let mut expired = current.clone();
    expired.insert("filename".into(), json!(name));
    operation::run(
        state,
        events,
        &Move {
            kind: OperationKind::Expire,
            key,
            source: &filename,
            target: &name,
            entry: &expired,
            before: &current,
        },
    )?;
    tracing::info!(
        "Expired image '{id}' to {}",
        state.dirs.expired.join(&name).display()
    );
    Ok(true)
}

/// `<id>.<UTC timestamp>`, with a counter if two expiries fall in one second.
fn expired_name(state: &State, id: &str) -> String {
    let now = OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}-{:02}-{:02}_{:02}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let mut name = format!("{id}.{stamp}");
    let mut n = 1;
    while state.dirs.expired.join(&name).exists() || state.expired.get(&name).is_some() {
        name = format!("{id}.{stamp}.{n}");
        n += 1;
    }
    name
}

/// Deletes expired files older than `days` (by the time in their name).
pub(crate) fn prune(state: &mut State, days: u32) -> Result<()> {
    let cutoff = OffsetDateTime::now_utc() - time::Duration::days(i64::from(days));
    let keys: Vec<String> = state.expired.keys().cloned().collect();
    let mut changed = false;
    for key in keys {
        let Some(when) = expired_time(&key) else {
            continue;
        };
        if when >= cutoff {
            continue;
        }
        let path = state.dirs.expired.join(&key);
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::info!("pruned {} (older than {days} days)", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!("cannot prune {}: {e}", path.display());
                continue;
            }
        }
        state.expired.remove(&key);
        changed = true;
    }
    if changed {
        State::save(&state.expired)?;
    }
    Ok(())
}

/// The time in an expired file name `<id>.<YYYY-mm-dd_HH-MM-SS>[.n]`.
fn expired_time(name: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]_[hour]-[minute]-[second]");
    name.split('.')
        .rev()
        .find_map(|part| time::PrimitiveDateTime::parse(part, &format).ok())
        .map(time::PlainDateTime::assume_utc)
}
