//! `vmcatcher sync`: what cron and systemd run.

use super::Context;
use crate::cli::Format;
use crate::error::{Error, Result};
use crate::fetch::UrlFetcher;
use crate::output;

/// Updates every subscription, then expires and downloads, under one lock; with
/// `dry_run`, prints what that would do and changes nothing.
pub(super) fn run(ctx: &Context, dry_run: bool) -> Result<()> {
    if dry_run {
        return plan(ctx);
    }
    let mut db = ctx.open_db()?;
    let _lock = ctx.lock(&db)?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let events = ctx.start_events(&db, true)?;
    crate::sync::sync(&mut db, &services, &events, !ctx.quiet)?.result()
}

/// No lock: the plan is of the state as read, and a dry run must not wait for a sync.
fn plan(ctx: &Context) -> Result<()> {
    let format = ctx.record_format()?;
    let db = ctx.read_db()?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let plan = crate::sync::dry_run(&db, &services)?;
    let result = plan.result();
    let code = result.as_ref().err().map_or(0, Error::exit_code);
    match format {
        Format::Json => output::json(&output::PlanJson::new(
            Some(&plan.update),
            &plan.cache,
            code,
        ))?,
        _ => output::write(output::plan_lines(Some(&plan.update), &plan.cache))?,
    }
    result
}
