//! `vmcatcher events list|retry` and `vmcatcher hooks list`.

use super::Context;
use crate::cli::{EventsCommand, Format, HooksCommand};
use crate::db::journal::{FAILED, PENDING};
use crate::error::{Error, Result};
use crate::events::Pass;
use crate::output;

pub(super) fn run(ctx: &Context, cmd: EventsCommand) -> Result<()> {
    match cmd {
        EventsCommand::List { pending, failed } => {
            let format = ctx.record_format()?;
            let state = if pending {
                Some(PENDING)
            } else if failed {
                Some(FAILED)
            } else {
                None
            };
            let db = ctx.read_db()?;
            let deliveries = db.deliveries(state)?;
            match format {
                Format::Json => output::json(&deliveries),
                _ => output::write(output::delivery_lines(&deliveries)),
            }
        }
        EventsCommand::Retry { .. } => {
            let db = ctx.open_db()?;
            let _lock = ctx.lock(&db)?;
            let failed = ctx.dispatcher(&db, true)?.delivering().retry_pending()?;
            failed_deliveries(failed)
        }
        EventsCommand::Deliver => {
            let db = ctx.open_db()?;
            match ctx.dispatcher(&db, true)?.delivering().deliver_all()? {
                Pass::Done { left } => failed_deliveries(left),
                // Said in the log; that process delivers what is pending.
                Pass::Busy(_) | Pass::NotDelivering => Ok(()),
            }
        }
    }
}

fn failed_deliveries(failed: usize) -> Result<()> {
    if failed > 0 {
        return Err(Error::Failed(format!(
            "{failed} deliveries failed again: 'vmcatcher events list' shows which \
             (pending ones are retried by the next run)"
        )));
    }
    Ok(())
}

/// The handlers in run order (full paths); with `--all` also the shadowed and disabled
/// hooks (JSON always has every field).
pub(super) fn hooks(ctx: &Context, cmd: HooksCommand) -> Result<()> {
    let HooksCommand::List { all } = cmd;
    let format = ctx.record_format()?;
    let events = &ctx.config.events;
    let discovery = crate::events::hooks::discover(
        &events.hook_dirs.value,
        ctx.env.get("PATH"),
        &events.disabled.value,
    );
    let view = output::HooksView {
        command: events.command.value.trim(),
        subscribe_command: events.subscribe_command.value.trim(),
        discovery: &discovery,
    };
    match format {
        Format::Json => output::json(&view),
        _ => output::write(view.lines(all)),
    }
}
