//! `vmcatcher verify`: every check on one signed list, no database.

use std::path::Path;

use super::Context;
use crate::cli::{Format, TlsAnchorsArg};
use crate::error::{Error, ListRule, Result};
use crate::fetch::{read_local_file, redact_url, TlsAnchors, UrlFetcher, MAX_LIST_BYTES};
use crate::output::{self, VerifyView};
use crate::subscription::{check_list, rules};

pub(super) fn run(ctx: &Context, source: &str, anchors: TlsAnchorsArg) -> Result<()> {
    let format = ctx.record_format()?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let raw = if source.contains("://") {
        let options = services.fetch_options(TlsAnchors::from(anchors), None, None);
        rules::fetch(&fetcher, source, &options)?
    } else {
        // The checks of a file:// URL: a regular file (not a FIFO or a device that never
        // ends), at most MAX_LIST_BYTES.
        read_local_file(Path::new(source), MAX_LIST_BYTES)
            .map_err(|e| Error::list(ListRule::Fetch, format!("cannot read the image list: {e}")))?
    };

    let check = check_list(&services.trust, &raw);
    for warning in &check.warnings {
        tracing::warn!("{}: {warning}", redact_url(source));
    }
    let view = VerifyView {
        source: redact_url(source),
        check: &check,
    };
    match format {
        Format::Json => output::json(&view)?,
        _ => output::write(view.lines())?,
    }
    match check.first_failure() {
        None => Ok(()),
        Some(o) => Err(Error::list(
            o.rule,
            format!(
                "image list {} does not verify: {}: {}",
                redact_url(source),
                o.name,
                o.detail
            ),
        )),
    }
}
