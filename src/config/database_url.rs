//! Database URLs as existing sites write them (SQLAlchemy form) or as plain paths.

use std::fmt;
use std::path::PathBuf;

/// An SQLite database location and the text it was given as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub given: String,
    pub path: PathBuf,
}

impl DatabaseUrl {
    /// `sqlite:///relative.db`, `sqlite:////absolute.db` or a plain path; nothing else.
    pub fn parse(text: &str) -> Result<DatabaseUrl, String> {
        const SUPPORTED: &str =
            "use sqlite:///relative/path.db, sqlite:////absolute/path.db or a plain file path";
        let path = if let Some(rest) = text.strip_prefix("sqlite:///") {
            // SQLAlchemy: three slashes then the path, so a fourth slash makes it absolute.
            rest.to_string()
        } else if text.contains("://") || text.starts_with("sqlite:") {
            let scheme = text.split(':').next().unwrap_or(text);
            return Err(format!(
                "unsupported database URL (scheme '{scheme}'): vmcatcher stores its data in \
                 SQLite only; {SUPPORTED}"
            ));
        } else {
            text.to_string()
        };
        if path.is_empty() {
            return Err(format!("the database URL names no file: {SUPPORTED}"));
        }
        if path.contains('\0') {
            return Err("the database path contains a NUL byte".into());
        }
        Ok(DatabaseUrl {
            given: text.to_string(),
            path: PathBuf::from(path),
        })
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.given)
    }
}
