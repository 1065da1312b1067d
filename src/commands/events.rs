//! `vmcatcher events list|retry` and `vmcatcher hooks list`.

use serde_json::json;

use super::Context;
use crate::cli::{EventsCommand, Format, HooksCommand};
use crate::db::journal::{FAILED, PENDING};
use crate::error::{Error, Result};
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
                _ => output::write(
                    deliveries
                        .iter()
                        .map(|d| {
                            format!(
                                "{}\t{}\t{}\t{}\t{}\t{}\n",
                                d.event_id,
                                d.event_type,
                                d.image.as_deref().unwrap_or("-"),
                                d.handler,
                                d.state,
                                d.tries
                            )
                        })
                        .collect::<String>(),
                ),
            }
        }
        EventsCommand::Retry { .. } => {
            let db = ctx.open_db()?;
            let _lock = ctx.lock(&db)?;
            let failed = ctx.dispatcher(&db, true)?.retry_pending()?;
            if failed > 0 {
                return Err(Error::Failed(format!(
                    "{failed} deliveries failed again: 'vmcatcher events list' shows which \
                     (pending ones are retried by the next run)"
                )));
            }
            Ok(())
        }
    }
}

/// The handlers in run order (full paths), then the shadowed and disabled hooks.
pub(super) fn hooks(ctx: &Context, cmd: HooksCommand) -> Result<()> {
    let HooksCommand::List = cmd;
    let format = ctx.record_format()?;
    let events = &ctx.config.events;
    let discovery = crate::events::hooks::discover(
        &events.hook_dirs.value,
        ctx.env.get("PATH"),
        &events.disabled.value,
    );
    let command = events.command.value.trim();
    if format == Format::Json {
        output::json(&json!({
            "command": (!command.is_empty()).then_some(command),
            "subscribe_command": Some(events.subscribe_command.value.trim()).filter(|c| !c.is_empty()),
            "hooks": discovery.run,
            "shadowed": discovery.shadowed,
            "disabled": discovery.disabled,
        }))
    } else {
        let mut text = String::new();
        if !command.is_empty() {
            text.push_str(&format!("/bin/sh -c {command}\n"));
        }
        for hook in &discovery.run {
            text.push_str(&format!("{}\n", hook.path.display()));
        }
        for s in &discovery.shadowed {
            text.push_str(&format!(
                "{}\tshadowed by {}\n",
                s.path.display(),
                s.by.display()
            ));
        }
        for d in &discovery.disabled {
            text.push_str(&format!("{}\tdisabled\n", d.path.display()));
        }
        output::write(text)
    }
}
