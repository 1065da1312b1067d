//! Images of subscriptions, their per-list records, and importing a list.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::{Map, Value};

use super::subscriptions::{NewImages, Subscription};
use super::{now_text, sql, Db};
use crate::error::{Error, Result};
use crate::imagelist::{format_date, Image, ImageList};

/// One row of `image list`.
#[derive(Debug, Clone, Serialize)]
pub struct ImageState {
    pub identifier: String,
    /// The original's bitmap: 1 = subscribed (selected), 2 = in the current, valid list.
    pub state: u8,
    pub subscription: String,
}

/// An image as the current list of its subscription describes it.
#[derive(Debug, Clone, Serialize)]
pub struct ImageRecord {
    pub title: String,
    pub description: String,
    pub hypervisor: String,
    pub sha512: String,
    pub uri: String,
    pub os: String,
    pub osversion: String,
    pub arch: String,
    pub version: String,
    pub size: u64,
    pub comments: String,
    pub expires: String,
    /// The whole `hv:image` object of the list.
    pub metadata: serde_json::Value,
}

/// An image row with what `image show` needs.
#[derive(Debug, Clone)]
pub struct ImageDetail {
    pub id: i64,
    pub identifier: String,
    pub selected: bool,
    pub state: u8,
    pub subscription_id: i64,
    pub subscription: String,
    /// From the subscription's current list, when the image is in it.
    pub record: Option<ImageRecord>,
}

/// An image first seen in an imported list (for `SubscriptionImageNew`).
#[derive(Debug, Clone)]
pub struct NewImage {
    pub identifier: String,
    pub refused: bool,
    /// Its place in the imported list's `images` (not a copy of its metadata: a first
    /// import of 1,000 images spent more time cloning them than using them).
    pub index: usize,
}

/// A verified, rule-checked list ready to be stored.
pub struct ListToStore<'a> {
    pub raw: &'a [u8],
    pub raw_sha512: &'a str,
    pub content: &'a [u8],
    pub signer_dn: &'a str,
    pub signer_ca: &'a str,
    pub list: &'a ImageList,
    /// The content is an image list whose `hv:image` objects records can be read back
    /// from; false for a registry resolution, whose records keep their own copy.
    pub records_in_content: bool,
}

/// SQL for the state bitmap; `?1` is now. Bit 2 needs the image in the subscription's
/// current list, that list not marked expired and neither list nor image past its date.
const STATE_SQL: &str = "i.selected + 2 * EXISTS (\
     SELECT 1 FROM image_record r JOIN image_list l ON l.id = r.image_list_id \
     WHERE r.image_id = i.id AND l.id = s.current_list_id AND l.expired IS NULL \
     AND l.expires > ?1 AND r.expires > ?1)";

impl Db {
    /// Every registered (not refused) image with its state, by subscription then id.
    pub fn image_states(&self, subscription_id: Option<i64>) -> Result<Vec<ImageState>> {
        let mut states = Vec::new();
        self.each_image_state(subscription_id, |state| {
            states.push(state);
            Ok(())
        })?;
        Ok(states)
    }

    /// `image_states` one row at a time, for listings of any size in flat memory.
    pub fn each_image_state(
        &self,
        subscription_id: Option<i64>,
        mut each: impl FnMut(ImageState) -> Result<()>,
    ) -> Result<()> {
        // Joins rather than STATE_SQL's subquery: one index probe per image, which keeps
        // 100 subscriptions x 1,000 images well under the 200 ms of product.md §9. Read
        // in index order (subscription identifier, then image identifier): no sort.
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT i.identifier, i.selected + 2 * (r.id IS NOT NULL), s.identifier \
                 FROM subscription s JOIN image i ON i.subscription_id = s.id \
                 LEFT JOIN image_list l ON l.id = s.current_list_id \
                     AND l.expired IS NULL AND l.expires > ?1 \
                 LEFT JOIN image_record r ON r.image_list_id = l.id AND r.image_id = i.id \
                     AND r.expires > ?1 \
                 WHERE i.refused = 0 AND (?2 IS NULL OR s.id = ?2) \
                 ORDER BY s.identifier, i.identifier",
            )
            .map_err(|e| self.error(e))?;
        let mut rows = stmt
            .query(params![now_text(), subscription_id])
            .map_err(|e| self.error(e))?;
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let state = (|| {
                Ok(ImageState {
                    identifier: row.get(0)?,
                    state: row.get(1)?,
                    subscription: row.get(2)?,
                })
            })()
            .map_err(|e| self.error(e))?;
            each(state)?;
        }
        Ok(())
    }

    /// Resolves `<IMAGE>`: an identifier, exactly or by unique prefix.
    pub fn find_images(&self, reference: &str) -> Result<Vec<ImageDetail>> {
        let exact = self.image_details("i.identifier = ?2", reference)?;
        if !exact.is_empty() {
            return Ok(exact);
        }
        let like = format!(
            "{}%",
            reference
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let found = self.image_details("i.identifier LIKE ?2 ESCAPE '\\'", &like)?;
        let mut ids: Vec<&str> = found.iter().map(|d| d.identifier.as_str()).collect();
        ids.dedup();
        match ids.len() {
            0 => Err(Error::NotFound(format!(
                "no image matches '{reference}': 'vmcatcher image list' shows them"
            ))),
            1 => Ok(found),
            n => Err(Error::Conflict(format!(
                "'{reference}' matches {n} images ({}): give more of the identifier",
                ids.join(", ")
            ))),
        }
    }

    /// Images whose record in any stored list (current or past) has this SHA-512.
    pub fn find_images_by_sha512(&self, sha512: &str) -> Result<Vec<ImageDetail>> {
        let found = self.image_details(
            "i.id IN (SELECT image_id FROM image_record WHERE sha512 = ?2)",
            &sha512.to_ascii_lowercase(),
        )?;
        if found.is_empty() {
            return Err(Error::NotFound(format!(
                "no image has SHA-512 {sha512}: 'vmcatcher image show' prints each image's"
            )));
        }
        Ok(found)
    }

    /// Every registered image with its current record, optionally of one subscription.
    pub fn all_image_details(&self, subscription_id: Option<i64>) -> Result<Vec<ImageDetail>> {
        match subscription_id {
            Some(id) => self.image_details("s.id = CAST(?2 AS INTEGER)", &id.to_string()),
            None => self.image_details("?2 = ''", ""),
        }
    }

    fn image_details(&self, condition: &str, value: &str) -> Result<Vec<ImageDetail>> {
        let mut stmt = self
            .conn()
            .prepare(&format!(
                "SELECT i.id, i.identifier, i.selected, {STATE_SQL}, s.id, s.identifier, \
                 {RECORD_COLUMNS}, r.image_list_id \
                 FROM image i JOIN subscription s ON s.id = i.subscription_id \
                 LEFT JOIN image_record r ON r.image_id = i.id AND r.image_list_id = s.current_list_id \
                 WHERE i.refused = 0 AND {condition} ORDER BY s.identifier, i.identifier"
            ))
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![now_text(), value], |row| {
                let record = match row.get::<_, Option<String>>(6)? {
                    None => None,
                    Some(_) => Some(record_at(row, 6)?),
                };
                let list_id: Option<i64> = row.get(6 + RECORD_COLUMN_COUNT)?;
                let detail = ImageDetail {
                    id: row.get(0)?,
                    identifier: row.get(1)?,
                    selected: row.get::<_, i64>(2)? == 1,
                    state: row.get(3)?,
                    subscription_id: row.get(4)?,
                    subscription: row.get(5)?,
                    record,
                };
                Ok((detail, list_id))
            })
            .map_err(|e| self.error(e))?;
        let mut found: Vec<(ImageDetail, Option<i64>)> = rows
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))?;
        self.fill_metadata(found.iter_mut().filter_map(|(d, list_id)| {
            Some((
                list_id.as_ref().copied()?,
                d.identifier.as_str(),
                d.record.as_mut()?,
            ))
        }))?;
        Ok(found.into_iter().map(|(d, _)| d).collect())
    }

    /// Records keep no copy of their `hv:image` object (a 1,000-image list wrote 650 kB of
    /// them, a fifth of a first import): it is read back from the list's content, parsed
    /// once for each run of records of the same list. Records stored with it keep theirs.
    fn fill_metadata<'a>(
        &self,
        records: impl Iterator<Item = (i64, &'a str, &'a mut ImageRecord)>,
    ) -> Result<()> {
        let mut parsed: Option<(i64, ImageObjects)> = None;
        for (list_id, identifier, record) in records {
            if !record.metadata.is_null() {
                continue;
            }
            if parsed.as_ref().map(|(id, _)| *id) != Some(list_id) {
                let content = self.list_message(list_id)?.content;
                let images = ImageList::parse(&content)
                    .map(|p| {
                        let images = p.list.images.into_iter();
                        images.map(|i| (i.identifier, i.raw)).collect()
                    })
                    .unwrap_or_default();
                parsed = Some((list_id, images));
            }
            if let Some(raw) = parsed.as_mut().and_then(|(_, m)| m.remove(identifier)) {
                record.metadata = Value::Object(raw);
            }
        }
        Ok(())
    }

    /// Selects or deselects images for the cache.
    pub fn set_selected(&mut self, image_ids: &[i64], selected: bool) -> Result<()> {
        self.write(|tx| {
            for id in image_ids {
                tx.execute(
                    "UPDATE image SET selected = ?2 WHERE id = ?1",
                    params![id, i64::from(selected)],
                )
                .map_err(sql)?;
            }
            Ok(())
        })
    }

    /// Every image identifier a subscription knows, refused ones included, in order.
    pub fn subscription_image_ids(&self, subscription_id: i64) -> Result<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT identifier FROM image WHERE subscription_id = ?1 ORDER BY identifier")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([subscription_id], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }

    /// Pre-approves (`accept`) or refuses image ids of a subscription, present or future.
    pub fn set_refused(
        &mut self,
        subscription_id: i64,
        identifiers: &[String],
        refused: bool,
    ) -> Result<()> {
        self.write(|tx| {
            for identifier in identifiers {
                tx.execute(
                    "INSERT INTO image (subscription_id, identifier, refused) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (subscription_id, identifier) DO UPDATE SET refused = ?3, \
                     selected = CASE WHEN ?3 = 1 THEN 0 ELSE selected END",
                    params![subscription_id, identifier, i64::from(refused)],
                )
                .map_err(sql)?;
            }
            Ok(())
        })
    }

    /// Marks a stored list expired (no longer valid), so its images lose state bit 2.
    pub fn mark_list_expired(&mut self, list_id: i64) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE image_list SET expired = ?2 WHERE id = ?1 AND expired IS NULL",
                    params![list_id, now_text()],
                )
                .map_err(sql)?;
            Ok(n > 0)
        })
    }

    /// Clears the expired mark of a list that verifies and is in date again.
    pub fn mark_list_valid(&mut self, list_id: i64) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE image_list SET expired = NULL WHERE id = ?1 AND expired IS NOT NULL",
                    [list_id],
                )
                .map_err(sql)?;
            Ok(n > 0)
        })
    }
}

/// The `hv:image` objects of one list by image identifier.
type ImageObjects = HashMap<String, Map<String, Value>>;

/// The columns of an image record, in the order `record_at` reads them.
const RECORD_COLUMNS: &str = "r.title, r.description, r.hypervisor, r.sha512, r.uri, r.os, \
     r.osversion, r.arch, r.version, r.size, r.comments, r.expires, r.metadata";
const RECORD_COLUMN_COUNT: usize = 13;

/// Reads an image record from `RECORD_COLUMNS` starting at column `at`.
fn record_at(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<ImageRecord> {
    Ok(ImageRecord {
        title: row.get(at)?,
        description: row.get(at + 1)?,
        hypervisor: row.get(at + 2)?,
        sha512: row.get(at + 3)?,
        uri: row.get(at + 4)?,
        os: row.get(at + 5)?,
        osversion: row.get(at + 6)?,
        arch: row.get(at + 7)?,
        version: row.get(at + 8)?,
        size: row.get::<_, i64>(at + 9)?.max(0) as u64,
        comments: row.get(at + 10)?,
        expires: row.get(at + 11)?,
        // Empty since the list's content holds it: `Db::fill_metadata` reads it there.
        metadata: match row.get_ref(at + 12)?.as_str()? {
            "" => Value::Null,
            text => serde_json::from_str(text).unwrap_or(Value::Null),
        },
    })
}

/// A selected image of a current, valid list: what the cache should hold.
#[derive(Debug, Clone)]
pub struct CacheCandidate {
    pub image: String,
    pub subscription: String,
    pub subscription_id: i64,
    pub list_id: i64,
    pub record: ImageRecord,
}

impl Db {
    /// Every image with state 3 (selected and available), with its current record.
    pub fn cache_candidates(&self) -> Result<Vec<CacheCandidate>> {
        let mut stmt = self
            .conn()
            .prepare(&format!(
                "SELECT i.identifier, s.identifier, s.id, l.id, {RECORD_COLUMNS} FROM image i \
                 JOIN subscription s ON s.id = i.subscription_id \
                 JOIN image_list l ON l.id = s.current_list_id \
                 JOIN image_record r ON r.image_id = i.id AND r.image_list_id = l.id \
                 WHERE i.selected = 1 AND i.refused = 0 AND l.expired IS NULL \
                 AND l.expires > ?1 AND r.expires > ?1 ORDER BY s.identifier, i.identifier"
            ))
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([now_text()], |row| {
                Ok(CacheCandidate {
                    image: row.get(0)?,
                    subscription: row.get(1)?,
                    subscription_id: row.get(2)?,
                    list_id: row.get(3)?,
                    record: record_at(row, 4)?,
                })
            })
            .map_err(|e| self.error(e))?;
        let mut found: Vec<CacheCandidate> = rows
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))?;
        self.fill_metadata(
            found
                .iter_mut()
                .map(|c| (c.list_id, c.image.as_str(), &mut c.record)),
        )?;
        Ok(found)
    }
}

impl Db {
    /// The metadata of every record of the image `identifier` of a subscription, in the
    /// order the lists were imported (the last is the current list's, if it has it).
    pub fn image_history(
        &self,
        subscription_id: i64,
        identifier: &str,
    ) -> Result<Vec<(i64, serde_json::Value)>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT r.image_list_id, r.metadata FROM image_record r \
                 JOIN image i ON i.id = r.image_id \
                 WHERE i.subscription_id = ?1 AND i.identifier = ?2 ORDER BY r.image_list_id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![subscription_id, identifier], |row| {
                let text: String = row.get(1)?;
                Ok((
                    row.get(0)?,
                    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
                ))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }
}

impl Db {
    /// Every (subscription identifier, image identifier) the database has a say on: its
    /// image rows, refused ones included, and the images of deleted subscriptions. A
    /// cached image outside this set is foreign and never expired.
    pub fn known_images(&self) -> Result<std::collections::HashSet<(String, String)>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT s.identifier, i.identifier FROM image i \
                 JOIN subscription s ON s.id = i.subscription_id \
                 UNION SELECT subscription, image FROM dropped_image",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }
}

/// Stores a list as the subscription's current one and registers its images; returns the
/// images seen for the first time. `first` is the import of `subscribe add`, where every
/// image is registered whatever the policy.
pub(crate) fn import_list(
    tx: &Transaction<'_>,
    subscription: &Subscription,
    new: &ListToStore<'_>,
    first: bool,
) -> Result<Vec<NewImage>> {
    let now = now_text();
    let list = new.list;
    let list_id = insert_list(tx, subscription.id, new, &now, None)?;
    let mut new_images = Vec::new();
    // Prepared once for the whole list (a 1,000-image list spent more time compiling
    // these statements than running them).
    let mut find = tx
        .prepare_cached("SELECT id FROM image WHERE subscription_id = ?1 AND identifier = ?2")
        .map_err(sql)?;
    let mut add = tx
        .prepare_cached(
            "INSERT INTO image (subscription_id, identifier, selected, refused) \
             VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(sql)?;
    for (index, image) in list.images.iter().enumerate() {
        let existing: Option<i64> = find
            .query_row(params![subscription.id, image.identifier], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        let image_id = if let Some(id) = existing {
            id
        } else {
            let policy = if first && subscription.new_images == NewImages::Refuse {
                NewImages::Accept
            } else {
                subscription.new_images
            };
            let selected = policy == NewImages::Subscribe;
            let refused = policy == NewImages::Refuse;
            add.execute(params![
                subscription.id,
                image.identifier,
                i64::from(selected),
                i64::from(refused)
            ])
            .map_err(sql)?;
            new_images.push(NewImage {
                identifier: image.identifier.clone(),
                refused,
                index,
            });
            tx.last_insert_rowid()
        };
        insert_record(tx, list_id, image_id, image, new.records_in_content)?;
    }
    tx.execute(
        "UPDATE subscription SET current_list_id = ?2, updated = ?3, description = ?4 WHERE id = ?1",
        params![subscription.id, list_id, now, list.description],
    )
    .map_err(sql)?;
    Ok(new_images)
}

/// The id of a subscription's image row, refused ones included.
pub(crate) fn image_row(
    tx: &Transaction<'_>,
    subscription_id: i64,
    identifier: &str,
) -> Result<Option<i64>> {
    tx.query_row(
        "SELECT id FROM image WHERE subscription_id = ?1 AND identifier = ?2",
        params![subscription_id, identifier],
        |r| r.get(0),
    )
    .optional()
    .map_err(sql)
}

/// Stores a list (row and message) for a subscription without making it current; returns
/// its id. `import_list` uses it, and the importer of 0.6.3 history with the dates kept.
pub(crate) fn insert_list(
    tx: &Transaction<'_>,
    subscription_id: i64,
    new: &ListToStore<'_>,
    imported: &str,
    expired: Option<&str>,
) -> Result<i64> {
    let list = new.list;
    tx.execute(
        "INSERT INTO image_list (subscription_id, raw_sha512, signer_dn, signer_ca, \
         version, created, expires, imported, expired) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            subscription_id,
            new.raw_sha512,
            new.signer_dn,
            new.signer_ca,
            list.version,
            format_date(list.created),
            format_date(list.expires),
            imported,
            expired
        ],
    )
    .map_err(sql)?;
    let list_id = tx.last_insert_rowid();
    // A multipart/signed list's content is its message's first part: stored only when it
    // cannot be cut from the message again (an opaque signature), so a list is not
    // written twice. The empty blob (never a valid list) stands for "cut from raw".
    let derivable = content_of(new.raw).is_some_and(|c| c == new.content);
    let content: &[u8] = if derivable { &[] } else { new.content };
    tx.execute(
        "INSERT INTO image_list_message (image_list_id, raw, content) VALUES (?1, ?2, ?3)",
        params![list_id, compress(new.raw), content],
    )
    .map_err(sql)?;
    Ok(list_id)
}

/// What marks a stored message as LZ4-compressed (a block, its size prepended). No signed
/// message starts with a NUL byte, so stored messages without it are the plain ones
/// written before.
const LZ4_MAGIC: &[u8] = b"\0vmcatcher-lz4\0";

/// A signed message as stored: LZ4-compressed, since a list is mostly repeated JSON keys
/// (a fifth of its size or less: 10⁶ images fit in well under a gigabyte, and a first
/// import writes less).
fn compress(raw: &[u8]) -> Vec<u8> {
    let mut stored = LZ4_MAGIC.to_vec();
    stored.extend_from_slice(&lz4_flex::block::compress_prepend_size(raw));
    stored
}

/// A stored message as it was signed; `None` when it does not decompress.
pub(super) fn decompress(stored: Vec<u8>) -> Option<Vec<u8>> {
    match stored.strip_prefix(LZ4_MAGIC) {
        Some(block) => lz4_flex::block::decompress_size_prepended(block).ok(),
        None => Some(stored),
    }
}

/// The signed content of a `multipart/signed` message, cut as `SMIME_read_PKCS7` does.
pub(super) fn content_of(raw: &[u8]) -> Option<Vec<u8>> {
    crate::trust::mime::split_signed(raw).map(|(_, content)| content)
}

/// Stores how one list describes one registered image.
pub(crate) fn insert_record(
    tx: &Transaction<'_>,
    list_id: i64,
    image_id: i64,
    image: &Image,
    in_content: bool,
) -> Result<()> {
    // No copy of the `hv:image` object when the list's content has it
    // (`Db::fill_metadata`).
    let metadata = if in_content {
        String::new()
    } else {
        serde_json::to_string(&image.raw).unwrap_or_default()
    };
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO image_record (image_list_id, image_id, title, description, hypervisor, \
             sha512, uri, os, osversion, arch, version, size, comments, expires, metadata) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )
        .map_err(sql)?;
    insert
        .execute(params![
            list_id,
            image_id,
            image.title,
            image.description,
            image.hypervisor,
            image.sha512.normalized(),
            image.uri,
            image.os,
            image.os_version,
            image.arch,
            image.version,
            image.size as i64,
            image.comments,
            format_date(image.effective_expires),
            metadata
        ])
        .map_err(sql)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{compress, decompress};

    #[test]
    fn messages_are_stored_compressed_and_plain_ones_still_read() {
        let message = b"MIME-Version: 1.0\r\n\r\n{\"hv:imagelist\": {}}".repeat(50);
        let stored = compress(&message);
        assert!(stored.len() < message.len() / 4, "{}", stored.len());
        assert_eq!(decompress(stored).as_deref(), Some(&message[..]));
        // Written before messages were compressed: read as they are.
        assert_eq!(decompress(message.clone()), Some(message));
        assert_eq!(decompress(b"\0vmcatcher-lz4\0\x09".to_vec()), None);
    }
}
