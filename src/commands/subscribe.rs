use super::Context;
use crate::cli::{Format, RegistryArgs, SubscribeCommand, SubscriptionSettings};
use crate::db::{NewImages, SubscriptionChanges};
use crate::error::{Error, Result};
use crate::fetch::{
    check_url, path_to_file_url, plain_http_credentials, redact_url, TlsAnchors, UrlFetcher,
};
use crate::oci::settings::RegistrySettings;
use crate::output::{self, subscription_lines, SubscriptionJson};
use crate::subscription::{self, AddRequest, RegistryRequest};
use crate::trust::verify;

pub(super) fn run(ctx: &Context, cmd: SubscribeCommand) -> Result<()> {
    match cmd {
        SubscribeCommand::Add {
            urls,
            auto_endorse,
            settings,
            registry,
        } => {
            let is_registry = |u: &String| crate::oci::reference::is_registry_url(u);
            match urls.as_slice() {
                [url] if is_registry(url) => {
                    return add_registry(ctx, url, auto_endorse, &settings, registry)
                }
                [_, _, ..] if urls.iter().any(is_registry) => {
                    return Err(Error::Usage(
                        "add a registry source (oci://, harbor://) on its own: its --tag \
                         options are its own"
                            .to_string(),
                    ))
                }
                _ => {}
            }
            if registry.any() {
                return Err(Error::Usage(format!(
                    "--tag, --tag-pattern, --plain-http and --layer-media-type are for \
                     registry sources (oci://HOST/PROJECT/REPOSITORY), not for the image \
                     list {}",
                    redact_url(&urls[0])
                )));
            }
            add(ctx, &urls, auto_endorse, &settings)
        }
        SubscribeCommand::List => list(ctx),
        SubscribeCommand::Show { subscriptions } => show(ctx, &subscriptions),
        SubscribeCommand::Update { subscriptions, .. } => update(ctx, &subscriptions),
        SubscribeCommand::Set {
            subscription,
            settings,
            url,
            clear_credentials,
            allow_rollback: Some(allow),
        } if settings.new_images.is_none()
            && settings.tls_anchors.is_none()
            && settings.username.is_none()
            && url.is_none()
            && !clear_credentials =>
        {
            set_rollback(ctx, &subscription, allow)
        }
        SubscribeCommand::Set {
            subscription,
            settings,
            url,
            clear_credentials,
            allow_rollback: None,
        } => set(ctx, &subscription, &settings, url, clear_credentials),
        SubscribeCommand::Set { .. } => Err(Error::Usage(
            "give --allow-rollback alone: 'subscribe set SUB --allow-rollback true|false'".into(),
        )),
        SubscribeCommand::Accept {
            subscription,
            images,
            not_yet_listed,
        } => choose(ctx, &subscription, &images, false, not_yet_listed),
        SubscribeCommand::Refuse {
            subscription,
            images,
            not_yet_listed,
        } => choose(ctx, &subscription, &images, true, not_yet_listed),
        SubscribeCommand::Delete { subscriptions } => delete(ctx, &subscriptions),
    }
}

impl SubscriptionSettings {
    /// `--new-images`, `accept` when not given (`subscribe add`).
    fn new_images_or_default(&self) -> NewImages {
        self.new_images.map_or(NewImages::Accept, NewImages::from)
    }

    /// `--tls-anchors`, `both` when not given (`subscribe add`).
    fn tls_anchors_or_default(&self) -> TlsAnchors {
        self.tls_anchors.map_or(TlsAnchors::Both, TlsAnchors::from)
    }

    /// The password of `--password-file`, if given.
    fn password(&self) -> Result<Option<String>> {
        self.password_file
            .as_deref()
            .map(crate::subscription::read_password)
            .transpose()
    }
}

/// `subscribe add oci://…`: resolve the followed tags and import them.
fn add_registry(
    ctx: &Context,
    url: &str,
    auto_endorse: bool,
    settings: &SubscriptionSettings,
    registry: RegistryArgs,
) -> Result<()> {
    if auto_endorse {
        return Err(Error::Usage(format!(
            "{url}: --auto-endorse is for signed image lists; a registry source has no \
             endorser (see docs/oci.md)"
        )));
    }
    let cosign_key = match &registry.cosign_key {
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| Error::Usage(format!("--cosign-key {}: {e}", path.display())))?;
            let shown = format!("--cosign-key {}", path.display());
            crate::oci::cosign::parse_key(&pem, &shown).map_err(Error::Usage)?;
            Some(String::from_utf8_lossy(&pem).into_owned())
        }
        None => None,
    };
    let password = settings.password()?;
    let mut db = ctx.create_db()?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let signed = cosign_key.is_some();
    let added = subscription::add_registry(
        &mut db,
        &services,
        &RegistryRequest {
            url,
            settings: RegistrySettings {
                tags: registry.tags,
                tag_pattern: registry.tag_pattern,
                plain_http: registry.plain_http,
                layer_media_type: registry.layer_media_type,
                require_annotations: registry.require_annotations,
                allow_rollback: registry.allow_rollback,
                cosign_key,
            },
            new_images: settings.new_images_or_default(),
            tls_anchors: settings.tls_anchors_or_default(),
            username: settings.username.as_deref(),
            password: password.as_deref(),
        },
    )?;
    if signed {
        tracing::info!(
            "subscribed to '{}' ({} images, each signed by the cosign key)",
            added.identifier,
            added.images
        );
    } else {
        tracing::warn!(
            "subscribed to '{}' ({} images): the source is unsigned (no --cosign-key): \
             vmcatcher checks that each image is what the registry names, not who made it",
            added.identifier,
            added.images
        );
    }
    Ok(())
}

/// Subscribes to each list in turn, in one process (one database, one trust store): a
/// site adding many lists pays the start-up once. With several, a failing list is
/// reported and the others are still added; the exit code is the last failure's.
fn add(
    ctx: &Context,
    urls: &[String],
    auto_endorse: bool,
    settings: &SubscriptionSettings,
) -> Result<()> {
    let password = settings.password()?;
    let mut db = ctx.create_db()?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let mut failed = None;
    for given in urls {
        let added = list_url(given).and_then(|url| {
            let added = subscription::add(
                &mut db,
                &services,
                &AddRequest {
                    url: &url,
                    auto_endorse,
                    new_images: settings.new_images_or_default(),
                    tls_anchors: settings.tls_anchors_or_default(),
                    username: settings.username.as_deref(),
                    password: password.as_deref(),
                },
            )?;
            Ok((url, added))
        });
        match added {
            Ok((url, added)) => tracing::info!(
                "subscribed to '{}' at {} ({} images, endorser '{}')",
                added.identifier,
                redact_url(&url),
                added.images,
                added.endorser
            ),
            Err(e) if urls.len() == 1 => return Err(e),
            Err(e) => {
                tracing::error!("{}: {e}", redact_url(given));
                failed = Some(e.exit_code());
            }
        }
    }
    match failed {
        Some(code) => Err(Error::Reported(code)),
        None => Ok(()),
    }
}

/// A list's URL as given, or the file URL of a plain path (as `verify` takes one).
fn list_url(given: &str) -> Result<String> {
    if given.contains("://") {
        return Ok(given.to_string());
    }
    let file_url = path_to_file_url(given).map_err(|e| Error::Usage(e.to_string()))?;
    tracing::info!("'{given}' is a local path: subscribing to {file_url}");
    Ok(file_url)
}

/// The original's listing: identifier, authorised, trust anchor, URL.
fn list(ctx: &Context) -> Result<()> {
    let format = ctx.record_format()?;
    let db = ctx.read_db()?;
    let views = db.subscription_views(&db.subscriptions()?)?;
    match format {
        Format::Json => output::json(&SubscriptionJson::all(&views)),
        _ => output::write(output::subscription_list_lines(&views)),
    }
}

fn show(ctx: &Context, references: &[String]) -> Result<()> {
    if ctx.format == Format::Prometheus {
        ctx.record_format()?;
    }
    let db = ctx.read_db()?;
    let subscriptions = db.find_subscriptions(references)?;
    let views = db.subscription_views(&subscriptions)?;
    match ctx.format {
        Format::Lines => output::write(views.iter().map(subscription_lines).collect::<String>()),
        Format::Json => output::json(&SubscriptionJson::all(&views)),
        Format::Prometheus => unreachable!("refused above"),
        Format::Smime => {
            for s in &subscriptions {
                let list = db
                    .current_list(s)?
                    .ok_or_else(|| not_imported(&s.identifier))?;
                output::write(&db.list_message(list.id)?.raw)?;
            }
            Ok(())
        }
        Format::Message => {
            let fetcher = UrlFetcher;
            let services = ctx.services(&fetcher)?;
            for s in &subscriptions {
                let list = db
                    .current_list(s)?
                    .ok_or_else(|| not_imported(&s.identifier))?;
                let message = db.list_message(list.id)?;
                if s.registry.is_some() {
                    // A registry source has no signed message: what the last update
                    // resolved (the images with their pinned digests) is its content.
                    output::write(&message.content)?;
                    continue;
                }
                let verified = verify(&services.trust, &message.raw).map_err(|e| {
                    Error::Failed(format!(
                        "the stored list of '{}' no longer verifies: {e}",
                        s.identifier
                    ))
                })?;
                output::write(&verified.content)?;
            }
            Ok(())
        }
    }
}

fn not_imported(identifier: &str) -> Error {
    Error::NotFound(format!(
        "subscription '{identifier}' has no imported list yet: run 'vmcatcher subscribe update {identifier}'"
    ))
}

/// `subscribe update`: under the run lock, like `sync` and `cache`.
fn update(ctx: &Context, references: &[String]) -> Result<()> {
    let mut db = ctx.open_db()?;
    let _lock = ctx.lock(&db)?;
    let subscriptions = if references.is_empty() {
        db.subscriptions()?
    } else {
        db.find_subscriptions(references)?
    };
    if subscriptions.is_empty() {
        tracing::info!("no subscriptions to update: add one with 'vmcatcher subscribe add'");
        return Ok(());
    }
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let events = ctx.start_events(&db, false)?;
    let report = subscription::update_all(&mut db, &services, &events, &subscriptions);
    match ctx.record_format()? {
        Format::Json => output::json(&output::UpdateJson(&report))?,
        _ if ctx.quiet => {}
        _ => output::write(output::update_lines(&report))?,
    }
    report.result()
}

fn set(
    ctx: &Context,
    reference: &str,
    settings: &SubscriptionSettings,
    url: Option<String>,
    clear_credentials: bool,
) -> Result<()> {
    let nothing = settings.new_images.is_none()
        && settings.tls_anchors.is_none()
        && settings.username.is_none()
        && url.is_none()
        && !clear_credentials;
    if nothing {
        return Err(Error::Usage(format!(
            "'subscribe set {reference}' has nothing to change: give --url, --new-images, \
             --tls-anchors, --username with --password-file, or --clear-credentials"
        )));
    }
    if let Some(url) = &url {
        check_url(url).map_err(|e| Error::Usage(format!("--url: {e}")))?;
    }
    let password = settings.password()?;
    let mut db = ctx.open_db()?;
    let s = db.find_subscription(reference)?;
    if s.registry.is_some() && url.is_some() {
        return Err(Error::Usage(format!(
            "'{}' follows a registry: --url is for image lists; subscribe to another \
             registry source with 'subscribe add'",
            s.identifier
        )));
    }
    ctx.note_declared(Some(&s.url), None, false);
    let mut changes = SubscriptionChanges {
        new_images: settings.new_images.map(NewImages::from),
        tls_anchors: settings.tls_anchors.map(TlsAnchors::from),
        url,
        ..SubscriptionChanges::default()
    };
    if clear_credentials {
        changes.username = Some(None);
        changes.password = Some(None);
    } else if let Some(user) = &settings.username {
        changes.username = Some(Some(user.clone()));
        changes.password = Some(password);
    }
    db.update_subscription(s.id, &changes)?;
    let url = changes.url.as_deref().unwrap_or(&s.url);
    let username = changes.username.clone().unwrap_or(s.username.clone());
    let plain_http = url
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"));
    if username.is_some() && plain_http {
        tracing::warn!("{}", plain_http_credentials(&redact_url(url)));
    }
    tracing::info!("updated the settings of '{}'", s.identifier);
    Ok(())
}

/// `subscribe set SUB --allow-rollback BOOL` of a registry subscription.
fn set_rollback(ctx: &Context, reference: &str, allow: bool) -> Result<()> {
    let mut db = ctx.open_db()?;
    let s = db.find_subscription(reference)?;
    let Some(stored) = &s.registry else {
        return Err(Error::Usage(format!(
            "'{}' is an image list: --allow-rollback is for registry sources (oci://)",
            s.identifier
        )));
    };
    let mut settings = RegistrySettings::from_json(stored).map_err(Error::Failed)?;
    settings.allow_rollback = allow;
    db.set_registry_settings(s.id, &settings.to_json())?;
    tracing::info!(
        "'{}': a tag moving back to an earlier digest is {} from now on",
        s.identifier,
        if allow { "accepted" } else { "refused" }
    );
    Ok(())
}

fn choose(
    ctx: &Context,
    reference: &str,
    images: &[String],
    refuse: bool,
    not_yet_listed: bool,
) -> Result<()> {
    let mut db = ctx.open_db()?;
    let s = db.find_subscription(reference)?;
    let known = db.subscription_image_ids(s.id)?;
    let verb = if refuse { "refuse" } else { "accept" };
    let chosen = images
        .iter()
        .map(|image| resolve_image(&known, &s.identifier, image, verb, not_yet_listed))
        .collect::<Result<Vec<_>>>()?;
    db.set_refused(s.id, &chosen, refuse)?;
    let done = if refuse { "refused" } else { "accepted" };
    tracing::info!("{done} {} image(s) for '{}'", chosen.len(), s.identifier);
    Ok(())
}

/// `<IMAGE>` of `subscribe accept|refuse`: an image the subscription knows, exactly or by
/// unique prefix; an identifier it does not know yet only in full with `--not-yet-listed`.
fn resolve_image(
    known: &[String],
    subscription: &str,
    image: &str,
    verb: &str,
    not_yet_listed: bool,
) -> Result<String> {
    if known.iter().any(|k| k == image) {
        return Ok(image.to_string());
    }
    let matches: Vec<&String> = known
        .iter()
        .filter(|k| !image.is_empty() && k.starts_with(image))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] if not_yet_listed => {
            crate::imagelist::check_safe_identifier(image).map_err(|why| {
                Error::Failed(format!("image identifier '{image}' is not usable: {why}"))
            })?;
            Ok(image.to_string())
        }
        [] => Err(Error::NotFound(format!(
            "no image of subscription '{subscription}' matches '{image}':              'vmcatcher image list --subscription {subscription}' shows them; to {verb} an              image a later list will bring, give its full identifier with --not-yet-listed"
        ))),
        many => Err(Error::Conflict(format!(
            "'{image}' matches {} images of '{subscription}' ({}): give more of the identifier",
            many.len(),
            many.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn delete(ctx: &Context, references: &[String]) -> Result<()> {
    let mut db = ctx.open_db()?;
    let subscriptions = db.find_subscriptions(references)?;
    for s in subscriptions {
        db.delete_subscription(s.id)?;
        tracing::info!("deleted subscription '{}'", s.identifier);
        ctx.note_declared(Some(&s.url), None, false);
    }
    Ok(())
}
