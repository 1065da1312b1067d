//! `sync`, what cron and systemd run: every subscription updated, then the cache expired
//! and downloaded, under one lock taken by the caller.

use crate::cache::plan::Plan;
use crate::cache::{self, Actions, Outcome};
use crate::db::{Access, Db};
use crate::error::{Error, Result};
use crate::events::Dispatcher;
use crate::services::Services;
use crate::subscription::{self, UpdateReport};

/// What a sync did.
pub(crate) struct SyncReport {
    pub update: UpdateReport,
    pub cache: Outcome,
}

impl SyncReport {
    /// The last failed subscription's exit code, else 1 when an image failed.
    pub(crate) fn result(&self) -> Result<()> {
        let cache = self.cache.result();
        match self.update.last_failure() {
            Some(code) => Err(Error::Reported(code)),
            None => cache,
        }
    }
}

/// Progress bars on a terminal unless `show_progress` is false (`-q`).
pub(crate) fn sync(
    db: &mut Db,
    services: &Services<'_>,
    events: &Dispatcher,
    show_progress: bool,
) -> Result<SyncReport> {
    let subscriptions = db.subscriptions()?;
    let update = subscription::update_all(db, services, events, &subscriptions);
    let cache = cache::run(
        db,
        services,
        events,
        Actions {
            expire: true,
            check: false,
            download: true,
        },
        show_progress,
    )?;
    let report = SyncReport { update, cache };
    if report.result().is_ok() {
        db.set_state(crate::db::LAST_SYNC, &crate::db::now_text())?;
    }
    Ok(report)
}

/// What a sync would do: the lists' updates as they happened on a copy of the database,
/// and the cache plan that follows from them.
pub(crate) struct SyncPlan {
    pub update: UpdateReport,
    pub cache: Plan,
}

impl SyncPlan {
    /// The exit code a real sync would give, as far as a plan can tell.
    pub(crate) fn result(&self) -> Result<()> {
        match self.update.last_failure() {
            Some(code) => Err(Error::Reported(code)),
            None => self.cache.result(),
        }
    }
}

/// `sync --dry-run`: fetches and verifies every list for real, but imports into a scratch
/// copy of the database with a dispatcher that sends nothing; then plans the cache run on
/// that copy. The database, the cache and the handlers see nothing of it.
pub(crate) fn dry_run(db: &Db, services: &Services<'_>) -> Result<SyncPlan> {
    let scratch = tempfile::Builder::new()
        .prefix("vmcatcher-dry-run-")
        .tempdir()
        .map_err(|e| {
            Error::Failed(format!(
                "cannot create a scratch directory for the dry run in {}: {e}; set TMPDIR \
                 to a writable directory",
                std::env::temp_dir().display()
            ))
        })?;
    let copy_path = scratch.path().join("vmcatcher.db");
    db.copy_to(&copy_path)?;
    let mut copy = Db::open_with(&copy_path, Access::Write)?;
    let events = Dispatcher::silent(&copy_path)?;
    let subscriptions = copy.subscriptions()?;
    let update = subscription::update_all(&mut copy, services, &events, &subscriptions);
    let cache = cache::plan::plan(
        &copy,
        db.path(),
        services.config,
        Actions {
            expire: true,
            check: false,
            download: true,
        },
        &[],
    )?;
    Ok(SyncPlan { update, cache })
}
