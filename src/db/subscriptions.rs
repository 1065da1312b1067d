//! Subscriptions, their endorser links and their imported lists.

use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::{now_text, sql, Credential, Db};
use crate::error::{Error, Result};
use crate::fetch::TlsAnchors;

/// Policy for images that first appear in a later list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NewImages {
    Refuse,
    Accept,
    Subscribe,
}

impl NewImages {
    pub fn as_str(self) -> &'static str {
        match self {
            NewImages::Refuse => "refuse",
            NewImages::Accept => "accept",
            NewImages::Subscribe => "subscribe",
        }
    }

    fn parse(s: &str) -> NewImages {
        match s {
            "refuse" => NewImages::Refuse,
            "subscribe" => NewImages::Subscribe,
            _ => NewImages::Accept,
        }
    }

    /// The original's `updateMode` bitmap: 1 = add new images, 2 = subscribe them.
    pub fn update_mode(self) -> u8 {
        match self {
            NewImages::Refuse => 0,
            NewImages::Accept => 1,
            NewImages::Subscribe => 3,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: i64,
    pub identifier: String,
    pub url: String,
    pub description: String,
    pub new_images: NewImages,
    pub tls_anchors: TlsAnchors,
    pub username: Option<String>,
    pub password: Option<String>,
    pub current_list_id: Option<i64>,
    pub created: String,
    pub updated: Option<String>,
    /// The settings of a subscription to an OCI registry (JSON, see `oci::settings`);
    /// `None` for an image list.
    pub registry: Option<String>,
}

const SUBSCRIPTION_COLUMNS: &str = "id, identifier, url, description, new_images, tls_anchors, \
     username, password, current_list_id, created, updated, registry";

fn subscription_row(row: &Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        id: row.get(0)?,
        identifier: row.get(1)?,
        url: row.get(2)?,
        description: row.get(3)?,
        new_images: NewImages::parse(&row.get::<_, String>(4)?),
        tls_anchors: row.get::<_, String>(5)?.parse().unwrap_or_default(),
        username: row.get(6)?,
        password: row.get(7)?,
        current_list_id: row.get(8)?,
        created: row.get(9)?,
        updated: row.get(10)?,
        registry: row.get(11)?,
    })
}

/// A stored, imported image list (its message is read separately: `list_message`).
#[derive(Debug, Clone)]
pub struct StoredList {
    pub id: i64,
    pub subscription_id: i64,
    pub raw_sha512: String,
    pub signer_dn: String,
    pub signer_ca: String,
    pub version: String,
    pub created: String,
    pub expires: String,
    pub imported: String,
    pub expired: Option<String>,
}

/// A subscription with what its listings show: the endorsers linked to it (so whether it
/// may be updated) and its current list, read before anything is printed.
#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub subscription: Subscription,
    pub endorsers: Vec<String>,
    pub list: Option<StoredList>,
}

impl SubscriptionView {
    /// At least one endorser is linked: the original's `sl:authorised`.
    pub fn authorised(&self) -> bool {
        !self.endorsers.is_empty()
    }

    /// The current list is in force: not marked expired and not past its date.
    pub fn list_valid(&self) -> bool {
        self.list
            .as_ref()
            .is_some_and(|l| l.expired.is_none() && l.expires > now_text())
    }
}

/// The signed message of a stored list and the content its signature covers.
#[derive(Debug, Clone)]
pub struct ListMessage {
    pub raw: Vec<u8>,
    pub content: Vec<u8>,
}

/// What a new subscription starts with.
pub struct NewSubscription<'a> {
    pub identifier: &'a str,
    pub url: &'a str,
    pub description: &'a str,
    pub new_images: NewImages,
    pub tls_anchors: TlsAnchors,
    pub username: Option<&'a str>,
    pub password: Option<&'a str>,
}

/// Changes `subscribe set` may make; `None` leaves a field alone.
#[derive(Default)]
pub struct SubscriptionChanges {
    pub new_images: Option<NewImages>,
    pub tls_anchors: Option<TlsAnchors>,
    pub username: Option<Option<String>>,
    pub password: Option<Option<String>>,
    pub url: Option<String>,
}

/// A link between an endorser and a subscription, for `endorser links`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Link {
    pub endorser: String,
    pub subscription: String,
}

impl Db {
    pub fn subscriptions(&self) -> Result<Vec<Subscription>> {
        let mut stmt = self
            .conn()
            .prepare(&format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM subscription ORDER BY identifier"
            ))
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], subscription_row)
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }

    /// Resolves `<SUB>`: an identifier or URL, exactly or by unique prefix.
    pub fn find_subscription(&self, reference: &str) -> Result<Subscription> {
        let all = self.subscriptions()?;
        if let Some(s) = all
            .iter()
            .find(|s| s.identifier == reference || s.url == reference)
        {
            return Ok(s.clone());
        }
        let matches: Vec<&Subscription> = all
            .iter()
            .filter(|s| s.identifier.starts_with(reference) || s.url.starts_with(reference))
            .collect();
        match matches.as_slice() {
            [one] if !reference.is_empty() => Ok((*one).clone()),
            [] | [_] => Err(Error::NotFound(format!(
                "no subscription matches '{reference}': 'vmcatcher subscribe list' shows them"
            ))),
            many => Err(Error::Conflict(format!(
                "'{reference}' matches {} subscriptions ({}): give more of the identifier",
                many.len(),
                many.iter()
                    .map(|s| s.identifier.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Resolves several `<SUB>` references, failing on the first unknown one.
    pub fn find_subscriptions(&self, references: &[String]) -> Result<Vec<Subscription>> {
        references
            .iter()
            .map(|r| self.find_subscription(r))
            .collect()
    }

    pub fn stored_list(&self, id: i64) -> Result<StoredList> {
        self.conn()
            .query_row(
                "SELECT id, subscription_id, raw_sha512, signer_dn, signer_ca, version, \
                 created, expires, imported, expired FROM image_list WHERE id = ?1",
                [id],
                |row| {
                    Ok(StoredList {
                        id: row.get(0)?,
                        subscription_id: row.get(1)?,
                        raw_sha512: row.get(2)?,
                        signer_dn: row.get(3)?,
                        signer_ca: row.get(4)?,
                        version: row.get(5)?,
                        created: row.get(6)?,
                        expires: row.get(7)?,
                        imported: row.get(8)?,
                        expired: row.get(9)?,
                    })
                },
            )
            .map_err(|e| self.error(e))
    }

    /// A stored list's signed message (byte for byte) and its verified content.
    pub fn list_message(&self, list_id: i64) -> Result<ListMessage> {
        let damaged = |what: &str| {
            Error::Failed(format!(
                "database {}: the stored message of list {list_id} {what}; run 'vmcatcher \
                 subscribe update' to fetch the list again",
                self.path().display()
            ))
        };
        let (raw, content): (Vec<u8>, Vec<u8>) = self
            .conn()
            .query_row(
                "SELECT raw, content FROM image_list_message WHERE image_list_id = ?1",
                [list_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(|e| self.error(e))?;
        let raw = super::images::decompress(raw).ok_or_else(|| damaged("does not decompress"))?;
        let mut message = ListMessage { raw, content };
        // Not stored twice: cut from the message as it was when it was verified.
        if message.content.is_empty() {
            message.content = super::images::content_of(&message.raw)
                .ok_or_else(|| damaged("has no signed content to cut out"))?;
        }
        Ok(message)
    }

    /// The list in force for a subscription, if any was imported.
    pub fn current_list(&self, subscription: &Subscription) -> Result<Option<StoredList>> {
        subscription
            .current_list_id
            .map(|id| self.stored_list(id))
            .transpose()
    }

    /// Endorser credentials linked to a subscription.
    pub fn authorised_credentials(
        &self,
        subscription_id: i64,
    ) -> Result<Vec<(String, Credential)>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT e.identifier, c.dn, c.ca FROM subscription_endorser l \
                 JOIN endorser e ON e.id = l.endorser_id \
                 JOIN endorser_credential c ON c.endorser_id = e.id \
                 WHERE l.subscription_id = ?1 ORDER BY e.identifier, c.id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([subscription_id], |row| {
                Ok((
                    row.get(0)?,
                    Credential {
                        dn: row.get(1)?,
                        ca: row.get(2)?,
                    },
                ))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }

    pub fn links(&self) -> Result<Vec<Link>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT e.identifier, s.identifier FROM subscription_endorser l \
                 JOIN endorser e ON e.id = l.endorser_id \
                 JOIN subscription s ON s.id = l.subscription_id \
                 ORDER BY e.identifier, s.identifier",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |row| {
                Ok(Link {
                    endorser: row.get(0)?,
                    subscription: row.get(1)?,
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }

    /// Subscriptions an endorser may sign, by identifier.
    pub fn endorser_subscriptions(&self, endorser: &str) -> Result<Vec<String>> {
        Ok(self
            .links()?
            .into_iter()
            .filter(|l| l.endorser == endorser)
            .map(|l| l.subscription)
            .collect())
    }

    pub fn link(&mut self, endorser: &str, subscription_id: i64) -> Result<bool> {
        self.write(|tx| link_in(tx, endorser, subscription_id))
    }

    pub fn unlink(&mut self, endorser: &str, subscription_id: i64) -> Result<bool> {
        self.write(|tx| {
            let endorser_id = endorser_id(tx, endorser)?;
            let n = tx
                .execute(
                    "DELETE FROM subscription_endorser WHERE subscription_id = ?1 AND endorser_id = ?2",
                    params![subscription_id, endorser_id],
                )
                .map_err(sql)?;
            Ok(n > 0)
        })
    }

    pub fn update_subscription(&mut self, id: i64, changes: &SubscriptionChanges) -> Result<()> {
        self.write(|tx| {
            if let Some(v) = changes.new_images {
                tx.execute(
                    "UPDATE subscription SET new_images = ?2 WHERE id = ?1",
                    params![id, v.as_str()],
                )
                .map_err(sql)?;
            }
            if let Some(v) = changes.tls_anchors {
                tx.execute(
                    "UPDATE subscription SET tls_anchors = ?2 WHERE id = ?1",
                    params![id, v.as_str()],
                )
                .map_err(sql)?;
            }
            if let Some(v) = &changes.username {
                tx.execute(
                    "UPDATE subscription SET username = ?2 WHERE id = ?1",
                    params![id, v],
                )
                .map_err(sql)?;
            }
            if let Some(v) = &changes.password {
                tx.execute(
                    "UPDATE subscription SET password = ?2 WHERE id = ?1",
                    params![id, v],
                )
                .map_err(sql)?;
            }
            if let Some(url) = &changes.url {
                let taken: Option<String> = tx
                    .query_row(
                        "SELECT identifier FROM subscription WHERE url = ?1 AND id != ?2",
                        params![url, id],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(sql)?;
                if let Some(other) = taken {
                    return Err(Error::Conflict(format!(
                        "{url} is already the URL of subscription '{other}'"
                    )));
                }
                tx.execute(
                    "UPDATE subscription SET url = ?2 WHERE id = ?1",
                    params![id, url],
                )
                .map_err(sql)?;
            }
            Ok(())
        })
    }

    /// Deletes a subscription with its links, lists and images.
    /// The view of a subscription its listings print.
    pub fn subscription_view(&self, s: &Subscription) -> Result<SubscriptionView> {
        let mut endorsers: Vec<String> = self
            .authorised_credentials(s.id)?
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        endorsers.dedup();
        Ok(SubscriptionView {
            subscription: s.clone(),
            endorsers,
            list: self.current_list(s)?,
        })
    }

    pub fn subscription_views(&self, all: &[Subscription]) -> Result<Vec<SubscriptionView>> {
        all.iter().map(|s| self.subscription_view(s)).collect()
    }

    pub fn delete_subscription(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            // The subscription points at its current list and the list at the subscription:
            // break the cycle first so the cascade has one direction.
            tx.execute(
                "UPDATE subscription SET current_list_id = NULL WHERE id = ?1",
                [id],
            )
            .map_err(sql)?;
            // Its images are dropped by decision: remember them so the cache still
            // expires them (an image nobody knows is left alone).
            tx.execute(
                "INSERT OR REPLACE INTO dropped_image (subscription, image, dropped) \
                 SELECT s.identifier, i.identifier, ?2 FROM image i \
                 JOIN subscription s ON s.id = i.subscription_id WHERE s.id = ?1",
                params![id, now_text()],
            )
            .map_err(sql)?;
            tx.execute("DELETE FROM subscription WHERE id = ?1", [id])
                .map_err(sql)?;
            Ok(())
        })
    }
}

/// Inserts a subscription row; a clash on identifier or URL is a clear error.
impl Db {
    /// Replaces the settings of a registry subscription (JSON).
    pub fn set_registry_settings(&mut self, id: i64, settings: &str) -> Result<()> {
        self.write(|tx| set_registry(tx, id, settings))
    }
}

/// Stores the settings of a subscription to an OCI registry (JSON).
pub(crate) fn set_registry(tx: &Transaction<'_>, id: i64, settings: &str) -> Result<()> {
    tx.execute(
        "UPDATE subscription SET registry = ?2 WHERE id = ?1",
        params![id, settings],
    )
    .map_err(sql)?;
    Ok(())
}

pub(crate) fn insert_subscription(
    tx: &Transaction<'_>,
    new: &NewSubscription<'_>,
    now: &str,
) -> Result<i64> {
    let clash: Option<(String, String)> = tx
        .query_row(
            "SELECT identifier, url FROM subscription WHERE identifier = ?1 OR url = ?2",
            params![new.identifier, new.url],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sql)?;
    if let Some((identifier, url)) = clash {
        return Err(Error::Conflict(format!(
            "already subscribed: subscription '{identifier}' at {url}; \
             use 'vmcatcher subscribe update {identifier}' or 'subscribe set --url'"
        )));
    }
    tx.execute(
        "INSERT INTO subscription (identifier, url, description, new_images, tls_anchors, \
         username, password, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            new.identifier,
            new.url,
            new.description,
            new.new_images.as_str(),
            new.tls_anchors.as_str(),
            new.username,
            new.password,
            now
        ],
    )
    .map_err(sql)?;
    Ok(tx.last_insert_rowid())
}

/// Links an endorser to a subscription; false when they were linked already.
pub(crate) fn link_in(tx: &Transaction<'_>, endorser: &str, subscription_id: i64) -> Result<bool> {
    let endorser_id = endorser_id(tx, endorser)?;
    let n = tx
        .execute(
            "INSERT OR IGNORE INTO subscription_endorser (subscription_id, endorser_id) \
             VALUES (?1, ?2)",
            params![subscription_id, endorser_id],
        )
        .map_err(sql)?;
    Ok(n > 0)
}

pub(crate) fn subscription_in(tx: &Transaction<'_>, id: i64) -> Result<Subscription> {
    tx.query_row(
        &format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscription WHERE id = ?1"),
        [id],
        subscription_row,
    )
    .map_err(sql)
}

fn endorser_id(tx: &Transaction<'_>, identifier: &str) -> Result<i64> {
    tx.query_row(
        "SELECT id FROM endorser WHERE identifier = ?1",
        [identifier],
        |r| r.get(0),
    )
    .optional()
    .map_err(sql)?
    .ok_or_else(|| super::endorsers::unknown_endorser(identifier))
}
