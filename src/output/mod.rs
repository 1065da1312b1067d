//! The output layer: typed records rendered as `lines` (the original's formats, byte for
//! byte) or `json` (one documented schema, docs/output.md), written to stdout.
//! Diagnostics go to stderr through `tracing`; this is only for the records a command
//! prints.

mod cache;
mod config;
mod endorser;
mod hooks;
mod image;
mod lines;
mod plan;
mod status;
mod stream;
mod subscription;
mod update;
mod verify;

pub(crate) use cache::{cache_list_lines, delivery_lines};
pub(crate) use config::{config_lines, ConfigJson};
pub(crate) use endorser::{endorser_list_lines, link_lines, EndorserView};
pub(crate) use hooks::HooksView;
pub(crate) use image::{image_lines, image_list_line, image_long_lines, ImageJson, ImageView};
pub(crate) use lines::{anchor_name, field, key_value, py_bool, quoted};
pub(crate) use plan::{change_lines, plan_lines, PlanJson, SyncPlanView};
pub(crate) use status::{nagios_line, nagios_unknown, prometheus_text, status_lines};
pub(crate) use stream::Stream;
pub(crate) use subscription::{subscription_lines, subscription_list_lines, SubscriptionJson};
pub(crate) use update::{update_lines, UpdateJson};
pub(crate) use verify::VerifyView;

use std::io::{self, Write};

use serde::Serialize;

use crate::error::{Error, Result};

/// Writes text to stdout; a closed pipe (`vmcatcher … | head`) is [`Error::BrokenPipe`],
/// which `main` turns into a quiet exit 0.
pub(crate) fn write(text: impl AsRef<[u8]>) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_ref()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(Error::BrokenPipe),
        Err(e) => Err(Error::io("standard output", e)),
    }
}

/// Pretty JSON with a final newline.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Failed(format!("cannot render JSON: {e}")))?;
    text.push('\n');
    write(text)
}
