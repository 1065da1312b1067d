//! OpenNebula's template syntax, as its own lexer and parser read it (facts taken from
//! OpenNebula's `src/parsers/template_parser.l` and `template_syntax.y`), for the single
//! attributes the OpenNebula hook writes: `NAME = "value"` or `NAME = value`.
//!
//! - A quoted value is the longest run of characters other than `"`, or of `\"`, between
//!   two quotes: a `"` right after a backslash does not end it, whatever was meant.
//! - Only `\"` is unescaped (to `"`); every other backslash stays as it is.
//! - `]]>` on a line makes the lexer take the line as CDATA: the template is refused.
//! - `#` starts a comment line; blank lines are skipped.

/// The attributes of `text`, in order, or why OpenNebula would refuse it.
pub(crate) fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < bytes.len() {
        // Blanks, newlines and comment lines between attributes.
        match bytes[i] {
            b' ' | b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
                continue;
            }
            _ => {}
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i == start {
            return Err(format!("offset {i}: expected an attribute name"));
        }
        let name = text[start..i].to_string();
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            return Err(format!("{name}: expected '='"));
        }
        i += 1;
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        let line_end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
        if text[i..line_end].contains("]]>") {
            return Err(format!(
                "{name}: ']]>' in the value: the line is taken as CDATA"
            ));
        }
        if bytes.get(i) == Some(&b'"') {
            let (end, raw) =
                quoted(text, i + 1).ok_or_else(|| format!("{name}: unterminated value"))?;
            out.push((name, raw.replace("\\\"", "\"")));
            i = end;
        } else {
            let end = text[i..]
                .find(|c: char| "=# \t\n,[]".contains(c))
                .map_or(bytes.len(), |n| i + n);
            out.push((name, text[i..end].to_string()));
            i = end;
        }
    }
    Ok(out)
}

/// The longest quoted value from `from` (just after the opening quote): returns the
/// offset after its closing quote and the raw text between.
fn quoted(text: &str, from: usize) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut last_end = None;
    for j in from..bytes.len() {
        if bytes[j] != b'"' {
            continue;
        }
        last_end = Some(j);
        if j == from || bytes[j - 1] != b'\\' {
            break; // a bare quote can only end the value
        }
    }
    last_end.map(|j| (j + 1, &text[from..j]))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_lexer_rules() {
        let attrs =
            parse("A = \"x \\\"y\\\" z\"\nB = plain\n# note\nC = \"back\\\\slash\"\n").unwrap();
        assert_eq!(attrs[0], ("A".into(), "x \"y\" z".into()));
        assert_eq!(attrs[1], ("B".into(), "plain".into()));
        assert_eq!(
            attrs[2],
            ("C".into(), "back\\\\slash".into()),
            "backslashes stay"
        );
        // A backslash before the closing quote runs on into the next attribute.
        let swallowed = parse("A = \"ends\\\"\nB = \"b\"\n");
        assert!(
            !matches!(&swallowed, Ok(v) if v.len() == 2),
            "{swallowed:?}"
        );
        assert!(parse("A = \"x]]>y\"\n").is_err());
    }
}
