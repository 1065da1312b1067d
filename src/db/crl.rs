//! Since when each CA's CRL has been missing or stale, so `trust.crl_grace` counts from
//! the first run that saw the problem, not from the current one.

use rusqlite::params;

use super::{now_text, sql, Db};
use crate::error::Result;

impl Db {
    /// When the CRL problem of `ca` was first seen; recorded now if this is the first time.
    pub fn crl_problem_since(&mut self, ca: &str) -> Result<String> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO crl_problem (ca, first_seen) VALUES (?1, ?2)",
                params![ca, now_text()],
            )
            .map_err(sql)?;
            tx.query_row(
                "SELECT first_seen FROM crl_problem WHERE ca = ?1",
                [ca],
                |r| r.get(0),
            )
            .map_err(sql)
        })
    }

    /// Every recorded CRL problem: the CA and since when (read only, for `status`).
    pub fn crl_problems(&self) -> Result<std::collections::BTreeMap<String, String>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT ca, first_seen FROM crl_problem")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.error(e))
    }

    /// Forgets the problems of the CAs whose CRL is current again.
    pub fn clear_crl_problems(&mut self, is_current: impl Fn(&str) -> bool) -> Result<()> {
        let known: Vec<String> = {
            let mut stmt = self
                .conn()
                .prepare("SELECT ca FROM crl_problem")
                .map_err(|e| self.error(e))?;
            let rows = stmt
                .query_map([], |r| r.get(0))
                .map_err(|e| self.error(e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| self.error(e))?
        };
        let solved: Vec<&String> = known.iter().filter(|ca| is_current(ca)).collect();
        if solved.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            for ca in solved {
                tx.execute("DELETE FROM crl_problem WHERE ca = ?1", [ca])
                    .map_err(sql)?;
            }
            Ok(())
        })
    }
}
