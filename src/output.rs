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
    format!("'{}'", field(value))
}

/// One `key=value` line of a `lines` block.
pub fn key_value(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push('=');
    out.push_str(&field(value));
    out.push('\n');
}

/// A value from an image list, made safe for `lines` output: a newline, tab or other
/// control character is written as `\n`, `\t`, `\r` or `\xNN`, so a title cannot add a
/// `key=value` line or a column. Backslashes stay as they are (OpenSSL escapes `/` in DNs
/// with one, and scripts compare DNs as the original printed them).
pub fn field(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_forge_lines() {
        let mut out = String::new();
        key_value(
            &mut out,
            "image.dc:title",
            "A\nimage.hv:uri=http://evil\tx\r\u{0}\u{85}",
        );
        assert_eq!(
            out,
            "image.dc:title=A\\nimage.hv:uri=http://evil\\tx\\r\\x00\\x85\n"
        );
        assert_eq!(out.lines().count(), 1);
        assert_eq!(field("/DC=org/CN=a\\/b"), "/DC=org/CN=a\\/b");
        assert_eq!(quoted("x\ty"), "'x\\ty'");
    }
}
