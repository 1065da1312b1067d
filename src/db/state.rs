//! Small facts about past runs, by key (`vmcatcher status` reads them).

use rusqlite::{params, OptionalExtension};

use super::{sql, Db};
use crate::error::Result;

/// When the last `sync` finished without an error (RFC 3339, UTC).
pub const LAST_SYNC: &str = "last_sync";

impl Db {
    /// Records `value` under `key`, replacing what was there.
    pub fn set_state(&mut self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO state (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(sql)?;
            Ok(())
        })
    }

    /// The value recorded under `key`, if any.
    pub fn state(&self, key: &str) -> Result<Option<String>> {
        self.conn()
            .query_row("SELECT value FROM state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.error(e))
    }
}
