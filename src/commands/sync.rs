//! `vmcatcher sync`: what cron and systemd run.

use super::Context;
use crate::cli::Format;
use crate::error::{Error, Result};
use crate::fetch::UrlFetcher;
use crate::output;

/// Applies the declarations, updates every subscription, then expires and downloads,
/// under one lock; with `dry_run`, prints what that would do and changes nothing.
pub(super) fn run(ctx: &Context, dry_run: bool) -> Result<()> {
    // Read first: a typo in a drop-in stops the run before anything changes.
    let declarations = crate::declare::load(&ctx.config)?;
    if dry_run {
        return plan(ctx, &declarations);
    }
    // A declared site starts from nothing: its first sync creates the database.
    let mut db = if declarations.is_empty() {
        ctx.open_db()?
    } else {
        ctx.create_db()?
    };
    let _lock = ctx.lock(&db)?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let events = ctx.start_events(&db, true)?;
    crate::sync::sync(&mut db, &services, &events, &declarations, !ctx.quiet)?.result()
}

/// No lock: the plan is of the state as read, and a dry run must not wait for a sync.
fn plan(ctx: &Context, declarations: &crate::declare::Declarations) -> Result<()> {
    let format = ctx.record_format()?;
    let mut scratch = ctx.scratch_db(!declarations.is_empty())?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let database = ctx.config.database.value.path.clone();
    let plan = crate::sync::dry_run(&mut scratch.db, &database, &services, declarations)?;
    let result = plan.result();
    let code = result.as_ref().err().map_or(0, Error::exit_code);
    let sync = output::SyncPlanView {
        apply: &plan.apply.changes,
        update: &plan.update,
    };
    match format {
        Format::Json => output::json(&output::PlanJson::new(Some(&sync), &plan.cache, code))?,
        _ => output::write(output::plan_lines(Some(&sync), &plan.cache))?,
    }
    result
}
