//! Download: fetch every wanted image that is not cached yet, several at a time, and
//! accept a file only when its size and SHA-512 match the list.
//!
//! Per image: the try is counted in the partial index before the request (so a crash
//! cannot hide one); the transfer streams into `<partial>/<id>`, hashing as it writes;
//! then AvailablePrefix, an atomic rename into the cache, the index entry, and
//! AvailablePostfix.

use std::collections::BTreeMap;
use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::entry::{self, Wanted};
use super::hash::{algorithm_of, checksum_file};
use super::operation::{self, Move};
use super::progress::human_bytes;
use super::space::free_space;
use super::transfer::{transfer, Expected, TransferError, TransferRequest};
use super::Reporter;
use super::{move_file, CacheRun, Outcome, State};
use crate::db::journal::{insert_event, OperationKind};
use crate::error::{Error, Result};
use crate::events::{Dispatcher, EventType};
use crate::fetch::FetchOptions;
use crate::services::Services;

/// Requests for one image within one run when the transfer broke off (resumed each time).
const ATTEMPTS_PER_RUN: u32 = 3;

pub(crate) fn run(
    run: &CacheRun<'_>,
    state: &mut State,
    wanted: &BTreeMap<String, Wanted>,
    outcome: &mut Outcome,
) -> Result<()> {
    forget_unwanted_partials(state, wanted)?;
    let max_tries = run.services.config.cache.max_tries.value;
    let mut jobs = Vec::new();
    for w in wanted.values() {
        if is_cached(state, w)? || adopt(run, state, w)? {
            continue;
        }
        if tries(state, w) >= max_tries {
            // Not a failure of this run (nothing was tried): a warning every run, until
            // a new list arrives or the administrator asks for another try.
            tracing::warn!(
                "Image '{}' has failed to download {} times, giving up until a new image \
                 list arrives; run 'vmcatcher cache download --retry {}' to try again now",
                w.image,
                tries(state, w),
                w.image
            );
            outcome.given_up += 1;
            continue;
        }
        let needed = bytes_to_fetch(state, w);
        match free_space(&state.dirs.partial) {
            Ok(free) if free < needed => {
                tracing::error!(
                    "Image '{}' is too large at {} bytes, available disk space in {} is {} \
                     bytes: free some space",
                    w.image,
                    w.size,
                    state.dirs.partial.display(),
                    free
                );
                outcome.failed += 1;
                continue;
            }
            Err(e) => tracing::warn!(
                "cannot tell the free space of {}: {e}",
                state.dirs.partial.display()
            ),
            Ok(_) => {}
        }
        jobs.push(w);
    }
    if jobs.is_empty() {
        return Ok(());
    }

    let threads =
        (run.services.config.cache.parallel_downloads.value as usize).clamp(1, jobs.len());
    let total: u64 = jobs.iter().map(|w| w.size).sum();
    tracing::info!(
        "{} image(s) to download, {} in all, {} at a time",
        jobs.len(),
        human_bytes(total),
        threads
    );
    run.reporter.begin(jobs.len(), total);
    let workers = Workers {
        services: run.services,
        events: run.events,
        reporter: run.reporter,
    };
    let next = AtomicUsize::new(0);
    let shared = Mutex::new((state, outcome));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(w) = jobs.get(i) else {
                    break;
                };
                download_one(&workers, &shared, w, max_tries);
            });
        }
    });
    run.reporter.finish();
    Ok(())
}

/// What the download threads share (the database stays with the main thread).
struct Workers<'a> {
    services: &'a Services<'a>,
    events: &'a Dispatcher,
    reporter: &'a Reporter,
}

type Shared<'s, 'o> = Mutex<(&'s mut State, &'o mut Outcome)>;

/// Downloads one image, retrying a broken-off transfer a few times with back-off.
fn download_one(run: &Workers<'_>, shared: &Shared<'_, '_>, w: &Wanted, max_tries: u32) {
    let options = image_options(run, w);
    let progress = run.reporter.image(&w.image, w.size);
    let partial = {
        let guard = lock(shared);
        guard.0.dirs.partial.join(&w.file)
    };
    for attempt in 1..=ATTEMPTS_PER_RUN {
        {
            let mut guard = lock(shared);
            if tries(guard.0, w) >= max_tries {
                tracing::warn!("Image '{}' has failed to download {max_tries} times, giving up until a new image list arrives", w.image);
                guard.1.failed += 1;
                progress.done(false);
                return;
            }
            if let Err(e) = count_try(guard.0, w) {
                tracing::error!("image '{}': {e}", w.image);
                guard.1.failed += 1;
                progress.done(false);
                return;
            }
        }
        let result = transfer(
            run.services.fetcher,
            &TransferRequest {
                url: &w.uri,
                options: &options,
                partial_path: &partial,
                expected: Expected {
                    size: w.size,
                    sha512: &w.sha512,
                },
            },
            &progress,
        );
        match result {
            Ok(_) => {
                let mut guard = lock(shared);
                let (state, outcome) = &mut *guard;
                match accept(run, state, w) {
                    Ok(()) => {
                        outcome.downloaded += 1;
                        progress.done(true);
                    }
                    Err(e) => {
                        tracing::error!("image '{}': {e}", w.image);
                        outcome.failed += 1;
                        progress.done(false);
                    }
                }
                return;
            }
            Err(e) if e.partial_kept() && attempt < ATTEMPTS_PER_RUN && transient(&e) => {
                let pause = Duration::from_secs(u64::from(attempt));
                tracing::warn!(
                    "image '{}': {e}; retrying in {} s",
                    w.image,
                    pause.as_secs()
                );
                std::thread::sleep(pause);
            }
            Err(e) => {
                tracing::error!("Failed to download image '{}': {e}", w.image);
                lock(shared).1.failed += 1;
                progress.done(false);
                return;
            }
        }
    }
}

fn lock<'a, 's, 'o>(
    shared: &'a Shared<'s, 'o>,
) -> std::sync::MutexGuard<'a, (&'s mut State, &'o mut Outcome)> {
    // A panicking worker cannot leave the indexes half-written (each save is atomic).
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Transfers that broke off (connection dropped, timed out, body cut short) are worth
/// another request now; refusals (404, TLS, wrong bytes) are not.
fn transient(e: &TransferError) -> bool {
    e.is_transient()
}

/// Credentials of the subscription go only to the list's own origin, never to a host a
/// list names for its images.
fn image_options(run: &Workers<'_>, w: &Wanted) -> FetchOptions {
    let s = &w.subscription;
    // A registry subscription's origin is the registry's base URL.
    let origin = match &s.registry {
        Some(settings) => crate::oci::settings::origin_url(&s.url, settings).unwrap_or_default(),
        None => s.url.clone(),
    };
    // The same rule as for redirects: the list's origin, or its https upgrade.
    let same_origin = match (url::Url::parse(&origin), url::Url::parse(&w.uri)) {
        (Ok(list), Ok(image)) if list.scheme() == "file" => image.scheme() == "file",
        (Ok(list), Ok(image)) => crate::fetch::may_send_credentials(&list, &image),
        _ => false,
    };
    if same_origin {
        let options = run.services.subscription_options(s);
        match &s.registry {
            // The registry's token flow, when it has one, for this download.
            Some(settings) => crate::oci::client::download_options(
                run.services.fetcher,
                options,
                &s.url,
                settings,
                &w.uri,
            ),
            None => options,
        }
    } else {
        run.services.fetch_options(s.tls_anchors, None, None)
    }
}

/// Already in the cache as wanted? A stale entry whose file vanished is dropped.
fn is_cached(state: &mut State, w: &Wanted) -> Result<bool> {
    let Some(current) = state.cache.get(&w.image) else {
        return Ok(false);
    };
    let filename = entry::text(current, "filename")
        .unwrap_or(&w.file)
        .to_string();
    if entry::checksum(current) == Some(w.sha512.as_str())
        && state.dirs.cache.join(&filename).is_file()
    {
        return Ok(true);
    }
    tracing::warn!(
        "image '{}': the cache index entry does not match the file: downloading it again",
        w.image
    );
    state.cache.remove(&w.image);
    State::save(&state.cache)?;
    Ok(false)
}

/// A file named like a wanted image in the cache but absent from the index (a crash after
/// the rename, or a lost index): adopted when size and SHA-512 match, else moved aside.
fn adopt(run: &CacheRun<'_>, state: &mut State, w: &Wanted) -> Result<bool> {
    let path = state.dirs.cache.join(&w.file);
    if !path.is_file() || state.cache.get(&w.image).is_some() {
        return Ok(false);
    }
    match checksum_file(&path, algorithm_of(&w.sha512)) {
        Ok((size, digest)) if size == w.size && digest == w.sha512 => {
            let mut e = w.entry.clone();
            e.insert("filename".into(), json!(w.file));
            if let Some(t) = state
                .partial
                .get(&w.image)
                .and_then(|p| p.get("DownLoadTrys"))
            {
                e.insert("DownLoadTrys".into(), t.clone());
            }
            // Journaled before the index changes: a crash in between announces the file
            // again next time rather than never.
            if let Some(r) = run.events.record(EventType::AvailablePostfix, &e) {
                run.events.journal_with(|tx| insert_event(tx, &r, None))?;
            }
            state.cache.insert(w.image.clone(), e.clone());
            State::save(&state.cache)?;
            if state.partial.remove(&w.image).is_some() {
                State::save(&state.partial)?;
            }
            tracing::info!(
                "adopted {} (size and SHA-512 match the list)",
                path.display()
            );
            run.events.deliver_now();
            Ok(true)
        }
        _ => {
            let aside = state.dirs.expired.join(format!("{}.unverified", w.file));
            move_file(&path, &aside).map_err(|e| Error::io(&path, e))?;
            tracing::warn!(
                "{} did not match the list and was not in the index: moved to {}",
                path.display(),
                aside.display()
            );
            Ok(false)
        }
    }
}

/// The bytes a download of `w` still needs: a partial file is resumed.
pub(crate) fn bytes_to_fetch(state: &State, w: &Wanted) -> u64 {
    let present = fs::metadata(state.dirs.partial.join(&w.file)).map_or(0, |m| m.len());
    w.size.saturating_sub(present.min(w.size))
}

pub(crate) fn tries(state: &State, w: &Wanted) -> u32 {
    state
        .partial
        .get(&w.image)
        .map_or(0, |p| entry::download_tries(p, &w.msg_hash))
}

/// Records one more try in the partial index, before the request is made.
fn count_try(state: &mut State, w: &Wanted) -> Result<()> {
    let count = tries(state, w) + 1;
    let mut e: Map<String, Value> = w.entry.clone();
    e.insert("filename".into(), json!(w.file));
    e.insert(
        "DownLoadTrys".into(),
        json!({ "count": count, "msgHash": w.msg_hash }),
    );
    state.partial.insert(w.image.clone(), e);
    State::save(&state.partial)
}

/// The verified file enters the cache through the outbox: AvailablePrefix (file still in
/// partial), rename, index entry, AvailablePostfix.
fn accept(run: &Workers<'_>, state: &mut State, w: &Wanted) -> Result<()> {
    let mut e = state
        .partial
        .get(&w.image)
        .cloned()
        .unwrap_or_else(|| w.entry.clone());
    e.insert("filename".into(), json!(w.file));
    operation::run(
        state,
        run.events,
        &Move {
            kind: OperationKind::Available,
            key: &w.image,
            source: &w.file,
            target: &w.file,
            entry: &e,
            before: &e,
        },
    )
}

/// Forgets the download tries of `images` (by identifier), so they are tried again.
/// Returns how many had tries counted.
pub(crate) fn reset_tries(state: &mut State, images: &[String]) -> Result<usize> {
    let mut reset = 0;
    for image in images {
        if let Some(entry) = state.partial.get_mut(image) {
            if entry.remove("DownLoadTrys").is_some() {
                reset += 1;
            }
        }
    }
    if reset > 0 {
        State::save(&state.partial)?;
    }
    Ok(reset)
}

/// Partial files and entries of images no longer wanted leave with their try counts.
fn forget_unwanted_partials(state: &mut State, wanted: &BTreeMap<String, Wanted>) -> Result<()> {
    let stale: Vec<String> = state
        .partial
        .keys()
        .filter(|k| !wanted.contains_key(*k))
        .cloned()
        .collect();
    for key in &stale {
        let file = state
            .partial
            .get(key)
            .and_then(|e| entry::text(e, "filename"));
        let file = file.map_or_else(|| super::naming::file_name(key), str::to_string);
        let _ = fs::remove_file(state.dirs.partial.join(file));
        state.partial.remove(key);
    }
    if !stale.is_empty() {
        State::save(&state.partial)?;
    }
    Ok(())
}
