//! Images: the original's `image list` lines and `image show` block, and their JSON.

use serde::Serialize;

use super::{field, key_value, subscription_lines, SubscriptionJson};
use crate::db::{ImageDetail, ImageRecord, ImageState, Subscription, SubscriptionView};

/// `id<TAB>state<TAB>subscription`, no header: a line of the original's listing.
pub(crate) fn image_list_line(i: &ImageState) -> String {
    format!(
        "{}\t{}\t{}\n",
        field(&i.identifier),
        i.state,
        field(&i.subscription)
    )
}

/// `image list -l`, for people: the state in words, size, version, title, subscription.
/// `cached`: in the cache; `selected`: to be downloaded; `available`: in a current list,
/// not selected; `withdrawn`: in no current, valid list.
pub(crate) fn image_long_lines(
    images: &[ImageDetail],
    cached: &std::collections::HashSet<String>,
    subscriptions: &[Subscription],
) -> String {
    let mut out = String::new();
    for i in images {
        let state = match (i.state & 2 != 0, i.selected) {
            (true, true) if cached.contains(&i.identifier) => "cached",
            (true, true) => "selected",
            (true, false) => "available",
            (false, _) => "withdrawn",
        };
        let (size, version, title) = match &i.record {
            Some(r) => (
                indicatif::HumanBytes(r.size).to_string(),
                r.version.as_str(),
                r.title.as_str(),
            ),
            None => ("-".to_string(), "-", "-"),
        };
        let list = subscriptions
            .iter()
            .find(|s| s.id == i.subscription_id)
            .map_or(i.subscription.as_str(), |s| {
                if s.description.is_empty() {
                    s.identifier.as_str()
                } else {
                    s.description.as_str()
                }
            });
        out.push_str(&format!(
            "{}  {state:<9}  {size:>10}  {:<10}  {}  [{}]\n",
            field(&i.identifier),
            field(version),
            field(title),
            field(list)
        ));
    }
    out
}

/// An image with its subscription, read before printing.
pub(crate) struct ImageView {
    pub image: ImageDetail,
    pub subscription: SubscriptionView,
}

/// The original's image record (§1.7.3), with `sl:arch` printing the architecture.
pub(crate) fn image_lines(view: &ImageView) -> String {
    let image = &view.image;
    let mut out = subscription_lines(&view.subscription);
    let mut line = |k: &str, v: &str| key_value(&mut out, k, v);
    if let Some(r) = &image.record {
        line("image.dc:description", &r.description);
        line("image.dc:title", &r.title);
        line("image.hv:hypervisor", &r.hypervisor);
        line("image.hv:size", &r.size.to_string());
        line("image.hv:uri", &r.uri);
        line("image.hv:version", &r.version);
        line("image.sl:arch", &r.arch);
        // An image from an OCI registry is checked by its layer's SHA-256 digest, and
        // its disk format is an annotation worth showing.
        if crate::digest::Algorithm::of_hex(&r.sha512) == Some(crate::digest::Algorithm::Sha256) {
            line("image.sl:checksum:sha256", &r.sha512);
            if let Some(format) = r.metadata.get("hv:format").and_then(|v| v.as_str()) {
                line("image.hv:format", format);
            }
        } else {
            line("image.sl:checksum:sha512", &r.sha512);
        }
        line("image.sl:comments", &r.comments);
        line("image.sl:os", &r.os);
        line("image.sl:osversion", &r.osversion);
        line("image.dc:date:expires", &r.expires);
    }
    line("imagedef.dc:identifier", &image.identifier);
    line("imagedef.cache", if image.selected { "1" } else { "0" });
    line("imagedef.state", &image.state.to_string());
    if let Some(list) = &view.subscription.list {
        line("endorser:hv:subject", &list.signer_dn);
        line("endorser:hv:issuer", &list.signer_ca);
    }
    out
}

/// The documented JSON of `image show`.
#[derive(Serialize)]
pub(crate) struct ImageJson<'a> {
    pub identifier: &'a str,
    pub state: u8,
    pub selected: bool,
    pub subscription: SubscriptionJson<'a>,
    pub record: Option<&'a ImageRecord>,
}

impl<'a> ImageJson<'a> {
    pub(crate) fn new(view: &'a ImageView) -> ImageJson<'a> {
        ImageJson {
            identifier: &view.image.identifier,
            state: view.image.state,
            selected: view.image.selected,
            subscription: SubscriptionJson::new(&view.subscription),
            record: view.image.record.as_ref(),
        }
    }
}
