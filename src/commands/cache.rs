use crate::cache::{self, Actions, CacheDirs, CacheRun, Reporter};
use crate::cli::{CacheAction, Format};
use crate::commands::Context;
use crate::config::{Environment, Source};
use crate::error::{Error, Result};
use crate::events::Dispatcher;
use crate::fetch::UrlFetcher;
use crate::output;

pub fn run(
    ctx: &Context,
    requested: &[CacheAction],
    retry: &[String],
    env: &Environment,
) -> Result<()> {
    if requested.contains(&CacheAction::List) {
        if requested.len() > 1 || !retry.is_empty() {
            return Err(Error::Usage(
                "'cache list' prints the cache and takes no other action".into(),
            ));
        }
        return list(ctx);
    }
    let actions = actions(requested, env);
    let mut db = ctx.open_db()?;
    let _lock = ctx.lock(&db)?;
    if !retry.is_empty() {
        let mut images = Vec::new();
        for reference in retry {
            images.extend(db.find_images(reference)?.into_iter().map(|d| d.identifier));
        }
        let reset = cache::reset_download_tries(&dirs(ctx), &images)?;
        tracing::info!("reset the download tries of {reset} image(s)");
    }
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let events = ctx.start_events(&db, true)?;
    let outcome = run_cache(ctx, &mut db, &services, &events, actions)?;
    finish(&outcome)
}

/// The actions of the flags and of `VMCATCHER_CACHE_ACTION_*=1`, as the original: their
/// union; none means expire and download; download implies expire.
pub fn actions(requested: &[CacheAction], env: &Environment) -> Actions {
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

/// Runs the cache steps with the configured directories.
pub fn run_cache(
    ctx: &Context,
    db: &mut crate::db::Db,
    services: &crate::subscription::Services<'_>,
    events: &Dispatcher,
    actions: Actions,
) -> Result<cache::Outcome> {
    let dirs = dirs(ctx);
    let reporter = Reporter::new(true);
    CacheRun {
        db,
        services,
        events,
        dirs,
        reporter: &reporter,
    }
    .run(actions)
}

pub fn dirs(ctx: &Context) -> CacheDirs {
    let c = &ctx.config.cache;
    for (name, setting) in [
        ("cache", &c.dir),
        ("partial", &c.partial_dir),
        ("expired", &c.expired_dir),
    ] {
        if setting.source == Source::Default {
            tracing::info!(
                "using the default {name} directory {}",
                setting.value.display()
            );
        }
    }
    CacheDirs::from_config(&ctx.config)
}

/// Summarises a run; any failed image makes the exit code 1.
pub fn finish(outcome: &cache::Outcome) -> Result<()> {
    tracing::info!(
        "cache: {} downloaded, {} expired, {} failed{}",
        outcome.downloaded,
        outcome.expired,
        outcome.failed,
        if outcome.given_up > 0 {
            format!(", {} given up after cache.max_tries", outcome.given_up)
        } else {
            String::new()
        }
    );
    if outcome.failed > 0 {
        return Err(Error::Reported(1));
    }
    Ok(())
}

/// `id<TAB>size<TAB>subscription<TAB>state<TAB>path`.
fn list(ctx: &Context) -> Result<()> {
    let format = ctx.record_format()?;
    let db = ctx.read_db()?;
    let images = cache::list(&db, &CacheDirs::from_config(&ctx.config))?;
    match format {
        Format::Json => output::json(&images),
        _ => output::write(
            images
                .iter()
                .map(|i| {
                    format!(
                        "{}\t{}\t{}\t{}\t{}\n",
                        i.image,
                        i.size.map_or("-".to_string(), |s| s.to_string()),
                        i.subscription,
                        i.state.map_or("-".to_string(), |s| s.to_string()),
                        i.path.display()
                    )
                })
                .collect::<String>(),
        ),
    }
}
