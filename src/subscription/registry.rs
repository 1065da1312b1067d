//! Subscriptions to OCI registries (`oci://HOST/REPOSITORY`): `subscribe add` and
//! `subscribe update` resolve the followed tags to pinned digests (`oci::resolve`) and
//! import the artifacts as the subscription's current list, so selection, the cache,
//! events and hooks treat them as the images of any list.
//!
//! A registry subscription has no signer: no endorser is linked to it, and the rules of
//! signed lists (11 to 34) do not apply to it; its failures are a fetch (10), a manifest
//! whose bytes are not its digest (11) and an artifact that is not a disk image (38). A
//! failed update keeps the stored images in force, as for a list.

use super::{Added, Update, Updated};
use crate::db::journal::insert_event;
use crate::db::{self, Db, NewImage, NewImages, NewSubscription, Subscription};
use crate::digest::hex;
use crate::error::{Error, ListRule, Result};
use crate::events::{Dispatcher, EventType};
use crate::fetch::{FetchOptions, TlsAnchors};
use crate::oci::annotations::EGI_TAG;
use crate::oci::client::Client;
use crate::oci::reference::{parse_source, Source};
use crate::oci::resolve::{image_list, message, resolve};
use crate::oci::settings::RegistrySettings;
use crate::services::Services;
use crate::subscription::rules::sha512_hex;

/// `subscribe add oci://…`.
pub struct RegistryRequest<'a> {
    pub url: &'a str,
    pub settings: RegistrySettings,
    pub new_images: NewImages,
    pub tls_anchors: TlsAnchors,
    pub username: Option<&'a str>,
    pub password: Option<&'a str>,
}

/// Resolves the source and stores it with its images, or stores nothing.
pub fn add_registry(
    db: &mut Db,
    services: &Services<'_>,
    request: &RegistryRequest<'_>,
) -> Result<Added> {
    let source = parse_source(request.url).map_err(Error::Usage)?;
    request.settings.check().map_err(Error::Usage)?;
    let mut settings = request.settings.clone();
    // EGI's rule for its Harbor projects: an artifact without its tag annotation is not
    // an image release.
    if matches!(source, Source::HarborProject { .. }) && settings.require_annotations.is_empty() {
        settings.require_annotations.push(EGI_TAG.to_string());
    }
    let settings = &settings;
    let identifier = source.to_string();
    let options = services.fetch_options(request.tls_anchors, request.username, request.password);
    let resolved = fetch(services, &source, settings, options)?;
    let count = resolved.list.images.len();
    db.write(|tx| {
        let id = db::insert_subscription(
            tx,
            &NewSubscription {
                identifier: &identifier,
                url: &identifier,
                description: &resolved.list.description,
                new_images: request.new_images,
                tls_anchors: request.tls_anchors,
                username: request.username,
                password: request.password,
            },
            &db::now_text(),
        )?;
        db::set_registry(tx, id, &settings.to_json())?;
        let subscription = db::subscription_in(tx, id)?;
        db::import_list(tx, &subscription, &resolved.to_store(), true)?;
        Ok(())
    })?;
    Ok(Added {
        identifier,
        endorser: String::new(),
        endorser_created: false,
        images: count,
    })
}

/// `subscribe update` of a registry subscription.
pub(super) fn update_registry(
    db: &mut Db,
    services: &Services<'_>,
    events: &Dispatcher,
    subscription: &Subscription,
) -> Update {
    Update {
        result: check_and_import(db, services, events, subscription),
        withdrawn: None,
    }
}

fn check_and_import(
    db: &mut Db,
    services: &Services<'_>,
    events: &Dispatcher,
    subscription: &Subscription,
) -> Result<Updated> {
    let source = parse_source(&subscription.url).map_err(Error::Failed)?;
    let settings = RegistrySettings::from_json(subscription.registry.as_deref().unwrap_or("{}"))
        .map_err(|e| Error::Failed(format!("subscription '{}': {e}", subscription.identifier)))?;
    let options = services.subscription_options(subscription);
    let resolved = fetch(services, &source, &settings, options)?;
    refuse_rollback(db, subscription, &settings, &resolved)?;
    if let Some(stored) = db.current_list(subscription)? {
        if stored.raw_sha512 == resolved.raw_sha512 {
            return Ok(Updated::Unchanged {
                version: stored.version,
            });
        }
    }
    let new_images: Vec<NewImage> = db.write(|tx| {
        let new_images = db::import_list(tx, subscription, &resolved.to_store(), false)?;
        for image in &new_images {
            let metadata = &resolved.list.images[image.index].raw;
            if let Some(r) = events.record(EventType::SubscriptionImageNew, metadata) {
                insert_event(tx, &r, None)?;
            }
        }
        Ok(new_images)
    })?;
    Ok(Updated::Imported {
        version: resolved.list.version.clone(),
        new_images,
    })
}

/// A tag that moves back to a digest it had before, and that was replaced since, is a
/// possible rollback (an attacker or a mistake serving an old, perhaps vulnerable,
/// image): refused with exit 17, as a list whose version goes down, unless the
/// subscription allows it (`--allow-rollback`), and reported either way.
fn refuse_rollback(
    db: &Db,
    subscription: &Subscription,
    settings: &RegistrySettings,
    resolved: &Resolved,
) -> Result<()> {
    let digest_of = |metadata: &serde_json::Value| {
        metadata
            .get("oci:manifest_digest")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    for image in &resolved.list.images {
        let Some(new) = digest_of(&serde_json::Value::Object(image.raw.clone())) else {
            continue;
        };
        let history: Vec<String> = db
            .image_history(subscription.id, &image.identifier)?
            .iter()
            .filter_map(|(_, m)| digest_of(m))
            .collect();
        let Some(last) = history.last() else {
            continue;
        };
        if *last == new || !history.contains(&new) {
            continue;
        }
        let what = format!(
            "possible rollback: {} moved back from {last} to {new}, a digest it had before \
             and that was replaced",
            image.identifier
        );
        if settings.allow_rollback {
            tracing::warn!("{what}: accepted (--allow-rollback)");
            continue;
        }
        return Err(Error::list(
            ListRule::VersionLower,
            format!(
                "{what}: refused, the images stay as they are; if the registry's operators \
                 meant it, run 'vmcatcher subscribe set {} --allow-rollback true'",
                subscription.identifier
            ),
        ));
    }
    Ok(())
}

/// A resolution ready to be stored as the subscription's list.
struct Resolved {
    raw: Vec<u8>,
    raw_sha512: String,
    list: crate::imagelist::ImageList,
}

impl Resolved {
    fn to_store(&self) -> db::ListToStore<'_> {
        db::ListToStore {
            raw: &self.raw,
            raw_sha512: &self.raw_sha512,
            content: &self.raw,
            signer_dn: "",
            signer_ca: "",
            list: &self.list,
            // The stored message is the resolution, not an image list.
            records_in_content: false,
        }
    }
}

fn fetch(
    services: &Services<'_>,
    source: &Source,
    settings: &RegistrySettings,
    options: FetchOptions,
) -> Result<Resolved> {
    let client = Client::new(services.fetcher, options, settings.base_url(source));
    let artifacts = resolve(&client, source, settings)?;
    let raw = message(source, &artifacts);
    let mut list = image_list(&source.to_string(), source, &artifacts);
    // The version of a registry "list": the start of the SHA-256 of what was resolved.
    list.version = hex(&openssl::sha::sha256(&raw))[..12].to_string();
    Ok(Resolved {
        raw_sha512: sha512_hex(&raw),
        raw,
        list,
    })
}
