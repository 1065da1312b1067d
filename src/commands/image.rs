use super::Context;
use crate::cache::CacheDirs;
use crate::cli::{Format, ImageCommand, ImageSelection};
use crate::db::{Db, ImageDetail};
use crate::error::Result;
use crate::output::{self, image_lines, image_list_line, ImageJson, ImageView};

pub(super) fn run(ctx: &Context, cmd: ImageCommand) -> Result<()> {
    match cmd {
        ImageCommand::List { subscription, long } => list(ctx, subscription.as_deref(), long),
        ImageCommand::Show { images } => show(ctx, &images),
        ImageCommand::Subscribe(selection) => select(ctx, &selection, true),
        ImageCommand::Unsubscribe(selection) => select(ctx, &selection, false),
    }
}

/// `id<TAB>state<TAB>subscription`, no header (the original's listing).
fn list(ctx: &Context, subscription: Option<&str>, long: bool) -> Result<()> {
    let format = ctx.record_format()?;
    let db = ctx.read_db()?;
    let filter = subscription
        .map(|r| db.find_subscription(r).map(|s| s.id))
        .transpose()?;
    if long && format == Format::Lines {
        let images = db.all_image_details(filter)?;
        let cached = crate::cache::cached_identifiers(&CacheDirs::from_config(&ctx.config));
        let subscriptions = db.subscriptions()?;
        return output::write(output::image_long_lines(&images, &cached, &subscriptions));
    }
    // Streamed: 10⁶ images list in flat memory.
    let json = format == Format::Json;
    let mut out = output::Stream::new(json);
    db.each_image_state(filter, |image| {
        if json {
            out.record(&image)
        } else {
            out.line(&image_list_line(&image))
        }
    })?;
    out.finish()
}

fn resolve(db: &Db, selection: &ImageSelection) -> Result<Vec<ImageDetail>> {
    let mut found = Vec::new();
    for reference in &selection.images {
        found.extend(db.find_images(reference)?);
    }
    for sha512 in &selection.sha512 {
        found.extend(db.find_images_by_sha512(sha512)?);
    }
    found.sort_by_key(|d| d.id);
    found.dedup_by_key(|d| d.id);
    Ok(found)
}

fn select(ctx: &Context, selection: &ImageSelection, selected: bool) -> Result<()> {
    let mut db = ctx.open_db()?;
    let images = resolve(&db, selection)?;
    let ids: Vec<i64> = images.iter().map(|d| d.id).collect();
    db.set_selected(&ids, selected)?;
    for s in db.subscriptions()? {
        if images.iter().any(|i| i.subscription_id == s.id) {
            ctx.note_declared(Some(&s.url), None, true);
        }
    }
    if selected {
        // Subscribing again is how an administrator says "try this one again": the
        // download tries counted so far are forgotten.
        let _lock = ctx.lock(&db)?;
        let names: Vec<String> = images.iter().map(|d| d.identifier.clone()).collect();
        let dirs = crate::cache::CacheDirs::from_config(&ctx.config);
        if crate::cache::reset_download_tries(&dirs, &names)? > 0 {
            tracing::info!("the download tries counted so far are reset");
        }
    }
    for image in &images {
        let verb = if selected {
            "subscribed"
        } else {
            "unsubscribed"
        };
        tracing::info!(
            "{verb} image '{}' of '{}'",
            image.identifier,
            image.subscription
        );
        if selected && image.state & 2 == 0 {
            tracing::warn!(
                "image '{}' is not in a current, valid list of '{}': it will be downloaded \
                 once a list offers it",
                image.identifier,
                image.subscription
            );
        }
    }
    Ok(())
}

fn show(ctx: &Context, references: &[String]) -> Result<()> {
    let format = ctx.record_format()?;
    let db = ctx.read_db()?;
    let mut views = Vec::new();
    for reference in references {
        for image in db.find_images(reference)? {
            let subscription = db.find_subscription(&image.subscription)?;
            if image.record.is_none() {
                tracing::warn!("Subscription '{}' needs an update.", image.subscription);
            }
            views.push(ImageView {
                subscription: db.subscription_view(&subscription)?,
                image,
            });
        }
    }
    match format {
        Format::Json => output::json(&views.iter().map(ImageJson::new).collect::<Vec<_>>()),
        _ => output::write(views.iter().map(image_lines).collect::<String>()),
    }
}
