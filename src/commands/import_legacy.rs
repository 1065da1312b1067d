//! `vmcatcher import-legacy`: a vmcatcher 0.6.3 database into the current one.

use super::Context;
use crate::cli::Format;
use crate::config::DatabaseUrl;
use crate::db::{Access, Db};
use crate::error::{Error, Result};
use crate::output;

/// The original's database when none is named: what its commands would open.
const ORIGINAL_DEFAULT: &str = "sqlite:///vmcatcher.db";

pub(super) fn run(ctx: &Context, from: Option<String>, dry_run: bool) -> Result<()> {
    let format = ctx.record_format()?;
    let (given, origin) = match from {
        Some(url) => (url, "--from"),
        None => match ctx.env.get("VMCATCHER_RDBMS") {
            Some(url) => (url.to_string(), "VMCATCHER_RDBMS"),
            None => (ORIGINAL_DEFAULT.to_string(), "the original's default"),
        },
    };
    let source = DatabaseUrl::parse(&given)
        .map_err(|e| Error::Usage(format!("{given} (from {origin}): {e}")))?;
    let target = &ctx.config.database.value;
    if same_file(&source.path, &target.path) {
        return Err(Error::Usage(format!(
            "the database to import into is the 0.6.3 database itself ({given}, from {origin}): \
             give --database a new file (and point VMCATCHER_RDBMS at it once imported)"
        )));
    }
    let mut db = if dry_run && !target.path.exists() {
        Db::in_memory(&target.path)?
    } else if dry_run {
        Db::open_with(&target.path, Access::Write)?
    } else {
        Db::open_with(&target.path, Access::Create)?
    };
    let _lock = if dry_run { None } else { Some(ctx.lock(&db)?) };
    let report = crate::legacy::import(&source.path, &given, &mut db, dry_run)?;
    match format {
        Format::Json => output::json(&report),
        _ => output::write(report.lines()),
    }
}

/// Whether two paths name one file (by inode when both exist, else by their text).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
    }
}
