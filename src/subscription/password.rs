//! The HTTP basic-auth password of a subscription, read from a file (never a flag's value,
//! which `ps` would show).

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Reads a password from a file or standard input; only the first line counts, so a
/// file written with `echo` works.
pub fn read_password(path: &Path) -> Result<String> {
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::io("standard input", e))?;
    } else {
        text = std::fs::read_to_string(path).map_err(|e| {
            Error::Failed(format!(
                "password file {}: cannot be read: {e}",
                path.display()
            ))
        })?;
    }
    let password = text.lines().next().unwrap_or("").to_string();
    if password.is_empty() {
        return Err(Error::Failed(format!(
            "password file {} is empty: write the password on its first line",
            path.display()
        )));
    }
    Ok(password)
}
