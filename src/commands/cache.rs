use super::Context;
use crate::cache::{self, Actions, CacheDirs};
use crate::cli::{CacheAction, CacheArgs, Format};
use crate::config::Environment;
use crate::error::{Error, Result};
use crate::fetch::UrlFetcher;
use crate::output;

pub(super) fn run(ctx: &Context, args: CacheArgs, env: &Environment) -> Result<()> {
    let (requested, retry) = (&args.actions, &args.retry);
    if requested.contains(&CacheAction::List) {
        if requested.len() > 1 || !retry.is_empty() || args.dry_run {
            return Err(Error::Usage(
                "'cache list' prints the cache and takes no other action".into(),
            ));
        }
        return list(ctx);
    }
    let actions = actions(requested, env);
    if args.dry_run {
        return plan(ctx, actions, retry);
    }
    let db = ctx.open_db()?;
    let _lock = ctx.lock(&db)?;
    if !retry.is_empty() {
        let mut images = Vec::new();
        for reference in retry {
            images.extend(db.find_images(reference)?.into_iter().map(|d| d.identifier));
        }
        let reset = cache::reset_download_tries(&CacheDirs::in_use(&ctx.config), &images)?;
        tracing::info!("reset the download tries of {reset} image(s)");
    }
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let events = ctx.start_events(&db, true)?;
    cache::run(&db, &services, &events, actions, !ctx.quiet)?.result()
}

/// The actions of the flags and of `VMCATCHER_CACHE_ACTION_*=1`, as the original: their
/// union; none means expire and download; download implies expire.
pub(super) fn actions(requested: &[CacheAction], env: &Environment) -> Actions {
    let from_env = |name: &str| env.get(name) == Some("1");
    let mut a = Actions {
        download: requested.contains(&CacheAction::Download)
            || from_env("VMCATCHER_CACHE_ACTION_DOWNLOAD"),
        check: requested.contains(&CacheAction::Check) || from_env("VMCATCHER_CACHE_ACTION_CHECK"),
        expire: requested.contains(&CacheAction::Expire)
            || from_env("VMCATCHER_CACHE_ACTION_EXPIRE"),
    };
    if !a.download && !a.check && !a.expire {
        a.download = true;
    }
    if a.download {
        a.expire = true;
    }
    a
}

/// `cache --dry-run`: the plan on the database as it is, read-only and without the lock
/// (the plan is of the state as read; a dry run must not wait for a sync).
fn plan(ctx: &Context, actions: Actions, retry: &[String]) -> Result<()> {
    let format = ctx.record_format()?;
    let db = ctx.read_db()?;
    let mut images = Vec::new();
    for reference in retry {
        images.extend(db.find_images(reference)?.into_iter().map(|d| d.identifier));
    }
    let plan = cache::plan::plan(&db, db.path(), &ctx.config, actions, &images)?;
    let result = plan.result();
    let code = result.as_ref().err().map_or(0, Error::exit_code);
    match format {
        Format::Json => output::json(&output::PlanJson::new(None, &plan, code))?,
        _ => output::write(output::plan_lines(None, &plan))?,
    }
    result
}

/// What is in the cache directory, with each image's state in the database.
fn list(ctx: &Context) -> Result<()> {
    let format = ctx.record_format()?;
    let db = ctx.read_db()?;
    let images = cache::list(&db, &CacheDirs::from_config(&ctx.config))?;
    match format {
        Format::Json => output::json(&images),
        _ => output::write(output::cache_list_lines(&images)),
    }
}
