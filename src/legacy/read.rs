//! Reading a vmcatcher 0.6.3 database: opened read-only and immutable, so the original's
//! file is never changed (no journal, no WAL, no schema), whatever happens.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// The tables the original's `create_all` makes; all must be there.
const TABLES: &[&str] = &[
    "endorser",
    "endorserPrincible",
    "subscription",
    "subscriptionAuth",
    "imageListInstance",
    "ImageDefinition",
    "ImageInstance",
];

#[derive(Debug, Clone)]
pub(crate) struct LegacyEndorser {
    pub id: i64,
    pub identifier: String,
}

/// An `endorserPrincible` row: a credential, owned by the endorser its `endorser` names.
#[derive(Debug, Clone)]
pub(crate) struct LegacyCredential {
    pub id: i64,
    pub dn: String,
    pub ca: String,
    pub endorser: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct LegacySubscription {
    pub id: i64,
    pub identifier: String,
    pub description: Option<String>,
    pub uri: String,
    pub imagelist_latest: Option<i64>,
    pub updated: Option<String>,
    pub trust_anchor: i64,
    pub username: Option<String>,
    pub password: Option<String>,
    pub update_mode: i64,
}

/// A `subscriptionAuth` row: an endorser ↔ subscription link.
#[derive(Debug, Clone)]
pub(crate) struct LegacyLink {
    pub id: i64,
    pub subscription: Option<i64>,
    pub endorser: Option<i64>,
}

/// An `imageListInstance` row: one stored signed list.
#[derive(Debug, Clone)]
pub(crate) struct LegacyList {
    pub id: i64,
    pub data: Vec<u8>,
    pub expired: Option<String>,
    pub sub_auth: Option<i64>,
    pub imported: String,
}

/// An `ImageDefinition` row: an image's selection (`cache`) in a subscription.
#[derive(Debug, Clone)]
pub(crate) struct LegacyImage {
    pub id: i64,
    pub identifier: String,
    pub cache: i64,
    pub subscription: Option<i64>,
}

/// An `ImageInstance` row, only as far as telling dangling rows apart goes (the stored
/// messages carry everything else).
#[derive(Debug, Clone)]
pub(crate) struct LegacyImageInstance {
    pub definition: Option<i64>,
    pub list: Option<i64>,
}

/// Everything a 0.6.3 database holds, as rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct LegacyDb {
    pub endorsers: Vec<LegacyEndorser>,
    pub credentials: Vec<LegacyCredential>,
    pub subscriptions: Vec<LegacySubscription>,
    pub links: Vec<LegacyLink>,
    pub lists: Vec<LegacyList>,
    pub images: Vec<LegacyImage>,
    pub instances: Vec<LegacyImageInstance>,
    /// Which schema generation the columns say it is (`0.6`, `0.5`, `0.4`, `<0.4`).
    pub generation: &'static str,
}

/// Opens `path` read-only and immutable and reads every table.
pub(crate) fn read(path: &Path) -> Result<LegacyDb> {
    let fail = |message: String| {
        Error::Config(format!(
            "vmcatcher 0.6.3 database {}: {message}",
            path.display()
        ))
    };
    if !path.is_file() {
        return Err(Error::NotFound(format!(
            "vmcatcher 0.6.3 database {} does not exist: give its location with --from \
             (as VMCATCHER_RDBMS names it for the original, e.g. sqlite:////var/lib/vmcatcher/vmcatcher.db)",
            path.display()
        )));
    }
    let absolute = std::path::absolute(path).map_err(|e| fail(e.to_string()))?;
    let uri = ::url::Url::from_file_path(&absolute)
        .map_err(|()| fail("is not a usable file path".into()))?;
    let conn = Connection::open_with_flags(
        format!("{uri}?mode=ro&immutable=1"),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| fail(format!("cannot open: {e}; check its permissions")))?;
    let tables = table_names(&conn).map_err(|e| {
        fail(format!(
            "cannot read: {e}; is it an SQLite database of the original vmcatcher?"
        ))
    })?;
    let missing: Vec<&str> = TABLES
        .iter()
        .copied()
        .filter(|t| !tables.contains(*t))
        .collect();
    if missing.len() == TABLES.len() {
        return Err(fail(
            "has none of the original's tables (endorser, subscription, ImageDefinition …): \
             it is not a vmcatcher 0.6.3 database; check --from"
                .into(),
        ));
    }
    if !missing.is_empty() {
        return Err(fail(format!(
            "lacks the table(s) {}: it is not a complete vmcatcher 0.6.3 database; check --from",
            missing.join(", ")
        )));
    }
    read_tables(&conn).map_err(|e| fail(format!("cannot read: {e}")))
}

fn table_names(conn: &Connection) -> rusqlite::Result<HashSet<String>> {
    let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    let names = stmt.query_map([], |r| r.get(0))?;
    names.collect()
}

fn columns(conn: &Connection, table: &str) -> rusqlite::Result<HashSet<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
    let names = stmt.query_map([], |r| r.get(1))?;
    names.collect()
}

/// `column` when the table has it, else `fallback` (older schema generations lack some).
fn column_or(have: &HashSet<String>, column: &str, fallback: &str) -> String {
    if have.contains(column) {
        format!("\"{column}\"")
    } else {
        fallback.to_string()
    }
}

/// A text column that SQLite may hold as text or blob (`data` was VARCHAR before 0.6).
fn bytes(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Vec<u8>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(index)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        _ => Vec::new(),
    })
}

/// A date column as text (SQLAlchemy stores `YYYY-MM-DD HH:MM:SS.ffffff`).
fn text(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<String>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(index)? {
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Null => None,
    })
}

fn read_tables(conn: &Connection) -> rusqlite::Result<LegacyDb> {
    let sub_columns = columns(conn, "subscription")?;
    let list_columns = columns(conn, "imageListInstance")?;
    let generation = if !sub_columns.contains("trustAnchor") {
        "<0.4"
    } else if !sub_columns.contains("updateMode") {
        "0.4"
    } else if list_columns.contains("data") && !data_is_blob(conn)? {
        "0.5"
    } else {
        "0.6"
    };
    let mut db = LegacyDb {
        generation,
        ..LegacyDb::default()
    };

    let mut stmt = conn.prepare("SELECT id, identifier FROM endorser ORDER BY id")?;
    db.endorsers = stmt
        .query_map([], |r| {
            Ok(LegacyEndorser {
                id: r.get(0)?,
                identifier: text(r, 1)?.unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut stmt =
        conn.prepare("SELECT id, hv_dn, hv_ca, endorser FROM \"endorserPrincible\" ORDER BY id")?;
    db.credentials = stmt
        .query_map([], |r| {
            Ok(LegacyCredential {
                id: r.get(0)?,
                dn: text(r, 1)?.unwrap_or_default(),
                ca: text(r, 2)?.unwrap_or_default(),
                endorser: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;

    let sql = format!(
        "SELECT id, identifier, description, uri, imagelist_latest, updated, {}, {}, {}, {} \
         FROM subscription ORDER BY id",
        column_or(&sub_columns, "trustAnchor", "0"),
        column_or(&sub_columns, "userName", "NULL"),
        column_or(&sub_columns, "password", "NULL"),
        column_or(&sub_columns, "updateMode", "0"),
    );
    let mut stmt = conn.prepare(&sql)?;
    db.subscriptions = stmt
        .query_map([], |r| {
            Ok(LegacySubscription {
                id: r.get(0)?,
                identifier: text(r, 1)?.unwrap_or_default(),
                description: text(r, 2)?,
                uri: text(r, 3)?.unwrap_or_default(),
                imagelist_latest: r.get(4)?,
                updated: text(r, 5)?,
                trust_anchor: r.get::<_, Option<i64>>(6)?.unwrap_or(0),
                username: text(r, 7)?,
                password: text(r, 8)?,
                update_mode: r.get::<_, Option<i64>>(9)?.unwrap_or(0),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut stmt =
        conn.prepare("SELECT id, subscription, endorser FROM \"subscriptionAuth\" ORDER BY id")?;
    db.links = stmt
        .query_map([], |r| {
            Ok(LegacyLink {
                id: r.get(0)?,
                subscription: r.get(1)?,
                endorser: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;

    let sql = format!(
        "SELECT id, data, {}, sub_auth, imported FROM \"imageListInstance\" ORDER BY id",
        column_or(&list_columns, "expired", "NULL")
    );
    let mut stmt = conn.prepare(&sql)?;
    db.lists = stmt
        .query_map([], |r| {
            Ok(LegacyList {
                id: r.get(0)?,
                data: bytes(r, 1)?,
                expired: text(r, 2)?,
                sub_auth: r.get(3)?,
                imported: text(r, 4)?.unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut stmt = conn.prepare(
        "SELECT id, identifier, cache, subscription FROM \"ImageDefinition\" ORDER BY id",
    )?;
    db.images = stmt
        .query_map([], |r| {
            Ok(LegacyImage {
                id: r.get(0)?,
                identifier: text(r, 1)?.unwrap_or_default(),
                cache: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                subscription: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut stmt = conn.prepare(
        "SELECT \"fkIdentifier\", fkimagelistinstance FROM \"ImageInstance\" ORDER BY id",
    )?;
    db.instances = stmt
        .query_map([], |r| {
            Ok(LegacyImageInstance {
                definition: r.get(0)?,
                list: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(db)
}

/// Before 0.6 `data` was `VARCHAR(1000)`; the declared type tells the generations apart.
fn data_is_blob(conn: &Connection) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare("PRAGMA table_info(\"imageListInstance\")")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (name, kind) = row?;
        if name == "data" {
            return Ok(kind.eq_ignore_ascii_case("BLOB"));
        }
    }
    Ok(true)
}
