//! The records several commands print: a subscription with its current list, in the
//! original's `key=value` lines and in JSON.

use serde_json::{json, Value};

use crate::db::{Db, StoredList, Subscription};
use crate::error::Result;
use crate::fetch::TlsAnchors;
use crate::output;

/// The original's trust anchor names for the `lines` listings.
pub fn anchor_name(anchors: TlsAnchors) -> &'static str {
    match anchors {
        TlsAnchors::None => "None",
        TlsAnchors::System => "Browser",
        TlsAnchors::Igtf => "IGTF",
        TlsAnchors::Both => "Both",
    }
}

/// Python's spelling of booleans, which the original printed.
pub fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// A subscription may be updated when at least one endorser is linked to it.
pub fn is_authorised(db: &Db, subscription: &Subscription) -> Result<bool> {
    Ok(!db.authorised_credentials(subscription.id)?.is_empty())
}

/// Whether a stored list is in force: not marked expired and not past its date.
pub fn list_is_valid(list: &StoredList) -> bool {
    list.expired.is_none() && list.expires > crate::db::now_text()
}

/// The original's subscription block (§1.7.2), password masked.
pub fn subscription_lines(db: &Db, s: &Subscription) -> Result<String> {
    let mut out = String::new();
    let mut line = |k: &str, v: &str| output::key_value(&mut out, k, v);
    line("imagelist.dc:identifier", &s.identifier);
    line("subscription.dc:identifier", &s.identifier);
    line("subscription.dc:description", &s.description);
    line("subscription.sl:authorised", py_bool(is_authorised(db, s)?));
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
    if let Some(list) = db.current_list(s)? {
        if let Some(expired) = &list.expired {
            line("imagelist.vmcatcher.dc:date:expired", expired);
        }
        line("imagelist.expired", py_bool(!list_is_valid(&list)));
        line("imagelist.dc:date:imported", &list.imported);
        line("imagelist.dc:date:created", &list.created);
        line("imagelist.dc:date:expires", &list.expires);
        line("imagelist.hv:version", &list.version);
    }
    Ok(out)
}

/// The documented JSON form of a subscription (password never included).
pub fn subscription_json(db: &Db, s: &Subscription) -> Result<Value> {
    let endorsers: Vec<String> = {
        let mut v: Vec<String> = db
            .authorised_credentials(s.id)?
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        v.dedup();
        v
    };
    let list = db.current_list(s)?.map(|l| {
        json!({
            "version": l.version,
            "created": l.created,
            "expires": l.expires,
            "imported": l.imported,
            "expired": l.expired,
            "valid": list_is_valid(&l),
            "signer": { "dn": l.signer_dn, "ca": l.signer_ca },
            "sha512": l.raw_sha512,
        })
    });
    Ok(json!({
        "identifier": s.identifier,
        "url": s.url,
        "description": s.description,
        "authorised": !endorsers.is_empty(),
        "endorsers": endorsers,
        "tls_anchors": s.tls_anchors.as_str(),
        "new_images": s.new_images.as_str(),
        "username": s.username,
        "password_set": s.password.as_deref().is_some_and(|p| !p.is_empty()),
        "created": s.created,
        "updated": s.updated,
        "list": list,
    }))
}

/// The JSON of several subscriptions.
pub fn subscriptions_json(db: &Db, subscriptions: &[Subscription]) -> Result<Vec<Value>> {
    subscriptions
        .iter()
        .map(|s| subscription_json(db, s))
        .collect()
}
