//! Since when each CA's CRL has been missing or stale, so `trust.crl_grace` counts from
//! the first run that saw the problem, not from the current one.

use rusqlite::params;

use time::OffsetDateTime;

use super::{sql, Db};
use crate::error::Result;
use crate::imagelist::format_date;

impl Db {
    /// When the CRL problem of `ca` was first seen; recorded as `now` if this is the first
    /// time. The caller's `now`, not the clock's: a second that ticks between the two would
    /// put the first sighting after the caller's now, and a grace of 0 would not be over.
    pub fn crl_problem_since(&mut self, ca: &str, now: OffsetDateTime) -> Result<String> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO crl_problem (ca, first_seen) VALUES (?1, ?2)",
                params![ca, format_date(now)],
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_first_sighting_is_the_callers_now_and_later_ones_keep_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("vmcatcher.db")).unwrap();
        // A time just before a second ticks: the clock has moved on when the row is written.
        let first = datetime!(2026-12-03 21:30:10.999 UTC);
        let since = db.crl_problem_since("/CN=CA", first).unwrap();
        assert_eq!(since, "2026-12-03T21:30:10Z");
        let later = datetime!(2026-12-04 08:00:00 UTC);
        assert_eq!(db.crl_problem_since("/CN=CA", later).unwrap(), since);
    }
}
