//! The event journal: every event sent to at least one handler, and each delivery's
//! state, so failed deliveries are retried by the next run (at-least-once).

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;

use super::{now_text, sql, Db};
use crate::error::Result;

/// Delivery states.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

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

/// An event to record.
pub struct NewEvent<'a> {
    pub session: &'a str,
    pub event_type: &'a str,
    pub image: Option<&'a str>,
    pub subscription: Option<&'a str>,
    pub environment: &'a BTreeMap<String, String>,
}

impl Db {
    /// Records an event with a pending delivery per handler; returns the delivery ids in
    /// handler order.
    pub fn journal_event(&mut self, event: &NewEvent<'_>, handlers: &[String]) -> Result<Vec<i64>> {
        let environment = serde_json::to_string(event.environment).unwrap_or_else(|_| "{}".into());
        self.write(|tx| {
            let now = now_text();
            tx.execute(
                "INSERT INTO event (session, type, image, subscription, created, environment) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    event.session,
                    event.event_type,
                    event.image,
                    event.subscription,
                    now,
                    environment
                ],
            )
            .map_err(sql)?;
            let event_id = tx.last_insert_rowid();
            let mut ids = Vec::with_capacity(handlers.len());
            for handler in handlers {
                tx.execute(
                    "INSERT INTO event_delivery (event_id, handler, state, tries, updated) \
                     VALUES (?1, ?2, ?3, 0, ?4)",
                    params![event_id, handler, PENDING, now],
                )
                .map_err(sql)?;
                ids.push(tx.last_insert_rowid());
            }
            Ok(ids)
        })
    }

    /// Records the outcome of one delivery attempt. A failure stays pending until
    /// `max_tries` attempts, then is given up as failed.
    pub fn record_delivery(
        &mut self,
        delivery_id: i64,
        error: Option<&str>,
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
                Some(_) if tries >= i64::from(max_tries) => FAILED,
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

    /// Deliveries in journal order, optionally only those in one state.
    pub fn deliveries(&self, state: Option<&str>) -> Result<Vec<Delivery>> {
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT d.id, e.id, e.type, e.session, e.image, e.subscription, e.created, \
                 d.handler, d.state, d.tries, d.last_error, d.updated, e.environment \
                 FROM event_delivery d JOIN event e ON e.id = d.event_id \
                 WHERE ?1 IS NULL OR d.state = ?1 ORDER BY e.id, d.id",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([state], |row| {
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
