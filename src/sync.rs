//! `sync`, what cron and systemd run: every subscription updated, then the cache expired
//! and downloaded, under one lock taken by the caller.

use crate::cache::plan::Plan;
use crate::cache::{self, Actions, Outcome};
use std::path::Path;

use crate::db::Db;
use crate::declare::{self, Change, Declarations};
use crate::error::{Error, Result};
use crate::events::Dispatcher;
use crate::services::Services;
use crate::subscription::{self, UpdateReport};

/// What a sync did.
pub(crate) struct SyncReport {
    pub apply: Applied,
    pub update: UpdateReport,
    pub cache: Outcome,
}

impl SyncReport {
    /// The last failed subscription's exit code, else 1 when an image failed.
    pub(crate) fn result(&self) -> Result<()> {
        let cache = self.cache.result();
        match self.update.last_failure().or(self.apply.failure) {
            Some(code) => Err(Error::Reported(code)),
            None => cache,
        }
    }
}

/// The declarations applied first (when there are any), then the update and the cache;
/// progress bars on a terminal unless `show_progress` is false (`-q`).
pub(crate) fn sync(
    db: &mut Db,
    services: &Services<'_>,
    events: &Dispatcher,
    declarations: &Declarations,
    show_progress: bool,
) -> Result<SyncReport> {
    let mut apply = apply_declarations(db, services, declarations)?;
    let subscriptions = db.subscriptions()?;
    let update = subscription::update_all(db, services, events, &subscriptions);
    reselect_declared(db, services, declarations, &mut apply)?;
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
    let report = SyncReport {
        apply,
        update,
        cache,
    };
    if report.result().is_ok() {
        db.set_state(crate::db::LAST_SYNC, &crate::db::now_text())?;
    }
    Ok(report)
}

/// What a sync would do: the lists' updates as they happened on a copy of the database,
/// and the cache plan that follows from them.
pub(crate) struct SyncPlan {
    pub apply: Applied,
    pub update: UpdateReport,
    pub cache: Plan,
}

impl SyncPlan {
    /// The exit code a real sync would give, as far as a plan can tell.
    pub(crate) fn result(&self) -> Result<()> {
        match self.update.last_failure().or(self.apply.failure) {
            Some(code) => Err(Error::Reported(code)),
            None => self.cache.result(),
        }
    }
}

/// `sync --dry-run` on `copy`, a scratch copy of `database`: the declarations applied and
/// every list fetched and verified for real, imported into the copy with a dispatcher
/// that sends nothing; then the cache run planned on the copy. The database, the cache
/// and the handlers see nothing of it.
pub(crate) fn dry_run(
    copy: &mut Db,
    database: &Path,
    services: &Services<'_>,
    declarations: &Declarations,
) -> Result<SyncPlan> {
    let events = Dispatcher::silent(copy.path())?;
    let mut apply = apply_declarations(copy, services, declarations)?;
    let subscriptions = copy.subscriptions()?;
    let update = subscription::update_all(copy, services, &events, &subscriptions);
    reselect_declared(copy, services, declarations, &mut apply)?;
    let cache = cache::plan::plan(
        copy,
        database,
        services.config,
        Actions {
            expire: true,
            check: false,
            download: true,
        },
        &[],
    )?;
    Ok(SyncPlan {
        apply,
        update,
        cache,
    })
}

/// The declarations applied before the update (never pruning), each change logged; a
/// declared list that cannot be added fails the run's result, not the run.
pub(crate) fn apply_declarations(
    db: &mut Db,
    services: &Services<'_>,
    declarations: &Declarations,
) -> Result<Applied> {
    let mut applied = Applied::default();
    if declarations.is_empty() {
        return Ok(applied);
    }
    let result = declare::apply(db, services, declarations, false, &mut |c| {
        applied.note(c);
    });
    match result {
        Ok(()) => {}
        Err(Error::Reported(code)) => applied.failure = Some(code),
        Err(e) => return Err(e),
    }
    Ok(applied)
}

/// The declared selections applied again once the update brought new images, so a new
/// image is selected (or not) in the sync that first sees it.
pub(crate) fn reselect_declared(
    db: &mut Db,
    services: &Services<'_>,
    declarations: &Declarations,
    applied: &mut Applied,
) -> Result<()> {
    if declarations.is_empty() {
        return Ok(());
    }
    declare::reselect(db, services, declarations, &mut |c| applied.note(c))
}

/// What applying the declarations did in a sync.
#[derive(Default)]
pub(crate) struct Applied {
    pub changes: Vec<Change>,
    /// The exit code of a declared subscription that could not be added.
    pub failure: Option<u8>,
}

impl Applied {
    /// Logs a change and keeps it for the plan; what was kept as it is only at debug level.
    fn note(&mut self, c: &Change) {
        if c.sign == '=' {
            tracing::debug!("apply: {} {}", c.sign, c.text);
        } else {
            tracing::info!("apply: {} {}", c.sign, c.text);
            self.changes.push(c.clone());
        }
    }
}
