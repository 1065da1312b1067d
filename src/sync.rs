//! `sync`, what cron and systemd run: every subscription updated, then the cache expired
//! and downloaded, under one lock taken by the caller.

use crate::cache::{self, Actions, Outcome};
use crate::db::Db;
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
