//! `vmcatcher apply`: the database made to match the declarations of the configuration.

use super::Context;
use crate::cli::Format;
use crate::declare::{self, Change};
use crate::error::{Error, Result};
use crate::fetch::UrlFetcher;
use crate::output;

/// Applies under the run lock, printing each change as it is made; `dry_run` applies to a
/// scratch copy of the database instead and prints the same lines.
pub(super) fn run(ctx: &Context, dry_run: bool, prune: bool) -> Result<()> {
    let format = ctx.record_format()?;
    let declarations = declare::load(&ctx.config)?;
    if declarations.is_empty() {
        tracing::warn!(
            "the configuration declares no [[endorser]] or [[subscription]] ({}, {}): \
             nothing to apply{}",
            ctx.config
                .file
                .as_ref()
                .map_or("no configuration file".to_string(), |f| f
                    .display()
                    .to_string()),
            ctx.config
                .drop_in_dir
                .as_ref()
                .map_or("no drop-in directory".to_string(), |d| d
                    .display()
                    .to_string()),
            if prune {
                "; --prune deletes nothing then"
            } else {
                ""
            }
        );
        return Ok(());
    }
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let mut changes: Vec<Change> = Vec::new();
    let json = format == Format::Json;
    // What stays as it is (`=`) is part of a plan; a real apply only notes it on stderr,
    // so that an apply with nothing to do prints nothing.
    let mut report = |c: &Change| {
        if c.sign == '=' && !dry_run {
            tracing::info!("{} {}", c.sign, c.text);
        } else if json {
            changes.push(c.clone());
        } else if let Err(e) = output::write(output::change_lines(std::slice::from_ref(c))) {
            tracing::debug!("{e}");
        }
    };
    let result = if dry_run {
        let mut scratch = ctx.scratch_db(true)?;
        declare::apply(
            &mut scratch.db,
            &services,
            &declarations,
            prune,
            &mut report,
        )
    } else {
        let mut db = ctx.create_db()?;
        let _lock = ctx.lock(&db)?;
        declare::apply(&mut db, &services, &declarations, prune, &mut report)
    };
    if json {
        let code = result.as_ref().err().map_or(0, Error::exit_code);
        output::json(&serde_json::json!({
            "dry_run": dry_run, "changes": changes, "exit_code": code,
        }))?;
    } else if dry_run {
        output::write("Dry run: nothing was changed.\n")?;
    }
    result
}
