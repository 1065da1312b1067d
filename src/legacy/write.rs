//! Writing a read 0.6.3 database into ours, in one transaction, deciding row by row and
//! saying why in the report.

use std::collections::{BTreeSet, HashMap, HashSet};

use rusqlite::{params, OptionalExtension, Transaction};

use super::map;
use super::read::{LegacyDb, LegacyList, LegacySubscription};
use super::report::{Report, Severity};
use crate::db::{self, Credential, ListToStore, NewImages, NewSubscription};
use crate::error::Result;
use crate::fetch::TlsAnchors;
use crate::imagelist::ImageList;

/// A 0.6.3 subscription as it is stored here.
struct Target {
    id: i64,
    identifier: String,
}

/// Imports `legacy` through `tx`; the caller commits or rolls back.
pub(crate) fn apply(tx: &Transaction<'_>, legacy: &LegacyDb, report: &mut Report) -> Result<()> {
    let endorser_names: HashMap<i64, &str> = legacy
        .endorsers
        .iter()
        .map(|e| (e.id, e.identifier.as_str()))
        .collect();
    let conflicted = endorsers(tx, legacy, &endorser_names, report)?;
    let targets = subscriptions(tx, legacy, report)?;
    links(tx, legacy, &endorser_names, &conflicted, &targets, report)?;
    images(tx, legacy, &targets, report)?;
    let current = lists(tx, legacy, &targets, report)?;
    current_lists(tx, legacy, &targets, &current, report)?;
    signers_linked(tx, &targets, report)?;
    dangling_instances(legacy, report);
    Ok(())
}

/// Imports the endorsers; returns those that exist here with other credentials (kept as
/// they are, so not the 0.6.3 endorser of that name).
fn endorsers(
    tx: &Transaction<'_>,
    legacy: &LegacyDb,
    names: &HashMap<i64, &str>,
    report: &mut Report,
) -> Result<HashSet<String>> {
    let mut conflicted = HashSet::new();
    for credential in &legacy.credentials {
        let owner = credential.endorser.and_then(|id| names.get(&id).copied());
        match (credential.endorser, owner) {
            (None, _) => report.add(
                Severity::Skipped,
                format!(
                    "credential '{}' (endorserPrincible row {}) names no endorser: not imported",
                    credential.dn, credential.id
                ),
            ),
            (Some(e), None) => report.add(
                Severity::Skipped,
                format!(
                    "credential '{}' (endorserPrincible row {}) names endorser row {e}, which \
                     was deleted: not imported",
                    credential.dn, credential.id
                ),
            ),
            _ => {}
        }
    }
    for endorser in &legacy.endorsers {
        let credentials: Vec<Credential> = legacy
            .credentials
            .iter()
            .filter(|c| c.endorser == Some(endorser.id))
            .map(|c| Credential {
                dn: c.dn.clone(),
                ca: c.ca.clone(),
            })
            .collect();
        if let Some(existing) = endorser_credentials(tx, &endorser.identifier)? {
            let have: BTreeSet<(&str, &str)> = existing
                .iter()
                .map(|c| (c.dn.as_str(), c.ca.as_str()))
                .collect();
            let want: BTreeSet<(&str, &str)> = credentials
                .iter()
                .map(|c| (c.dn.as_str(), c.ca.as_str()))
                .collect();
            if have == want {
                report.unchanged.endorsers += 1;
                report.unchanged.credentials += want.len();
            } else {
                conflicted.insert(endorser.identifier.clone());
                let missing: Vec<String> = want
                    .difference(&have)
                    .map(|(dn, ca)| format!("--dn '{dn}' --ca '{ca}'"))
                    .collect();
                report.add(
                    Severity::Conflict,
                    format!(
                        "endorser '{}' exists here with other credentials: kept as it is{}",
                        endorser.identifier,
                        if missing.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; to add the 0.6.3 ones: vmcatcher endorser create '{}' {}",
                                endorser.identifier,
                                missing.join(" ")
                            )
                        }
                    ),
                );
            }
            continue;
        }
        let mut free = Vec::new();
        for credential in credentials {
            if let Some(other) = credential_owner(tx, &credential)? {
                report.add(
                    Severity::Conflict,
                    format!(
                        "credential '{}' of endorser '{}' belongs to endorser '{other}' here: \
                         left with '{other}'",
                        credential.dn, endorser.identifier
                    ),
                );
            } else {
                free.push(credential);
            }
        }
        db::insert_endorser(tx, &endorser.identifier, &free)?;
        report.imported.endorsers += 1;
        report.imported.credentials += free.len();
        join_differences(legacy, names, endorser.id, &endorser.identifier, report);
    }
    Ok(conflicted)
}

/// 0.6.3 joined `endorser.id = endorserPrincible.id` (its defect 1): for each credential of
/// `owner` whose row id differs, say whose 0.6.3 took it for.
fn join_differences(
    legacy: &LegacyDb,
    names: &HashMap<i64, &str>,
    owner_id: i64,
    owner: &str,
    report: &mut Report,
) {
    for credential in legacy
        .credentials
        .iter()
        .filter(|c| c.endorser == Some(owner_id) && c.id != owner_id)
    {
        let seen_as = names.get(&credential.id).map_or_else(
            || "nobody's: lists signed with it were refused".to_string(),
            |n| format!("endorser '{n}''s: lists signed with it were accepted for '{n}'"),
        );
        report.add(
            Severity::Warning,
            format!(
                "credential '{}' belongs to endorser '{owner}' (its endorser column) and is \
                 imported as such; vmcatcher 0.6.3 matched credentials by row id (row {}) and \
                 treated it as {seen_as}",
                credential.dn, credential.id
            ),
        );
    }
}

fn endorser_credentials(tx: &Transaction<'_>, identifier: &str) -> Result<Option<Vec<Credential>>> {
    let id: Option<i64> = tx
        .query_row(
            "SELECT id FROM endorser WHERE identifier = ?1",
            [identifier],
            |r| r.get(0),
        )
        .optional()
        .map_err(db::sql)?;
    let Some(id) = id else { return Ok(None) };
    let mut stmt = tx
        .prepare("SELECT dn, ca FROM endorser_credential WHERE endorser_id = ?1 ORDER BY id")
        .map_err(db::sql)?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(Credential {
                dn: r.get(0)?,
                ca: r.get(1)?,
            })
        })
        .map_err(db::sql)?;
    Ok(Some(
        rows.collect::<rusqlite::Result<_>>().map_err(db::sql)?,
    ))
}

fn credential_owner(tx: &Transaction<'_>, c: &Credential) -> Result<Option<String>> {
    tx.query_row(
        "SELECT e.identifier FROM endorser_credential c JOIN endorser e ON e.id = c.endorser_id \
         WHERE c.dn = ?1 AND c.ca = ?2",
        params![c.dn, c.ca],
        |r| r.get(0),
    )
    .optional()
    .map_err(db::sql)
}

/// What a 0.6.3 subscription becomes here.
struct Settings {
    url: String,
    new_images: NewImages,
    tls_anchors: TlsAnchors,
    username: Option<String>,
    password: Option<String>,
}

fn settings(s: &LegacySubscription, report: &mut Report) -> Settings {
    let split = map::split_credentials(&s.uri);
    if split.username.is_some() || split.password.is_some() {
        report.add(
            Severity::Note,
            format!(
                "subscription {}: the user name and password in its URL are stored as its \
                 basic-auth credentials and taken out of the URL",
                s.identifier
            ),
        );
    }
    let username = map::non_empty(s.username.as_deref())
        .map(str::to_string)
        .or(split.username);
    let password = map::non_empty(s.password.as_deref())
        .map(str::to_string)
        .or(split.password);
    let new_images = map::new_images(s.update_mode).unwrap_or_else(|| {
        report.add(
            Severity::Warning,
            format!(
                "subscription {}: updateMode {} is not one 0.6.3 writes (0, 1, 3): imported as \
                 'accept'; change it with 'vmcatcher subscribe set {} --new-images …'",
                s.identifier, s.update_mode, s.identifier
            ),
        );
        NewImages::Accept
    });
    let tls_anchors = map::tls_anchors(s.trust_anchor).unwrap_or_else(|| {
        report.add(
            Severity::Warning,
            format!(
                "subscription {}: trustAnchor {} is unknown: imported as 'both'",
                s.identifier, s.trust_anchor
            ),
        );
        TlsAnchors::Both
    });
    Settings {
        url: split.url,
        new_images,
        tls_anchors,
        username,
        password,
    }
}

fn subscriptions(
    tx: &Transaction<'_>,
    legacy: &LegacyDb,
    report: &mut Report,
) -> Result<HashMap<i64, Target>> {
    let mut targets = HashMap::new();
    let mut https = Vec::new();
    for s in &legacy.subscriptions {
        let wanted = settings(s, report);
        let existing = existing_subscription(tx, &s.identifier, &wanted.url)?;
        if let Some(Existing {
            identifier,
            url,
            new_images,
            tls,
            username,
            password,
        }) = existing
        {
            let mut differs = Vec::new();
            if identifier != s.identifier {
                differs.push(format!("identifier (here {identifier})"));
            }
            if url != wanted.url {
                differs.push(format!("URL (here {url}, 0.6.3 {})", wanted.url));
            }
            if new_images != wanted.new_images.as_str() {
                differs.push(format!(
                    "new-images policy (here {new_images}, 0.6.3 {})",
                    wanted.new_images.as_str()
                ));
            }
            if tls != wanted.tls_anchors.as_str() {
                differs.push(format!(
                    "TLS anchors (here {tls}, 0.6.3 {})",
                    wanted.tls_anchors.as_str()
                ));
            }
            if username != wanted.username {
                differs.push("user name".to_string());
            }
            if password != wanted.password {
                differs.push("password".to_string());
            }
            if differs.is_empty() {
                report.unchanged.subscriptions += 1;
            } else {
                report.add(
                    Severity::Conflict,
                    format!(
                        "subscription {} exists here with a different {}: kept as it is, with \
                         its links, images and lists",
                        s.identifier,
                        differs.join(", ")
                    ),
                );
            }
            continue;
        }
        let created = legacy
            .lists
            .iter()
            .filter(|l| list_subscription(legacy, l) == Some(s.id))
            .filter_map(|l| map::date(&l.imported))
            .min()
            .or_else(|| s.updated.as_deref().and_then(map::date))
            .unwrap_or_else(db::now_text);
        let id = db::insert_subscription(
            tx,
            &NewSubscription {
                identifier: &s.identifier,
                url: &wanted.url,
                description: s.description.as_deref().unwrap_or(""),
                new_images: wanted.new_images,
                tls_anchors: wanted.tls_anchors,
                username: wanted.username.as_deref(),
                password: wanted.password.as_deref(),
            },
            &created,
        )?;
        if s.trust_anchor == 0 && wanted.url.starts_with("https:") {
            https.push(s.identifier.clone());
        }
        report.imported.subscriptions += 1;
        targets.insert(
            s.id,
            Target {
                id,
                identifier: s.identifier.clone(),
            },
        );
    }
    if !https.is_empty() {
        report.add(
            Severity::Warning,
            format!(
                "https servers are now authenticated (system roots and the trust directory; \
                 0.6.3 never checked them, defect 5): {}; if a server's certificate chains to \
                 neither, choose with 'vmcatcher subscribe set <SUB> --tls-anchors …'",
                https.join(", ")
            ),
        );
    }
    Ok(targets)
}

/// A subscription already here that a 0.6.3 one matches by identifier or URL.
struct Existing {
    identifier: String,
    url: String,
    new_images: String,
    tls: String,
    username: Option<String>,
    password: Option<String>,
}

fn existing_subscription(
    tx: &Transaction<'_>,
    identifier: &str,
    url: &str,
) -> Result<Option<Existing>> {
    tx.query_row(
        "SELECT identifier, url, new_images, tls_anchors, username, password \
         FROM subscription WHERE identifier = ?1 OR url = ?2",
        params![identifier, url],
        |r| {
            Ok(Existing {
                identifier: r.get(0)?,
                url: r.get(1)?,
                new_images: r.get(2)?,
                tls: r.get(3)?,
                username: r.get(4)?,
                password: r.get(5)?,
            })
        },
    )
    .optional()
    .map_err(db::sql)
}

/// The subscription a stored list belongs to: through its `subscriptionAuth` row.
fn list_subscription(legacy: &LegacyDb, list: &LegacyList) -> Option<i64> {
    let link = list.sub_auth?;
    legacy
        .links
        .iter()
        .find(|l| l.id == link)
        .and_then(|l| l.subscription)
}

fn links(
    tx: &Transaction<'_>,
    legacy: &LegacyDb,
    names: &HashMap<i64, &str>,
    conflicted: &HashSet<String>,
    targets: &HashMap<i64, Target>,
    report: &mut Report,
) -> Result<()> {
    let known: HashSet<i64> = legacy.subscriptions.iter().map(|s| s.id).collect();
    for link in &legacy.links {
        let endorser = link.endorser.and_then(|id| names.get(&id).copied());
        let subscription_known = link.subscription.is_some_and(|id| known.contains(&id));
        let (Some(endorser), true) = (endorser, subscription_known) else {
            report.add(
                Severity::Skipped,
                format!(
                    "endorser link (subscriptionAuth row {}) names a deleted {}: not imported",
                    link.id,
                    if endorser.is_none() {
                        "endorser"
                    } else {
                        "subscription"
                    }
                ),
            );
            continue;
        };
        let Some(target) = link.subscription.and_then(|id| targets.get(&id)) else {
            continue; // a subscription that was here already keeps its own links
        };
        if conflicted.contains(endorser) {
            // The endorser of that name here has other credentials: linking it would let
            // them sign this list.
            report.add(
                Severity::Conflict,
                format!(
                    "endorser link {endorser} - {} not imported: '{endorser}' here is not the \
                     0.6.3 endorser of that name (see above); if it should sign the list: \
                     vmcatcher endorser link {endorser} {}",
                    target.identifier, target.identifier
                ),
            );
            continue;
        }
        let exists: bool = tx
            .query_row(
                "SELECT count(*) FROM endorser WHERE identifier = ?1",
                [endorser],
                |r| r.get::<_, i64>(0),
            )
            .map_err(db::sql)?
            > 0;
        if exists && db::link_in(tx, endorser, target.id)? {
            report.imported.links += 1;
        }
    }
    Ok(())
}

fn images(
    tx: &Transaction<'_>,
    legacy: &LegacyDb,
    targets: &HashMap<i64, Target>,
    report: &mut Report,
) -> Result<()> {
    let known: HashSet<i64> = legacy.subscriptions.iter().map(|s| s.id).collect();
    for image in &legacy.images {
        if !image.subscription.is_some_and(|id| known.contains(&id)) {
            report.add(
                Severity::Skipped,
                format!(
                    "image {} (ImageDefinition row {}) belongs to a deleted subscription: not \
                     imported",
                    image.identifier, image.id
                ),
            );
            continue;
        }
        let Some(target) = image.subscription.and_then(|id| targets.get(&id)) else {
            continue;
        };
        if let Err(e) = crate::imagelist::check_safe_identifier(&image.identifier) {
            report.add(
                Severity::Skipped,
                format!(
                    "image {:?} of {}: {e}: not imported",
                    image.identifier, target.identifier
                ),
            );
            continue;
        }
        let selected = image.cache != 0;
        tx.execute(
            "INSERT INTO image (subscription_id, identifier, selected) VALUES (?1, ?2, ?3)",
            params![target.id, image.identifier, i64::from(selected)],
        )
        .map_err(db::sql)?;
        report.imported.images += 1;
        report.imported.selected += usize::from(selected);
    }
    Ok(())
}

/// Imports the stored lists; returns legacy list row id → our list id (duplicates map to
/// the one kept).
fn lists(
    tx: &Transaction<'_>,
    legacy: &LegacyDb,
    targets: &HashMap<i64, Target>,
    report: &mut Report,
) -> Result<HashMap<i64, i64>> {
    let mut stored = HashMap::new();
    let known: HashSet<i64> = legacy.subscriptions.iter().map(|s| s.id).collect();
    let mut by_subscription: HashMap<i64, Vec<&LegacyList>> = HashMap::new();
    for list in &legacy.lists {
        match list_subscription(legacy, list) {
            Some(s) if known.contains(&s) => by_subscription.entry(s).or_default().push(list),
            _ => report.add(
                Severity::Skipped,
                format!(
                    "stored list row {} (imported {}) belongs to no subscription (its endorser \
                     link was deleted): not imported",
                    list.id, list.imported
                ),
            ),
        }
    }
    for s in &legacy.subscriptions {
        let (Some(target), Some(rows)) = (targets.get(&s.id), by_subscription.get(&s.id)) else {
            continue;
        };
        // Byte-identical rows (0.6.3 stores the same list again after --image-accept or
        // --image-refuse): one is kept, the current one if it is among them, else the last.
        let mut keep: HashMap<String, i64> = HashMap::new();
        let hashes: HashMap<i64, String> = rows
            .iter()
            .map(|l| (l.id, crate::subscription::rules::sha512_hex(&l.data)))
            .collect();
        for list in rows {
            let hash = &hashes[&list.id];
            let entry = keep.entry(hash.clone()).or_insert(list.id);
            if s.imagelist_latest != Some(*entry) {
                *entry = list.id;
            }
        }
        let mut refused_new: BTreeSet<String> = BTreeSet::new();
        for list in rows {
            let hash = &hashes[&list.id];
            let kept = keep[hash];
            if kept != list.id {
                report.add(
                    Severity::Note,
                    format!(
                        "subscription {}: stored list row {} repeats row {kept} byte for byte \
                         (0.6.3 stores a list again after --image-accept/--image-refuse): kept once",
                        target.identifier, list.id
                    ),
                );
                continue;
            }
            let Some(id) = store_list(tx, s, target, list, hash, &mut refused_new, report)? else {
                continue;
            };
            report.imported.lists += 1;
            for row in rows.iter().filter(|r| hashes[&r.id] == *hash) {
                stored.insert(row.id, id);
            }
        }
        if !refused_new.is_empty() {
            report.imported.refused += refused_new.len();
            report.add(
                Severity::Note,
                format!(
                    "subscription {}: {} in its stored lists had no selection row in 0.6.3 \
                     (removed by --image-refuse, or refused by its update mode) and are imported \
                     as refused; 'vmcatcher subscribe accept {} <IMAGE>' takes one back",
                    target.identifier,
                    refused_new.iter().cloned().collect::<Vec<_>>().join(", "),
                    target.identifier
                ),
            );
        }
    }
    Ok(stored)
}

/// Checks and stores one list; `None` (reported) when it cannot be used.
fn store_list(
    tx: &Transaction<'_>,
    s: &LegacySubscription,
    target: &Target,
    list: &LegacyList,
    hash: &str,
    refused_new: &mut BTreeSet<String>,
    report: &mut Report,
) -> Result<Option<i64>> {
    let skip = |report: &mut Report, why: String| {
        report.add(
            Severity::Skipped,
            format!(
                "stored list row {} of {}: {why}: not imported (the next update fetches the \
                 list again)",
                list.id, target.identifier
            ),
        );
        Ok(None)
    };
    let (content, signer) = match crate::trust::signed_content(&list.data) {
        Ok(x) => x,
        Err(e) => return skip(report, e.to_string()),
    };
    let parsed = match ImageList::parse(&content) {
        Ok(p) => p.list,
        Err(e) => return skip(report, e.to_string()),
    };
    if parsed.identifier != s.identifier {
        return skip(
            report,
            format!(
                "it is the list {}, not this subscription's",
                parsed.identifier
            ),
        );
    }
    let imported = map::date(&list.imported).unwrap_or_else(db::now_text);
    let expired = list.expired.as_deref().and_then(map::date);
    let id = db::insert_list(
        tx,
        target.id,
        &ListToStore {
            raw: &list.data,
            raw_sha512: hash,
            content: &content,
            signer_dn: &signer.subject,
            signer_ca: &signer.issuer,
            list: &parsed,
            records_in_content: true,
        },
        &imported,
        expired.as_deref(),
    )?;
    for image in &parsed.images {
        let image_id = if let Some(id) = db::image_row(tx, target.id, &image.identifier)? {
            id
        } else {
            tx.execute(
                "INSERT INTO image (subscription_id, identifier, refused) VALUES (?1, ?2, 1)",
                params![target.id, image.identifier],
            )
            .map_err(db::sql)?;
            refused_new.insert(image.identifier.clone());
            tx.last_insert_rowid()
        };
        db::insert_record(tx, id, image_id, image, true)?;
    }
    Ok(Some(id))
}

fn current_lists(
    tx: &Transaction<'_>,
    legacy: &LegacyDb,
    targets: &HashMap<i64, Target>,
    stored: &HashMap<i64, i64>,
    report: &mut Report,
) -> Result<()> {
    for s in &legacy.subscriptions {
        let Some(target) = targets.get(&s.id) else {
            continue;
        };
        let newest: Option<i64> = tx
            .query_row(
                "SELECT max(id) FROM image_list WHERE subscription_id = ?1",
                [target.id],
                |r| r.get(0),
            )
            .map_err(db::sql)?;
        let current = match s.imagelist_latest {
            Some(row) if stored.contains_key(&row) => Some(stored[&row]),
            Some(row) if !legacy.lists.iter().any(|l| l.id == row) => {
                report.add(
                    Severity::Skipped,
                    format!(
                        "subscription {}: its current list (imageListInstance row {row}) was \
                         deleted: imported without a current list, so its images are not \
                         available until 'vmcatcher subscribe update {}'",
                        target.identifier, target.identifier
                    ),
                );
                None
            }
            Some(_) => None, // unusable: reported with the list
            None => {
                if newest.is_some() {
                    report.add(
                        Severity::Note,
                        format!(
                            "subscription {}: 0.6.3 had cleared its current list (to import it \
                             again on the next update): its newest stored list is current",
                            target.identifier
                        ),
                    );
                }
                newest
            }
        };
        let updated = s.updated.as_deref().and_then(map::date);
        tx.execute(
            "UPDATE subscription SET current_list_id = ?2, updated = ?3 WHERE id = ?1",
            params![target.id, current, updated],
        )
        .map_err(db::sql)?;
    }
    Ok(())
}

/// After the join fix a link may no longer authorise the list it was made for (a list
/// signed by alice's credential that 0.6.3 took for bob's): say what the next update will
/// do and how to keep it working.
fn signers_linked(
    tx: &Transaction<'_>,
    targets: &HashMap<i64, Target>,
    report: &mut Report,
) -> Result<()> {
    let mut ids: Vec<&Target> = targets.values().collect();
    ids.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    for target in ids {
        let signer: Option<(String, String)> = tx
            .query_row(
                "SELECT l.signer_dn, l.signer_ca FROM subscription s \
                 JOIN image_list l ON l.id = s.current_list_id WHERE s.id = ?1",
                [target.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db::sql)?;
        let Some((dn, ca)) = signer else { continue };
        let linked: i64 = tx
            .query_row(
                "SELECT count(*) FROM endorser_credential c \
                 JOIN subscription_endorser se ON se.endorser_id = c.endorser_id \
                 WHERE se.subscription_id = ?1 AND c.dn = ?2 AND c.ca = ?3",
                params![target.id, dn, ca],
                |r| r.get(0),
            )
            .map_err(db::sql)?;
        if linked > 0 {
            continue;
        }
        let owner = credential_owner(
            tx,
            &Credential {
                dn: dn.clone(),
                ca: ca.clone(),
            },
        )?;
        let advice = owner.as_ref().map_or_else(
            || {
                format!(
                    "create its endorser: vmcatcher endorser create <ID> --dn '{dn}' --ca '{ca}'"
                )
            },
            |o| format!("vmcatcher endorser link {o} {}", target.identifier),
        );
        report.add(
            Severity::Warning,
            format!(
                "subscription {}: its current list is signed by '{dn}'{}, which is not linked to \
                 it (0.6.3 accepted it through its credential join by row id, defect 1): the \
                 next update will refuse it (exit 13) unless you run: {advice}",
                target.identifier,
                owner
                    .as_ref()
                    .map(|o| format!(" (a credential of endorser '{o}')"))
                    .unwrap_or_default()
            ),
        );
    }
    Ok(())
}

/// `ImageInstance` rows are not imported (the stored messages carry every image and more);
/// the dangling ones 0.6.3 leaves behind are counted so the report accounts for them.
fn dangling_instances(legacy: &LegacyDb, report: &mut Report) {
    let lists: HashSet<i64> = legacy.lists.iter().map(|l| l.id).collect();
    let images: HashSet<i64> = legacy.images.iter().map(|i| i.id).collect();
    let orphans: Vec<_> = legacy
        .instances
        .iter()
        .filter(|i| !i.list.is_some_and(|l| lists.contains(&l)))
        .collect();
    if orphans.is_empty() {
        return;
    }
    let no_image = orphans
        .iter()
        .filter(|i| !i.definition.is_some_and(|d| images.contains(&d)))
        .count();
    report.add(
        Severity::Skipped,
        format!(
            "{} ImageInstance rows belong to no stored list (0.6.3 leaves them when it deletes a \
             list or subscription){}: ignored, nothing is lost",
            orphans.len(),
            if no_image > 0 {
                format!("; {no_image} of them also name deleted image definitions")
            } else {
                String::new()
            }
        ),
    );
}
