//! Endorsers and their credentials.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::Db;
use crate::error::{Error, Result};

/// A certificate identity: subject and issuer in OpenSSL one-line form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    pub dn: String,
    pub ca: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Endorser {
    pub identifier: String,
    pub credentials: Vec<Credential>,
}

impl Db {
    /// Creates the endorser when missing and adds the credentials, all or nothing.
    /// Returns whether the endorser was new.
    pub fn add_endorser(&mut self, identifier: &str, credentials: &[Credential]) -> Result<bool> {
        self.write(|tx| insert_endorser(tx, identifier, credentials))
    }

    /// Deletes the endorser; its credentials and subscription links go with it.
    pub fn delete_endorser(&mut self, identifier: &str) -> Result<()> {
        let deleted = self.write(|tx| {
            tx.execute("DELETE FROM endorser WHERE identifier = ?1", [identifier])
                .map_err(super::sql)
        })?;
        if deleted == 0 {
            return Err(unknown_endorser(identifier));
        }
        Ok(())
    }

    /// Removes one credential of an endorser; returns whether it was there.
    pub fn remove_credential(&mut self, identifier: &str, credential: &Credential) -> Result<bool> {
        let removed = self.write(|tx| {
            tx.execute(
                "DELETE FROM endorser_credential WHERE dn = ?2 AND ca = ?3 AND endorser_id = \
                 (SELECT id FROM endorser WHERE identifier = ?1)",
                params![identifier, credential.dn, credential.ca],
            )
            .map_err(super::sql)
        })?;
        Ok(removed > 0)
    }

    /// Every endorser with its credentials, ordered by identifier.
    pub fn endorsers(&self) -> Result<Vec<Endorser>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT e.identifier, c.dn, c.ca FROM endorser e \
                 LEFT JOIN endorser_credential c ON c.endorser_id = e.id \
                 ORDER BY e.identifier, c.id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(|e| self.error(e))?;
        let mut endorsers: Vec<Endorser> = Vec::new();
        for row in rows {
            let (identifier, dn, ca) = row.map_err(|e| self.error(e))?;
            if endorsers.last().map(|e| &e.identifier) != Some(&identifier) {
                endorsers.push(Endorser {
                    identifier,
                    credentials: Vec::new(),
                });
            }
            if let (Some(dn), Some(ca), Some(last)) = (dn, ca, endorsers.last_mut()) {
                last.credentials.push(Credential { dn, ca });
            }
        }
        Ok(endorsers)
    }

    /// One endorser by identifier.
    pub fn endorser(&self, identifier: &str) -> Result<Endorser> {
        self.endorsers()?
            .into_iter()
            .find(|e| e.identifier == identifier)
            .ok_or_else(|| unknown_endorser(identifier))
    }
}

/// Creates the endorser when missing and adds the credentials; returns whether it was new.
/// The endorser holding a credential that `matches`, read inside a write transaction so
/// two runs auto-endorsing the same signer at once agree on one endorser.
pub(crate) fn endorser_with_credential_in(
    tx: &Transaction<'_>,
    matches: impl Fn(&Credential) -> bool,
) -> Result<Option<String>> {
    let mut stmt = tx
        .prepare(
            "SELECT e.identifier, c.dn, c.ca FROM endorser e \
             JOIN endorser_credential c ON c.endorser_id = e.id ORDER BY c.id",
        )
        .map_err(super::sql)?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                Credential {
                    dn: row.get(1)?,
                    ca: row.get(2)?,
                },
            ))
        })
        .map_err(super::sql)?;
    for row in rows {
        let (identifier, credential) = row.map_err(super::sql)?;
        if matches(&credential) {
            return Ok(Some(identifier));
        }
    }
    Ok(None)
}

pub(crate) fn insert_endorser(
    tx: &Transaction<'_>,
    identifier: &str,
    credentials: &[Credential],
) -> Result<bool> {
    let existing = endorser_row(tx, identifier)?;
    let endorser_id = if let Some(id) = existing {
        id
    } else {
        tx.execute(
            "INSERT INTO endorser (identifier) VALUES (?1)",
            [identifier],
        )
        .map_err(super::sql)?;
        tx.last_insert_rowid()
    };
    for credential in credentials {
        add_credential(tx, endorser_id, identifier, credential)?;
    }
    Ok(existing.is_none())
}

fn endorser_row(tx: &Transaction<'_>, identifier: &str) -> Result<Option<i64>> {
    tx.query_row(
        "SELECT id FROM endorser WHERE identifier = ?1",
        [identifier],
        |row| row.get(0),
    )
    .optional()
    .map_err(super::sql)
}

fn add_credential(
    tx: &Transaction<'_>,
    endorser_id: i64,
    identifier: &str,
    credential: &Credential,
) -> Result<()> {
    let owner: Option<String> = tx
        .query_row(
            "SELECT e.identifier FROM endorser_credential c JOIN endorser e ON e.id = c.endorser_id \
             WHERE c.dn = ?1 AND c.ca = ?2",
            params![credential.dn, credential.ca],
            |row| row.get(0),
        )
        .optional()
        .map_err(super::sql)?;
    if let Some(owner) = owner {
        let whose = if owner == identifier {
            "this endorser already has it".to_string()
        } else {
            format!("it belongs to endorser '{owner}'")
        };
        return Err(Error::Conflict(format!(
            "credential dn '{}' ca '{}' is already stored: {whose}; nothing was changed",
            credential.dn, credential.ca
        )));
    }
    tx.execute(
        "INSERT INTO endorser_credential (endorser_id, dn, ca) VALUES (?1, ?2, ?3)",
        params![endorser_id, credential.dn, credential.ca],
    )
    .map_err(super::sql)?;
    Ok(())
}

pub(super) fn unknown_endorser(identifier: &str) -> Error {
    Error::NotFound(format!(
        "endorser '{identifier}' does not exist: 'vmcatcher endorser list' shows the known ones"
    ))
}
