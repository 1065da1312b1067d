//! `config show`: `key=value<TAB>source` lines, or an object keyed by setting.

use serde::{Serialize, Serializer};

use crate::config::Entry;

pub(crate) fn config_lines(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(|e| format!("{}={}\t{}\n", e.key, e.value, e.source))
        .collect()
}

/// `{"<key>": {"value": <typed value>, "source": "…"}}`, in the order of `config show`.
pub(crate) struct ConfigJson<'a>(pub(crate) &'a [Entry]);

impl Serialize for ConfigJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for e in self.0 {
            map.serialize_entry(e.key, e)?;
        }
        map.end()
    }
}
