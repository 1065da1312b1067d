use serde_json::json;

use super::Context;
use crate::cli::{Format, ImageCommand, ImageSelection};
use crate::db::{Db, ImageDetail};
use crate::error::Result;
use crate::output::{self, subscription_lines, SubscriptionJson};

pub(super) fn run(ctx: &Context, cmd: ImageCommand) -> Result<()> {
    match cmd {
        ImageCommand::List { subscription } => list(ctx, subscription.as_deref()),
        ImageCommand::Show { images } => show(ctx, &images),
        ImageCommand::Subscribe(selection) => select(ctx, &selection, true),
        ImageCommand::Unsubscribe(selection) => select(ctx, &selection, false),
    }
}

/// `id<TAB>state<TAB>subscription`, no header (the original's listing).
fn list(ctx: &Context, subscription: Option<&str>) -> Result<()> {
    let format = ctx.record_format()?;
    let db = ctx.read_db()?;
    let filter = subscription
        .map(|r| db.find_subscription(r).map(|s| s.id))
        .transpose()?;
    let images = db.image_states(filter)?;
    match format {
        Format::Json => output::json(&images),
        _ => output::write(
            images
                .iter()
                .map(|i| format!("{}\t{}\t{}\n", i.identifier, i.state, i.subscription))
                .collect::<String>(),
        ),
    }
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
    let mut images = Vec::new();
    for reference in references {
        images.extend(db.find_images(reference)?);
    }
    if format == Format::Json {
        let all = images
            .iter()
            .map(|i| image_json(&db, i))
            .collect::<Result<Vec<_>>>()?;
        output::json(&all)
    } else {
        let mut text = String::new();
        for image in &images {
            text.push_str(&image_lines(&db, image)?);
        }
        output::write(text)
    }
}

/// The original's image record (§1.7.3), with `sl:arch` printing the architecture.
fn image_lines(db: &Db, image: &ImageDetail) -> Result<String> {
    let subscription = db.find_subscription(&image.subscription)?;
    let mut out = subscription_lines(&db.subscription_view(&subscription)?);
    let mut line = |k: &str, v: &str| output::key_value(&mut out, k, v);
    if let Some(r) = &image.record {
        line("image.dc:description", &r.description);
        line("image.dc:title", &r.title);
        line("image.hv:hypervisor", &r.hypervisor);
        line("image.hv:size", &r.size.to_string());
        line("image.hv:uri", &r.uri);
        line("image.hv:version", &r.version);
        line("image.sl:arch", &r.arch);
        line("image.sl:checksum:sha512", &r.sha512);
        line("image.sl:comments", &r.comments);
        line("image.sl:os", &r.os);
        line("image.sl:osversion", &r.osversion);
        line("image.dc:date:expires", &r.expires);
    } else {
        tracing::warn!("Subscription '{}' needs an update.", image.subscription);
    }
    line("imagedef.dc:identifier", &image.identifier);
    line("imagedef.cache", if image.selected { "1" } else { "0" });
    line("imagedef.state", &image.state.to_string());
    if let Some(list) = db.current_list(&subscription)? {
        line("endorser:hv:subject", &list.signer_dn);
        line("endorser:hv:issuer", &list.signer_ca);
    }
    Ok(out)
}

fn image_json(db: &Db, image: &ImageDetail) -> Result<serde_json::Value> {
    let subscription = db.find_subscription(&image.subscription)?;
    Ok(json!({
        "identifier": image.identifier,
        "state": image.state,
        "selected": image.selected,
        "subscription": SubscriptionJson::new(&db.subscription_view(&subscription)?),
        "record": image.record,
    }))
}
