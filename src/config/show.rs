//! `vmcatcher config show`: every effective setting with its source.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::{Config, Setting};

/// One row of `config show`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    #[serde(skip)]
    pub key: &'static str,
    /// The value as `lines` prints it.
    #[serde(skip)]
    pub value: String,
    /// The value as `json` prints it: numbers as numbers, lists as arrays.
    #[serde(rename = "value")]
    pub typed: serde_json::Value,
    pub source: String,
}

impl Config {
    /// Every effective setting with its source, in a stable order.
    pub fn entries(&self) -> Vec<Entry> {
        fn entry<T>(key: &'static str, s: &Setting<T>, show: impl Fn(&T) -> Value) -> Entry {
            let typed = show(&s.value);
            let value = match &typed {
                Value::String(text) => text.clone(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(if key == "events.hook_dirs" { ":" } else { "," }),
                // `[events.handlers.<name>]` tables: `name.timeout=N,...`.
                Value::Object(tables) => tables
                    .iter()
                    .map(|(name, t)| format!("{name}.timeout={}", t["timeout"]))
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            Entry {
                key,
                value,
                typed,
                source: s.source.to_string(),
            }
        }
        let path = |p: &PathBuf| json!(p.display().to_string());
        let num = |n: &u64| json!(n);
        let num32 = |n: &u32| json!(n);
        let text = |s: &String| json!(s);
        let list = |v: &Vec<String>| json!(v);
        let paths = |v: &Vec<PathBuf>| {
            json!(v
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>())
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
                typed: self
                    .file
                    .as_ref()
                    .map_or(Value::Null, |p| json!(p.display().to_string())),
                source: if self.file.is_some() {
                    "found"
                } else {
                    "none found"
                }
                .into(),
            },
            entry("database", &self.database, |d| {
                json!(d.path.display().to_string())
            }),
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
            entry("http.transfer_timeout", &h.transfer_timeout, num),
            entry("http.min_rate", &h.min_rate, num),
            entry("http.max_redirects", &h.max_redirects, num32),
            entry("events.command", &e.command, text),
            entry("events.subscribe_command", &e.subscribe_command, text),
            entry("events.timeout", &e.timeout, num),
            entry("events.hook_dirs", &e.hook_dirs, paths),
            entry("events.disabled", &e.disabled, list),
            entry("events.max_tries", &e.max_tries, num32),
            entry("events.delivery", &e.delivery, text),
            entry("events.handlers", &e.handler_timeouts, |t| {
                json!(t
                    .iter()
                    .map(|(name, timeout)| (name.clone(), json!({ "timeout": timeout })))
                    .collect::<serde_json::Map<_, _>>())
            }),
            entry("log.level", &self.log.level, text),
            entry("log.format", &self.log.format, text),
            entry("trust.crl_grace", &self.trust.crl_grace, num),
            entry("status.warn_expiry", &self.status.warn_expiry, num),
        ]
    }
}
