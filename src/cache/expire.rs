//! Expire: move cached images that are no longer wanted to the expired directory, with
//! the Expire events, never deleting them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::entry::{self, Known, Wanted};
use super::operation::{self, Move};
use super::{Outcome, State};
use crate::db::journal::{insert_event, OperationKind};
use crate::db::Db;
use crate::error::Result;
use crate::events::{Dispatcher, EventType};

/// What expire does with one cache entry.
pub(crate) enum Verdict {
    /// An image the database has never heard of: left where it is.
    Foreign,
    /// Still wanted as it is.
    Keep,
    /// No longer wanted, for this reason.
    Expire(String),
}

/// The verdict on the cache entry `key` (a real run and a dry run ask the same question).
pub(crate) fn verdict(
    db: &Db,
    key: &str,
    current: &Map<String, Value>,
    wanted: &BTreeMap<String, Wanted>,
    known: &Known,
) -> Result<Verdict> {
    let id = entry::text(current, "dc:identifier").unwrap_or(key);
    let reason = match wanted.get(id) {
        None if !known.knows(key, current) => return Ok(Verdict::Foreign),
        None => unwanted_reason(db, current, id)?,
        Some(w) if entry::checksum(current) != Some(w.sha512.as_str()) => {
            "its checksum changed in the current list".to_string()
        }
        Some(w) if entry::size(current) != Some(w.size) => {
            "its size changed in the current list".to_string()
        }
        Some(w)
            if entry::text(current, "hv:imagelist.dc:identifier")
                != Some(w.subscription.identifier.as_str()) =>
        {
            "it now comes from another subscription".to_string()
        }
        Some(_) => return Ok(Verdict::Keep),
    };
    Ok(Verdict::Expire(reason))
}

/// Why a known image is no longer wanted, in the administrator's terms.
fn unwanted_reason(db: &Db, current: &Map<String, Value>, id: &str) -> Result<String> {
    let Some(list) = entry::text(current, "hv:imagelist.dc:identifier") else {
        return Ok("it is in no current, valid list that is subscribed".into());
    };
    let Some(subscription) = db
        .subscriptions()?
        .into_iter()
        .find(|s| s.identifier == list)
    else {
        return Ok(format!("its subscription '{list}' was deleted"));
    };
    let stored = db.current_list(&subscription)?;
    let Some(stored) = stored else {
        return Ok(format!("subscription '{list}' has no valid list"));
    };
    if let Some(when) = &stored.expired {
        return Ok(format!(
            "the list of '{list}' (version {}) was withdrawn at {when}",
            stored.version
        ));
    }
    if crate::imagelist::parse_date(&stored.expires)
        .is_some_and(|expires| expires <= OffsetDateTime::now_utc())
    {
        return Ok(format!(
            "the list of '{list}' (version {}) expired at {}",
            stored.version, stored.expires
        ));
    }
    let state = db
        .image_states(Some(subscription.id))?
        .into_iter()
        .find(|i| i.identifier == id)
        .map(|i| i.state);
    Ok(match state {
        None => format!("it was refused or is no longer in subscription '{list}'"),
        Some(s) if s & 2 == 0 => format!(
            "it is no longer in the current list of '{list}' (version {})",
            stored.version
        ),
        Some(_) => "it is no longer selected (vmcatcher image subscribe selects it)".into(),
    })
}

/// Expires every cache entry the database knows and no longer wants as it is; refreshes
/// the metadata of those still wanted whose list changed. Foreign entries (images the
/// database has never heard of) stay where they are.
pub(crate) fn run(
    db: &Db,
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
        match verdict(db, &key, &current, wanted, known)? {
            Verdict::Foreign => {} // reported by the run
            Verdict::Expire(reason) => {
                tracing::info!("expiring image '{id}': {reason}");
                if expire_entry(state, &key, events)? {
                    outcome.expired += 1;
                }
            }
            Verdict::Keep => refresh(state, &key, &current, &wanted[&id])?,
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
    // Named after the cache file (the identifier of a list's image; the encoded one of
    // a registry's, see `naming`).
    let name = expired_name(state, &filename);
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
    let mut changed = false;
    for key in prunable(state, days) {
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

/// The expired entries older than `days` (by the time in their name).
pub(crate) fn prunable(state: &State, days: u32) -> Vec<String> {
    let cutoff = OffsetDateTime::now_utc() - time::Duration::days(i64::from(days));
    state
        .expired
        .keys()
        .filter(|key| expired_time(key).is_some_and(|when| when < cutoff))
        .cloned()
        .collect()
}

/// The time in an expired file name `<id>.<YYYY-mm-dd_HH-MM-SS>[.n]`.
fn expired_time(name: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]_[hour]-[minute]-[second]");
    name.split('.')
        .rev()
        .find_map(|part| time::PrimitiveDateTime::parse(part, &format).ok())
        .map(time::PlainDateTime::assume_utc)
}
