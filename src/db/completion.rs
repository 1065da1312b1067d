//! What shell completion offers: values with a short help text, read-only.

use super::Db;
use crate::error::Result;

/// Which values a completion asks for.
#[derive(Debug, Clone, Copy)]
pub enum Completable {
    /// Subscription identifiers (with the description) and URLs (with the identifier).
    Subscriptions,
    /// Registered image identifiers, with the title of the newest record.
    Images,
    Endorsers,
}

impl Db {
    /// The candidates for `what`, each with an optional help text.
    pub fn completions(&self, what: Completable) -> Result<Vec<(String, Option<String>)>> {
        let queries: &[&str] = match what {
            Completable::Subscriptions => &[
                "SELECT identifier, description FROM subscription ORDER BY identifier",
                "SELECT url, identifier FROM subscription ORDER BY url",
            ],
            Completable::Images => &[
                "SELECT i.identifier, (SELECT r.title FROM image_record r WHERE r.image_id = i.id \
                 ORDER BY r.id DESC LIMIT 1) FROM image i WHERE i.refused = 0 ORDER BY i.identifier",
            ],
            Completable::Endorsers => &["SELECT identifier, NULL FROM endorser ORDER BY identifier"],
        };
        let mut all = Vec::new();
        for query in queries {
            let mut stmt = self.conn().prepare(query).map_err(|e| self.error(e))?;
            let rows = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(|e| self.error(e))?;
            for row in rows {
                all.push(row.map_err(|e| self.error(e))?);
            }
        }
        Ok(all)
    }
}
