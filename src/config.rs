//! Effective settings: command line > environment > configuration file > built-in default,
//! with the source of every value kept so `vmcatcher config show` can say where it came from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::db::DatabaseUrl;
use crate::error::{Error, Result};

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Flag(name) => write!(f, "flag {name}"),
        }
    }
}

/// One effective value and where it came from.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// The process environment, captured once so tests can inject their own.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    is_root: bool,
}

impl Environment {
    pub fn from_process() -> Self {
        Environment {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            // SAFETY: geteuid has no preconditions and cannot fail.
            is_root: unsafe { libc::geteuid() } == 0,
        }
    }

    pub fn new(vars: impl IntoIterator<Item = (String, String)>, is_root: bool) -> Self {
        Environment {
            vars: vars.into_iter().collect(),
            is_root,
        }
    }

    /// A variable's value; an empty value counts as unset, as an empty override means nothing.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn is_root(&self) -> bool {
        self.is_root
    }

    /// `$XDG_<kind>_HOME`, else `$HOME/<fallback>`.
    fn xdg_dir(&self, var: &'static str, fallback: &str) -> Result<PathBuf> {
        if let Some(dir) = self.get(var).filter(|d| Path::new(d).is_absolute()) {
            return Ok(PathBuf::from(dir));
        }
        match self.get("HOME") {
            Some(home) => Ok(Path::new(home).join(fallback)),
            None => Err(Error::Config(format!(
                "neither {var} nor HOME is set, so there is no default location: \
                 set HOME or give the path in the configuration file"
            ))),
        }
    }
}

/// Values given on the command line; `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub database: Option<String>,
    pub cert_dir: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub partial_dir: Option<PathBuf>,
    pub expired_dir: Option<PathBuf>,
    pub event_command: Option<String>,
    pub log_format: Option<String>,
}

// ---- the configuration file -------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database: Option<String>,
    cert_dir: Option<PathBuf>,
    lock_timeout: Option<u64>,
    #[serde(default)]
    cache: FileCache,
    #[serde(default)]
    http: FileHttp,
    #[serde(default)]
    events: FileEvents,
    #[serde(default)]
    log: FileLog,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCache {
    dir: Option<PathBuf>,
    partial_dir: Option<PathBuf>,
    expired_dir: Option<PathBuf>,
    parallel_downloads: Option<u32>,
    max_tries: Option<u32>,
    expired_retention_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHttp {
    connect_timeout: Option<u64>,
    read_timeout: Option<u64>,
    max_redirects: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEvents {
    command: Option<String>,
    subscribe_command: Option<String>,
    timeout: Option<u64>,
    hook_dirs: Option<Vec<PathBuf>>,
    disabled: Option<Vec<String>>,
    max_tries: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLog {
    level: Option<String>,
    format: Option<String>,
}

pub const SYSTEM_CONFIG: &str = "/etc/vmcatcher/vmcatcher.toml";
pub const DEFAULT_CERT_DIR: &str = "/etc/grid-security/certificates";
pub const DEFAULT_HOOK_DIR: &str = "/usr/libexec/vmcatcher/hooks";
pub const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];
pub const LOG_FORMATS: [&str; 2] = ["text", "json"];

// ---- the effective configuration --------------------------------------------------------

#[derive(Debug, Clone)]
pub struct CacheConfig {
    pub dir: Setting<PathBuf>,
    pub partial_dir: Setting<PathBuf>,
    pub expired_dir: Setting<PathBuf>,
    pub parallel_downloads: Setting<u32>,
    pub max_tries: Setting<u32>,
    pub expired_retention_days: Setting<u32>,
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Setting<u64>,
    pub read_timeout: Setting<u64>,
    pub max_redirects: Setting<u32>,
}

#[derive(Debug, Clone)]
pub struct EventsConfig {
    pub command: Setting<String>,
    pub subscribe_command: Setting<String>,
    pub timeout: Setting<u64>,
    pub hook_dirs: Setting<Vec<PathBuf>>,
    pub disabled: Setting<Vec<String>>,
    pub max_tries: Setting<u32>,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub level: Setting<String>,
    pub format: Setting<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The configuration file that was read, if any.
    pub file: Option<PathBuf>,
    pub database: Setting<DatabaseUrl>,
    pub cert_dir: Setting<PathBuf>,
    pub lock_timeout: Setting<u64>,
    pub cache: CacheConfig,
    pub http: HttpConfig,
    pub events: EventsConfig,
    pub log: LogConfig,
    /// `VMCATCHER_LOG_CONF` was set: a Python logging file we cannot honour.
    pub legacy_log_conf: Option<String>,
}

/// One row of `config show`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub key: &'static str,
    pub value: String,
    pub source: String,
}

/// Picks the first layer that has a value: flag, environment, file, default.
struct Layers<'a> {
    env: &'a Environment,
    file_path: Option<&'a Path>,
}

impl Layers<'_> {
    fn pick<T>(
        &self,
        flag: Option<(T, &'static str)>,
        env: Option<(&'static str, Result<T>)>,
        file: Option<T>,
        default: impl FnOnce() -> Result<T>,
    ) -> Result<Setting<T>> {
        if let Some((value, name)) = flag {
            return Ok(Setting {
                value,
                source: Source::Flag(name),
            });
        }
        if let Some((name, value)) = env {
            return Ok(Setting {
                value: value?,
                source: Source::Env(name),
            });
        }
        if let (Some(value), Some(path)) = (file, self.file_path) {
            return Ok(Setting {
                value,
                source: Source::File(path.to_path_buf()),
            });
        }
        Ok(Setting {
            value: default()?,
            source: Source::Default,
        })
    }

    /// A variable taken as a plain string (paths, commands).
    fn env_str(&self, name: &'static str) -> Option<(&'static str, Result<String>)> {
        self.env.get(name).map(|v| (name, Ok(v.to_string())))
    }
}

impl Config {
    /// Resolves every setting from the four layers.
    pub fn load(overrides: &Overrides, env: &Environment) -> Result<Config> {
        let (file_path, file) = read_config_file(overrides, env)?;
        Config::resolve(overrides, env, file_path, file)
    }

    /// As [`Config::load`] with the text of a configuration file said to be at `path`:
    /// the entry the fuzz targets use, without touching the file system.
    pub(crate) fn from_file_text(
        text: &str,
        path: &Path,
        overrides: &Overrides,
        env: &Environment,
    ) -> Result<Config> {
        let file = parse_config(text)
            .map_err(|e| Error::Config(format!("configuration file {}: {e}", path.display())))?;
        Config::resolve(overrides, env, Some(path.to_path_buf()), file)
    }

    /// The four layers of every setting, the file already parsed.
    fn resolve(
        overrides: &Overrides,
        env: &Environment,
        file_path: Option<PathBuf>,
        file: FileConfig,
    ) -> Result<Config> {
        let layers = Layers {
            env,
            file_path: file_path.as_deref(),
        };

        let database = layers.pick(
            overrides.database.clone().map(|v| (v, "--database")),
            layers.env_str("VMCATCHER_RDBMS"),
            file.database.clone(),
            || default_database(env),
        )?;
        let database = Setting {
            value: DatabaseUrl::parse(&database.value).map_err(|e| {
                Error::Config(format!(
                    "{} (from {}): {e}",
                    database.value, database.source
                ))
            })?,
            source: database.source,
        };

        let cert_dir = layers.pick(
            overrides.cert_dir.clone().map(|v| (v, "--cert-dir")),
            layers
                .env_str("VMCATCHER_DIR_CERT")
                .map(|(n, v)| (n, v.map(PathBuf::from))),
            file.cert_dir.clone(),
            || Ok(PathBuf::from(DEFAULT_CERT_DIR)),
        )?;
        let lock_timeout = layers.pick(None, None, file.lock_timeout, || Ok(60))?;

        let cache_dir = layers.pick(
            overrides.cache_dir.clone().map(|v| (v, "--cache-dir")),
            layers
                .env_str("VMCATCHER_CACHE_DIR_CACHE")
                .map(|(n, v)| (n, v.map(PathBuf::from))),
            file.cache.dir.clone(),
            || default_cache_root(env).map(|root| root.join("endorsed")),
        )?;
        // Partial and expired default to siblings of the cache directory, so a rename
        // between them stays on one file system.
        let beside_cache = |name: &str| {
            let parent = cache_dir.value.parent().unwrap_or(Path::new("."));
            Ok(parent.join(name))
        };
        let partial_dir = layers.pick(
            overrides.partial_dir.clone().map(|v| (v, "--partial-dir")),
            layers
                .env_str("VMCATCHER_CACHE_DIR_DOWNLOAD")
                .map(|(n, v)| (n, v.map(PathBuf::from))),
            file.cache.partial_dir.clone(),
            || beside_cache("partial"),
        )?;
        let expired_dir = layers.pick(
            overrides.expired_dir.clone().map(|v| (v, "--expired-dir")),
            layers
                .env_str("VMCATCHER_CACHE_DIR_EXPIRE")
                .map(|(n, v)| (n, v.map(PathBuf::from))),
            file.cache.expired_dir.clone(),
            || beside_cache("expired"),
        )?;
        let cache = CacheConfig {
            dir: cache_dir.clone(),
            partial_dir,
            expired_dir,
            parallel_downloads: layers.pick(None, None, file.cache.parallel_downloads, || Ok(2))?,
            max_tries: layers.pick(None, None, file.cache.max_tries, || Ok(5))?,
            expired_retention_days: layers.pick(
                None,
                None,
                file.cache.expired_retention_days,
                || Ok(0),
            )?,
        };
        distinct_dirs(&cache)?;
        positive(&cache.parallel_downloads, "cache.parallel_downloads")?;
        positive(&cache.max_tries, "cache.max_tries")?;

        let http = HttpConfig {
            connect_timeout: layers.pick(None, None, file.http.connect_timeout, || Ok(30))?,
            read_timeout: layers.pick(None, None, file.http.read_timeout, || Ok(60))?,
            max_redirects: layers.pick(None, None, file.http.max_redirects, || Ok(10))?,
        };
        positive(&http.connect_timeout, "http.connect_timeout")?;
        positive(&http.read_timeout, "http.read_timeout")?;

        let command = layers.pick(
            overrides.event_command.clone().map(|v| (v, "--execute")),
            layers.env_str("VMCATCHER_CACHE_EVENT"),
            file.events.command.clone(),
            || Ok(String::new()),
        )?;
        let subscribe_command = match layers.pick(
            overrides
                .event_command
                .clone()
                .map(|v| Some((v, "--execute")))
                .unwrap_or(None),
            layers.env_str("VMCATCHER_SUB_EVENT"),
            file.events.subscribe_command.clone(),
            || Ok(String::new()),
        )? {
            // Not set anywhere: subscription events go to the same command as cache events.
            Setting {
                source: Source::Default,
                ..
            } => command.clone(),
            set => set,
        };
        let events = EventsConfig {
            command,
            subscribe_command,
            timeout: layers.pick(None, None, file.events.timeout, || Ok(10))?,
            hook_dirs: layers.pick(None, None, file.events.hook_dirs.clone(), || {
                Ok(vec![PathBuf::from(DEFAULT_HOOK_DIR)])
            })?,
            disabled: layers.pick(None, None, file.events.disabled.clone(), || Ok(vec![]))?,
            max_tries: layers.pick(None, None, file.events.max_tries, || Ok(5))?,
        };
        positive(&events.timeout, "events.timeout")?;
        positive(&events.max_tries, "events.max_tries")?;

        let log = LogConfig {
            level: layers.pick(None, None, file.log.level.clone(), || Ok("info".into()))?,
            format: layers.pick(
                overrides.log_format.clone().map(|v| (v, "--log-format")),
                None,
                file.log.format.clone(),
                || Ok("text".into()),
            )?,
        };
        one_of(&log.level, "log.level", &LOG_LEVELS)?;
        one_of(&log.format, "log.format", &LOG_FORMATS)?;

        Ok(Config {
            file: file_path,
            database,
            cert_dir,
            lock_timeout,
            cache,
            http,
            events,
            log,
            legacy_log_conf: env.get("VMCATCHER_LOG_CONF").map(str::to_string),
        })
    }

    /// Every effective setting with its source, in a stable order.
    pub fn entries(&self) -> Vec<Entry> {
        fn entry<T>(key: &'static str, s: &Setting<T>, show: impl Fn(&T) -> String) -> Entry {
            Entry {
                key,
                value: show(&s.value),
                source: s.source.to_string(),
            }
        }
        let path = |p: &PathBuf| p.display().to_string();
        let num = |n: &u64| n.to_string();
        let num32 = |n: &u32| n.to_string();
        let text = |s: &String| s.clone();
        let list = |v: &Vec<String>| v.join(",");
        let paths = |v: &Vec<PathBuf>| {
            v.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(":")
        };
        let c = &self.cache;
        let h = &self.http;
        let e = &self.events;
        vec![
            Entry {
                key: "config",
                value: self
                    .file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                source: if self.file.is_some() {
                    "found"
                } else {
                    "none found"
                }
                .into(),
            },
            entry("database", &self.database, |d| d.path.display().to_string()),
            entry("cert_dir", &self.cert_dir, path),
            entry("lock_timeout", &self.lock_timeout, num),
            entry("cache.dir", &c.dir, path),
            entry("cache.partial_dir", &c.partial_dir, path),
            entry("cache.expired_dir", &c.expired_dir, path),
            entry("cache.parallel_downloads", &c.parallel_downloads, num32),
            entry("cache.max_tries", &c.max_tries, num32),
            entry(
                "cache.expired_retention_days",
                &c.expired_retention_days,
                num32,
            ),
            entry("http.connect_timeout", &h.connect_timeout, num),
            entry("http.read_timeout", &h.read_timeout, num),
            entry("http.max_redirects", &h.max_redirects, num32),
            entry("events.command", &e.command, text),
            entry("events.subscribe_command", &e.subscribe_command, text),
            entry("events.timeout", &e.timeout, num),
            entry("events.hook_dirs", &e.hook_dirs, paths),
            entry("events.disabled", &e.disabled, list),
            entry("events.max_tries", &e.max_tries, num32),
            entry("log.level", &self.log.level, text),
            entry("log.format", &self.log.format, text),
        ]
    }
}

fn positive<T: PartialEq + Default>(setting: &Setting<T>, key: &str) -> Result<()> {
    if setting.value == T::default() {
        return Err(Error::Config(format!(
            "{key} must be at least 1 (from {})",
            setting.source
        )));
    }
    Ok(())
}

/// The three cache directories must differ: each index describes its own directory only.
fn distinct_dirs(cache: &CacheConfig) -> Result<()> {
    let dirs = [
        ("cache.dir", &cache.dir),
        ("cache.partial_dir", &cache.partial_dir),
        ("cache.expired_dir", &cache.expired_dir),
    ];
    for (i, (a, x)) in dirs.iter().enumerate() {
        for (b, y) in &dirs[i + 1..] {
            if x.value == y.value {
                return Err(Error::Config(format!(
                    "{a} (from {}) and {b} (from {}) are both {}: give each its own directory",
                    x.source,
                    y.source,
                    x.value.display()
                )));
            }
        }
    }
    Ok(())
}

fn one_of(setting: &Setting<String>, key: &str, allowed: &[&str]) -> Result<()> {
    if !allowed.contains(&setting.value.as_str()) {
        return Err(Error::Config(format!(
            "{key} = '{}' (from {}) is not one of {}",
            setting.value,
            setting.source,
            allowed.join(", ")
        )));
    }
    Ok(())
}

fn default_database(env: &Environment) -> Result<String> {
    if env.is_root() {
        return Ok("/var/lib/vmcatcher/vmcatcher.db".into());
    }
    let dir = env.xdg_dir("XDG_DATA_HOME", ".local/share")?;
    Ok(dir.join("vmcatcher/vmcatcher.db").display().to_string())
}

fn default_cache_root(env: &Environment) -> Result<PathBuf> {
    if env.is_root() {
        return Ok(PathBuf::from("/var/cache/vmcatcher"));
    }
    Ok(env.xdg_dir("XDG_CACHE_HOME", ".cache")?.join("vmcatcher"))
}

/// Finds and parses the configuration file: `--config` or `VMCATCHER_CONFIG` (must exist),
/// else the first that exists of the user's and the system's file; none is fine.
fn read_config_file(
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
    let path = match explicit {
        Some((path, origin)) => {
            if !path.exists() {
                return Err(Error::Config(format!(
                    "configuration file {} (from {origin}) does not exist: \
                     create it or point {origin} at an existing file",
                    path.display()
                )));
            }
            Some(path)
        }
        None => {
            let mut candidates = Vec::new();
            if !env.is_root() {
                if let Ok(dir) = env.xdg_dir("XDG_CONFIG_HOME", ".config") {
                    candidates.push(dir.join("vmcatcher/vmcatcher.toml"));
                }
            }
            candidates.push(PathBuf::from(SYSTEM_CONFIG));
            candidates.into_iter().find(|p| p.exists())
        }
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

/// Parses the TOML text; an error names the line and the key, on one line.
fn parse_config(text: &str) -> std::result::Result<FileConfig, String> {
    toml::from_str::<FileConfig>(text).map_err(|err| {
        let message = err.message().trim().to_string();
        let Some(span) = err.span() else {
            return message;
        };
        let line_no = text[..span.start.min(text.len())].matches('\n').count() + 1;
        match key_at_line(text, line_no) {
            Some(key) => format!("line {line_no}: key '{key}': {message}"),
            None => format!("line {line_no}: {message}"),
        }
    })
}

/// The dotted key written on a line (`[section]` headers above it included), if any.
fn key_at_line(text: &str, line_no: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let line = lines.get(line_no.checked_sub(1)?)?.trim();
    let section = lines[..line_no - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    if line.starts_with('[') {
        return Some(
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    let key = line.split('=').next()?.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    Some(match section {
        Some(section) => format!("{section}.{key}"),
        None => key.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)], root: bool) -> Environment {
        Environment::new(
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            root,
        )
    }

    fn load(vars: &[(&str, &str)], root: bool) -> Config {
        let mut all = vec![("VMCATCHER_CONFIG", "/dev/null")];
        all.extend_from_slice(vars);
        Config::load(&Overrides::default(), &env(&all, root)).expect("config")
    }

    #[test]
    fn root_defaults_are_system_paths() {
        let c = load(&[], true);
        assert_eq!(
            c.database.value.path,
            PathBuf::from("/var/lib/vmcatcher/vmcatcher.db")
        );
        assert_eq!(
            c.cache.dir.value,
            PathBuf::from("/var/cache/vmcatcher/endorsed")
        );
        assert_eq!(
            c.cache.partial_dir.value,
            PathBuf::from("/var/cache/vmcatcher/partial")
        );
        assert_eq!(
            c.cache.expired_dir.value,
            PathBuf::from("/var/cache/vmcatcher/expired")
        );
    }

    #[test]
    fn user_defaults_follow_xdg_then_home() {
        let c = load(&[("HOME", "/home/u")], false);
        assert_eq!(
            c.database.value.path,
            PathBuf::from("/home/u/.local/share/vmcatcher/vmcatcher.db")
        );
        assert_eq!(
            c.cache.dir.value,
            PathBuf::from("/home/u/.cache/vmcatcher/endorsed")
        );
        let c = load(
            &[
                ("HOME", "/home/u"),
                ("XDG_DATA_HOME", "/d"),
                ("XDG_CACHE_HOME", "/c"),
            ],
            false,
        );
        assert_eq!(
            c.database.value.path,
            PathBuf::from("/d/vmcatcher/vmcatcher.db")
        );
        assert_eq!(
            c.cache.partial_dir.value,
            PathBuf::from("/c/vmcatcher/partial")
        );
    }

    #[test]
    fn no_home_is_a_clear_error_for_users() {
        let err = Config::load(
            &Overrides::default(),
            &env(&[("VMCATCHER_CONFIG", "/dev/null")], false),
        )
        .unwrap_err();
        assert!(err.to_string().contains("HOME"), "{err}");
    }

    #[test]
    fn partial_and_expired_follow_a_configured_cache_dir() {
        let c = load(
            &[("VMCATCHER_CACHE_DIR_CACHE", "/srv/images/endorsed")],
            true,
        );
        assert_eq!(
            c.cache.partial_dir.value,
            PathBuf::from("/srv/images/partial")
        );
        assert_eq!(c.cache.expired_dir.source, Source::Default);
    }

    #[test]
    fn the_cache_directories_must_differ() {
        let err = Config::load(
            &Overrides::default(),
            &env(
                &[
                    ("VMCATCHER_CONFIG", "/dev/null"),
                    ("VMCATCHER_CACHE_DIR_CACHE", "/srv/c"),
                    ("VMCATCHER_CACHE_DIR_DOWNLOAD", "/srv/c"),
                ],
                true,
            ),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("cache.dir") && text.contains("cache.partial_dir"),
            "{text}"
        );
        assert!(text.contains("give each its own directory"), "{text}");
    }

    #[test]
    fn subscribe_command_defaults_to_the_cache_command() {
        let c = load(&[("VMCATCHER_CACHE_EVENT", "handler")], true);
        assert_eq!(c.events.subscribe_command.value, "handler");
        let c = load(
            &[("VMCATCHER_CACHE_EVENT", "a"), ("VMCATCHER_SUB_EVENT", "b")],
            true,
        );
        assert_eq!(c.events.subscribe_command.value, "b");
    }

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
}
