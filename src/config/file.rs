//! The configuration file: where it is looked for, and its TOML read with every error
//! naming the file, the line and the dotted key.

use std::path::PathBuf;

use serde::Deserialize;

use super::{Environment, Overrides, SYSTEM_CONFIG};
use crate::error::{Error, Result};

// ---- the configuration file -------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) database: Option<String>,
    pub(super) cert_dir: Option<PathBuf>,
    pub(super) lock_timeout: Option<u64>,
    #[serde(default)]
    pub(super) cache: FileCache,
    #[serde(default)]
    pub(super) http: FileHttp,
    #[serde(default)]
    pub(super) events: FileEvents,
    #[serde(default)]
    pub(super) log: FileLog,
    #[serde(default)]
    pub(super) trust: FileTrust,
    #[serde(default)]
    pub(super) status: FileStatus,
    /// Declarations: not settings; the declare module reads them.
    #[serde(default, rename = "endorser")]
    _endorsers: Vec<serde::de::IgnoredAny>,
    #[serde(default, rename = "subscription")]
    _subscriptions: Vec<serde::de::IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileStatus {
    pub(super) warn_expiry: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileTrust {
    pub(super) crl_grace: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileCache {
    pub(super) dir: Option<PathBuf>,
    pub(super) partial_dir: Option<PathBuf>,
    pub(super) expired_dir: Option<PathBuf>,
    pub(super) parallel_downloads: Option<u32>,
    pub(super) max_tries: Option<u32>,
    pub(super) expired_retention_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileHttp {
    pub(super) connect_timeout: Option<u64>,
    pub(super) read_timeout: Option<u64>,
    pub(super) transfer_timeout: Option<u64>,
    pub(super) min_rate: Option<u64>,
    pub(super) max_redirects: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileEvents {
    pub(super) command: Option<String>,
    pub(super) subscribe_command: Option<String>,
    pub(super) timeout: Option<u64>,
    pub(super) hook_dirs: Option<Vec<PathBuf>>,
    pub(super) disabled: Option<Vec<String>>,
    pub(super) max_tries: Option<u32>,
    pub(super) delivery: Option<String>,
    /// `[events.handlers.<name>]`: settings of one handler.
    pub(super) handlers: Option<std::collections::BTreeMap<String, FileHandler>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileHandler {
    pub(super) timeout: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileLog {
    pub(super) level: Option<String>,
    pub(super) format: Option<String>,
}

/// Finds and parses the configuration file: `--config` or `VMCATCHER_CONFIG` (must exist),
/// else the first that exists of the user's and the system's file; none is fine.
pub(super) fn read_config_file(
    overrides: &Overrides,
    env: &Environment,
) -> Result<(Option<PathBuf>, FileConfig)> {
    let explicit = overrides
        .config
        .clone()
        .map(|p| (p, "--config"))
        .or_else(|| {
            env.get("VMCATCHER_CONFIG")
                .map(|p| (PathBuf::from(p), "VMCATCHER_CONFIG"))
        });
    let path = if let Some((path, origin)) = explicit {
        if !path.exists() {
            return Err(Error::Config(format!(
                "configuration file {} (from {origin}) does not exist: \
                 create it or point {origin} at an existing file",
                path.display()
            )));
        }
        Some(path)
    } else {
        let mut candidates = Vec::new();
        if !env.is_root() {
            if let Ok(dir) = env.xdg_dir("XDG_CONFIG_HOME", ".config") {
                candidates.push(dir.join("vmcatcher/vmcatcher.toml"));
            }
        }
        candidates.push(PathBuf::from(SYSTEM_CONFIG));
        candidates.into_iter().find(|p| p.exists())
    };
    let Some(path) = path else {
        return Ok((None, FileConfig::default()));
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::Config(format!(
            "configuration file {}: cannot be read: {e}",
            path.display()
        ))
    })?;
    let parsed = parse_config(&text)
        .map_err(|e| Error::Config(format!("configuration file {}: {e}", path.display())))?;
    Ok((Some(path), parsed))
}

/// Parses the TOML text; an error names the line and the dotted key (with the index of
/// an array entry, as `events.hook_dirs[3]`), on one line.
pub(super) fn parse_config(text: &str) -> std::result::Result<FileConfig, String> {
    parse_toml(text)
}

/// [`parse_config`] for any shape (the declarations read the same files).
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
) -> std::result::Result<T, String> {
    let line_of = |err: &toml::de::Error| {
        err.span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
    };
    let deserializer = toml::Deserializer::parse(text).map_err(|err| {
        let message = err.message().trim().to_string();
        match line_of(&err) {
            Some(line) => format!("line {line}: {message}"),
            None => message,
        }
    })?;
    serde_path_to_error::deserialize::<_, T>(deserializer).map_err(|err| {
        let key = err.path().to_string();
        let inner = err.inner();
        let message = inner.message().trim().to_string();
        let position = line_of(inner)
            .map(|line| format!("line {line}: "))
            .unwrap_or_default();
        if key.is_empty() || key == "." {
            format!("{position}{message}")
        } else {
            format!("{position}key '{key}': {message}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::parse_config;

    #[test]
    fn toml_errors_name_the_key_and_line() {
        let err = parse_config("[events]\ntimeout = 10\nhook_dir = []\n").unwrap_err();
        assert!(err.starts_with("line 3: key 'events.hook_dir'"), "{err}");
        let err = parse_config("lock_timeout = -1\n").unwrap_err();
        assert!(
            err.contains("line 1") && err.contains("lock_timeout"),
            "{err}"
        );
        assert!(parse_config("").is_ok());
    }

    #[test]
    fn a_bad_entry_of_a_multi_line_array_is_named_by_its_index() {
        let text = "[events]\nhook_dirs = [\n  \"/a\",\n  \"/b\",\n  3,\n]\n";
        let err = parse_config(text).unwrap_err();
        assert!(
            err.starts_with("line 5: key 'events.hook_dirs[2]'"),
            "{err}"
        );
    }
}
