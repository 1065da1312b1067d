//! `vmcatcher status`: is everything current? Read only.

use super::Context;
use crate::cli::Format;
use crate::error::{Error, Result};
use crate::output;

pub(super) fn run(ctx: &Context, nagios: bool) -> Result<()> {
    if nagios {
        let (code, line) = match ctx
            .read_db()
            .and_then(|db| crate::status::status(&db, &ctx.config))
        {
            Ok(status) => output::nagios_line(&status),
            Err(e) => (3, output::nagios_unknown(&e.to_string())),
        };
        output::write(line)?;
        return if code == 0 {
            Ok(())
        } else {
            Err(Error::Reported(code))
        };
    }
    let format = ctx.format;
    if matches!(format, Format::Message | Format::Smime) {
        ctx.record_format()?;
    }
    let db = ctx.read_db()?;
    let status = crate::status::status(&db, &ctx.config)?;
    match format {
        Format::Json => output::json(&status),
        Format::Prometheus => output::write(output::prometheus_text(&status)),
        _ => output::write(output::status_lines(&status)),
    }
}
