//! Identifier safety: list and image `dc:identifier`s become database keys and file names in
//! the cache directories (`<cache>/<id>`, `<expired>/<id>.<stamp>`), so a signed but careless
//! or hostile list must not be able to name a path outside them or clobber a managed file.

/// Longest identifier accepted, in bytes. A UUID is 36; 100 leaves room for other schemes
/// while keeping `<id>.<YYYY-mm-dd_HH-MM-SS>` far below any file system's name limit.
pub const MAX_IDENTIFIER_BYTES: usize = 100;

/// The index file kept in every cache directory.
const INDEX_FILE: &str = "cache.index";

/// Checks that `id` is usable as a single file name and database key.
///
/// Refused: empty; longer than [`MAX_IDENTIFIER_BYTES`]; containing `/` or `\` (path
/// separators on Unix and Windows), NUL or any other control character (C0, DEL, C1 — they
/// also break the tab/line based outputs and terminals); starting with `.` (which covers `.`
/// and `..`, and keeps clear of hidden and temporary files); equal to `cache.index` or
/// starting with `cache.index.` (the index and its temporary/backup siblings).
///
/// A `..` inside a name (`a..b`) is accepted: without a separator it cannot leave the
/// directory. Identifiers need not be RFC 4122 UUIDs. `Err` holds a short reason.
pub fn check_safe_identifier(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("identifier is empty".into());
    }
    if id.len() > MAX_IDENTIFIER_BYTES {
        return Err(format!(
            "identifier is {} bytes long, the limit is {MAX_IDENTIFIER_BYTES}",
            id.len()
        ));
    }
    if let Some(c) = id.chars().find(|c| matches!(c, '/' | '\\')) {
        return Err(format!("identifier contains the path separator {c:?}"));
    }
    if let Some(c) = id.chars().find(|c| c.is_control()) {
        return Err(format!("identifier contains the control character {c:?}"));
    }
    if id.starts_with('.') {
        return Err("identifier starts with '.'".into());
    }
    if id == INDEX_FILE || id.starts_with("cache.index.") {
        return Err(format!("identifier collides with the {INDEX_FILE} file"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_identifiers() {
        for ok in [
            "488dcdc4-9ab1-4fc8-a7ba-b7a5428ecb3d",
            "FOOBAR_",
            "image 1",
            "a..b",
            "cache.index2",
            "x.",
            "ünïcödé",
            &"a".repeat(MAX_IDENTIFIER_BYTES),
        ] {
            assert_eq!(check_safe_identifier(ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn refuses_each_rule() {
        for (bad, why) in [
            ("", "empty"),
            (&"a".repeat(MAX_IDENTIFIER_BYTES + 1) as &str, "bytes long"),
            (&"é".repeat(51), "bytes long"),
            ("a/b", "path separator"),
            ("../etc/passwd", "path separator"),
            ("/abs", "path separator"),
            ("a\\b", "path separator"),
            ("a\0b", "control character"),
            ("a\nb", "control character"),
            ("a\tb", "control character"),
            ("a\u{7f}", "control character"),
            ("a\u{85}", "control character"),
            (".", "starts with '.'"),
            ("..", "starts with '.'"),
            (".hidden", "starts with '.'"),
            ("cache.index", "cache.index"),
            ("cache.index.tmp", "cache.index"),
        ] {
            let err = check_safe_identifier(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }
}
