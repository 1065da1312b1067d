//! The pieces of the original's `lines` formats: quoted values, `key=value` lines, Python's
//! booleans, the trust-anchor names, and the escaping that keeps a value on its line.

use crate::fetch::TlsAnchors;

/// The original's trust anchor names for the `lines` listings.
pub(crate) fn anchor_name(anchors: TlsAnchors) -> &'static str {
    match anchors {
        TlsAnchors::None => "None",
        TlsAnchors::System => "Browser",
        TlsAnchors::Igtf => "IGTF",
        TlsAnchors::Both => "Both",
    }
}

/// Python's spelling of booleans, which the original printed.
pub(crate) fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// A value in the original's `lines` listings: single-quoted.
pub(crate) fn quoted(value: &str) -> String {
    format!("'{}'", field(value))
}

/// One `key=value` line of a `lines` block.
pub(crate) fn key_value(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push('=');
    out.push_str(&field(value));
    out.push('\n');
}

/// A value from an image list, made safe for `lines` output: a newline, tab or other
/// control character is written as `\n`, `\t`, `\r` or `\xNN`, so a title cannot add a
/// `key=value` line or a column. Backslashes stay as they are (OpenSSL escapes `/` in DNs
/// with one, and scripts compare DNs as the original printed them).
pub(crate) fn field(value: &str) -> std::borrow::Cow<'_, str> {
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
