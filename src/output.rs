//! Writing results to stdout. Diagnostics go to stderr through `tracing`; this is only
//! for the records a command prints.

use std::io::{self, Write};

use serde::Serialize;

use crate::error::{Error, Result};

/// Writes text to stdout; a closed pipe (`vmcatcher … | head`) ends the process quietly.
pub fn write(text: impl AsRef<[u8]>) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_ref()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Error::io("standard output", e)),
    }
}

/// Pretty JSON with a final newline.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Failed(format!("cannot render JSON: {e}")))?;
    text.push('\n');
    write(text)
}

/// A value in the original's `lines` listings: single-quoted.
pub fn quoted(value: &str) -> String {
    format!("'{value}'")
}
