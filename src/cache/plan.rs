//! A dry run of the cache: what expire, check and download would do, decided by the rules
//! of a real run on the indexes as they are read. Nothing is saved, moved, fetched or sent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::check;
use super::download::{bytes_to_fetch, tries};
use super::entry::{self, Known, Wanted};
use super::expire::{self, Verdict};
use super::hash::{algorithm_of, checksum_file};
use super::index::{self, CacheIndex};
use super::space::free_space;
use super::{Actions, CacheDirs, State};
use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, Result};

/// What a cache run would do.
#[derive(Debug, Default, Serialize)]
pub struct Plan {
    pub expire: Vec<PlannedExpiry>,
    /// Expired files past `cache.expired_retention_days`, deleted.
    pub prune: Vec<PathBuf>,
    /// Files in the cache directory the index misses, taken as they are (they match).
    pub adopt: Vec<PathBuf>,
    pub download: Vec<PlannedDownload>,
    /// Left alone after `cache.max_tries`: a warning, not a failure.
    pub given_up: Vec<GivenUp>,
    /// What a real run would count as failed (exit code 1).
    pub failed: Vec<PlannedFailure>,
    /// Bytes the downloads still fetch (partial files are resumed).
    pub fetch_bytes: u64,
    /// Free bytes where downloads are written, when the file system says.
    pub free_bytes: Option<u64>,
    pub partial_dir: PathBuf,
    /// Index entries of images the database does not know: left in place.
    pub foreign: usize,
    /// Cache operations an interrupted run left, finished first by a real run.
    pub interrupted: usize,
}

#[derive(Debug, Serialize)]
pub struct PlannedExpiry {
    pub identifier: String,
    /// The file in the cache directory that moves.
    #[serde(skip)]
    pub file: String,
    pub subscription: Option<String>,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct PlannedDownload {
    pub identifier: String,
    pub subscription: String,
    pub size: u64,
    pub fetch_bytes: u64,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct GivenUp {
    pub identifier: String,
    pub tries: u32,
}

#[derive(Debug, Serialize)]
pub struct PlannedFailure {
    pub identifier: String,
    pub reason: String,
}

impl Plan {
    /// Whether every download fits in the free space (unknown free space counts as yes,
    /// as in a real run).
    pub fn space_suffices(&self) -> bool {
        self.free_bytes.is_none_or(|free| free >= self.fetch_bytes)
    }

    /// What a real run's result would be, as far as a plan can tell: the transfers
    /// themselves may still fail.
    pub fn result(&self) -> Result<()> {
        if self.failed.is_empty() {
            Ok(())
        } else {
            Err(Error::Reported(1))
        }
    }
}

/// Plans the chosen steps for the database `db` (`database` names it in messages: a sync
/// dry run plans on a copy). `retry` lists images whose download tries are forgotten,
/// as `cache --retry` does.
pub fn plan(
    db: &Db,
    database: &Path,
    config: &Config,
    actions: Actions,
    retry: &[String],
) -> Result<Plan> {
    let dirs = CacheDirs::in_use(config);
    let mut plan = Plan {
        partial_dir: dirs.partial.clone(),
        ..Plan::default()
    };
    let known = Known(db.known_images()?);
    if known.0.is_empty() {
        tracing::warn!(
            "database {} has no subscriptions: a run leaves the cache in {} as it is",
            database.display(),
            dirs.cache.display()
        );
        return Ok(plan);
    }
    let mut state = State {
        cache: peek(&dirs.cache)?,
        partial: peek(&dirs.partial)?,
        expired: peek(&dirs.expired)?,
        dirs,
    };
    plan.interrupted = db.operations()?.len();
    plan.foreign = state
        .cache
        .iter()
        .filter(|(key, e)| !known.knows(key, e))
        .count();
    let (wanted, clashes) = entry::wanted_images(db)?;
    for clash in clashes {
        plan.failed.push(PlannedFailure {
            reason: clash.to_string(),
            identifier: clash.image,
        });
    }
    if actions.expire {
        plan_expiry(db, &mut state, &wanted, &known, &mut plan)?;
        let days = config.cache.expired_retention_days.value;
        if days > 0 {
            let prune = expire::prunable(&state, days);
            plan.prune = prune.iter().map(|k| state.dirs.expired.join(k)).collect();
        }
    }
    if actions.check {
        for (key, path, problem) in check::failures(&state, &known) {
            plan.failed.push(PlannedFailure {
                identifier: key.clone(),
                reason: format!("{problem}: {} is moved to expired", path.display()),
            });
            state.cache.remove(&key);
        }
    }
    if actions.download {
        for key in retry {
            if let Some(e) = state.partial.get_mut(key) {
                e.remove("DownLoadTrys");
            }
        }
        plan_downloads(&state, &wanted, config.cache.max_tries.value, &mut plan);
    }
    Ok(plan)
}

/// A missing index is empty; one that does not parse is empty too, as a real run (which
/// moves it aside and adopts the files that match) sees it. One that cannot be read fails
/// the plan, as it fails the real run.
fn peek(dir: &Path) -> Result<CacheIndex> {
    let path = dir.join(index::INDEX_FILE);
    if let Err(e) = std::fs::File::open(&path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            return Err(Error::io(&path, e));
        }
    }
    Ok(CacheIndex::peek(dir).unwrap_or_else(|e| {
        tracing::warn!("{e}: a real run moves it aside and adopts the files that match");
        CacheIndex::new(dir)
    }))
}

fn plan_expiry(
    db: &Db,
    state: &mut State,
    wanted: &BTreeMap<String, Wanted>,
    known: &Known,
    plan: &mut Plan,
) -> Result<()> {
    let keys: Vec<String> = state.cache.keys().cloned().collect();
    for key in keys {
        let Some(current) = state.cache.get(&key).cloned() else {
            continue;
        };
        if let Verdict::Expire(reason) = expire::verdict(db, &key, &current, wanted, known)? {
            plan.expire.push(PlannedExpiry {
                file: entry::text(&current, "filename")
                    .unwrap_or(&key)
                    .to_string(),
                identifier: entry::text(&current, "dc:identifier")
                    .unwrap_or(&key)
                    .to_string(),
                subscription: entry::text(&current, "hv:imagelist.dc:identifier")
                    .map(str::to_string),
                reason,
            });
            state.cache.remove(&key);
        }
    }
    Ok(())
}

/// The download step's decisions, image by image, as `download::run` takes them.
fn plan_downloads(
    state: &State,
    wanted: &BTreeMap<String, Wanted>,
    max_tries: u32,
    plan: &mut Plan,
) {
    plan.free_bytes = free_space(existing_ancestor(&state.dirs.partial)).ok();
    for w in wanted.values() {
        let cached = state.cache.get(&w.image).is_some_and(|current| {
            entry::checksum(current) == Some(w.sha512.as_str())
                && state
                    .dirs
                    .cache
                    .join(entry::text(current, "filename").unwrap_or(&w.file))
                    .is_file()
        });
        if cached {
            continue;
        }
        let stray = state.dirs.cache.join(&w.file);
        // A file this run expires first is gone by the time downloads look for it.
        let moving = plan.expire.iter().any(|e| e.file == w.file);
        if state.cache.get(&w.image).is_none()
            && !moving
            && stray.is_file()
            && checksum_file(&stray, algorithm_of(&w.sha512))
                .is_ok_and(|(size, digest)| size == w.size && digest == w.sha512)
        {
            plan.adopt.push(stray);
            continue;
        }
        let tried = tries(state, w);
        if tried >= max_tries {
            plan.given_up.push(GivenUp {
                identifier: w.image.clone(),
                tries: tried,
            });
            continue;
        }
        let fetch_bytes = bytes_to_fetch(state, w);
        if plan.free_bytes.is_some_and(|free| free < fetch_bytes) {
            plan.failed.push(PlannedFailure {
                identifier: w.image.clone(),
                reason: format!(
                    "too large at {} bytes for the free space in {}",
                    w.size,
                    state.dirs.partial.display()
                ),
            });
            continue;
        }
        plan.fetch_bytes += fetch_bytes;
        plan.download.push(PlannedDownload {
            identifier: w.image.clone(),
            subscription: w.subscription.identifier.clone(),
            size: w.size,
            fetch_bytes,
            url: crate::fetch::redact_url(&w.uri),
        });
    }
}

/// The directory itself, or the nearest parent that exists (a first run creates it).
fn existing_ancestor(dir: &Path) -> &Path {
    dir.ancestors()
        .find(|d| d.is_dir())
        .unwrap_or(Path::new("/"))
}
