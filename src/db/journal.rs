//! The event journal: every event sent to at least one handler, and each delivery's
//! state, so failed deliveries are retried by the next run (at-least-once).
//!
//! It is an outbox: an event is written in the same transaction as the change that causes
//! it (a list import, a cache operation), before any file moves or any handler runs, and
//! delivery only ever reads the journal. An event tied to a cache operation is held until
//! the operation is done, so an ExpirePostfix never runs before its file has moved.

use std::collections::BTreeMap;

use rusqlite::{params, Transaction};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{now_text, sql, Db};
use crate::error::Result;

/// Delivery states.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";
/// Not delivered, and never to be: the event names a cached file that is gone or was
/// replaced since (a deferred delivery after an expiry). Not a failure.
pub const SKIPPED: &str = "skipped";

/// One delivery of one event to one handler, with its event.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub event_id: i64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub session: String,
    pub image: Option<String>,
    pub subscription: Option<String>,
    pub created: String,
    pub handler: String,
    pub state: String,
    pub tries: i64,
    pub last_error: Option<String>,
    pub updated: String,
    /// The event's variables, as handlers got them.
    #[serde(skip)]
    pub environment: BTreeMap<String, String>,
}

/// An event with its handlers, ready to be written in the transaction of its cause.
pub struct EventRecord {
    pub event: NewEventOwned,
    pub handlers: Vec<String>,
}

/// The owned form of [`NewEvent`].
pub struct NewEventOwned {
    pub session: String,
    pub event_type: &'static str,
    pub image: Option<String>,
    pub subscription: Option<String>,
    pub environment: BTreeMap<String, String>,
}

/// Writes an event and a pending delivery per handler; `operation` holds the deliveries
/// until that cache operation is done.
pub(crate) fn insert_event(
    tx: &Transaction<'_>,
    record: &EventRecord,
    operation: Option<i64>,
) -> Result<()> {
    let event = &record.event;
    let environment = serde_json::to_string(&event.environment).unwrap_or_else(|_| "{}".into());
    let now = now_text();
    tx.execute(
        "INSERT INTO event (session, type, image, subscription, created, environment, \
         operation_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            event.session,
            event.event_type,
            event.image,
            event.subscription,
            now,
            environment,
            operation
        ],
    )
    .map_err(sql)?;
    let event_id = tx.last_insert_rowid();
    for handler in &record.handlers {
        tx.execute(
            "INSERT INTO event_delivery (event_id, handler, state, tries, updated) \
             VALUES (?1, ?2, ?3, 0, ?4)",
            params![event_id, handler, PENDING, now],
        )
        .map_err(sql)?;
    }
    Ok(())
}

/// The two kinds of cache operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// A cached file moves to the expired directory.
    Expire,
    /// A verified download moves from partial into the cache.
    Available,
}

impl OperationKind {
    fn as_str(self) -> &'static str {
        match self {
            OperationKind::Expire => "expire",
            OperationKind::Available => "available",
        }
    }
}

/// A cache operation decided and journaled, not yet known to be done.
#[derive(Debug, Clone)]
pub struct CacheOperation {
    pub id: i64,
    pub kind: OperationKind,
    /// The key in the source directory's index.
    pub image: String,
    /// File name in the source directory.
    pub source: String,
    /// File name in the target directory.
    pub target: String,
    /// The target index entry.
    pub entry: Map<String, Value>,
}

/// Writes a cache operation; returns its id.
pub(crate) fn insert_operation(
    tx: &Transaction<'_>,
    kind: OperationKind,
    image: &str,
    source: &str,
    target: &str,
    entry: &Map<String, Value>,
) -> Result<i64> {
    let entry = serde_json::to_string(entry).unwrap_or_else(|_| "{}".into());
    tx.execute(
        "INSERT INTO cache_operation (kind, image, source, target, entry, created) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![kind.as_str(), image, source, target, entry, now_text()],
    )
    .map_err(sql)?;
    Ok(tx.last_insert_rowid())
}

impl Db {
    /// Records an event with a pending delivery per handler.
    pub fn journal_event(&mut self, record: &EventRecord) -> Result<()> {
        self.write(|tx| insert_event(tx, record, None))
    }

    /// The cache operations a run left unfinished, oldest first.
    pub fn operations(&self) -> Result<Vec<CacheOperation>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT id, kind, image, source, target, entry FROM cache_operation ORDER BY id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |row| {
                let kind: String = row.get(1)?;
                let entry: String = row.get(5)?;
                Ok(CacheOperation {
                    id: row.get(0)?,
                    kind: if kind == "expire" {
                        OperationKind::Expire
                    } else {
                        OperationKind::Available
                    },
                    image: row.get(2)?,
                    source: row.get(3)?,
                    target: row.get(4)?,
                    entry: serde_json::from_str(&entry).unwrap_or_default(),
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }

    /// The operation is done: its held events become deliverable (the foreign key sets
    /// their `operation_id` to NULL).
    pub fn finish_operation(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM cache_operation WHERE id = ?1", [id])
                .map_err(sql)?;
            Ok(())
        })
    }

    /// The operation cannot be done (its file is gone): it and its held events go.
    pub fn cancel_operation(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM event WHERE operation_id = ?1", [id])
                .map_err(sql)?;
            tx.execute("DELETE FROM cache_operation WHERE id = ?1", [id])
                .map_err(sql)?;
            Ok(())
        })
    }

    /// Records the outcome of one delivery attempt. A failure stays pending until
    /// `max_tries` attempts, then is given up as failed; a `permanent` one (the handler
    /// said trying again cannot help) is failed at once.
    pub fn record_delivery(
        &mut self,
        delivery_id: i64,
        error: Option<&str>,
        permanent: bool,
        max_tries: u32,
    ) -> Result<&'static str> {
        self.write(|tx| {
            let tries: i64 = tx
                .query_row(
                    "SELECT tries FROM event_delivery WHERE id = ?1",
                    [delivery_id],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(sql)?
                + 1;
            let state = match error {
                None => DELIVERED,
                Some(_) if permanent || tries >= i64::from(max_tries) => FAILED,
                Some(_) => PENDING,
            };
            tx.execute(
                "UPDATE event_delivery SET state = ?2, tries = ?3, last_error = ?4, updated = ?5 \
                 WHERE id = ?1",
                params![delivery_id, state, tries, error, now_text()],
            )
            .map_err(sql)?;
            Ok(state)
        })
    }

    /// Records that a delivery will not run, with the reason.
    pub fn skip_delivery(&mut self, delivery_id: i64, reason: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE event_delivery SET state = ?2, last_error = ?3, updated = ?4 \
                 WHERE id = ?1",
                params![delivery_id, SKIPPED, reason, now_text()],
            )
            .map_err(sql)?;
            Ok(())
        })
    }

    /// Pending deliveries that may run now (not held by an unfinished cache operation),
    /// in journal order.
    pub fn deliverable(&self) -> Result<Vec<Delivery>> {
        self.deliveries_where("d.state = 'pending' AND e.operation_id IS NULL", None)
    }

    /// Deliveries in journal order, optionally only those in one state.
    pub fn deliveries(&self, state: Option<&str>) -> Result<Vec<Delivery>> {
        self.deliveries_where("?1 IS NULL OR d.state = ?1", state)
    }

    fn deliveries_where(&self, condition: &str, state: Option<&str>) -> Result<Vec<Delivery>> {
        let mut stmt = self
            .conn()
            .prepare(&format!(
                "SELECT d.id, e.id, e.type, e.session, e.image, e.subscription, e.created, \
                 d.handler, d.state, d.tries, d.last_error, d.updated, e.environment \
                 FROM event_delivery d JOIN event e ON e.id = d.event_id \
                 WHERE {condition} ORDER BY e.id, d.id"
            ))
            .map_err(|e| self.error(e))?;
        let params: &[&dyn rusqlite::ToSql] = if condition.contains("?1") {
            &[&state]
        } else {
            &[]
        };
        let rows = stmt
            .query_map(params, |row| {
                let environment: String = row.get(12)?;
                Ok(Delivery {
                    id: row.get(0)?,
                    event_id: row.get(1)?,
                    event_type: row.get(2)?,
                    session: row.get(3)?,
                    image: row.get(4)?,
                    subscription: row.get(5)?,
                    created: row.get(6)?,
                    handler: row.get(7)?,
                    state: row.get(8)?,
                    tries: row.get(9)?,
                    last_error: row.get(10)?,
                    updated: row.get(11)?,
                    environment: serde_json::from_str(&environment).unwrap_or_default(),
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }
}
