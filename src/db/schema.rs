//! The schema and its migrations, versioned with `PRAGMA user_version`.
//!
//! Each entry of `MIGRATIONS` takes the database from version N to N+1 and runs in the same
//! immediate transaction as the version bump, so a crash leaves either version, never half.

use rusqlite::{Connection, TransactionBehavior};

/// Version 1: everything the subscription, cache and event features need.
const V1: &str = r"
-- A person or service trusted to sign image lists.
CREATE TABLE endorser (
    id          INTEGER PRIMARY KEY,
    identifier  TEXT NOT NULL UNIQUE
);

-- An endorser's certificate identities, in OpenSSL one-line form. One subject may be
-- issued by several CAs, so the pair is the key.
CREATE TABLE endorser_credential (
    id          INTEGER PRIMARY KEY,
    endorser_id INTEGER NOT NULL REFERENCES endorser(id) ON DELETE CASCADE,
    dn          TEXT NOT NULL,
    ca          TEXT NOT NULL,
    UNIQUE (dn, ca)
);
CREATE INDEX endorser_credential_endorser ON endorser_credential(endorser_id);

-- A subscribed image list. `identifier` is the list's dc:identifier.
CREATE TABLE subscription (
    id              INTEGER PRIMARY KEY,
    identifier      TEXT NOT NULL UNIQUE,
    url             TEXT NOT NULL UNIQUE,
    description     TEXT NOT NULL DEFAULT '',
    new_images      TEXT NOT NULL DEFAULT 'accept'
                    CHECK (new_images IN ('refuse', 'accept', 'subscribe')),
    tls_anchors     TEXT NOT NULL DEFAULT 'both'
                    CHECK (tls_anchors IN ('system', 'igtf', 'both', 'none')),
    username        TEXT,
    password        TEXT,
    -- The list currently in force; NULL before the first import.
    current_list_id INTEGER REFERENCES image_list(id) ON DELETE SET NULL,
    created         TEXT NOT NULL,
    updated         TEXT
);

-- Which endorsers may sign which subscription.
CREATE TABLE subscription_endorser (
    subscription_id INTEGER NOT NULL REFERENCES subscription(id) ON DELETE CASCADE,
    endorser_id     INTEGER NOT NULL REFERENCES endorser(id) ON DELETE CASCADE,
    PRIMARY KEY (subscription_id, endorser_id)
);
CREATE INDEX subscription_endorser_endorser ON subscription_endorser(endorser_id);

-- Every imported signed list, kept as history.
CREATE TABLE image_list (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscription(id) ON DELETE CASCADE,
    raw             BLOB NOT NULL,          -- the signed message, byte for byte
    raw_sha512      TEXT NOT NULL,          -- lowercase hex SHA-512 of raw (msgHash)
    content         BLOB NOT NULL,          -- the verified signed content (JSON)
    signer_dn       TEXT NOT NULL,
    signer_ca       TEXT NOT NULL,
    version         TEXT NOT NULL,
    created         TEXT NOT NULL,          -- dc:date:created
    expires         TEXT NOT NULL,          -- dc:date:expires
    imported        TEXT NOT NULL,
    expired         TEXT                    -- when it was found expired or no longer valid
);
CREATE INDEX image_list_subscription ON image_list(subscription_id);

-- An image of a subscription, by its dc:identifier, with the administrator's choice.
CREATE TABLE image (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscription(id) ON DELETE CASCADE,
    identifier      TEXT NOT NULL,
    selected        INTEGER NOT NULL DEFAULT 0 CHECK (selected IN (0, 1)),
    -- refused images are remembered so they are not announced as new on every update
    refused         INTEGER NOT NULL DEFAULT 0 CHECK (refused IN (0, 1)),
    UNIQUE (subscription_id, identifier)
);
CREATE INDEX image_identifier ON image(identifier);

-- An image as described by one imported list.
CREATE TABLE image_record (
    id              INTEGER PRIMARY KEY,
    image_list_id   INTEGER NOT NULL REFERENCES image_list(id) ON DELETE CASCADE,
    image_id        INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    hypervisor      TEXT NOT NULL,
    sha512          TEXT NOT NULL,
    uri             TEXT NOT NULL,
    os              TEXT NOT NULL,
    osversion       TEXT NOT NULL,
    arch            TEXT NOT NULL,
    version         TEXT NOT NULL,
    size            INTEGER NOT NULL,
    comments        TEXT NOT NULL,
    expires         TEXT NOT NULL,          -- the image's own dc:date:expires or the list's
    metadata        TEXT NOT NULL,          -- the whole hv:image object as JSON
    UNIQUE (image_list_id, image_id)
);
CREATE INDEX image_record_image ON image_record(image_id);
CREATE INDEX image_record_sha512 ON image_record(sha512);

-- The event journal: every event sent, with the environment handlers got.
CREATE TABLE event (
    id              INTEGER PRIMARY KEY,
    session         TEXT NOT NULL,
    type            TEXT NOT NULL,
    image           TEXT,
    subscription    TEXT,
    created         TEXT NOT NULL,
    environment     TEXT NOT NULL           -- JSON object of the VMCATCHER_* variables
);

-- One delivery of an event to one handler; retried until delivered or given up.
CREATE TABLE event_delivery (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
    handler         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    tries           INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    updated         TEXT NOT NULL,
    UNIQUE (event_id, handler)
);
CREATE INDEX event_delivery_state ON event_delivery(state);
";

/// Version 2: the signed message and its content (hundreds of kB each) move to their own
/// table, so the state of 100,000 images does not walk their overflow pages, and the
/// state query gets covering indexes.
const V2: &str = r"
CREATE TABLE image_list_message (
    image_list_id   INTEGER PRIMARY KEY REFERENCES image_list(id) ON DELETE CASCADE,
    raw             BLOB NOT NULL,          -- the signed message, byte for byte
    content         BLOB NOT NULL           -- the verified signed content (JSON)
);
INSERT INTO image_list_message (image_list_id, raw, content)
    SELECT id, raw, content FROM image_list;
ALTER TABLE image_list DROP COLUMN raw;
ALTER TABLE image_list DROP COLUMN content;
-- Covering indexes for the state of every image (image list, completion).
CREATE INDEX image_record_state ON image_record(image_list_id, image_id, expires);
CREATE INDEX image_state ON image(subscription_id, identifier, selected, refused);
";

/// Version 3: what "do no harm" needs to remember between runs.
const V3: &str = r"
-- Images of a deleted subscription: the administrator decided to drop them, so the cache
-- expires them although no image row is left. Any other image the database does not know
-- is foreign (another database's, a restored backup's) and is never expired.
CREATE TABLE dropped_image (
    subscription    TEXT NOT NULL,          -- the list's dc:identifier
    image           TEXT NOT NULL,          -- the image's dc:identifier
    dropped         TEXT NOT NULL,
    PRIMARY KEY (subscription, image)
);

-- A cache change (a file moving into or out of the cache) decided and journaled with its
-- events before any file moves: the outbox. A run that dies half way finishes it next
-- time; its held events (operation_id set) are delivered once it is done.
CREATE TABLE cache_operation (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('expire', 'available')),
    image           TEXT NOT NULL,          -- the key in the source directory's index
    source          TEXT NOT NULL,          -- file name in the source directory
    target          TEXT NOT NULL,          -- file name in the target directory
    entry           TEXT NOT NULL,          -- the target index entry (JSON)
    created         TEXT NOT NULL
);
ALTER TABLE event ADD COLUMN operation_id INTEGER
    REFERENCES cache_operation(id) ON DELETE SET NULL;
CREATE INDEX event_operation ON event(operation_id);

-- Since when a CA's CRL has been missing or expired, for trust.crl_grace.
CREATE TABLE crl_problem (
    ca              TEXT PRIMARY KEY,       -- the CA's one-line subject
    first_seen      TEXT NOT NULL
);
";

/// Version 4: small facts about past runs, such as when the last `sync` succeeded, for
/// `vmcatcher status`.
const V4: &str = r"
CREATE TABLE state (
    key             TEXT PRIMARY KEY,
    value           TEXT NOT NULL
);
";

/// Version 5: a delivery can be `skipped`: its event names a cached file that is gone or
/// was replaced by the time a deferred delivery runs. SQLite cannot change a CHECK
/// constraint, so the table is rebuilt (nothing refers to it).
const V5: &str = r"
CREATE TABLE event_delivery_v5 (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
    handler         TEXT NOT NULL,
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'delivered', 'failed', 'skipped')),
    tries           INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    updated         TEXT NOT NULL,
    UNIQUE (event_id, handler)
);
INSERT INTO event_delivery_v5 (id, event_id, handler, state, tries, last_error, updated)
    SELECT id, event_id, handler, state, tries, last_error, updated FROM event_delivery;
DROP TABLE event_delivery;
ALTER TABLE event_delivery_v5 RENAME TO event_delivery;
CREATE INDEX event_delivery_state ON event_delivery(state);
";

/// Version 6: subscriptions to OCI registries (issue 15) keep their source settings
/// (tags, pattern, transport) as a JSON object; NULL for image lists.
const V6: &str = r"
ALTER TABLE subscription ADD COLUMN registry TEXT;
";

/// Migrations in order; the database's `user_version` is how many have run.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// The schema version this binary writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to `LATEST_VERSION`; refuses a newer one.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), String> {
    let version = user_version(conn)?;
    if version > LATEST_VERSION {
        return Err(format!(
            "schema version {version} is newer than this vmcatcher knows ({LATEST_VERSION}): \
             it was written by a newer release; upgrade vmcatcher rather than risk the data"
        ));
    }
    if version == 0 && has_original_tables(conn)? {
        return Err(
            "was created by the original Python vmcatcher (tables subscriptionAuth, \
             ImageDefinition): it is not changed; import it into a new database with \
             'vmcatcher --database <new file> import-legacy --from <this file>'"
                .to_string(),
        );
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| e.to_string())?;
        // Another process may have migrated while we waited for the write lock.
        if user_version(&tx)? > index as i64 {
            continue;
        }
        tx.execute_batch(sql)
            .map_err(|e| format!("migration to schema version {} failed: {e}", index + 1))?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// For a read-only connection, which cannot migrate: the schema must be this binary's.
pub(super) fn check_current(conn: &Connection) -> Result<(), String> {
    let version = user_version(conn)?;
    if version == 0 && has_original_tables(conn)? {
        return Err(
            "was created by the original Python vmcatcher (tables subscriptionAuth, \
             ImageDefinition): it cannot be read as it is; import it into a new database with \
             'vmcatcher --database <new file> import-legacy --from <this file>'"
                .to_string(),
        );
    }
    match version {
        0 => Err(
            "is empty (no vmcatcher schema): create one with 'vmcatcher subscribe add', \
                  or check --database and VMCATCHER_RDBMS"
                .to_string(),
        ),
        v if v > LATEST_VERSION => Err(format!(
            "schema version {v} is newer than this vmcatcher knows ({LATEST_VERSION}): \
             upgrade vmcatcher"
        )),
        v if v < LATEST_VERSION => Err(format!(
            "schema version {v} is older than this vmcatcher's ({LATEST_VERSION}): run a command \
             that writes, such as 'vmcatcher subscribe update', to upgrade it first"
        )),
        _ => Ok(()),
    }
}

fn user_version(conn: &Connection) -> Result<i64, String> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| e.to_string())
}

fn has_original_tables(conn: &Connection) -> Result<bool, String> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('subscriptionAuth', 'ImageDefinition')",
        [],
        |row| row.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_databases_keep_their_lists() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        conn.execute_batch(V1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO subscription (identifier, url, created) VALUES ('s', 'file:///l', 'now');
             INSERT INTO image_list (subscription_id, raw, raw_sha512, content, signer_dn, signer_ca,
                 version, created, expires, imported)
             VALUES (1, x'0102', 'h', x'7b7d', 'dn', 'ca', '1', 'c', 'e', 'i');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), LATEST_VERSION);
        let (raw, content): (Vec<u8>, Vec<u8>) = conn
            .query_row(
                "SELECT raw, content FROM image_list_message WHERE image_list_id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((raw, content), (vec![1, 2], b"{}".to_vec()));
        // Deleting the subscription still takes everything with it.
        conn.execute("DELETE FROM subscription", []).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM image_list_message", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }
}
