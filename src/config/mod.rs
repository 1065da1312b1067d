//! Effective settings: command line > environment > configuration file > built-in default,
//! with the source of every value kept so `vmcatcher config show` can say where it came from.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

mod database_url;
mod environment;
mod file;
mod show;

pub use database_url::DatabaseUrl;
pub use environment::Environment;
pub use show::Entry;

pub(crate) use file::parse_toml;
use file::{parse_config, read_config_file, FileConfig};

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

pub const SYSTEM_CONFIG: &str = "/etc/vmcatcher/vmcatcher.toml";
pub const DEFAULT_CERT_DIR: &str = "/etc/grid-security/certificates";
pub const DEFAULT_HOOK_DIR: &str = "/usr/libexec/vmcatcher/hooks";
pub const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];
pub const LOG_FORMATS: [&str; 2] = ["text", "json"];
/// Values of `events.delivery`.
pub const DELIVERY_MODES: [&str; 2] = ["immediate", "deferred"];

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
    /// Seconds for a whole list transfer, and for an image up to its response head.
    pub transfer_timeout: Setting<u64>,
    /// Bytes/s an image must average over each `read_timeout` window; 0: no floor.
    pub min_rate: Setting<u64>,
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
    /// `immediate` (each run delivers its events) or `deferred` (runs only journal them;
    /// `vmcatcher events deliver` delivers).
    pub delivery: Setting<String>,
    /// Timeouts of single handlers, by hook name (`command` for the shell commands), in
    /// seconds; the others get `timeout`.
    pub handler_timeouts: Setting<std::collections::BTreeMap<String, u64>>,
}

impl EventsConfig {
    /// Events are delivered by `vmcatcher events deliver` only.
    pub fn deferred(&self) -> bool {
        self.delivery.value == "deferred"
    }
}

#[derive(Debug, Clone)]
pub struct TrustConfig {
    /// Seconds a missing or expired CRL is tolerated before the lists it guards are
    /// withdrawn (past the CRL's nextUpdate, or since it was first found missing).
    pub crl_grace: Setting<u64>,
}

#[derive(Debug, Clone)]
pub struct StatusConfig {
    /// Seconds before a list expires from which `vmcatcher status` warns.
    pub warn_expiry: Setting<u64>,
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
    pub trust: TrustConfig,
    pub status: StatusConfig,
    /// `VMCATCHER_LOG_CONF` was set: a Python logging file we cannot honour.
    pub legacy_log_conf: Option<String>,
    /// Where `*.toml` drop-ins with declarations are read: `conf.d` beside the file read,
    /// else beside the file that would be read (the system's for root, the user's else).
    pub drop_in_dir: Option<PathBuf>,
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
        in_range(&lock_timeout, "lock_timeout", 0, DAY, "seconds")?;

        let cache_dir = layers.pick(
            overrides.cache_dir.clone().map(|v| (v, "--cache-dir")),
            layers
                .env_str("VMCATCHER_CACHE_DIR_CACHE")
                .map(|(n, v)| (n, v.map(PathBuf::from))),
            file.cache.dir.clone(),
            || default_cache_root(env).map(|root| root.join("endorsed")),
        )?;
        // Partial and expired default to siblings of the cache directory, so a rename
        // between them stays on one file system — except when the cache directory comes
        // from the original's VMCATCHER_CACHE_DIR_CACHE: then they are inside it, where
        // vmcatcher 0.6.3 puts them (`<cache>/partial`, `<cache>/expired`), so a site
        // that switches keeps its layout.
        let inside = cache_dir.source == Source::Env("VMCATCHER_CACHE_DIR_CACHE");
        let beside_cache = |name: &str| {
            if inside {
                return Ok(cache_dir.value.join(name));
            }
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
        in_range(
            &cache.parallel_downloads,
            "cache.parallel_downloads",
            1,
            64,
            "downloads",
        )?;
        in_range(&cache.max_tries, "cache.max_tries", 1, 1000, "tries")?;
        in_range(
            &cache.expired_retention_days,
            "cache.expired_retention_days",
            0,
            36_500,
            "days",
        )?;

        let http = HttpConfig {
            connect_timeout: layers.pick(None, None, file.http.connect_timeout, || Ok(30))?,
            read_timeout: layers.pick(None, None, file.http.read_timeout, || Ok(60))?,
            transfer_timeout: layers.pick(None, None, file.http.transfer_timeout, || {
                Ok(crate::fetch::DEFAULT_TRANSFER_TIMEOUT)
            })?,
            min_rate: layers.pick(None, None, file.http.min_rate, || {
                Ok(crate::fetch::DEFAULT_MIN_RATE)
            })?,
            max_redirects: layers.pick(None, None, file.http.max_redirects, || Ok(10))?,
        };
        in_range(
            &http.connect_timeout,
            "http.connect_timeout",
            1,
            HOUR,
            "seconds",
        )?;
        in_range(&http.read_timeout, "http.read_timeout", 1, HOUR, "seconds")?;
        in_range(
            &http.max_redirects,
            "http.max_redirects",
            0,
            100,
            "redirects",
        )?;
        in_range(
            &http.transfer_timeout,
            "http.transfer_timeout",
            1,
            DAY,
            "seconds",
        )?;
        in_range(
            &http.min_rate,
            "http.min_rate",
            0,
            1 << 40,
            "bytes per second",
        )?;

        let command = layers.pick(
            overrides.event_command.clone().map(|v| (v, "--execute")),
            layers.env_str("VMCATCHER_CACHE_EVENT"),
            file.events.command.clone(),
            || Ok(String::new()),
        )?;
        let subscribe_command = match layers.pick(
            overrides.event_command.clone().map(|v| (v, "--execute")),
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
            delivery: layers.pick(None, None, file.events.delivery.clone(), || {
                Ok("immediate".into())
            })?,
            handler_timeouts: layers.pick(None, None, handler_timeouts(&file.events)?, || {
                Ok(std::collections::BTreeMap::new())
            })?,
        };
        in_range(&events.timeout, "events.timeout", 1, DAY, "seconds")?;
        in_range(&events.max_tries, "events.max_tries", 1, 1000, "tries")?;
        one_of(&events.delivery, "events.delivery", &DELIVERY_MODES)?;

        let trust = TrustConfig {
            crl_grace: layers.pick(None, None, file.trust.crl_grace, || Ok(DAY))?,
        };
        in_range(&trust.crl_grace, "trust.crl_grace", 0, 30 * DAY, "seconds")?;

        let status = StatusConfig {
            warn_expiry: layers.pick(None, None, file.status.warn_expiry, || Ok(3 * DAY))?,
        };
        in_range(
            &status.warn_expiry,
            "status.warn_expiry",
            0,
            3650 * DAY,
            "seconds",
        )?;

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
            database,
            cert_dir,
            lock_timeout,
            cache,
            http,
            events,
            log,
            trust,
            status,
            legacy_log_conf: env.get("VMCATCHER_LOG_CONF").map(str::to_string),
            drop_in_dir: drop_in_dir(file_path.as_deref(), env),
            file: file_path,
        })
    }
}

/// `conf.d` beside the configuration file, or beside the one that would be read.
fn drop_in_dir(file: Option<&Path>, env: &Environment) -> Option<PathBuf> {
    let base = match file {
        Some(file) => file.parent()?.to_path_buf(),
        None if env.is_root() => PathBuf::from(SYSTEM_CONFIG).parent()?.to_path_buf(),
        None => env
            .xdg_dir("XDG_CONFIG_HOME", ".config")
            .ok()?
            .join("vmcatcher"),
    };
    Some(base.join("conf.d"))
}

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// Every number has a range, so no setting can overflow a deadline or ask for nonsense.
fn in_range<T>(setting: &Setting<T>, key: &str, min: u64, max: u64, unit: &str) -> Result<()>
where
    T: Copy + Into<u64> + fmt::Display,
{
    let value: u64 = setting.value.into();
    if value < min || value > max {
        return Err(Error::Config(format!(
            "{key} = {} (from {}) is out of range: give {min} to {max} {unit}",
            setting.value, setting.source
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

/// `[events.handlers.<name>] timeout` of every handler that sets one; a table without a
/// timeout, or one out of range, is an error that names it.
fn handler_timeouts(
    events: &file::FileEvents,
) -> Result<Option<std::collections::BTreeMap<String, u64>>> {
    let Some(handlers) = &events.handlers else {
        return Ok(None);
    };
    let mut timeouts = std::collections::BTreeMap::new();
    for (name, handler) in handlers {
        let key = format!("events.handlers.{name}.timeout");
        let Some(timeout) = handler.timeout else {
            return Err(Error::Config(format!(
                "[events.handlers.{name}] sets nothing: give it a timeout in seconds, or \
                 remove the table"
            )));
        };
        if !(1..=DAY).contains(&timeout) {
            return Err(Error::Config(format!(
                "{key} = {timeout} is out of range: give 1 to {DAY} seconds"
            )));
        }
        timeouts.insert(name.clone(), timeout);
    }
    Ok(Some(timeouts))
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
        // Set the original's way (only VMCATCHER_CACHE_DIR_CACHE): inside it, as 0.6.3.
        let c = load(
            &[("VMCATCHER_CACHE_DIR_CACHE", "/var/lib/one/vmcatcher-images")],
            true,
        );
        assert_eq!(
            c.cache.partial_dir.value,
            PathBuf::from("/var/lib/one/vmcatcher-images/partial")
        );
        assert_eq!(
            c.cache.expired_dir.value,
            PathBuf::from("/var/lib/one/vmcatcher-images/expired")
        );
        assert_eq!(c.cache.expired_dir.source, Source::Default);
        // Set our way (configuration file or --cache-dir): beside it.
        let c = Config::from_file_text(
            "[cache]\ndir = \"/srv/images/endorsed\"\n",
            Path::new("/etc/vmcatcher/vmcatcher.toml"),
            &Overrides::default(),
            &env(&[], true),
        )
        .unwrap();
        assert_eq!(
            c.cache.partial_dir.value,
            PathBuf::from("/srv/images/partial")
        );
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
}
