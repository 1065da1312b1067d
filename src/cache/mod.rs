//! The image cache: three directories (cache, partial, expired) with the original's
//! layout and `cache.index` files, kept in step with the database.
//!
//! A run expires what is no longer wanted, checks what is cached (on request) and
//! downloads what is missing. Every step leaves disk and indexes consistent if the
//! process dies right after it: files move by atomic rename before their index entry
//! follows, and the next run adopts or drops what a crash left half-recorded.

mod check;
mod download;
pub mod entry;
mod expire;
pub mod hash;
pub mod index;
pub mod naming;
mod operation;
pub mod plan;
mod progress;
mod safefs;
pub mod space;
pub mod transfer;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use serde_json::Map;

use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::events::{Dispatcher, EventType};
use crate::services::Services;
use index::CacheIndex;

pub use progress::Reporter;

/// The three directories of the cache.
#[derive(Debug, Clone)]
pub struct CacheDirs {
    pub cache: PathBuf,
    pub partial: PathBuf,
    pub expired: PathBuf,
}

impl CacheDirs {
    pub fn from_config(config: &Config) -> CacheDirs {
        CacheDirs {
            cache: config.cache.dir.value.clone(),
            partial: config.cache.partial_dir.value.clone(),
            expired: config.cache.expired_dir.value.clone(),
        }
    }

    /// The configured directories, saying so for each that is the built-in default.
    pub fn in_use(config: &Config) -> CacheDirs {
        let c = &config.cache;
        for (name, setting) in [
            ("cache", &c.dir),
            ("partial", &c.partial_dir),
            ("expired", &c.expired_dir),
        ] {
            if setting.source == crate::config::Source::Default {
                tracing::info!(
                    "using the default {name} directory {}",
                    setting.value.display()
                );
            }
        }
        CacheDirs::from_config(config)
    }

    /// Creates missing directories (0755: hooks read the images).
    pub fn create(&self) -> Result<()> {
        for dir in [&self.cache, &self.partial, &self.expired] {
            if dir.is_dir() {
                continue;
            }
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(dir)
                .map_err(|e| {
                    Error::Failed(format!(
                        "cannot create the cache directory {}: {e}; create it or configure \
                         another one",
                        dir.display()
                    ))
                })?;
        }
        Ok(())
    }
}

/// Which steps a run takes; they always run in this order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actions {
    pub expire: bool,
    pub check: bool,
    pub download: bool,
}

/// Forgets the download tries of `images` in the partial index of `dirs` (`cache
/// --retry`, `image subscribe`). The caller holds the run lock.
pub fn reset_download_tries(dirs: &CacheDirs, images: &[String]) -> Result<usize> {
    if !dirs.partial.join(index::INDEX_FILE).is_file() {
        return Ok(0);
    }
    let mut state = State::load(dirs)?;
    download::reset_tries(&mut state, images)
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub downloaded: usize,
    pub expired: usize,
    /// Failed in this run: the exit code is 1.
    pub failed: usize,
    /// Left alone after cache.max_tries: a warning, not a failure.
    pub given_up: usize,
}

impl Outcome {
    /// Logs the summary; any image that failed in this run makes the exit code 1.
    pub fn result(&self) -> Result<()> {
        tracing::info!(
            "cache: {} downloaded, {} expired, {} failed{}",
            self.downloaded,
            self.expired,
            self.failed,
            if self.given_up > 0 {
                format!(", {} given up after cache.max_tries", self.given_up)
            } else {
                String::new()
            }
        );
        if self.failed > 0 {
            return Err(Error::Reported(1));
        }
        Ok(())
    }
}

/// Runs the chosen cache steps with the configured directories (`cache`, `sync`);
/// progress bars on a terminal unless `show_progress` is false (`-q`).
pub fn run(
    db: &Db,
    services: &Services<'_>,
    events: &Dispatcher,
    actions: Actions,
    show_progress: bool,
) -> Result<Outcome> {
    let reporter = Reporter::new(show_progress);
    CacheRun {
        db,
        services,
        events,
        dirs: CacheDirs::in_use(services.config),
        reporter: &reporter,
    }
    .run(actions)
}

/// The three indexes of a run; the lock file guarantees no other writer.
pub(crate) struct State {
    pub dirs: CacheDirs,
    pub cache: CacheIndex,
    pub partial: CacheIndex,
    pub expired: CacheIndex,
}

impl State {
    fn load(dirs: &CacheDirs) -> Result<State> {
        let load = |dir: &Path| {
            remove_stale_temporaries(dir);
            let index = CacheIndex::load(dir).map_err(|e| Error::Failed(e.to_string()))?;
            // Tools such as glancepush read the index: every directory has one, even empty.
            if !dir.join(index::INDEX_FILE).exists() {
                State::save(&index)?;
            }
            Ok::<_, Error>(index)
        };
        Ok(State {
            cache: load(&dirs.cache)?,
            partial: load(&dirs.partial)?,
            expired: load(&dirs.expired)?,
            dirs: dirs.clone(),
        })
    }

    fn save(index: &CacheIndex) -> Result<()> {
        index
            .save()
            .map_err(|e| Error::io(index.dir().join(index::INDEX_FILE), e))
    }
}

/// Everything a cache run needs.
pub struct CacheRun<'a> {
    pub db: &'a Db,
    pub services: &'a Services<'a>,
    pub events: &'a Dispatcher,
    pub dirs: CacheDirs,
    pub reporter: &'a Reporter,
}

impl CacheRun<'_> {
    /// Runs the chosen steps; image failures are counted, not returned as errors.
    pub fn run(&self, actions: Actions) -> Result<Outcome> {
        let known = entry::Known(self.db.known_images()?);
        if known.0.is_empty() {
            // An empty database (a typo in --database, a fresh file) must not empty a
            // cache that another database filled.
            tracing::warn!(
                "database {} has no subscriptions: the cache in {} is left as it is \
                 (nothing expired, nothing downloaded); add one with 'vmcatcher subscribe \
                 add', or check --database and VMCATCHER_RDBMS",
                self.db.path().display(),
                self.dirs.cache.display()
            );
            return Ok(Outcome::default());
        }
        self.dirs.create()?;
        let mut state = State::load(&self.dirs)?;
        operation::recover(&mut state, self.events)?;
        report_foreign(&state, &known, self.db.path());
        let (wanted, clashes) = entry::wanted_images(self.db)?;
        let mut outcome = Outcome {
            failed: clashes.len(),
            ..Outcome::default()
        };
        for clash in &clashes {
            tracing::error!("{clash}");
        }
        let config = self.services.config;
        self.events.emit(EventType::ProcessPrefix, &Map::new());
        if actions.expire {
            expire::run(
                self.db,
                &mut state,
                &wanted,
                &known,
                self.events,
                &mut outcome,
            )?;
            let days = config.cache.expired_retention_days.value;
            if days > 0 {
                expire::prune(&mut state, days)?;
            }
        }
        if actions.check {
            check::run(&mut state, &known, self.events, &mut outcome)?;
        }
        if actions.download {
            download::run(self, &mut state, &wanted, &mut outcome)?;
        }
        report_unknown_files(&state);
        self.events.emit(EventType::ProcessPostfix, &Map::new());
        Ok(outcome)
    }
}

/// Index entries of images the database does not know: left in place, reported once.
fn report_foreign(state: &State, known: &entry::Known, database: &Path) {
    let foreign: Vec<&str> = state
        .cache
        .iter()
        .filter(|(key, e)| !known.knows(key, e))
        .map(|(key, e)| entry::text(e, "dc:identifier").unwrap_or(key))
        .collect();
    if !foreign.is_empty() {
        tracing::warn!(
            "{} cached image(s) unknown to database {} left in place (foreign: another \
             database's or a restored backup's; never expired, no events): {}",
            foreign.len(),
            database.display(),
            foreign.join(", ")
        );
    }
}

/// Files in the cache directory the index does not know: reported, never deleted.
fn report_unknown_files(state: &State) {
    let known: Vec<&str> = state
        .cache
        .iter()
        .map(|(_, e)| e)
        .filter_map(|e| entry::text(e, "filename"))
        .collect();
    let Ok(dir) = fs::read_dir(&state.dirs.cache) else {
        return;
    };
    for item in dir.flatten() {
        let name = item.file_name().to_string_lossy().into_owned();
        let is_file = item.file_type().is_ok_and(|t| t.is_file());
        if !is_file || name == index::INDEX_FILE || index::is_temporary(&name) {
            continue;
        }
        if !known.contains(&name.as_str()) {
            tracing::warn!(
                "{} is not in the cache index: left alone (move it away if it is not yours)",
                state.dirs.cache.join(&name).display()
            );
        }
    }
}

/// Temporary index files a killed run left behind (we hold the lock: nobody writes them).
fn remove_stale_temporaries(dir: &Path) {
    let Ok(items) = fs::read_dir(dir) else {
        return;
    };
    for item in items.flatten() {
        if item
            .file_name()
            .to_string_lossy()
            .starts_with(".cache.index.tmp-")
        {
            let _ = fs::remove_file(item.path());
        }
    }
}

/// Moves a file, copying when source and target are on different file systems.
pub(crate) fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    match fs::rename(from, to) {
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => safefs::copy_across(from, to),
        other => other,
    }
}

/// The identifiers of the images the cache directory's index holds (none when it cannot
/// be read): for listings, read-only.
pub fn cached_identifiers(dirs: &CacheDirs) -> std::collections::HashSet<String> {
    let Ok(index) = CacheIndex::peek(&dirs.cache) else {
        return std::collections::HashSet::new();
    };
    index
        .iter()
        .map(|(key, e)| entry::text(e, "dc:identifier").unwrap_or(key).to_string())
        .collect()
}

/// One row of `cache list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CachedImage {
    #[serde(rename = "identifier")]
    pub image: String,
    pub size: Option<u64>,
    pub subscription: String,
    pub state: Option<u8>,
    pub path: PathBuf,
}

/// What the cache directory holds, with each image's state in the database.
pub fn list(db: &Db, dirs: &CacheDirs) -> Result<Vec<CachedImage>> {
    let index = CacheIndex::peek(&dirs.cache).map_err(Error::Failed)?;
    let states: BTreeMap<(String, String), u8> = db
        .image_states(None)?
        .into_iter()
        .map(|s| ((s.subscription, s.identifier), s.state))
        .collect();
    Ok(index
        .iter()
        .map(|(key, e)| {
            let image = entry::text(e, "dc:identifier").unwrap_or(key).to_string();
            let subscription = entry::text(e, "hv:imagelist.dc:identifier")
                .unwrap_or("")
                .to_string();
            CachedImage {
                state: states.get(&(subscription.clone(), image.clone())).copied(),
                size: entry::size(e),
                path: dirs.cache.join(entry::text(e, "filename").unwrap_or(key)),
                image,
                subscription,
            }
        })
        .collect())
}
