//! `vmcatcher sync`: what cron and systemd run.

use super::Context;
use crate::error::Result;
use crate::fetch::UrlFetcher;

/// Updates every subscription, then expires and downloads, under one lock.
pub(super) fn run(ctx: &Context) -> Result<()> {
    let mut db = ctx.open_db()?;
    let _lock = ctx.lock(&db)?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let events = ctx.start_events(&db, true)?;
    crate::sync::sync(&mut db, &services, &events, !ctx.quiet)?.result()
}
