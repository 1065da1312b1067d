//! A subscription with its current list: the original's `key=value` block and its JSON.

use serde::Serialize;

use super::{anchor_name, field, key_value, py_bool};
use crate::db::SubscriptionView;

/// The original's `subscribe list`: identifier, authorised, trust anchor, URL.
pub(crate) fn subscription_list_lines(views: &[SubscriptionView]) -> String {
    let mut out = String::new();
    for view in views {
        let s = &view.subscription;
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            field(&s.identifier),
            py_bool(view.authorised()),
            anchor_name(s.tls_anchors),
            field(&s.url)
        ));
    }
    out
}

/// The original's subscription block (§1.7.2), password masked.
/// What a registry subscription's settings say of its signatures.
fn signature_policy(settings: &str) -> String {
    crate::oci::settings::RegistrySettings::from_json(settings)
        .map_or_else(|e| e, |s| s.signature_policy().to_string())
}

pub(crate) fn subscription_lines(view: &SubscriptionView) -> String {
    let s = &view.subscription;
    let mut out = String::new();
    let mut line = |k: &str, v: &str| key_value(&mut out, k, v);
    line("imagelist.dc:identifier", &s.identifier);
    line("subscription.dc:identifier", &s.identifier);
    line("subscription.dc:description", &s.description);
    line("subscription.sl:authorised", py_bool(view.authorised()));
    line("subscription.hv:uri", &s.url);
    line(
        "subscription.hv:uri.trustAnchor",
        anchor_name(s.tls_anchors),
    );
    if let Some(user) = s.username.as_deref().filter(|u| !u.is_empty()) {
        line("subscription.hv:uri.username", user);
    }
    if s.password.as_deref().is_some_and(|p| !p.is_empty()) {
        line("subscription.hv:uri.password", "********");
    }
    line(
        "subscription.dc:date:updated",
        s.updated.as_deref().unwrap_or("False"),
    );
    line(
        "subscription.updateMode",
        &s.new_images.update_mode().to_string(),
    );
    line("subscription.newImages", s.new_images.as_str());
    if let Some(settings) = &s.registry {
        line(
            "subscription.oci:signaturePolicy",
            &signature_policy(settings),
        );
    }
    if let Some(list) = &view.list {
        if let Some(expired) = &list.expired {
            line("imagelist.vmcatcher.dc:date:expired", expired);
        }
        line("imagelist.expired", py_bool(!view.list_valid()));
        line("imagelist.dc:date:imported", &list.imported);
        line("imagelist.dc:date:created", &list.created);
        line("imagelist.dc:date:expires", &list.expires);
        line("imagelist.hv:version", &list.version);
    }
    out
}

/// The documented JSON form of a subscription (the password never included).
#[derive(Debug, Serialize)]
pub(crate) struct SubscriptionJson<'a> {
    pub identifier: &'a str,
    pub url: &'a str,
    pub description: &'a str,
    pub authorised: bool,
    pub endorsers: &'a [String],
    pub tls_anchors: &'static str,
    pub new_images: &'static str,
    pub username: Option<&'a str>,
    pub password_set: bool,
    pub created: &'a str,
    pub updated: Option<&'a str>,
    pub list: Option<ListJson<'a>>,
    /// Registry sources only: their signature policy ("none: the source is unsigned…").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_policy: Option<String>,
}

/// The current list of a subscription, in its JSON.
#[derive(Debug, Serialize)]
pub(crate) struct ListJson<'a> {
    pub version: &'a str,
    pub created: &'a str,
    pub expires: &'a str,
    pub imported: &'a str,
    pub expired: Option<&'a str>,
    pub valid: bool,
    pub signer: Signer<'a>,
    pub sha512: &'a str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Signer<'a> {
    pub dn: &'a str,
    pub ca: &'a str,
}

impl<'a> SubscriptionJson<'a> {
    pub(crate) fn new(view: &'a SubscriptionView) -> SubscriptionJson<'a> {
        let s = &view.subscription;
        SubscriptionJson {
            identifier: &s.identifier,
            url: &s.url,
            description: &s.description,
            authorised: view.authorised(),
            endorsers: &view.endorsers,
            tls_anchors: s.tls_anchors.as_str(),
            new_images: s.new_images.as_str(),
            username: s.username.as_deref(),
            password_set: s.password.as_deref().is_some_and(|p| !p.is_empty()),
            created: &s.created,
            updated: s.updated.as_deref(),
            signature_policy: s.registry.as_deref().map(signature_policy),
            list: view.list.as_ref().map(|l| ListJson {
                version: &l.version,
                created: &l.created,
                expires: &l.expires,
                imported: &l.imported,
                expired: l.expired.as_deref(),
                valid: view.list_valid(),
                signer: Signer {
                    dn: &l.signer_dn,
                    ca: &l.signer_ca,
                },
                sha512: &l.raw_sha512,
            }),
        }
    }

    pub(crate) fn all(views: &'a [SubscriptionView]) -> Vec<SubscriptionJson<'a>> {
        views.iter().map(SubscriptionJson::new).collect()
    }
}
