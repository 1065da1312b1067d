//! Importing a vmcatcher 0.6.3 database (`vmcatcher import-legacy`).
//!
//! The original's file is opened read-only and immutable and never changed. Everything it
//! holds comes over in one transaction: endorsers and their credentials (each to the
//! endorser its `endorser` column names, fixing 0.6.3's join by row id), subscriptions
//! with their settings and basic-auth credentials (out of the URL), the endorser links,
//! each image's selection, and the stored signed lists byte for byte, their images read
//! from the messages themselves. A row that is here already and the same is left alone, a
//! different one is reported as a conflict and kept; so a second import changes nothing
//! and says so. `--dry-run` runs the same import and rolls it back.
//!
//! The stored messages are checked against their signer's own key only (are the bytes
//! intact?), not against the trust directory: the next `subscribe update` verifies the
//! current list fully, as it does for every list.

mod map;
mod read;
mod report;
mod write;

use std::path::Path;

pub(crate) use map::split_credentials;
pub use report::{Counts, Finding, Report, Severity};

use crate::db::Db;
use crate::error::Result;

/// Imports the 0.6.3 database at `source` into `db` (or rehearses it with `dry_run`).
/// `source_name` and the database path name both ends in the report.
pub fn import(source: &Path, source_name: &str, db: &mut Db, dry_run: bool) -> Result<Report> {
    let legacy = read::read(source)?;
    let mut report = Report {
        source: source_name.to_string(),
        target: db.path().display().to_string(),
        generation: legacy.generation.to_string(),
        dry_run,
        ..Report::default()
    };
    if dry_run {
        db.rehearse(|tx| write::apply(tx, &legacy, &mut report))?;
    } else {
        db.write(|tx| write::apply(tx, &legacy, &mut report))?;
    }
    Ok(report)
}
