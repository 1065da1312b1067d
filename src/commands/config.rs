use super::Context;
use crate::cli::{ConfigCommand, Format};
use crate::error::Result;
use crate::output;

pub(super) fn run(ctx: &Context, cmd: ConfigCommand) -> Result<()> {
    match cmd {
        ConfigCommand::Show => show(ctx),
    }
}

/// Every effective setting with its source.
fn show(ctx: &Context) -> Result<()> {
    let entries = ctx.config.entries();
    match ctx.record_format()? {
        Format::Json => output::json(&output::ConfigJson(&entries)),
        _ => output::write(output::config_lines(&entries)),
    }
}
