//! What the cache wants: selected images of current, valid lists, each with the
//! `cache.index` entry the original wrote for it (original-behaviour.md §5.2).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::db::{CacheCandidate, Db, Subscription};
use crate::error::Result;
use crate::imagelist::ImageList;

/// An image the cache should hold.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub image: String,
    /// The file name in the cache directories ([`super::naming::file_name`]).
    pub file: String,
    pub subscription: Subscription,
    pub size: u64,
    /// The checksum: a SHA-512, or the SHA-256 layer digest of an image from an OCI
    /// registry (64 hexadecimal digits; [`crate::digest::Algorithm::of_hex`]).
    pub sha512: String,
    pub uri: String,
    /// SHA-512 of the signed list the image comes from (the original's `msgHash`).
    pub msg_hash: String,
    /// The index entry, without `filename` and `DownLoadTrys`.
    pub entry: Map<String, Value>,
}

/// One image identifier offered by two subscriptions: only `kept`'s is cached.
#[derive(Debug, Clone)]
pub struct Clash {
    pub image: String,
    pub kept: String,
    pub other: String,
}

impl std::fmt::Display for Clash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "image '{}' is offered by subscriptions '{}' and '{}': the cache holds one file \
             per identifier, so only '{}' is cached",
            self.image, self.kept, self.other, self.kept
        )
    }
}

/// Every wanted image by identifier. An identifier offered by two subscriptions can only
/// be cached once (files are named by identifier): the first subscription keeps it and
/// the clash is returned for reporting.
pub fn wanted_images(db: &Db) -> Result<(BTreeMap<String, Wanted>, Vec<Clash>)> {
    let subscriptions: BTreeMap<i64, Subscription> =
        db.subscriptions()?.into_iter().map(|s| (s.id, s)).collect();
    let mut lists: BTreeMap<i64, (String, String, Option<String>)> = BTreeMap::new();
    let mut wanted = BTreeMap::new();
    let mut clashes = Vec::new();
    for candidate in db.cache_candidates()? {
        let Some(subscription) = subscriptions.get(&candidate.subscription_id) else {
            continue;
        };
        if let std::collections::btree_map::Entry::Vacant(slot) = lists.entry(candidate.list_id) {
            let list = db.stored_list(candidate.list_id)?;
            let message = db.list_message(candidate.list_id)?;
            let vo = ImageList::parse(&message.content)
                .ok()
                .and_then(|p| p.list.vo);
            let raw = String::from_utf8_lossy(&message.raw).into_owned();
            slot.insert((raw, list.raw_sha512, vo));
        }
        let (message, msg_hash, vo) = &lists[&candidate.list_id];
        let file = super::naming::file_name(&candidate.image);
        let taken = wanted
            .values()
            .find(|w: &&Wanted| w.image == candidate.image || w.file == file);
        if let Some(first) = taken {
            clashes.push(Clash {
                image: candidate.image.clone(),
                kept: first.subscription.identifier.clone(),
                other: subscription.identifier.clone(),
            });
            continue;
        }
        let entry = index_entry(&candidate, message, msg_hash, vo.as_deref());
        wanted.insert(
            candidate.image.clone(),
            Wanted {
                image: candidate.image.clone(),
                file,
                subscription: subscription.clone(),
                size: candidate.record.size,
                sha512: candidate.record.sha512.clone(),
                uri: candidate.record.uri.clone(),
                msg_hash: msg_hash.clone(),
                entry,
            },
        );
    }
    Ok((wanted, clashes))
}

/// The original's index keys: legacy and list names for the same values, the image
/// metadata, every `hv:image.<key>`, the list identifier and VO, the signed message.
fn index_entry(
    candidate: &CacheCandidate,
    message: &str,
    msg_hash: &str,
    vo: Option<&str>,
) -> Map<String, Value> {
    let r = &candidate.record;
    let mut entry = Map::new();
    let mut put = |k: &str, v: Value| {
        entry.insert(k.to_string(), v);
    };
    put("uuid", json!(candidate.image));
    put("dc:identifier", json!(candidate.image));
    // An image from an OCI registry is checked by its layer's SHA-256 digest: the index
    // says so under its own keys (a SHA-512 there would mislead glancepush and hooks).
    let algorithm = crate::digest::Algorithm::of_hex(&r.sha512)
        .unwrap_or(crate::digest::Algorithm::Sha512)
        .name();
    put(algorithm, json!(r.sha512));
    put(&format!("sl:checksum:{algorithm}"), json!(r.sha512));
    put("size", json!(r.size));
    put("hv:size", json!(r.size));
    put("uri", json!(r.uri));
    put("hv:uri", json!(r.uri));
    put("dc:title", json!(r.title));
    put("dc:description", json!(r.description));
    put("hv:version", json!(r.version));
    put("hv:hypervisor", json!(r.hypervisor));
    put("sl:arch", json!(r.arch));
    put("sl:comments", json!(r.comments));
    put("sl:os", json!(r.os));
    put("sl:osversion", json!(r.osversion));
    put("hv:imagelist.dc:identifier", json!(candidate.subscription));
    if let Some(vo) = vo.filter(|v| !v.is_empty()) {
        put("hv:imagelist.ad:vo", json!(vo));
    }
    if let Value::Object(raw) = &r.metadata {
        for (key, value) in raw {
            put(&format!("hv:image.{key}"), value.clone());
        }
    }
    put("message", json!(message));
    put("msgHash", json!(msg_hash));
    entry
}

/// What the database knows of the images in an index: the rest are foreign.
pub struct Known(pub std::collections::HashSet<(String, String)>);

impl Known {
    /// Whether the database has a say on this index entry's image. An entry without its
    /// list's identifier (an old index) is known when any subscription has the image.
    pub fn knows(&self, key: &str, e: &Map<String, Value>) -> bool {
        let image = text(e, "dc:identifier").unwrap_or(key);
        match text(e, "hv:imagelist.dc:identifier") {
            Some(list) => self.0.contains(&(list.to_string(), image.to_string())),
            None => self.0.iter().any(|(_, i)| i == image),
        }
    }
}

/// The download tries a partial index entry counts for the list with SHA-512 `msg_hash`
/// (`DownLoadTrys`); tries counted for an older list do not count: a new list resets them.
pub(crate) fn download_tries(partial: &Map<String, Value>, msg_hash: &str) -> u32 {
    let Some(t) = partial.get("DownLoadTrys") else {
        return 0;
    };
    if t.get("msgHash").and_then(Value::as_str) != Some(msg_hash) {
        return 0;
    }
    t.get("count").and_then(Value::as_u64).unwrap_or(0) as u32
}

/// The checksum an index entry records: its `sha512`, or for an image from an OCI
/// registry its `sha256`.
pub fn checksum(entry: &Map<String, Value>) -> Option<&str> {
    text(entry, "sha512").or_else(|| text(entry, "sha256"))
}

/// A string field of an index entry.
pub fn text<'a>(entry: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    entry.get(key).and_then(Value::as_str)
}

/// The size an index entry records (a number, or a numeric string in old indexes).
pub fn size(entry: &Map<String, Value>) -> Option<u64> {
    match entry.get("size") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
}
