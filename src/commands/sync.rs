//! `vmcatcher sync`: what cron and systemd run.

use crate::cache::Actions;
use crate::commands::cache::{finish, run_cache};
use crate::commands::subscribe::update_all;
use crate::commands::Context;
use crate::error::{Error, Result};
use crate::fetch::UrlFetcher;

/// Updates every subscription, then expires and downloads, under one lock. Exit code:
/// the last failed subscription's, else 1 when an image failed.
pub fn run(ctx: &Context) -> Result<()> {
    let mut db = ctx.open_db()?;
    let _lock = ctx.lock(&db)?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let events = ctx.start_events(&db, true)?;
    let subscriptions = db.subscriptions()?;
    let subscription_failure = update_all(&mut db, &services, &events, &subscriptions);
    let outcome = run_cache(
        ctx,
        &mut db,
        &services,
        &events,
        Actions {
            expire: true,
            check: false,
            download: true,
        },
    )?;
    match (subscription_failure, finish(&outcome)) {
        (Some(code), _) => Err(Error::Reported(code)),
        (None, result) => result,
    }
}
