use super::Context;
use crate::cli::{ConfigCommand, Format};
use crate::error::Result;
use crate::output;

pub(super) fn run(ctx: &Context, cmd: ConfigCommand) -> Result<()> {
    match cmd {
        ConfigCommand::Show => show(ctx),
    }
}

/// `key=value<TAB>source` lines, or a JSON object keyed by setting.
fn show(ctx: &Context) -> Result<()> {
    let entries = ctx.config.entries();
    if ctx.record_format()? == Format::Json {
        let map: serde_json::Map<String, serde_json::Value> = entries
            .into_iter()
            .map(|e| {
                let value = serde_json::to_value(&e).unwrap_or_default();
                (e.key.to_string(), value)
            })
            .collect();
        output::json(&map)
    } else {
        let text: String = entries
            .iter()
            .map(|e| format!("{}={}\t{}\n", e.key, e.value, e.source))
            .collect();
        output::write(text)
    }
}
